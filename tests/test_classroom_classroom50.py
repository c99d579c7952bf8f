"""Classroom 50's result.json (`course-grade feedback --classroom50`): valid against the
structural rules of classroom50/result/v1 in every status, submission instant fixed by
the graded commit, identity from GitHub Actions' environment or options. No engine."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from _classroom import COURSE_GRADE, EX01, MAXIMA, commit, student_repo
from _classroom import report as _report
from course_classroom import classroom50, gradebook
from course_classroom.batch import Batch, Options, load
from course_classroom.classroom50 import Classroom50Error, Submission
from hypothesis import given
from hypothesis import strategies as st

INSTANT = r"^\d{4}-\d{2}-\d{2}T([01]\d|2[0-3]):[0-5]\d:[0-5]\dZ$"
TEXT = {"type": "string", "minLength": 1}
POINTS = {"type": "integer", "minimum": 0}

#: classroom50/result/v1's structural rules, written from the issue's facts (JSON Schema
#: 2020-12, no extra top-level keys); the cross-field rule (score <= max-score) is asserted
#: by the tests themselves.
SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "required": [
        "schema",
        "classroom",
        "assignment",
        "assignment_type",
        "owner",
        "submission",
        "commit",
        "release",
        "review",
        "datetime",
        "score",
        "max-score",
        "tests",
    ],
    "properties": {
        "schema": {"const": "classroom50/result/v1"},
        "classroom": TEXT,
        "assignment": TEXT,
        "assignment_type": {"enum": ["individual", "group"]},
        "owner": TEXT,
        "submission": {"type": "string", "pattern": "^submit/"},
        "commit": TEXT,
        "release": TEXT,
        "review": TEXT,
        "datetime": {"type": "string", "pattern": INSTANT},
        "graded_at": {"type": "string", "pattern": INSTANT},
        "score": POINTS,
        "max-score": POINTS,
        "tests": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["test-name", "passed", "score", "max-score"],
                "properties": {
                    "test-name": TEXT,
                    "passed": {"type": "boolean"},
                    "score": POINTS,
                    "max-score": POINTS,
                },
            },
        },
        "submitted_by": {
            "type": "object",
            "additionalProperties": False,
            "required": ["username"],
            "properties": {"username": TEXT, "id": {"type": ["integer", "null"]}},
        },
    },
}
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
TAG = re.compile(r"submit/\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}Z-[0-9a-f]{7}")
COMMITTED = "2026-12-02T09:30:15Z"
CLASSROOM50 = ("--classroom50", "result.json")


def valid(document: dict) -> dict:
    """*document* when it passes the schema and the cross-field rules, else fail naming why."""
    problems = [error.message for error in VALIDATOR.iter_errors(document)]
    assert not problems, problems
    assert document["score"] <= document["max-score"]
    for test in document["tests"]:
        assert test["score"] <= test["max-score"], test
    return document


def checkout(tmp_path: Path) -> tuple[Path, str]:
    """A student's git checkout of exercise 01 whose commit has a known committer date."""
    folder = student_repo(tmp_path, "ex01-ann", {"Dockerfile": "FROM python:3.11-slim\n"})
    os.environ["GIT_COMMITTER_DATE"] = "2026-12-02T10:30:15+01:00"
    try:
        sha = commit(folder, "hand in")
    finally:
        del os.environ["GIT_COMMITTER_DATE"]
    return folder, sha


