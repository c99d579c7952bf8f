"""The class workflow without an engine: the submission overlay, the roster, the command
line's help and errors, and a batch's statuses and progress."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from _classroom import (
    COURSE_GRADE,
    EX01,
    MAXIMA,
    SOLUTION01,
    STARTER01,
    course_grade,
    student_repo,
)
from _classroom import report as _report
from _grader import EXERCISES
from course_classroom import gradebook, roster
from course_classroom.gradebook import Row
from course_classroom.submission import identify, overlay
from course_grader.errors import ExerciseConfigError
from course_grader.exercise import load_exercise


def exercise01(tmp_path: Path, text: str | None = None):
    if text is None:
        return load_exercise(EX01 / "exercise.yml")
    config = tmp_path / "ex" / "exercise.yml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(text, encoding="utf-8")
    return load_exercise(config)


# -- exercise.yml `submission:` ---------------------------------------------------


def test_both_exercises_declare_their_submission():
    for folder in sorted(EXERCISES.iterdir()):
        if (folder / "exercise.yml").is_file():
            exercise = load_exercise(folder / "exercise.yml")
            assert "Dockerfile" in exercise.submission, folder


def test_submission_defaults_to_dockerfile_and_dockerignore(tmp_path):
    exercise = exercise01(tmp_path, "checks: {lint: {points: 1}}\n")
    assert exercise.submission == ("Dockerfile", ".dockerignore")


@pytest.mark.parametrize(
    "value, message",
    [
        ("[../Dockerfile]", "'../Dockerfile' is not a file inside the exercise folder"),
        ("[/etc/passwd]", "'/etc/passwd' is not a file inside the exercise folder"),
        ("[a/../../b]", "is not a file inside the exercise folder"),
        ("[exercise.yml]", "exercise.yml cannot be handed in"),
        ("Dockerfile", "field 'submission' should be a list of file paths"),
    ],
)
def test_a_submission_path_outside_the_folder_is_refused(tmp_path, value, message):
    with pytest.raises(ExerciseConfigError) as error:
        exercise01(tmp_path, f"submission: {value}\nchecks: {{lint: {{points: 1}}}}\n")
    assert "exercise.yml: " in str(error.value) and message in str(error.value)


# -- overlay ------------------------------------------------------------------------


def test_overlay_takes_only_the_declared_files(tmp_path):
    checkout = student_repo(
        tmp_path,
        "mallory",
        {
            "Dockerfile": SOLUTION01,
            "exercise.yml": "checks: {lint: {points: 100}}\n",
            "app/main.py": "raise SystemExit('tampered')\n",
            ".github/workflows/grade.yml": "on: push\n",
        },
    )
    laid = overlay(load_exercise(EX01 / "exercise.yml"), checkout, tmp_path / "overlay")
    assert laid.taken == ["Dockerfile"] and laid.dockerfile_taken
    assert laid.skipped == {".dockerignore": "not in the submission"}
    for pristine in ("exercise.yml", "app/main.py", "train.py"):
        assert (laid.folder / pristine).read_bytes() == (EX01 / pristine).read_bytes()
    assert (laid.folder / "Dockerfile").read_text() == SOLUTION01
    assert not (laid.folder / "solution").exists() and not (laid.folder / ".github").exists()


def test_overlay_never_follows_a_link_out_of_the_checkout(tmp_path):
    secret = tmp_path / "host-secret.txt"
    secret.write_text("host secret", encoding="utf-8")
    checkout = student_repo(tmp_path, "eve", {})
    (checkout / "Dockerfile").symlink_to(secret)
    (checkout / "real").mkdir()
    (checkout / ".dockerignore").symlink_to(secret)
    laid = overlay(load_exercise(EX01 / "exercise.yml"), checkout, tmp_path / "overlay")
    assert laid.taken == [] and not laid.dockerfile_taken
    assert "symbolic link" in laid.skipped["Dockerfile"]
    assert not (laid.folder / "Dockerfile").exists()  # nor the starter: not the student's work
    texts = [p.read_text(errors="replace") for p in laid.folder.rglob("*") if p.is_file()]
    assert not any("host secret" in t for t in texts)


def test_a_link_in_the_path_of_a_declared_file_is_not_followed(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "Dockerfile").write_text("FROM scratch\n", encoding="utf-8")
    exercise = exercise01(
        tmp_path, "submission: [docker/Dockerfile]\nchecks: {lint: {points: 1}}\n"
    )
    checkout = tmp_path / "student"
    checkout.mkdir()
    (checkout / "docker").symlink_to(outside)
    laid = overlay(exercise, checkout, tmp_path / "overlay")
    assert laid.taken == [] and "symbolic link" in laid.skipped["docker/Dockerfile"]


def test_the_commit_is_heads_for_git_and_a_digest_of_the_submission_otherwise(tmp_path):
    exercise = load_exercise(EX01 / "exercise.yml")
    repo = student_repo(tmp_path, "ann", {"Dockerfile": STARTER01}, git=True)
    head = subprocess.run(
        ["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    assert identify(exercise, repo) == head
    plain = student_repo(tmp_path, "ben", {"Dockerfile": STARTER01})
    first = identify(exercise, plain)
    (plain / "app" / "main.py").write_text("# not a submission file\n")
    assert identify(exercise, plain) == first and first.startswith("sha256:")
    (plain / "Dockerfile").write_text(SOLUTION01)
    assert identify(exercise, plain) != first


# -- roster (regrade workflow) ---------------------------------------------------------------


def test_roster_shards_cover_every_student_once(tmp_path):
    path = tmp_path / "roster.csv"
    lines = ["student,repository,ref"] + [f"s{i},org/ex01-s{i},main" for i in range(7)]
    path.write_text("\n".join(lines) + "\n")
    entries = roster.read(path)
    shards = [roster.shard(entries, i, 3) for i in range(3)]
    assert sorted(e.student for s in shards for e in s) == sorted(e.student for e in entries)
    assert entries[0].url == "https://github.com/org/ex01-s0.git"
    result = course_grade("shards", str(path), "--shards", "4")
    assert json.loads(result.stdout) == [0, 1, 2, 3]


@pytest.mark.parametrize(
    "line, message",
    [
        ("../x,org/r,main", "field 'student'"),
        ("ann,not a repo,main", "field 'repository'"),
        ("ann,org/r,--upload-pack=evil", "field 'ref'"),
    ],
)
def test_a_bad_roster_line_is_named(tmp_path, line, message):
    path = tmp_path / "roster.csv"
    path.write_text(f"student,repository,ref\n{line}\n")
    with pytest.raises(roster.RosterError, match=rf"roster\.csv:2: {message}"):
        roster.read(path)


def test_clone_checks_out_each_students_ref(tmp_path):
    origin = student_repo(tmp_path, "origin", {"Dockerfile": STARTER01}, git=True)
    path = tmp_path / "roster.csv"
    path.write_text(f"student,repository,ref\nann,file://{origin},HEAD\n")
    result = course_grade(
        "clone", str(path), "--shard", "0", "--shards", "1", "--dest", str(tmp_path / "subs")
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "subs" / "ann" / "Dockerfile").read_text() == STARTER01


# -- the command line -------------------------------------------------------------------------


SUBCOMMANDS = ["", "handout", "batch", "merge", "feedback", "shards", "clone"]


@pytest.mark.parametrize("command", SUBCOMMANDS)
def test_every_subcommand_has_help(command):
    result = course_grade(*([command] if command else []), "--help")
    assert result.returncode == 0 and result.stdout.startswith("usage: course-grade")


def test_batch_input_errors_are_one_line_without_traceback(tmp_path):
    result = course_grade("batch", str(tmp_path), str(tmp_path), "--out", "x.csv")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"{tmp_path}: not an exercise folder (it has no exercise.yml)" in result.stderr
    a, b = tmp_path / "a" / "ann", tmp_path / "b" / "ann"
    a.mkdir(parents=True)
    b.mkdir(parents=True)
    result = course_grade("batch", str(EX01), str(a), str(b), "--out", str(tmp_path / "x.csv"))
    assert result.returncode == 2 and "student 'ann' is also" in result.stderr


# -- batch without an engine: progress, statuses, refusal -------------------------------------


def test_progress_is_a_live_line_on_a_terminal_and_one_line_per_student_otherwise():
    import io

    from course_classroom.progress import Progress

    row = Row("ann", "c", {}, 7, 10, gradebook.GRADED)
    plain = io.StringIO()
    progress = Progress(plain, total=2, jobs=2, tty=False)
    progress.start("ann")
    progress.finish(row, 12.0)
    assert plain.getvalue() == "[1/2] ann: 7/10 points (12.0 s)\n"
    live = io.StringIO()
    progress = Progress(live, total=3, jobs=1, tty=True)
    progress.start("ann")
    assert live.getvalue().endswith("[0/3] grading ann · ETA ?")
    progress.finish(row, 30.0)
    progress.start("ben")
    assert live.getvalue().endswith("\x1b[K[1/3] grading ben · ETA 1m00s")


def test_a_crashed_or_timed_out_grader_gives_error_or_timeout_rows(tmp_path):
    from course_classroom.batch import Batch, Options, Submission
    from course_classroom.runner import CRASHED, FINISHED, TIMED_OUT, RunResult

    batch = Batch(load_exercise(EX01 / "exercise.yml"), Options(tmp_path / "g.csv"), None)
    sub = Submission("ann", tmp_path, "c")
    complete = {**_report(dict(MAXIMA), MAXIMA)}
    engine_down = _report(dict.fromkeys(MAXIMA, 0), MAXIMA)
    engine_down["tests"][1]["output"] = "[build] no Docker engine answers at unix:///x"
    cases = [
        (RunResult(FINISHED, 0, complete, 1.0), "graded"),
        (RunResult(CRASHED, 3, None, 1.0), "error"),
        (RunResult(FINISHED, 1, {**complete, "tests": complete["tests"][:2]}, 1.0), "error"),
        (RunResult(FINISHED, 1, engine_down, 1.0), "error"),
        (RunResult(TIMED_OUT, -15, None, 9.0), "timeout"),
    ]
    for result, status in cases:
        assert batch._row(sub, result).status == status


def test_a_batch_without_an_engine_refuses_before_grading_anyone(tmp_path):
    ann = student_repo(tmp_path, "ann", {"Dockerfile": SOLUTION01})
    env = dict(os.environ, DOCKER_HOST="unix:///nonexistent/docker.sock")
    result = subprocess.run(
        [*COURSE_GRADE, "batch", str(EX01), str(ann), "--out", str(tmp_path / "g.csv")],
        capture_output=True,
        text=True,
        env=env,
    )
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "no Docker engine answers at unix:///nonexistent/docker.sock" in result.stderr
    assert not (tmp_path / "g.csv").exists()
