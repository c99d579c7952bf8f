"""A cgroup per build, the parent of its RUN containers (the build API's `cgroupparent`).

The classic builder gives RUN containers no pids limit of their own, so the
limits live one level up, in a cgroup the grader makes with the engine's
cgroupfs driver: Docker puts each RUN container's cgroup inside it, and the
kernel applies its limits to all of them together. The same cgroup is the
handle that stops a timed-out build for good (kill every task in it).

Verified on cgroup v1 (engine 20.10, cgroupfs driver). The cgroup v2 (unified)
branch follows the kernel's interface files (pids.max, memory.max, cpu.max,
cgroup.kill) but has not run on a v2 host here.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
from dataclasses import dataclass
from pathlib import Path

from .limits import BuildLimits

ROOT = Path("/sys/fs/cgroup")
PREFIX = "course-grader-"
_NAME = re.compile(re.escape(PREFIX) + r"(?P<host>.+)-(?P<pid>\d+)-(?P<session>[0-9a-f]+)-b\d+")
CPU_PERIOD = 100_000


class CgroupUnavailable(Exception):
    """This engine's RUN containers cannot get a cgroup parent from us (says why)."""


def host_slug() -> str:
    return re.sub(r"[^A-Za-z0-9_.]", "_", socket.gethostname())[:60]


def cgroup_support(info: dict, engine_local: bool, root: Path = ROOT) -> tuple[int, str]:
    """The cgroup version and driver we can drive for this engine, or raise
    CgroupUnavailable saying why and what would make it work."""
    if not engine_local:
        raise CgroupUnavailable(
            "the engine runs on another machine (or in Docker Desktop's VM), where the "
            "grader cannot create cgroups; grade on the engine's own Linux host (e.g. the "
            "regrade workflow on ubuntu-latest, as root)"
        )
    if "rootless" in " ".join(str(o) for o in info.get("SecurityOptions") or []):
        raise CgroupUnavailable(
            "the engine is rootless Docker, whose builds run in the user's own systemd "
            "slice; grade with a rootful engine as root"
        )
    driver = info.get("CgroupDriver", "")
    version = int(info.get("CgroupVersion") or 1)
    if driver == "systemd":
        from .systemd_slice import systemd_support

        systemd_support(root)
        return 2, driver
    if driver != "cgroupfs":
        raise CgroupUnavailable(
            f"the engine's cgroup driver is {driver or 'unknown'}; the grader supports the "
            "cgroupfs and systemd drivers"
        )
    probe = root / "pids" if version == 1 else root
    if not probe.is_dir():
        raise CgroupUnavailable(f"no pids controller at {probe}")
    if not os.access(probe, os.W_OK):
        raise CgroupUnavailable(
            f"no permission to create cgroups under {probe} (grading as a user other than "
            "root); run the grader as root"
        )
    if version == 2:
        controllers = (root / "cgroup.subtree_control").read_text().split()
        missing = {"pids", "memory", "cpu"} - set(controllers)
        if missing:
            raise CgroupUnavailable(
                f"the controllers {', '.join(sorted(missing))} are not enabled in "
                f"{root / 'cgroup.subtree_control'}; enable them: "
                f"`echo +pids +memory +cpu > {root / 'cgroup.subtree_control'}`"
            )
    return version, driver


