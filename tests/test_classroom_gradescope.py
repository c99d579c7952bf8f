"""Gradescope's results.json: every field of its specification with the right type, and a
check's visibility set in exercise.yml (e.g. hidden until after the due date). No engine:
the end-to-end test grades static checks only."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import jsonschema
import pytest
import yaml
from _classroom import EX01
from course_grader.errors import ExerciseConfigError
from course_grader.exercise import load_exercise
from course_grader.report import FAILED, NOT_GRADED, PASSED, Gradebook

VISIBILITY = {"enum": ["hidden", "after_due_date", "after_published", "visible"]}
NUMBER = {"type": "number"}
#: Gradescope's results.json fields (autograder specification), as types.
SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["score", "max_score", "tests"],
    "properties": {
        "score": NUMBER,
        "max_score": NUMBER,
        "execution_time": NUMBER,
        "output": {"type": "string"},
        "visibility": VISIBILITY,
        "stdout_visibility": VISIBILITY,
        "extra_data": {"type": "object"},
        "tests": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["name", "score", "max_score", "status"],
                "properties": {
                    "name": {"type": "string"},
                    "number": {"type": "string"},
                    "score": NUMBER,
                    "max_score": NUMBER,
                    "status": {"enum": ["passed", "failed"]},
                    "output": {"type": "string"},
                    "output_format": {"enum": ["text", "html", "simple_format", "md", "ansi"]},
                    "visibility": VISIBILITY,
                    "tags": {"type": "array", "items": {"type": "string"}},
                },
            },
        },
    },
}
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
PYTEST = (sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-c", "/dev/null")


def test_the_report_carries_every_gradescope_field_with_its_type():
    book = Gradebook(extra_data={"builder": "classic"})
    for check, points, outcome, visibility in (
        ("lint", 1, PASSED, "visible"),
        ("build", 2, FAILED, "after_due_date"),
        ("health", 2, NOT_GRADED, "hidden"),
    ):
        grade = book.add("01", check, points, visibility=visibility, tags=("static",))
        grade.outcome, grade.output = outcome, f"{check} output"
    report = book.to_gradescope(execution_time=3.456)
    assert not [e.message for e in VALIDATOR.iter_errors(report)]
    assert report.keys() == SCHEMA["properties"].keys()
    assert (report["visibility"], report["stdout_visibility"]) == ("visible", "hidden")
    assert report["output"] == "1/5 points; 1 of 3 checks passed"
    assert report["extra_data"] == {"builder": "classic"}
    assert [t["number"] for t in report["tests"]] == ["1", "2", "3"]
    assert [t["visibility"] for t in report["tests"]] == ["visible", "after_due_date", "hidden"]
    assert report["tests"][1]["tags"] == ["build", "static"]
    assert {t["output_format"] for t in report["tests"]} == {"text"}


def _exercise(tmp_path, checks: dict) -> tuple:
    folder = tmp_path / "ex"
    shutil.copytree(EX01, folder, ignore=shutil.ignore_patterns("solution", "__pycache__"))
    config = yaml.safe_load((folder / "exercise.yml").read_text())
    config["checks"] = checks
    (folder / "exercise.yml").write_text(yaml.safe_dump(config))
    return folder, folder / "exercise.yml"


def test_a_checks_visibility_is_read_from_exercise_yml_and_is_not_a_parameter(tmp_path):
    _, path = _exercise(
        tmp_path, {"lint": {"points": 1, "visibility": "after_due_date"}, "build": {"points": 2}}
    )
    exercise = load_exercise(path)
    assert exercise.check("lint").visibility == "after_due_date"
    assert exercise.check("build").visibility == "visible"
    assert "visibility" not in exercise.params("lint")


def test_an_unknown_visibility_names_the_check_and_the_choices(tmp_path):
    _, path = _exercise(tmp_path, {"lint": {"points": 1, "visibility": "secret"}})
    with pytest.raises(ExerciseConfigError, match=r"checks\.lint\.visibility: expected one of"):
        load_exercise(path)


def test_pytest_writes_the_visibility_into_results_json(tmp_path):
    folder, _ = _exercise(
        tmp_path,
        {"lint": {"points": 1, "visibility": "hidden"}, "pinned-base": {"points": 1}},
    )
    (folder / "Dockerfile").write_text('FROM python:3.11-slim\nCMD ["python"]\n')
    report = tmp_path / "results.json"
    result = subprocess.run(
        [*PYTEST, str(folder), "--rootdir", str(folder), "--grade-report", str(report)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert report.exists(), result.stdout + result.stderr
    data = json.loads(report.read_text())
    assert not [e.message for e in VALIDATOR.iter_errors(data)]
    by_check = {t["tags"][0]: t for t in data["tests"]}
    assert by_check["lint"]["visibility"] == "hidden"
    assert by_check["pinned-base"]["visibility"] == "visible"
    assert by_check["lint"]["tags"] == ["lint", "static"]
    assert isinstance(data["execution_time"], float)
