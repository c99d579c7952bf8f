"""Grading through pytest without an engine: collection, static checks, reports, messages."""

from __future__ import annotations

import pytest
from _grader import copy_exercise, grade

NO_ENGINE = "unix:///nonexistent/docker.sock"


@pytest.fixture
def no_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCKER_HOST", NO_ENGINE)


def test_an_exercise_folder_collects_one_item_per_check(pytester, tmp_path):
    folder = copy_exercise(tmp_path, "02-production-image")
    result = pytester.runpytest(str(folder), "--collect-only", "-q", "-p", "no:cacheprovider")
    ids = [line.split("::")[-1] for line in result.outlines if "::" in line]
    assert ids == [
        "lint",
        "pinned-base",
        "multi-stage",
        "non-root",
        "healthcheck-declared",
        "dockerignore",
        "build",
        "health",
        "predict",
        "healthcheck-healthy",
        "image-size",
        "layer-cache",
    ]


def test_checks_can_be_selected_by_id(pytester, tmp_path, no_engine):
    folder = copy_exercise(tmp_path, "02-production-image", solution=True)
    run = grade(pytester, folder, "-k", "lint or pinned-base or non-root")
    run.result.assert_outcomes(passed=3, deselected=9)
    assert run.report["score"] == run.report["max_score"] == 4


def test_without_an_engine_static_checks_run_and_each_dynamic_check_says_how_to_start_one(
    pytester, tmp_path, no_engine
):
    folder = copy_exercise(tmp_path, "02-production-image", solution=True)
    run = grade(pytester, folder)
    outcomes = run.outcomes()
    static = [
        "lint",
        "pinned-base",
        "multi-stage",
        "non-root",
        "healthcheck-declared",
        "dockerignore",
    ]
    dynamic = ["build", "health", "predict", "healthcheck-healthy", "image-size", "layer-cache"]
    assert [outcomes[c] for c in static] == ["passed"] * 6
    assert [outcomes[c] for c in dynamic] == ["failed"] * 6
    for check in dynamic:
        message = run.message(check)
        assert f"[{check}] no Docker engine answers at {NO_ENGINE}" in message
        assert "scripts/start-docker.sh" in message and "Traceback" not in message
    assert "course-grader: no Docker engine answers" in run.output


def test_points_summary_lists_each_check_and_the_total(pytester, tmp_path, no_engine):
    folder = copy_exercise(tmp_path, "02-production-image", solution=True)
    run = grade(pytester, folder)
    run.result.stdout.fnmatch_lines(
        [
            "*= course grade =*",
            "02-production-image: 8/16 points",
            "  PASS    lint * 1/1",
            "  FAIL    build * 0/1",
            "total: 8/16 points",
        ]
    )


def test_grade_report_is_gradescope_json(pytester, tmp_path, no_engine):
    folder = copy_exercise(tmp_path, "01-containerize-api", solution=True)
    report = grade(pytester, folder).report
    assert (report["score"], report["max_score"]) == (1, 10)
    assert [t["name"] for t in report["tests"]] == [
        "01-containerize-api: " + c for c in ("lint", "build", "health", "predict", "layer-cache")
    ]
    lint, build = report["tests"][:2]
    assert (lint["score"], lint["max_score"], lint["status"]) == (1, 1, "passed")
    assert lint["output"] == "hadolint: clean"
    assert (build["score"], build["max_score"], build["status"]) == (0, 2, "failed")
    assert "no Docker engine answers" in build["output"]


def test_junit_xml_carries_points_as_properties(pytester, tmp_path, no_engine):
    folder = copy_exercise(tmp_path, "01-containerize-api", solution=True)
    run = grade(pytester, folder)
    cases = {c.get("name"): c for c in run.junit.iter("testcase")}
    assert set(cases) == {"lint", "build", "health", "predict", "layer-cache"}
    props = {p.get("name"): p.get("value") for p in cases["lint"].iter("property")}
    assert props == {"max_points": "1", "points": "1", "output": "hadolint: clean"}
    assert cases["build"].find("failure") is not None


def test_failures_are_short_messages_without_tracebacks(pytester, tmp_path, no_engine):
    folder = copy_exercise(tmp_path, "02-production-image")
    run = grade(pytester, folder)
    assert "Traceback" not in run.output and "def run_check" not in run.output
    run.result.stdout.fnmatch_lines(
        [
            "[[]non-root[]] the container would run as root",
            "  expected: a USER instruction naming an unprivileged user in the final stage",
            "  found:    no USER in the final stage",
            "  hint: root: *",
        ]
    )


def test_a_broken_exercise_yml_is_reported_with_file_and_field(pytester, tmp_path):
    folder = copy_exercise(tmp_path, "01-containerize-api")
    (folder / "exercise.yml").write_text("checks:\n  buld: {points: 1}\n")
    result = pytester.runpytest(str(folder), "-p", "no:cacheprovider")
    result.stdout.fnmatch_lines(["*exercise.yml: checks.buld: unknown check id; known: lint*"])
    assert result.ret == pytest.ExitCode.INTERRUPTED


def test_a_missing_dockerfile_fails_every_check_that_reads_it(pytester, tmp_path, no_engine):
    folder = copy_exercise(tmp_path, "01-containerize-api")
    (folder / "Dockerfile").unlink()
    run = grade(pytester, folder, "-k", "lint")
    assert "[lint] there is no Dockerfile in" in run.message("lint")
