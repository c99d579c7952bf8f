"""One host-wide cgroup for BuildKit's RUN steps, limited for one build at a time.

Docker Engine before 23 runs BuildKit's steps in `<engine cgroup parent>/buildkit`
(`/docker/buildkit` with the cgroupfs driver) and ignores a build's
`--cgroup-parent` (verified on 20.10: the RUN process sat in
`/docker/buildkit/<id>` and forked past a parent's pids.max). The kernel still
applies limits written on that shared cgroup to every step inside it, so the
grader writes the build's limits there, lets only one grader build at a time use
it (a host-wide lock), and writes the previous values back afterwards. Only the
steps' cgroups that appear during our build are ours to kill.

Engine 23 and later do put the steps in a build's `--cgroup-parent`, but BuildKit
keys its cache on it (the parent is part of each RUN step's definition): a parent
named per build would rebuild every step every time, and the layer-cache check could
never pass. So there too every grader build uses one parent, `/course_grader_buildkit`
(a plain cgroup: BuildKit takes the parent as a path even under the systemd driver),
lent the same way; its steps sit in `<parent>/buildkit/<id>`.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from .cgroups import CPU_PERIOD, BuildCgroup
from .limits import BuildLimits

LOCK = Path("/run/course-grader-buildkit.lock")
#: The cgroup parent of every grader BuildKit build on Engine 23+ (stable: see above).
STABLE_PARENT = "course_grader_buildkit"


@dataclass
class SharedBuildCgroup(BuildCgroup):
    """A parent of BuildKit's steps shared by every grader build, on loan to one build:
    the engine's `docker/buildkit` (Engine < 23), or STABLE_PARENT passed to buildx."""

    per_build: bool = False
    given_as_parent: bool = False
    #: Where, under the cgroup, each step gets its own (BuildKit's `buildkit/<id>`).
    steps_under: str = ""
    lock_path: Path = LOCK
    _saved: dict[Path, str] = field(default_factory=dict)
    _before: set[str] = field(default_factory=set)
    _events: tuple[int, int] = (0, 0)
    _lock: IO[str] | None = None

    @property
    def parent(self) -> str:
        return "/" + self.name

    def _limit_files(self, limits: BuildLimits) -> dict[Path, str]:
        quota = str(max(1000, int(limits.cpus * CPU_PERIOD)))
        if self.version == 1:
            files = {
                ("pids", "pids.max"): str(limits.pids),
                ("memory", "memory.limit_in_bytes"): str(limits.memory),
                ("memory", "memory.memsw.limit_in_bytes"): str(limits.memory),
                ("cpu", "cpu.cfs_period_us"): str(CPU_PERIOD),
                ("cpu", "cpu.cfs_quota_us"): quota,
            }
        else:
            files = {
                ("", "pids.max"): str(limits.pids),
                ("", "memory.max"): str(limits.memory),
                ("", "memory.swap.max"): "0",
                ("", "cpu.max"): f"{quota} {CPU_PERIOD}",
            }
        return {self._dir(c) / name: value for (c, name), value in files.items()}

    def create(self, limits: BuildLimits, wait: float = 3600) -> None:
        """Take the host-wide lock, save the shared cgroup's limits and write the build's
        (raises OSError if the kernel refuses; TimeoutError past *wait* s of waiting)."""
        self.lock_path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = open(self.lock_path, "a")  # noqa: SIM115 - held until release()
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    self._unlock()
                    raise TimeoutError(f"{self.lock_path} stayed locked for {wait:g} s") from None
                time.sleep(0.2)
        try:
            if self.version == 2:
                self._delegate_controllers()
            for path, value in self._limit_files(limits).items():
                path.parent.mkdir(parents=True, exist_ok=True)
                if path.name.startswith("memory.memsw") and not path.exists():
                    continue  # no swap accounting: no swap to limit either
                self._saved[path] = path.read_text().strip()
                path.write_text(value)
            self._before = set(self._children())
            self._events = (self._pid_events(), self._oom_kills())
            with contextlib.suppress(OSError):
                if self.version == 1:
                    (self._dir("memory") / "memory.max_usage_in_bytes").write_text("0")
        except OSError:
            self.remove()
            raise

    def _delegate_controllers(self) -> None:
        """Make sure the parent of our cgroup hands pids, memory and cpu down (cgroup v2;
        systemd usually has, for its own slices)."""
        control = self._dir("").parent / "cgroup.subtree_control"
        with contextlib.suppress(OSError):
            enabled = control.read_text().split()
            for controller in ("pids", "memory", "cpu"):
                if controller not in enabled:
                    control.write_text(f"+{controller}")

    def _steps_dir(self) -> Path:
        return self._dir("pids") / self.steps_under if self.steps_under else self._dir("pids")

    def _children(self) -> list[str]:
        with contextlib.suppress(OSError):
            return [p.name for p in self._steps_dir().iterdir() if p.is_dir()]
        return []

    def _pid_events(self) -> int:
        return self._field(self._read("pids", "pids.events"), "max")

    def _oom_kills(self) -> int:
        if self.version == 2:
            return self._field(self._read("", "memory.events"), "oom_kill")
        return self._field(self._read("memory", "memory.oom_control"), "oom_kill")

    def tasks(self) -> list[int]:
        """Processes of the steps that started during our build (not earlier ones')."""
        found: list[int] = []
        for child in set(self._children()) - self._before:
            for folder, _dirs, files in os.walk(self._steps_dir() / child):
                if "cgroup.procs" in files:
                    with contextlib.suppress(OSError):
                        text = (Path(folder) / "cgroup.procs").read_text()
                        found.extend(int(pid) for pid in text.split() if pid.isdigit())
        return found

    def kill(self) -> int:
        """Kill only our build's steps, never the whole shared cgroup (no cgroup.kill)."""
        return self.kill_each()

    def pids_limit_hit(self, limit: int) -> bool:
        return self._pid_events() > self._events[0]

    def memory_limit_hit(self, limit: int) -> bool:
        if self._oom_kills() > self._events[1]:
            return True
        peak = self._read("memory", "memory.max_usage_in_bytes").strip()
        return self.version == 1 and peak.isdigit() and int(peak) >= limit

    def used(self) -> bool:
        if self.seen_tasks:
            return True
        peak = self._read("memory", "memory.max_usage_in_bytes").strip()
        return self.version == 1 and peak.isdigit() and int(peak) > 0

    def remove(self) -> list[str]:
        """Write the saved limits back and let the next build have the cgroup."""
        problems = []
        for path, value in reversed(list(self._saved.items())):
            try:
                path.write_text(value)
            except OSError as error:
                problems.append(f"cgroup {path}: could not restore {value!r}: {error.strerror}")
        self._saved.clear()
        self._unlock()
        return problems

    def _unlock(self) -> None:
        if self._lock is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._lock, fcntl.LOCK_UN)
            self._lock.close()
            self._lock = None
