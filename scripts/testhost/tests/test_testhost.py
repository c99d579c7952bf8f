"""The test host: scripts/testhost/run boots the VM, runs a command in a copy of this
working tree and brings back its output, exit code and result files.

One boot checks the guest for both image stores (tests/test_testhost_guest.py inside
the VM, its JUnit XML brought back); one scratch boot checks exit code, output and
results; one short boot checks the timeout. The first run on a machine also builds the
image (a few minutes; cached in /var/cache/course-testhost afterwards).
"""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from _testhost import (
    EXIT_TIMEOUT,
    REPO,
    STORES,
    process_alive,
    require_testhost,
    run_in_testhost,
)

TESTHOST = REPO / "scripts" / "testhost"
VENV_BIN = Path(sys.executable).parent


def test_the_testhost_scripts_pass_shellcheck():
    scripts = [
        TESTHOST / "build-image",
        TESTHOST / "run",
        *sorted((TESTHOST / "guest").iterdir()),
        *sorted((TESTHOST / "probes").iterdir()),
        TESTHOST / "image" / "course-testhost-boot",
    ]
    result = subprocess.run(
        [str(VENV_BIN / "shellcheck"), "--format=gcc", *map(str, scripts)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_run_refuses_a_missing_command():
    result = subprocess.run([str(TESTHOST / "run")], capture_output=True, text=True)
    assert result.returncode == 2
    assert "no command given" in result.stderr


@pytest.mark.testhost
def test_the_guest_has_systemd_cgroup_v2_and_docker_26_in_both_stores(tmp_path):
    require_testhost()
    run = run_in_testhost(
        "pytest",
        "-p",
        "no:cacheprovider",
        "-v",
        "tests/test_testhost_guest.py",
        "--junitxml=/mnt/job/results/junit.xml",
        results=tmp_path,
    )
    assert run.returncode == 0, run.explain()
    suite = ET.parse(tmp_path / "junit.xml").getroot().find("testsuite")
    assert suite is not None
    assert (suite.get("failures"), suite.get("errors"), suite.get("skipped")) == ("0", "0", "0")
    names = [case.get("name") for case in suite.iter("testcase")]
    for store in STORES:
        assert f"test_docker_uses_systemd_and_cgroup_v2[{store}]" in names
        assert f"test_a_run_step_builds[{store}]" in names
    # The guest's output reached the host's stdout as it ran.
    assert "test_docker_uses_systemd_and_cgroup_v2[containerd] PASSED" in run.stdout


@pytest.mark.testhost
def test_exit_code_output_and_results_come_back_from_a_scratch_vm(tmp_path):
    require_testhost()
    run = run_in_testhost(
        "sh",
        "-c",
        'echo "out from $(hostname)"; echo kept >"$RESULTS/note.txt"; exit 7',
        results=tmp_path,
        options=("--scratch",),
    )
    assert run.returncode == 7, run.explain()
    assert "out from course-testhost" in run.stdout
    assert (tmp_path / "note.txt").read_text() == "kept\n"
    assert run.qemu_pid is not None and not process_alive(run.qemu_pid)


@pytest.mark.testhost
def test_a_run_past_its_timeout_is_stopped_and_leaves_no_qemu(tmp_path):
    require_testhost()
    run = run_in_testhost("sleep", "3600", results=tmp_path, options=("--scratch",), timeout=15)
    assert run.returncode == EXIT_TIMEOUT, run.explain()
    assert "TIMEOUT" in run.stderr
    assert run.qemu_pid is not None and not process_alive(run.qemu_pid)
