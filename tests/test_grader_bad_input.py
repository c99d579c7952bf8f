"""Bad Dockerfiles get a clear verdict naming the line; only the concerned check loses."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from course_grader.checks import ExerciseRun
from course_grader.engine import Engine
from course_grader.errors import CheckFailed, EngineUnavailable
from course_grader.exercise import STATIC_CHECKS, load_exercise

ROOT = Path(__file__).parent.parent
CONFIG = "checks:\n" + "".join(f"  {c}: {{points: 1}}\n" for c in STATIC_CHECKS if c != "lint")
GOOD_TAIL = (
    "FROM python:3.11-slim-bookworm\nCOPY --from=b /opt /opt\n"
    'HEALTHCHECK CMD ["python", "-c", "print(1)"]\n'
)


def no_engine() -> Engine:
    """These rules must decide from the Dockerfile alone, as when no engine answers."""
    raise EngineUnavailable("no Docker engine answers (this test runs without one)")


def outcomes(tmp_path: Path, dockerfile: str) -> dict[str, str]:
    (tmp_path / "exercise.yml").write_text(CONFIG, encoding="utf-8")
    (tmp_path / "Dockerfile").write_text(dockerfile, encoding="utf-8")
    (tmp_path / ".dockerignore").write_text("*\n", encoding="utf-8")
    run = ExerciseRun(load_exercise(tmp_path / "exercise.yml"), engine=no_engine)
    result = {}
    for check in ("pinned-base", "multi-stage", "non-root", "healthcheck-declared"):
        try:
            getattr(run, "check_" + check.replace("-", "_"))()
            result[check] = "pass"
        except CheckFailed as error:
            result[check] = error.render()
    return result


def test_a_dockerfile_that_does_not_parse_is_a_clear_message_with_the_line(tmp_path):
    found = outcomes(tmp_path, "FROM python:3.11-slim-bookworm\nRUNN echo\n")
    assert all("cannot read" in v and "line 2" in v for v in found.values()), found


def test_an_arg_cycle_fails_only_non_root(tmp_path):
    text = "FROM python:3.11-slim-bookworm AS b\n" + GOOD_TAIL + "ARG A=${B}\nARG B=${A}\nUSER $A\n"
    found = outcomes(tmp_path, text)
    assert "line 7: ${A} has no value" in found.pop("non-root") and "${A}" not in str(found)
    assert set(found.values()) == {"pass"}


def test_an_unresolvable_from_fails_only_pinned_base(tmp_path):
    text = "FROM ${MISSING} AS b\n" + GOOD_TAIL + "USER 10001\n"
    found = outcomes(tmp_path, text)
    assert "line 1" in found.pop("pinned-base") and set(found.values()) == {"pass"}


@pytest.mark.parametrize("exercise", ["02-production-image", "03-ship-it"])
def test_reference_solutions_pass_every_static_rule(exercise):
    config = load_exercise(ROOT / "exercises" / exercise / "exercise.yml")
    solution = ROOT / "exercises" / exercise / "solution"
    run = ExerciseRun(replace(config, root=solution), engine=no_engine)
    for check in ("pinned-base", "multi-stage", "non-root", "healthcheck-declared", "lint"):
        assert getattr(run, "check_" + check.replace("-", "_"))()
