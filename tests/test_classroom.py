"""The class workflow without an engine: overlay, gradebook CSV, merge, feedback, handout,
roster, and the command line's help and errors."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from _classroom import COURSE_GRADE, EX01, SOLUTION01, STARTER01, course_grade, student_repo
from _grader import EXERCISES
from course_classroom import feedback, gradebook, roster
from course_classroom.gradebook import GradebookError, Row
from course_classroom.handout import HandoutError, write_handout
from course_classroom.submission import identify, overlay
from course_grader.errors import ExerciseConfigError
from course_grader.exercise import load_exercise

CHECKS = ["lint", "build", "health", "predict", "layer-cache"]


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


# -- gradebook ------------------------------------------------------------------------


def _report(scores: dict[str, float], maxima: dict[str, float]) -> dict:
    return {
        "score": sum(scores.values()),
        "max_score": sum(maxima.values()),
        "tests": [
            {
                "name": f"01-containerize-api: {c}",
                "score": scores[c],
                "max_score": maxima[c],
                "status": "passed" if scores[c] == maxima[c] else "failed",
                "output": "",
            }
            for c in CHECKS
        ],
    }


MAXIMA = {"lint": 1, "build": 2, "health": 2, "predict": 3, "layer-cache": 2}


def test_gradebook_csv_has_the_contract_header_and_sorted_rows(tmp_path):
    rows = [
        gradebook.row_from_report("zoe", "c2", _report(dict(MAXIMA), MAXIMA)),
        gradebook.ungraded_row("adam", "c1", gradebook.MISSING, 10),
    ]
    path = tmp_path / "gradebook.csv"
    gradebook.write(path, rows, CHECKS)
    lines = path.read_text().splitlines()
    assert lines[0] == (
        "student,commit,lint,build,health,predict,layer-cache,"
        "score,max_score,percent,status,graded_at"
    )
    assert lines[1].startswith("adam,c1,,,,,,0,10,0.0,missing,")
    assert lines[2].startswith("zoe,c2,1,2,2,3,2,10,10,100.0,graded,")
    assert lines[2].endswith("Z") and "T" in lines[2].rsplit(",", 1)[1]
    check_ids, back = gradebook.read(path)
    assert check_ids == CHECKS and [r.student for r in back] == ["adam", "zoe"]
    assert gradebook.render(back, CHECKS) == path.read_text()


def _book(path: Path, students: dict[str, float]) -> Path:
    rows = [
        Row(s, f"sha-{s}", {c: "1" for c in CHECKS}, score, 10, gradebook.GRADED, f"t-{s}")
        for s, score in students.items()
    ]
    gradebook.write(path, rows, CHECKS)
    return path


def test_merged_shards_equal_one_gradebook_of_everyone(tmp_path):
    everyone = {"amy": 10, "bo": 3, "cy": 7.5, "di": 0}
    whole = _book(tmp_path / "all.csv", everyone)
    a = _book(tmp_path / "a.csv", {k: everyone[k] for k in ("di", "amy")})
    b = _book(tmp_path / "b.csv", {k: everyone[k] for k in ("cy", "bo")})
    result = course_grade("merge", str(tmp_path / "merged.csv"), str(a), str(b))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "merged.csv").read_text() == whole.read_text()


def test_a_student_in_two_shards_is_an_error_naming_them(tmp_path):
    a = _book(tmp_path / "a.csv", {"amy": 10, "bo": 3})
    b = _book(tmp_path / "b.csv", {"bo": 4})
    result = course_grade("merge", str(tmp_path / "merged.csv"), str(a), str(b))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"student 'bo' is in two shards: {a} and {b}" in result.stderr
    assert not (tmp_path / "merged.csv").exists()


def test_a_broken_gradebook_is_named_with_its_line(tmp_path):
    path = _book(tmp_path / "a.csv", {"amy": 10})
    path.write_text(path.read_text().replace(",graded,", ",great,"))
    with pytest.raises(GradebookError, match=r"a\.csv:2: column 'status' should be one of"):
        gradebook.read(path)


# -- feedback ---------------------------------------------------------------------------

FAILED_LINT = (
    "[lint] hadolint found 1 problem(s)\n  found:    line 7: DL3013 (warning) Pin versions\n"
    "  hint: pin the versions\n  --- build log (last 1 lines) ---\n  | line 99 of a log"
)


def _failing_report() -> dict:
    report = _report({**MAXIMA, "lint": 0, "predict": 0}, MAXIMA)
    report["tests"][0]["output"] = FAILED_LINT
    report["tests"][3]["output"] = "not graded: the app did not answer (see `health`)"
    return report


def test_feedback_markdown_is_a_table_of_checks_points_results_and_hints():
    page = feedback.markdown(_failing_report(), "Exercise 01")
    assert "**Score: 6 / 10 points**" in page
    assert "| Check | Points | Result | Hint |" in page
    assert "| `lint` | 0/1 | ❌ failed | pin the versions |" in page
    assert "| `predict` | 0/3 | ⏭️ not graded | not graded: the app did not answer" in page
    assert "| `build` | 2/2 | ✅ passed |  |" in page


def test_annotations_point_at_the_dockerfile_lines_a_check_names():
    lines = feedback.annotations(_failing_report())
    assert lines == [
        "::error file=Dockerfile,line=7,title=lint::hadolint found 1 problem(s)%0Ahint: pin the "
        "versions"
    ]


def test_classroom50_result_has_the_v1_shape():
    result = feedback.classroom50(
        _failing_report(),
        classroom="course-org",
        assignment="01-containerize-api",
        owner="ann",
        submission="course-org/ex01-ann",
        commit="abc",
        datetime="2026-12-02T10:00:00Z",
    )
    assert result["schema"] == "classroom50/result/v1"
    assert (result["score"], result["max-score"]) == (6, 10)
    assert isinstance(result["score"], int) and isinstance(result["max-score"], int)
    assert result["tests"][0] == {"test-name": "lint", "passed": False, "score": 0, "max-score": 1}
    assert {k for k in result if k not in {"schema", "tests"}} == {
        "classroom",
        "assignment",
        "owner",
        "submission",
        "commit",
        "datetime",
        "score",
        "max-score",
    }


def test_the_feedback_command_writes_summary_annotations_and_result_json(tmp_path):
    report = tmp_path / "results.json"
    report.write_text(json.dumps(_failing_report()))
    summary = tmp_path / "summary.md"
    env = dict(os.environ, GITHUB_REPOSITORY="org/ex01-ann", GITHUB_SHA="f00", GITHUB_ACTOR="ann")
    result = subprocess.run(
        [
            *COURSE_GRADE,
            "feedback",
            str(report),
            "--exercise",
            str(EX01),
            "--summary",
            str(summary),
            "--annotations",
            "--classroom50",
            "result.json",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("::error file=Dockerfile,line=7,title=lint::")
    assert "| `lint` | 0/1 |" in summary.read_text()
    written = json.loads((tmp_path / "result.json").read_text())
    assert (written["submission"], written["commit"], written["owner"]) == (
        "org/ex01-ann",
        "f00",
        "ann",
    )
    assert written["assignment"] == "01-containerize-api"


# -- handout ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", sorted(p.name for p in EXERCISES.iterdir() if (p / "exercise.yml").is_file())
)
def test_every_exercise_hands_out_without_its_solution(name, tmp_path):
    dest = tmp_path / "repo"
    result = course_grade("handout", str(EXERCISES / name), str(dest), "--grader", "mlops-course")
    assert result.returncode == 0, result.stderr
    files = {p.relative_to(dest).as_posix() for p in dest.rglob("*") if p.is_file()}
    assert {"README.md", "Dockerfile", "exercise.yml", "grader-requirements.txt"} <= files
    assert ".github/workflows/grade.yml" in files and not any("solution" in f for f in files)
    readme = (dest / "README.md").read_text()
    assert "python -m pytest . --grade-report results.json" in readme
    assert "## The task" in readme
    solutions = [p.read_bytes() for p in (EXERCISES / name / "solution").rglob("*") if p.is_file()]
    for path in dest.rglob("*"):
        if path.is_file():
            assert path.read_bytes() not in solutions, path


def test_a_handout_that_would_leak_the_solution_is_refused_and_writes_nothing(tmp_path):
    exercise_dir = tmp_path / "01-containerize-api"
    student_repo(tmp_path, "01-containerize-api", {})
    (exercise_dir / "solution").mkdir()
    (exercise_dir / "solution" / "Dockerfile").write_text(SOLUTION01)
    # The "starter" is the solution with CRLF line endings, extra blanks and other comments.
    leaked = "# Starter\r\n\r\n" + SOLUTION01.replace("\n", "\r\n\r\n").replace("# ", "#  ")
    (exercise_dir / "Dockerfile").write_text(leaked)
    dest = tmp_path / "repo"
    with pytest.raises(HandoutError) as error:
        write_handout(load_exercise(exercise_dir / "exercise.yml"), dest, "mlops-course")
    assert "refusing to hand out the solution, nothing written: Dockerfile: holds solution/" in (
        str(error.value)
    )
    assert not dest.exists()
    result = course_grade("handout", str(exercise_dir), str(dest), "--grader", "mlops-course")
    assert result.returncode == 2 and "Traceback" not in result.stderr and not dest.exists()


def test_a_handout_refuses_a_folder_that_is_not_empty(tmp_path):
    (tmp_path / "repo").mkdir()
    (tmp_path / "repo" / "keep.txt").write_text("mine")
    result = course_grade("handout", str(EX01), str(tmp_path / "repo"), "--grader", "x")
    assert result.returncode == 2 and "exists and is not empty" in result.stderr


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
