"""`course-grade handout` without an engine: every exercise hands out without its
solution; a handout that would leak it is refused and writes nothing."""

from __future__ import annotations

import pytest
from _classroom import (
    EX01,
    SOLUTION01,
    course_grade,
    student_repo,
)
from _grader import EXERCISES
from course_classroom.handout import HandoutError, write_handout
from course_grader.exercise import load_exercise

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
