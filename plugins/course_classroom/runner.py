"""Grade one overlaid exercise folder with the grader's own pytest plugin, in a subprocess.

A subprocess per submission keeps the grading identical to `pytest EXERCISE
--grade-report FILE` (same plugin, same checks, same points), isolates a
crash, and gives the batch a wall-clock timeout it can enforce: SIGTERM
first (the grader treats it as an interrupt and removes what it made), then
SIGKILL after a grace period, then the batch removes what that process's
labelled objects left (`leftovers.remove_run`).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .leftovers import remove_run

FINISHED, TIMED_OUT, STOPPED, CRASHED = "finished", "timed out", "stopped", "crashed"


@dataclass
class RunResult:
    outcome: str
    exit_code: int | None
    report: dict[str, Any] | None
    seconds: float
    log_tail: list[str] = field(default_factory=list)
    cache_layers: list[str] = field(default_factory=list)
    pid: int | None = None


def pytest_command(
    folder: Path, report: Path, record: Path, extra: Sequence[str] = ()
) -> list[str]:
    """The grading command: the course_grader plugin alone (no other plugin autoloads), no
    config file from the folder's parents, the build cache kept and its new layers recorded."""
    return [
        sys.executable,
        "-m",
        "pytest",
        str(folder),
        "-p",
        "course_grader.pytest_plugin",
        "-p",
        "no:cacheprovider",
        "-c",
        os.devnull,
        "--rootdir",
        str(folder),
        "-q",
        "--grade-report",
        str(report),
        "--keep-build-cache",
        "--build-cache-record",
        str(record),
        *extra,
    ]


def _signal_group(process: subprocess.Popen[bytes], signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signum)


def run_grader(
    folder: Path,
    work: Path,
    timeout: float,
    stop: threading.Event,
    grace: float = 60.0,
    extra: Sequence[str] = (),
) -> RunResult:
    """Run the grader on *folder*; stop early (and say so) when *stop* is set."""
    report, record, log = work / "results.json", work / "cache-layers.txt", work / "pytest.log"
    env = dict(os.environ, PYTEST_DISABLE_PLUGIN_AUTOLOAD="1", PYTHONDONTWRITEBYTECODE="1")
    started = time.monotonic()
    with log.open("wb") as output:
        process = subprocess.Popen(
            pytest_command(folder, report, record, extra),
            cwd=folder,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own group: a terminal's Ctrl-C reaches the batch only
        )
        outcome = FINISHED
        while process.poll() is None:
            if stop.is_set():
                outcome = STOPPED
            elif time.monotonic() - started > timeout:
                outcome = TIMED_OUT
            if outcome != FINISHED:
                _signal_group(process, signal.SIGTERM)
                try:
                    process.wait(timeout=grace)
                except subprocess.TimeoutExpired:
                    _signal_group(process, signal.SIGKILL)
                    process.wait()
                break
            time.sleep(0.1)
    seconds = time.monotonic() - started
    # A run that was killed, or crashed, cannot have cleaned up: remove what its pid made.
    if outcome != FINISHED or process.returncode not in (0, 1):
        remove_run(process.pid)
    parsed: dict[str, Any] | None = None
    if report.exists():
        try:
            parsed = json.loads(report.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            parsed = None
    layers = record.read_text(encoding="utf-8").split() if record.exists() else []
    tail = log.read_text(encoding="utf-8", errors="replace").splitlines()[-30:]
    if outcome == FINISHED and (process.returncode not in (0, 1) or parsed is None):
        outcome = CRASHED
    return RunResult(outcome, process.returncode, parsed, seconds, tail, layers, process.pid)
