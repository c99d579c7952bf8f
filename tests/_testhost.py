"""Helpers for the test host tests: run a command in the VM (scripts/testhost/run).

The test host is a Debian 13 VM (systemd as PID 1, cgroup v2, docker 26, buildx,
containerd) booted under qemu; scripts/testhost/run builds its image once (cached under
/var/cache/course-testhost), copies this working tree into it and runs a command there.
Any test runs inside with, e.g.:

    scripts/testhost/run -- pytest tests/test_grader_hostile.py -x
"""

from __future__ import annotations

import ctypes
import os
import re
import shutil
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
RUN = REPO / "scripts" / "testhost" / "run"
# Set by scripts/testhost/guest/job for the command it runs inside the VM.
IN_TESTHOST = os.environ.get("COURSE_TESTHOST") == "1"
STORES = ("overlay2", "containerd")
# The runner's own exit codes (scripts/testhost/testhost.py).
EXIT_TIMEOUT = 124
EXIT_TESTHOST = 125


@dataclass
class TesthostRun:
    returncode: int
    stdout: str
    stderr: str
    results: Path

    @property
    def qemu_pid(self) -> int | None:
        match = re.search(r"qemu pid (\d+)", self.stderr)
        return int(match.group(1)) if match else None

    def explain(self) -> str:
        return f"exit {self.returncode}\n--- stdout\n{self.stdout}\n--- stderr\n{self.stderr}"


def require_testhost() -> None:
    """Fail with what to do where the VM cannot be built or booted (CI runs as root)."""
    if os.geteuid() != 0:
        pytest.fail("the test host's image is built as root (debootstrap, chroot): run as root")
    if shutil.which("qemu-system-x86_64") is None:
        pytest.fail("qemu-system-x86_64 not found: run bash scripts/provision.sh")


def run_in_testhost(
    *command: str,
    results: Path,
    options: tuple[str, ...] = (),
    timeout: float = 2400,
) -> TesthostRun:
    """Run command in the VM; what it writes to $RESULTS ends up in results."""
    result = subprocess.run(
        [str(RUN), "--results", str(results), "--timeout", str(timeout), *options, "--", *command],
        capture_output=True,
        text=True,
        timeout=timeout + 900,  # the runner's own timeout comes first; image build on top
    )
    return TesthostRun(result.returncode, result.stdout, result.stderr, results)


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


#: The test that reads the VM suite's results; collecting it starts the VM at once.
VM_SUITE_TEST = "test_the_hostile_suite_and_grades_hold_in_the_vm_on_every_host_kind"
VM_SUITE_TIMEOUT = 3300.0


@dataclass
class BackgroundSuite:
    """scripts/testhost/vm-suite running in the VM while the rest of the session runs.

    The VM is mostly one emulated CPU busy for half an hour; started when collection
    ends, it overlaps the host's own tests instead of adding to them."""

    process: subprocess.Popen
    results: Path
    log: Path

    def wait(self, timeout: float) -> TesthostRun:
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.stop()
        output = self.log.read_text(errors="replace")
        return TesthostRun(self.process.returncode, output, output, self.results)

    def stop(self) -> None:
        """SIGTERM the runner (it stops its qemu), SIGKILL if it does not end."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _term_with_parent() -> None:
    # If pytest dies without its session end, the runner gets SIGTERM and stops its qemu.
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM, 0, 0, 0)  # PR_SET_PDEATHSIG


def start_vm_suite(directory: Path) -> BackgroundSuite:
    """Boot a scratch VM (its disk changes are thrown away, so other test host runs can
    share the image meanwhile) running vm-suite; output and results land in directory."""
    results = directory / "results"
    results.mkdir(parents=True)
    log = directory / "output.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                str(RUN),
                "--scratch",
                "--results",
                str(results),
                "--timeout",
                str(VM_SUITE_TIMEOUT),
                "--",
                "bash",
                "scripts/testhost/vm-suite",
            ],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            preexec_fn=_term_with_parent,
        )
    return BackgroundSuite(process, results, log)
