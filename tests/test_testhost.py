"""The test host: scripts/testhost/run boots the VM, runs a command in a copy of this
working tree and brings back its output, exit code and result files.

One boot, started in the background as soon as the session is collected (conftest.py),
runs scripts/testhost/vm-suite: the guest's own checks, then the hostile build suite and
graded solutions on each host kind, each kind's JUnit XML brought back. One scratch boot
checks exit code, output and results; one short boot checks the timeout. The first run
on a machine also builds the image (a few minutes; cached in /var/cache/course-testhost).
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
    VM_SUITE_TIMEOUT,
    process_alive,
    require_testhost,
    run_in_testhost,
)

TESTHOST = REPO / "scripts" / "testhost"
BUILDERS = ("buildkit", "classic")
#: The runner's own checks need no room: they share the machine with the VM suite's 6G.
SMALL_SCRATCH_VM = ("--scratch", "--memory", "1G")
VENV_BIN = Path(sys.executable).parent


def test_the_testhost_scripts_pass_shellcheck():
    scripts = [
        TESTHOST / "build-image",
        TESTHOST / "run",
        TESTHOST / "vm-suite",
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


#: What must pass in the VM, per host kind (scripts/testhost/vm-suite's table).
HOSTILE = (
    "test_a_fork_storm_in_a_run_step_is_stopped_by_the_build_pids_limit",
    "test_a_4_gib_allocation_is_killed_by_the_build_memory_limit",
    "test_a_run_step_past_the_build_timeout_is_stopped_and_removed",
    "test_ctrl_c_during_the_build_stops_it_and_leaves_nothing",
)
HEREDOC_GRADE = "test_a_heredoc_run_scores_where_the_engine_has_heredocs"
"""The ex02 reference with a heredoc RUN, graded to full points through BuildKit."""
GRADE = "test_solution_02_earns_full_points"
"""The ex02 reference (pip cache mount) graded to full points through BuildKit."""
CACHE_RECORDS = [f"test_records_made_since_the_watch_go_and_older_ones_stay[{n}]" for n in (100, 1)]
"""BuildKit's cache records a run made are removed by id (the engine's prune filter)."""
EXPECTED = {
    "guest": [
        f"{test}[{store}]"
        for store in STORES
        for test in ("test_docker_uses_systemd_and_cgroup_v2", "test_a_run_step_builds")
    ],
    "containerd": [f"{test}[buildkit]" for test in HOSTILE] + [HEREDOC_GRADE] + CACHE_RECORDS,
    "overlay2": [f"{test}[buildkit]" for test in HOSTILE]
    + [f"{test}[classic]" for test in HOSTILE[:2]]
    + [GRADE]
    + CACHE_RECORDS,
    "cgroupfs": [f"{HOSTILE[0]}[{b}]" for b in BUILDERS],
}


def passed_cases(junit: Path) -> list[str]:
    """The names of the test cases that passed; the whole file must have no failure,
    error or skip."""
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite is not None, junit
    counts = (suite.get("failures"), suite.get("errors"), suite.get("skipped"))
    assert counts == ("0", "0", "0"), f"{junit.name}: failures, errors, skipped = {counts}"
    return [case.get("name") or "" for case in suite.iter("testcase")]


@pytest.mark.testhost
def test_the_hostile_suite_and_grades_hold_in_the_vm_on_every_host_kind(vm_suite):
    require_testhost()
    assert vm_suite is not None, "conftest.py starts the VM suite when this test is collected"
    run = vm_suite.wait(timeout=VM_SUITE_TIMEOUT + 900)
    assert run.returncode == 0, run.explain()[-12000:]
    for kind, expected in EXPECTED.items():
        names = passed_cases(run.results / f"{kind}.xml")
        missing = [name for name in expected if name not in names]
        assert not missing, f"{kind}: not run: {missing}; ran {names}"
    # The guest's output reached the host as it ran; qemu is gone.
    assert "vm-suite: cgroupfs:" in run.stdout
    assert run.qemu_pid is not None and not process_alive(run.qemu_pid)


@pytest.mark.testhost
def test_exit_code_output_and_results_come_back_from_a_scratch_vm(tmp_path):
    require_testhost()
    run = run_in_testhost(
        "sh",
        "-c",
        'echo "out from $(hostname)"; echo kept >"$RESULTS/note.txt"; exit 7',
        results=tmp_path,
        options=SMALL_SCRATCH_VM,
    )
    assert run.returncode == 7, run.explain()
    assert "out from course-testhost" in run.stdout
    assert (tmp_path / "note.txt").read_text() == "kept\n"
    assert run.qemu_pid is not None and not process_alive(run.qemu_pid)


@pytest.mark.testhost
def test_a_run_past_its_timeout_is_stopped_and_leaves_no_qemu(tmp_path):
    require_testhost()
    run = run_in_testhost("sleep", "3600", results=tmp_path, options=SMALL_SCRATCH_VM, timeout=15)
    assert run.returncode == EXIT_TIMEOUT, run.explain()
    assert "TIMEOUT" in run.stderr
    assert run.qemu_pid is not None and not process_alive(run.qemu_pid)
