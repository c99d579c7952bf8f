"""Helpers for the hostile-submission suite: tiny exercises, a watched grading run.

A graded run is a separate `pytest` process, so its peak memory is its own
(`os.wait4`), Ctrl-C can be sent to it, and the host can be watched meanwhile:
how many processes exist (from /proc) and how long a trivial command takes.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from course_grader.engine import LABEL

BASE = "python:3.11-slim"


def hostile_exercise(
    root: Path,
    dockerfile: str,
    build: dict[str, Any] | None = None,
    run: dict[str, Any] | None = None,
    checks: tuple[str, ...] = ("build",),
) -> tuple[Path, str]:
    """An exercise folder whose Dockerfile is an attack; returns it and a marker that the
    attack's images carry in their history (to find leftovers)."""
    marker = f"hostile-{uuid.uuid4().hex[:12]}"
    folder = root / "hostile"
    folder.mkdir()
    (folder / "Dockerfile").write_text(
        f"FROM {BASE}\nRUN echo {marker}\n" + dockerfile, encoding="utf-8"
    )
    spec = {
        "slug": "hostile",
        "port": 8000,
        "build": build or {},
        "run": {"startup_timeout": 8, **(run or {})},
        "checks": {check: {"points": 1} for check in checks},
    }
    (folder / "exercise.yml").write_text(yaml.safe_dump(spec), encoding="utf-8")
    return folder, marker


def process_count() -> int:
    return sum(1 for name in os.listdir("/proc") if name.isdigit())


@dataclass
class HostWatch:
    """Samples the host's process count and a trivial command's latency in a thread."""

    baseline: int = 0
    peak: int = 0
    slowest: float = 0.0
    probes: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        samples = []
        for _ in range(5):
            samples.append(process_count())
            time.sleep(0.1)
        self.baseline = max(samples)
        self.peak = self.baseline
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        next_probe = 0.0
        while not self._stop.is_set():
            self.peak = max(self.peak, process_count())
            now = time.monotonic()
            if now >= next_probe:
                started = time.monotonic()
                subprocess.run(["true"], check=True, timeout=30)
                self.slowest = max(self.slowest, time.monotonic() - started)
                self.probes += 1
                next_probe = time.monotonic() + 0.5
            time.sleep(0.05)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=35)

    @property
    def rise(self) -> int:
        return self.peak - self.baseline


@dataclass
class WatchedRun:
    returncode: int
    output: str
    seconds: float
    max_rss_mb: float
    host: HostWatch
    report: dict[str, Any]
    junit: ET.Element
    pid: int
    interrupted_at: float | None = None
    """Seconds after the start when SIGINT was sent (None: never)."""

    def _case(self, check: str) -> ET.Element | None:
        """The grading run's JUnit test case for *check*."""
        return next((c for c in self.junit.iter("testcase") if c.get("name") == check), None)

    def check_seconds(self, check: str) -> float:
        """How long the grading run's *check* took (its JUnit time): without the start-up
        of pytest and the grader, which is slow under the test host VM's emulation."""
        case = self._case(check)
        if case is None:
            raise AssertionError(f"no {check!r} in the run's JUnit XML:\n{self.output}")
        return float(case.get("time") or "nan")

    def message(self, check: str) -> str:
        case = self._case(check)
        if case is None:
            return ""
        parts = [(child.get("message") or "") + "\n" + (child.text or "") for child in case]
        props = [p.get("value") or "" for p in case.iter("property")]
        return "\n".join(parts + props)

    def protections(self) -> dict[str, dict[str, Any]]:
        found = self.report.get("extra_data", {}).get("sandbox", {}).get("hostile", [])
        return {entry["protection"]: entry for entry in found}


def _high_water_kb(pid: int) -> int:
    """The process's own peak resident memory since its exec (VmHWM), in kB.

    Not wait4's ru_maxrss: Linux carries the forking process's resident size over the
    exec into it, so that figure says how big the test runner was, not the grader.
    """
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def grade_watched(
    folder: Path,
    *args: str,
    interrupt_when: Callable[[int], bool] | None = None,
    timeout: float = 240,
    builder: str | None = None,
) -> WatchedRun:
    """Grade *folder* in a child process while watching the host; with *interrupt_when*,
    send SIGINT once it returns True for the child's pid; *builder* forces `buildkit` or
    `classic` (COURSE_GRADER_BUILDER)."""
    env = dict(os.environ)
    if builder:
        env["COURSE_GRADER_BUILDER"] = builder
    report = folder.parent / "report.json"
    junit = folder.parent / "junit.xml"
    command = [sys.executable, "-m", "pytest", str(folder), "-p", "no:cacheprovider", "-rA"]
    command += ["--grade-report", str(report), "--junitxml", str(junit), *args]
    host = HostWatch()
    started = time.monotonic()
    log = folder.parent / "output.txt"
    with log.open("w") as sink:
        process = subprocess.Popen(
            command, cwd=folder.parent, stdout=sink, stderr=subprocess.STDOUT, env=env
        )
        status = None
        peak_kb = 0
        interrupted_at = None
        try:
            deadline = started + timeout
            while time.monotonic() < deadline:
                peak_kb = max(peak_kb, _high_water_kb(process.pid))
                pid, status, _rusage = os.wait4(process.pid, os.WNOHANG)
                if pid:
                    break
                if interrupt_when is not None and interrupt_when(process.pid):
                    process.send_signal(signal.SIGINT)
                    interrupted_at = time.monotonic() - started
                    interrupt_when = None
                time.sleep(0.1)
            else:
                process.kill()
                raise AssertionError(f"the grading run hung for {timeout} s:\n{log.read_text()}")
        finally:
            host.stop()
    process.returncode = os.waitstatus_to_exitcode(status)
    return WatchedRun(
        returncode=process.returncode,
        output=log.read_text(),
        seconds=time.monotonic() - started,
        max_rss_mb=peak_kb / 1024,
        host=host,
        report=json.loads(report.read_text()) if report.exists() else {},
        junit=ET.parse(junit).getroot() if junit.exists() else ET.Element("none"),
        pid=process.pid,
        interrupted_at=interrupted_at,
    )


