"""The sandbox's pure parts: limits from exercise.yml, bounded output, context sizing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from course_grader.build.stream import BoundedLog
from course_grader.cgroups import BuildCgroup
from course_grader.context import check_size, context_files
from course_grader.errors import ContextTooLarge, ExerciseConfigError
from course_grader.exercise import load_exercise
from course_grader.limits import BuildLimits, RunLimits, parse_size
from course_grader.shared_cgroup import STABLE_PARENT, SharedBuildCgroup
from course_grader.systemd_slice import slice_name


def write_exercise(tmp_path: Path, **blocks) -> Path:
    spec = {"checks": {"build": {}}, **blocks}
    path = tmp_path / "exercise.yml"
    path.write_text(yaml.safe_dump(spec), encoding="utf-8")
    return path


def test_defaults_are_the_issues_when_no_build_block_is_given(tmp_path):
    exercise = load_exercise(write_exercise(tmp_path))
    assert exercise.build_limits == BuildLimits(
        timeout=900, memory=2**30, cpus=1.0, pids=512, output_mb=10, context_mb=50
    )
    assert exercise.run_limits == RunLimits()


def test_run_build_timeout_is_an_alias_of_build_timeout(tmp_path):
    exercise = load_exercise(write_exercise(tmp_path, run={"build_timeout": 120}))
    assert exercise.build_limits.timeout == 120
    both = write_exercise(tmp_path, run={"build_timeout": 120}, build={"timeout": 60})
    with pytest.raises(ExerciseConfigError, match=re.escape("disagree; keep build.timeout only")):
        load_exercise(both)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        ({"memory": "lots"}, "'build.memory' should be a size such as 1g"),
        ({"pids": 0}, "'build.pids' should be a whole number > 0"),
        ({"pids": 1.5}, "'build.pids' should be a whole number > 0"),
        ({"cpus": True}, "'build.cpus' should be a number > 0"),
        ({"disk_mb": 5}, "build.disk_mb: unknown field; known: timeout, memory"),
    ],
)
def test_a_wrong_build_limit_names_the_file_and_the_field(tmp_path, build, message):
    path = write_exercise(tmp_path, build=build)
    with pytest.raises(ExerciseConfigError, match=re.escape(message)) as error:
        load_exercise(path)
    assert str(path) in str(error.value)


def test_the_bundled_exercises_set_every_build_limit():
    root = Path(__file__).resolve().parent.parent / "exercises"
    for config in sorted(root.glob("*/exercise.yml")):
        block = yaml.safe_load(config.read_text(encoding="utf-8"))["build"]
        assert set(block) == set(BuildLimits.KEYS), config


def test_sizes_read_like_dockers():
    assert parse_size("1g") == 2**30 and parse_size("768m") == 768 * 2**20
    assert parse_size(1024) == 1024 and parse_size("512k") == 512 * 2**10
    for bad in ("", "0m", "-1g", "1t", True):
        with pytest.raises(ValueError):
            parse_size(bad)


def test_a_bounded_log_keeps_head_and_tail_and_says_what_it_dropped():
    log = BoundedLog(1000)
    for number in range(1000):
        log.add(f"line {number:04d}")
    lines = log.lines()
    assert lines[0] == "line 0000" and lines[-1] == "line 0999"
    assert sum(len(line) + 1 for line in lines if line.startswith("line")) <= 1000
    note = next(line for line in lines if "dropped" in line)
    assert "past build.output_mb" in note and log.dropped_lines == 900


def test_a_context_over_the_limit_names_its_biggest_paths(tmp_path):
    (tmp_path / "Dockerfile").write_text("FROM scratch\n")
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "a.bin").write_bytes(b"x" * 3_000_000)
    (tmp_path / "model.bin").write_bytes(b"x" * 1_000_000)
    (tmp_path / ".dockerignore").write_text("ignored/\n")
    (tmp_path / "ignored").mkdir()
    (tmp_path / "ignored" / "huge.bin").write_bytes(b"x" * 9_000_000)
    files = context_files(tmp_path, "Dockerfile")
    assert check_size(tmp_path, files, 5) < 5e6  # .dockerignore keeps ignored/ out
    with pytest.raises(ContextTooLarge) as error:
        check_size(tmp_path, files, 2)
    text = str(error.value)
    assert "data/ (3 MB), model.bin (1 MB)" in text and ".dockerignore" in text


def test_a_cgroup_v1_build_cgroup_writes_its_limits_and_counts_hits(tmp_path):
    for controller in ("pids", "memory", "cpu"):
        (tmp_path / controller).mkdir()
    cgroup = BuildCgroup("course-grader-h-1-ab-b1", 1, root=tmp_path)
    cgroup.create(BuildLimits(memory=2**30, pids=64, cpus=0.5))
    assert (tmp_path / "pids" / cgroup.name / "pids.max").read_text() == "64"
    assert (tmp_path / "cpu" / cgroup.name / "cpu.cfs_quota_us").read_text() == "50000"
    assert cgroup.parent == "/course-grader-h-1-ab-b1"
    assert not cgroup.pids_limit_hit(64)
    (tmp_path / "pids" / cgroup.name / "pids.events").write_text("max 3\n")
    assert cgroup.pids_limit_hit(64)
    assert cgroup.remove() != [] or not cgroup.exists()


def test_a_cgroup_v2_build_cgroup_uses_the_unified_files(tmp_path):
    cgroup = BuildCgroup("course-grader-h-1-ab-b1", 2, root=tmp_path)
    cgroup.create(BuildLimits(memory=2**30, pids=64, cpus=1.0))
    folder = tmp_path / cgroup.name
    assert (folder / "pids.max").read_text() == "64"
    assert (folder / "memory.max").read_text() == str(2**30)
    assert (folder / "cpu.max").read_text() == "100000 100000"
    (folder / "memory.events").write_text("low 0\nhigh 0\nmax 0\noom 1\noom_kill 1\n")
    assert cgroup.memory_limit_hit(2**30)


def _shared_v1(tmp_path):
    for controller, files in {
        "pids": {"pids.max": "max", "pids.events": "max 0"},
        "memory": {"memory.limit_in_bytes": "9223372036854771712", "memory.oom_control": ""},
        "cpu": {"cpu.cfs_period_us": "100000", "cpu.cfs_quota_us": "-1"},
    }.items():
        folder = tmp_path / controller / "docker" / "buildkit"
        folder.mkdir(parents=True)
        for name, value in files.items():
            (folder / name).write_text(value)
    return SharedBuildCgroup("docker/buildkit", 1, root=tmp_path, lock_path=tmp_path / "lock")


def test_the_shared_buildkit_cgroup_is_limited_for_one_build_then_restored(tmp_path):
    cgroup = _shared_v1(tmp_path)
    pids = tmp_path / "pids" / "docker" / "buildkit"
    (pids / "earlier-step").mkdir()
    cgroup.create(BuildLimits(memory=2**30, pids=64, cpus=0.5))
    assert (pids / "pids.max").read_text() == "64"
    assert (tmp_path / "cpu/docker/buildkit/cpu.cfs_quota_us").read_text() == "50000"
    assert not cgroup.per_build and cgroup.parent == "/docker/buildkit"
    # Only steps that started during this build are its own.
    (pids / "earlier-step" / "cgroup.procs").write_text("111\n")
    (pids / "our-step").mkdir()
    (pids / "our-step" / "cgroup.procs").write_text("222\n")
    assert cgroup.tasks() == [222]
    assert not cgroup.pids_limit_hit(64)
    (pids / "pids.events").write_text("max 2")
    assert cgroup.pids_limit_hit(64)
    assert cgroup.remove() == []
    assert (pids / "pids.max").read_text() == "max"
    assert (tmp_path / "cpu/docker/buildkit/cpu.cfs_quota_us").read_text() == "-1"


def test_grader_builds_take_turns_in_the_shared_cgroup(tmp_path):
    first, second = _shared_v1(tmp_path), None
    first.create(BuildLimits(pids=64))
    second = SharedBuildCgroup("docker/buildkit", 1, root=tmp_path, lock_path=tmp_path / "lock")
    with pytest.raises(TimeoutError, match="stayed locked"):
        second.create(BuildLimits(pids=32), wait=0.3)
    first.remove()
    second.create(BuildLimits(pids=32), wait=1)
    assert (tmp_path / "pids/docker/buildkit/pids.max").read_text() == "32"
    second.remove()


def test_build_slices_have_no_dash_so_systemd_does_not_nest_them():
    name = slice_name("ci-runner.local-4242-0a1b2c", 3)
    assert name == "course_grader_ci_runner.local_4242_0a1b2c_b3.slice"
    assert "-" not in name


def test_engine_23_buildkit_builds_share_one_stable_parent_for_the_cache(tmp_path):
    # BuildKit keys its cache on --cgroup-parent: every build must pass the same one.
    (tmp_path / "cgroup.subtree_control").write_text("pids memory")
    folder = tmp_path / STABLE_PARENT
    (folder / "buildkit" / "earlier-step").mkdir(parents=True)
    for name, value in {"pids.max": "max", "memory.max": "max", "memory.swap.max": "max"}.items():
        (folder / name).write_text(value)
    (folder / "cpu.max").write_text("max 100000")
    cgroup = SharedBuildCgroup(
        STABLE_PARENT,
        2,
        root=tmp_path,
        lock_path=tmp_path / "lock",
        given_as_parent=True,
        steps_under="buildkit",
    )
    cgroup.create(BuildLimits(memory=2**30, pids=64, cpus=1.0))
    assert cgroup.parent == "/course_grader_buildkit" and cgroup.given_as_parent
    assert (folder / "pids.max").read_text() == "64"
    assert (tmp_path / "cgroup.subtree_control").read_text() == "+cpu"  # cpu handed down
    (folder / "buildkit" / "earlier-step" / "cgroup.procs").write_text("111\n")
    (folder / "buildkit" / "our-step").mkdir()
    (folder / "buildkit" / "our-step" / "cgroup.procs").write_text("222\n")
    assert cgroup.tasks() == [222]
    assert cgroup.remove() == []
    assert (folder / "pids.max").read_text() == "max"
