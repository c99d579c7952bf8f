"""Hostile submissions, in BOUNDED form only (the machines are shared): each attack
hits the sandbox limit it targets, the message names that limit, the host stays
responsive, and nothing the grader made is left (containers, images, networks,
cgroups). Every attack would end by itself even without the sandbox."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from _grader import buildkit_records_with, engine_client
from _hostile import grade_watched, hostile_exercise, leftovers, run_steps_running

pytestmark = pytest.mark.docker

#: The grader's own memory bound (issue 9), whatever a submission prints.
GRADER_MAX_RSS_MB = 300


@pytest.fixture(scope="module")
def docker_client() -> Iterator[Any]:
    client = engine_client()
    yield client
    client.close()


#: The build limits hold with both builders (BuildKit, what students use, and the classic
#: builder, the fallback).
both_builders = pytest.mark.parametrize("builder", ["buildkit", "classic"])


def assert_contained(run, client, marker: str, pids_limit: int = 512) -> None:
    """What every attack must leave true."""
    assert run.host.slowest < 2.0, f"a trivial command took {run.host.slowest:.1f} s"
    assert run.host.probes >= 1
    assert run.host.rise <= pids_limit + 50, (run.host.baseline, run.host.peak)
    assert 0 < run.max_rss_mb < GRADER_MAX_RSS_MB, f"the grader used {run.max_rss_mb:.0f} MB"
    assert leftovers(client, run.pid, marker) == [], run.output
    assert not buildkit_records_with(client, marker), "the build's cache records remain"
    assert "Traceback" not in run.output, run.output


@both_builders
def test_a_fork_storm_in_a_run_step_is_stopped_by_the_build_pids_limit(
    builder, tmp_path, docker_client
):
    # 600 sleeping processes (each ends after 20 s), far past build.pids (a limit low
    # enough that the test host VM, under software emulation, reaches it in seconds).
    attack = "RUN i=0; while [ $i -lt 600 ]; do sleep 20 & i=$((i+1)); done; wait\n"
    folder, marker = hostile_exercise(tmp_path, attack, build={"pids": 128, "timeout": 120})
    run = grade_watched(folder, builder=builder)
    message = run.message("build")
    assert "build.pids: 128" in message and "could not start more processes" in message, message
    assert run.protections()["build-pids"]["applied"] is True
    assert_contained(run, docker_client, marker, pids_limit=128)


@both_builders
def test_a_4_gib_allocation_is_killed_by_the_build_memory_limit(builder, tmp_path, docker_client):
    attack = 'RUN python -c "b = bytearray(4 * 2**30); print(len(b))"\n'
    folder, marker = hostile_exercise(tmp_path, attack, build={"memory": "1g"})
    run = grade_watched(folder, builder=builder)
    message = run.message("build")
    assert "killed by the build's memory limit (build.memory: 1g)" in message, message
    assert_contained(run, docker_client, marker)


@both_builders
def test_a_run_step_past_the_build_timeout_is_stopped_and_removed(builder, tmp_path, docker_client):
    folder, marker = hostile_exercise(tmp_path, "RUN sleep 3600\n", build={"timeout": 20})
    run = grade_watched(folder, builder=builder)
    message = run.message("build")
    assert "timeout: the build took longer than build.timeout (20 s)" in message, message
    assert run.check_seconds("build") < 20 + 30, run.output
    assert run.seconds < 20 + 90, run.seconds  # the step sleeps for an hour
    assert_contained(run, docker_client, marker)


@both_builders
def test_200_mb_of_build_output_is_capped_with_head_and_tail_kept(builder, tmp_path, docker_client):
    attack = (
        "RUN python -c \"import sys; print('HEAD-LINE'); line = 'x' * 1023 + '\\n'; "
        "[sys.stdout.write(line) for _ in range(200 * 1024)]; print('TAIL-LINE')\"\n"
    )
    folder, marker = hostile_exercise(tmp_path, attack, build={"output_mb": 10})
    run = grade_watched(folder, builder=builder)
    message = run.message("build")
    output = run.protections()["build-output"]
    assert output["applied"] is True
    if builder == "classic":
        assert "MB of build output dropped past build.output_mb (10 MB)" in message, message
        assert "MB dropped in this build" in output["detail"]
    else:  # BuildKit keeps the first MiB(s) of each step's output and drops the rest itself
        assert "BuildKit clipped" in message and "log limit" in message, message
        assert "BuildKit clipped" in output["detail"], output
    assert_contained(run, docker_client, marker)


def test_a_log_flood_from_the_cmd_is_read_with_a_bounded_tail(tmp_path, docker_client):
    # The flood lasts 30 s; 10 s keeps the suite in its time budget and already
    # writes far more than the json-file cap (about 1 GB at full speed).
    seconds = 10
    flood = (
        'CMD ["python", "-c", "import sys, time\\nend = time.time() + '
        f"{seconds}"
        "\\nline = 'y' * 1023 + '\\\\n'\\nwhile time.time() < end: sys.stdout.write(line)\"]\n"
    )
    folder, marker = hostile_exercise(
        tmp_path, flood, run={"startup_timeout": 20, "log_mb": 10}, checks=("build", "health")
    )
    run = grade_watched(folder)
    message = run.message("health")
    assert "exited before the app answered" in message, message
    assert len(message) < 40_000, len(message)
    assert run.protections()["run-logs"]["detail"].startswith("json-file, 5m x 2 files")
    assert_contained(run, docker_client, marker)


@pytest.mark.parametrize(
    "cmd",
    [
        '["sleep", "3600"]',
        '["sh", "-c", "while true; do python -c \\"raise SystemExit(3)\\"; done"]',
    ],
    ids=["never-listens", "crash-loop"],
)
def test_a_cmd_that_never_serves_fails_health_without_hanging(cmd, tmp_path, docker_client):
    folder, marker = hostile_exercise(
        tmp_path, f"CMD {cmd}\n", run={"startup_timeout": 8}, checks=("build", "health")
    )
    run = grade_watched(folder)
    message = run.message("health")
    assert "the app did not answer on port 8000 (waited" in message, message
    assert run.seconds < 60, run.seconds
    network = run.protections()["run-network"]
    assert network["applied"] and "no route out" in network["detail"], network
    assert_contained(run, docker_client, marker)


def test_a_300_mb_build_context_is_refused_before_sending(tmp_path, docker_client):
    folder, marker = hostile_exercise(tmp_path, "COPY . /context\n", build={"context_mb": 50})
    (folder / "data").mkdir()
    with (folder / "data" / "big.bin").open("wb") as sparse:
        sparse.truncate(300 * 10**6)  # sparse: 300 MB to the grader, no disk used
    run = grade_watched(folder)
    message = run.message("build")
    assert "over build.context_mb (50 MB)" in message and "data/ (300 MB)" in message, message
    assert ".dockerignore" in message and "not sent" in message
    assert run.seconds < 30, run.seconds
    assert_contained(run, docker_client, marker)


def test_a_2_gb_write_is_reported_as_not_protected_on_this_storage(tmp_path, docker_client):
    attack = "RUN dd if=/dev/zero of=/filler bs=1M count=2048 status=none && rm /filler\n"
    folder, marker = hostile_exercise(tmp_path, attack)
    run = grade_watched(folder)
    disk = run.protections()["build-disk"]
    assert disk["applied"] is False and "no size limit" in disk["detail"], disk
    assert "NOT APPLIED  build-disk" in run.output
    assert_contained(run, docker_client, marker)


@both_builders
def test_ctrl_c_during_the_build_stops_it_and_leaves_nothing(builder, tmp_path, docker_client):
    folder, marker = hostile_exercise(tmp_path, "RUN sleep 120\n")

    def run_step_started(pid: int) -> bool:
        # Interrupt once a process runs in the RUN step's cgroup (inside the build's cgroup,
        # or the engine's shared BuildKit one), not while the engine is still creating it.
        return bool(run_steps_running(pid))

    started = time.monotonic()
    run = grade_watched(folder, interrupt_when=run_step_started, timeout=180, builder=builder)
    # Stopped promptly after Ctrl-C, long before the step's 120 s sleep would end (the
    # start-up before it is slow under the test host VM's emulation, so it is not counted).
    assert run.interrupted_at is not None, run.output
    assert run.seconds - run.interrupted_at < 45, run.output
    assert "KeyboardInterrupt" in run.output or "Interrupted" in run.output, run.output
    assert_contained(run, docker_client, marker)
    assert time.monotonic() - started < run.interrupted_at + 90