def cgroups_of(pid: int) -> list[str]:
    """Grader cgroups (any hierarchy) made by process *pid*."""
    found = []
    root = Path("/sys/fs/cgroup")
    for hierarchy in [root, *root.iterdir()]:  # v2: the root itself; v1: each controller
        if hierarchy.is_dir():
            found += [str(p) for p in hierarchy.glob(f"course-grader-*-{pid}-*")]
            found += [str(p) for p in hierarchy.glob(f"course_grader_*_{pid}_*.slice")]
    return sorted(set(found))


#: Where BuildKit's RUN steps run when no per-build cgroup parent applies (Engine 20.10,
#: cgroupfs: docker/buildkit; systemd: system.slice's buildkit scopes; Engine 23+: the
#: grader's one stable parent, course_grader_buildkit, in every hierarchy).
SHARED_BUILDKIT = (
    "pids/docker/buildkit",
    "docker/buildkit",
    "system.slice",
    "course_grader_buildkit",
    "pids/course_grader_buildkit",
)


def _busy_cgroups(top: Path, word: str = "") -> list[str]:
    """Cgroups under *top* (with *word* in their path) that hold processes."""
    found = []
    if not top.is_dir():
        return found
    for folder, _dirs, files in os.walk(top):
        if "cgroup.procs" in files and folder != str(top) and word in folder:
            try:
                if (Path(folder) / "cgroup.procs").read_text().strip():
                    found.append(folder)
            except OSError:  # removed meanwhile
                continue
    return found


def run_steps_running(pid: int) -> list[str]:
    """Cgroups of RUN steps with processes: in the grader run *pid*'s own cgroups, or in the
    engine's shared BuildKit cgroups."""
    found = []
    for path in cgroups_of(pid):
        found += _busy_cgroups(Path(path))
    root = Path("/sys/fs/cgroup")
    for shared in SHARED_BUILDKIT:
        found += _busy_cgroups(root / shared, "buildkit")
    return found


def shared_limits_left() -> list[str]:
    """Limits the grader wrote on the engine's shared BuildKit cgroup and did not undo."""
    found = []
    root = Path("/sys/fs/cgroup")
    for path in (
        root / "pids/docker/buildkit/pids.max",
        root / "course_grader_buildkit/pids.max",
        root / "pids/course_grader_buildkit/pids.max",
    ):
        if path.exists() and path.read_text().strip() != "max":
            found.append(f"{path} is {path.read_text().strip()}")
    return found


def leftovers(client: Any, pid: int, marker: str) -> list[str]:
    """Everything of run *pid* still on the engine or the host: labelled containers,
    networks and images, RUN containers in its cgroups, images of the attack, cgroups."""
    found = []
    label = f"{LABEL}.pid={pid}"
    found += [
        f"container {c.short_id}"
        for c in client.containers.list(all=True, filters={"label": label})
    ]
    found += [f"network {n.name}" for n in client.networks.list(filters={"label": label})]
    found += [
        f"image {i.tags}"
        for i in client.images.list(filters={"label": LABEL})
        if any(f"-{pid}-" in t for t in i.tags)
    ]
    for container in client.containers.list(all=True):
        parent = (container.attrs.get("HostConfig") or {}).get("CgroupParent") or ""
        if f"-{pid}-" in parent or f"_{pid}_" in parent:
            found.append(f"RUN container {container.short_id} in {parent}")
    for image in client.images.list(all=True, filters={"dangling": True}):
        if any(marker in str(layer.get("CreatedBy")) for layer in image.history()):
            found.append(f"intermediate image {image.short_id}")
    found += [f"cgroup {path}" for path in cgroups_of(pid)]
    found += [f"RUN step still running in {path}" for path in run_steps_running(pid)]
    found += shared_limits_left()
    return found