def actions_env(sha: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
    env.update(
        GITHUB_SERVER_URL="https://github.com",
        GITHUB_REPOSITORY="course-org/ex01-ann",
        GITHUB_REPOSITORY_OWNER="course-org",
        GITHUB_SHA=sha,
        GITHUB_ACTOR="ann",
        GITHUB_ACTOR_ID="4242",
        GITHUB_REF_TYPE="branch",
        GITHUB_REF_NAME="main",
    )
    env.update(extra)
    return env


def feedback_cli(report: Path, folder: Path, env: dict[str, str], *options: str):
    return subprocess.run(
        [*COURSE_GRADE, "feedback", str(report), "--exercise", str(folder), *CLASSROOM50, *options],
        capture_output=True,
        text=True,
        cwd=folder,
        env=env,
        timeout=120,
    )


def ungraded_reports(tmp_path: Path) -> dict[str, Path]:
    """The feedback reports `course-grade batch --feedback` writes for each status."""
    exercise = load(EX01)
    batch = Batch(exercise, Options(tmp_path / "book.csv", feedback=tmp_path / "fb"), sys.stderr)
    reports = {}
    for status in (gradebook.MISSING, gradebook.ERROR, gradebook.TIMEOUT):
        student = f"s-{status}"
        row = gradebook.ungraded_row(student, "c0ffee", status, exercise.max_points)
        batch._feedback(row, None)
        reports[status] = tmp_path / "fb" / f"{student}.json"
    graded = tmp_path / "fb" / "graded.json"
    graded.write_text(json.dumps(_report({**MAXIMA, "lint": 0, "predict": 1.5}, MAXIMA)))
    reports[gradebook.GRADED] = graded
    return reports


def test_the_schema_written_here_refuses_what_the_old_result_json_wrote():
    old = {
        "schema": "classroom50/result/v1",
        "classroom": "course-org",
        "assignment": "01-containerize-api",
        "owner": "ann",
        "submission": "course-org/ex01-ann",
        "commit": "abc",
        "datetime": "2026-12-02T10:00:00.123456Z",
        "score": 6,
        "max-score": 10,
        "tests": [],
    }
    errors = list(VALIDATOR.iter_errors(old))
    missing = {e.message.split("'")[1] for e in errors if e.validator == "required"}
    assert missing == {"assignment_type", "release", "review"}
    assert {e.path[0] for e in errors if e.validator == "pattern"} == {"submission", "datetime"}
    fixed = {
        **old,
        "assignment_type": "individual",
        "release": "r",
        "review": "r",
        "submission": "submit/x",
        "datetime": "2026-12-02T10:00:00Z",
    }
    assert VALIDATOR.is_valid(fixed) and not VALIDATOR.is_valid({**fixed, "extra": 1})


@pytest.mark.parametrize("status", ["graded", "missing", "error", "timeout"])
def test_result_json_validates_in_every_status(tmp_path, status):
    folder, sha = checkout(tmp_path)
    report = ungraded_reports(tmp_path)[status]
    result = feedback_cli(report, folder, actions_env(sha))
    assert result.returncode == 0, result.stderr
    document = valid(json.loads((folder / "result.json").read_text()))
    assert document["max-score"] == 10
    if status == "graded":
        # 7.5 points: halves round up, per test (predict 1.5 -> 2) as in the total
        assert (document["score"], len(document["tests"])) == (8, 5)
        assert sum(t["score"] for t in document["tests"]) == 8
        assert document["tests"][0] == {
            "test-name": "lint",
            "passed": False,
            "score": 0,
            "max-score": 1,
        }
    else:
        assert (document["score"], document["tests"]) == (0, [])


def test_datetime_is_the_commits_committer_date_and_survives_a_regrade(tmp_path):
    folder, sha = checkout(tmp_path)
    report = ungraded_reports(tmp_path)["graded"]
    first = feedback_cli(report, folder, actions_env(sha))
    assert first.returncode == 0, first.stderr
    one = json.loads((folder / "result.json").read_text())
    (folder / "result.json").unlink()
    assert feedback_cli(report, folder, actions_env(sha)).returncode == 0
    two = json.loads((folder / "result.json").read_text())
    assert one["datetime"] == two["datetime"] == COMMITTED
    assert re.fullmatch(INSTANT, one["graded_at"]) and one["graded_at"] >= COMMITTED
    assert one["submission"] == two["submission"] == f"submit/2026-12-02T09-30-15Z-{sha[:7]}"


def test_identity_and_links_come_from_the_actions_environment(tmp_path):
    folder, sha = checkout(tmp_path)
    report = ungraded_reports(tmp_path)["graded"]
    assert feedback_cli(report, folder, actions_env(sha), "--baseline", "1234567").returncode == 0
    document = valid(json.loads((folder / "result.json").read_text()))
    assert TAG.fullmatch(document["submission"])
    assert (document["classroom"], document["assignment"]) == ("course-org", "01-containerize-api")
    assert (document["owner"], document["assignment_type"]) == ("ann", "individual")
    base = "https://github.com/course-org/ex01-ann"
    assert document["commit"] == f"{base}/commit/{sha}"
    assert document["release"] == f"{base}/releases/tag/{document['submission']}"
    assert document["review"] == f"{base}/compare/1234567...{sha}"
    assert document["submitted_by"] == {"username": "ann", "id": 4242}


def test_a_pushed_submit_tag_is_the_submission_and_a_classroom_repo_names_the_owner(tmp_path):
    folder, sha = checkout(tmp_path)
    report = ungraded_reports(tmp_path)["graded"]
    env = actions_env(
        sha,
        GITHUB_REF_TYPE="tag",
        GITHUB_REF_NAME="submit/2026-12-02T09-31-00Z-abcdef0",
        GITHUB_REPOSITORY="course-org/course-org-01-containerize-api-bo",
        GITHUB_ACTOR="teaching-assistant",
    )
    del env["GITHUB_ACTOR_ID"]
    assert feedback_cli(report, folder, env, "--assignment-type", "group").returncode == 0
    document = valid(json.loads((folder / "result.json").read_text()))
    assert document["submission"] == "submit/2026-12-02T09-31-00Z-abcdef0"
    assert (document["owner"], document["assignment_type"]) == ("bo", "group")
    assert document["review"] == document["commit"]  # no baseline: nothing to compare
    assert document["submitted_by"] == {"username": "teaching-assistant", "id": None}


def test_outside_actions_a_missing_identity_is_one_line_naming_the_option(tmp_path):
    folder, sha = checkout(tmp_path)
    report = ungraded_reports(tmp_path)["graded"]
    env = {k: v for k, v in actions_env(sha).items() if not k.startswith("GITHUB_")}
    result = feedback_cli(report, folder, env)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "GITHUB_REPOSITORY" in result.stderr and "--repository OWNER/NAME" in result.stderr
    assert not (folder / "result.json").exists()
    options = ["--repository", "me/ex01", "--classroom", "me", "--owner", "me"]
    assert feedback_cli(report, folder, env, *options).returncode == 0
    document = valid(json.loads((folder / "result.json").read_text()))
    assert document["commit"] == f"https://github.com/me/ex01/commit/{sha}"
    assert "submitted_by" not in document


def test_without_git_the_committed_at_option_gives_the_instant(tmp_path):
    report = ungraded_reports(tmp_path)["graded"]
    folder = tmp_path / "plain"
    folder.mkdir()
    (folder / "exercise.yml").write_text((EX01 / "exercise.yml").read_text())
    env = actions_env("abcdef0123456789")
    refused = feedback_cli(report, folder, env)
    assert refused.returncode == 2 and "--committed-at" in refused.stderr
    accepted = feedback_cli(report, folder, env, "--committed-at", "2026-12-02T11:00:00+02:00")
    assert accepted.returncode == 0, accepted.stderr
    assert json.loads((folder / "result.json").read_text())["datetime"] == "2026-12-02T09:00:00Z"


def test_a_missing_grade_report_still_writes_an_error_result_and_fails(tmp_path):
    folder, sha = checkout(tmp_path)
    result = feedback_cli(tmp_path / "absent.json", folder, actions_env(sha))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "absent.json: not a grade report" in result.stderr
    document = valid(json.loads((folder / "result.json").read_text()))
    assert (document["score"], document["max-score"], document["tests"]) == (0, 10, [])


SUBMISSION = Submission(
    classroom="c",
    assignment="a",
    assignment_type="individual",
    owner="o",
    repository_url="https://github.com/c/a-o",
    commit="abcdef0123",
    committed_at=COMMITTED,
    tag="submit/x",
)
POINT_VALUES = st.one_of(
    st.floats(min_value=-5, max_value=50),
    st.sampled_from([float("nan"), float("inf"), "12", None]),
    st.integers(min_value=-5, max_value=50),
)


@given(
    st.lists(st.tuples(st.sampled_from(["lint", "build", "health"]), POINT_VALUES, POINT_VALUES)),
    POINT_VALUES,
    POINT_VALUES,
)
def test_any_grade_report_gives_a_valid_document(tests, score, max_score):
    report = {
        "score": score,
        "max_score": max_score,
        "tests": [
            {"name": f"ex: {name}", "score": got, "max_score": most, "status": "failed"}
            for name, got, most in tests
        ],
    }
    valid(classroom50.result(report, SUBMISSION, COMMITTED))


def test_a_bad_time_or_type_is_refused_naming_it():
    with pytest.raises(Classroom50Error, match="expected ISO 8601"):
        classroom50.utc_instant("yesterday")
    with pytest.raises(Classroom50Error, match="no time zone"):
        classroom50.utc_instant("2026-12-02T10:00:00")
    with pytest.raises(Classroom50Error, match="graded_at"):
        classroom50.result({"tests": []}, SUBMISSION, "2026-12-02 10:00")