@dataclass
class BuildCgroup:
    """One build's cgroup (in every hierarchy the engine will put its containers in)."""

    name: str
    version: int
    root: Path = ROOT
    #: The build's own cgroup, given to the engine as its cgroup parent (False: the
    #: engine's shared cgroup for BuildKit steps, see SharedBuildCgroup).
    per_build: bool = True
    #: Passed to the builder as the build's cgroup parent (False: the engine ignores it).
    given_as_parent: bool = True
    #: Did a task of the build show up in it (watched while the build runs)?
    seen_tasks: bool = False

    @property
    def parent(self) -> str:
        """The value of the build API's `cgroupparent` (cgroupfs driver: a path)."""
        return "/" + self.name

    def _dir(self, controller: str) -> Path:
        return self.root / controller / self.name if self.version == 1 else self.root / self.name

    def create(self, limits: BuildLimits) -> None:
        """Make the cgroup and write its limits (raises OSError if the kernel refuses)."""
        quota = max(1000, int(limits.cpus * CPU_PERIOD))
        if self.version == 1:
            files = {
                "pids": [("pids.max", str(limits.pids))],
                "memory": [
                    ("memory.limit_in_bytes", str(limits.memory)),
                    ("memory.memsw.limit_in_bytes", str(limits.memory)),
                ],
                "cpu": [("cpu.cfs_period_us", str(CPU_PERIOD)), ("cpu.cfs_quota_us", str(quota))],
            }
        else:
            files = {
                "": [
                    ("pids.max", str(limits.pids)),
                    ("memory.max", str(limits.memory)),
                    ("memory.swap.max", "0"),
                    ("cpu.max", f"{quota} {CPU_PERIOD}"),
                ]
            }
        try:
            for controller, settings in files.items():
                folder = self._dir(controller)
                folder.mkdir(exist_ok=True)
                for filename, value in settings:
                    target = folder / filename
                    if filename.startswith("memory.memsw") and not target.exists():
                        continue  # no swap accounting: no swap to limit either
                    target.write_text(value)
        except OSError:
            self.remove()
            raise

    def _read(self, controller: str, filename: str) -> str:
        try:
            return (self._dir(controller) / filename).read_text()
        except OSError:
            return ""

    @staticmethod
    def _field(text: str, key: str) -> int:
        for line in text.splitlines():
            parts = line.split()
            if len(parts) == 2 and parts[0] == key and parts[1].isdigit():
                return int(parts[1])
        return 0

    def pids_limit_hit(self, limit: int) -> bool:
        """Did the RUN steps reach pids.max? (pids.events counts refused forks where the
        kernel records them; pids.peak, the high-water mark, where it exists.)"""
        if self._field(self._read("pids", "pids.events"), "max") > 0:
            return True
        peak = self._read("pids", "pids.peak").strip()
        return peak.isdigit() and int(peak) >= limit

    def memory_limit_hit(self, limit: int) -> bool:
        """Did the RUN steps reach the memory limit (an OOM kill, or usage at the limit)?"""
        if self.version == 2:
            events = self._read("", "memory.events")
            return self._field(events, "oom_kill") > 0 or self._field(events, "max") > 0
        oom = self._field(self._read("memory", "memory.oom_control"), "oom_kill")
        peak = self._read("memory", "memory.max_usage_in_bytes").strip()
        return oom > 0 or (peak.isdigit() and int(peak) >= limit)

    def tasks(self) -> list[int]:
        """Every process in the cgroup and its children (the RUN containers' processes)."""
        top = self._dir("pids")
        found: list[int] = []
        if not top.is_dir():
            return found
        for folder, _dirs, files in os.walk(top):
            if "cgroup.procs" in files:
                with contextlib.suppress(OSError):
                    text = (Path(folder) / "cgroup.procs").read_text()
                    found.extend(int(pid) for pid in text.split() if pid.isdigit())
        return found

    def watch(self) -> None:
        """Note whether the build's RUN steps run in here (called while it runs)."""
        if not self.seen_tasks and self.tasks():
            self.seen_tasks = True

    def used(self) -> bool:
        """Did any process ever run in it? (the peak counters of a fresh cgroup)"""
        if self.seen_tasks:
            return True
        for controller, filename in (
            ("pids", "pids.peak"),
            ("memory", "memory.peak" if self.version == 2 else "memory.max_usage_in_bytes"),
        ):
            value = self._read(controller, filename).strip()
            if value.isdigit() and int(value) > 0:
                return True
        return False

    def check_placement(self, ran_a_run_step: bool) -> str:
        """'' if the RUN steps ran inside this cgroup (or none ran), else what went wrong."""
        if not ran_a_run_step or self.used():
            return ""
        return (
            f"the engine ran the RUN steps outside the cgroup parent {self.parent} "
            "(no process ever appeared in it), so its limits did not apply to them"
        )

    def containers(self) -> list[str]:
        """Ids of the containers Docker placed in this cgroup (cgroupfs names them so)."""
        top = self._dir("pids")
        with contextlib.suppress(OSError):
            return [p.name for p in top.iterdir() if re.fullmatch(r"[0-9a-f]{64}", p.name)]
        return []

    def kill(self) -> int:
        """SIGKILL every task in the cgroup; returns how many were signalled."""
        kill_file = self._dir("") / "cgroup.kill"
        if self.version == 2 and kill_file.exists():
            with contextlib.suppress(OSError):
                count = len(self.tasks())
                kill_file.write_text("1")
                return count
        return self.kill_each()

    def kill_each(self) -> int:
        """SIGKILL each of `tasks()`, again until none is left (a task may fork meanwhile)."""
        count = 0
        for _ in range(20):
            pids = self.tasks()
            if not pids:
                break
            for pid in pids:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)
                    count += 1
        return count

    def folders(self) -> list[Path]:
        """The cgroup's folders in every hierarchy (Docker makes it in all of them)."""
        if self.version == 2:
            return [self._dir("")]
        with contextlib.suppress(OSError):
            return [d / self.name for d in self.root.iterdir() if (d / self.name).is_dir()]
        return []

    def remove(self) -> list[str]:
        """Remove the cgroup everywhere (children first); returns what could not be removed."""
        problems = []
        for top in self.folders():
            for folder, _dirs, _files in sorted(os.walk(top), key=lambda w: -len(w[0])):
                try:
                    os.rmdir(folder)
                except FileNotFoundError:
                    pass
                except OSError as error:
                    problems.append(f"cgroup {folder}: {error.strerror}")
        return problems

    def exists(self) -> bool:
        return bool(self.folders())


def stale_cgroups(version: int, root: Path = ROOT) -> list[str]:
    """Names of grader cgroups on this host whose process is gone."""
    top = root / "pids" if version == 1 else root
    this_host = host_slug()
    names = []
    with contextlib.suppress(OSError):
        for entry in top.iterdir():
            match = _NAME.fullmatch(entry.name)
            if not match or match["host"] != this_host:
                continue
            pid = int(match["pid"])
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                names.append(entry.name)
            except PermissionError:
                continue
    return names
