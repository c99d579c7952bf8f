"""The pure parts of the service checks: verdicts and the hints for the usual mistakes."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
from course_grader import lint
from course_grader.dockerfile import parse
from course_grader.exercise import CHECK_IDS, load_exercise
from course_grader.service_rules import (
    OCI,
    SERVICE_HINTS,
    StopOutcome,
    args_declared,
    build_arg_values,
    label_hints,
    label_problems,
    port_hints,
    process_one_hints,
    service_hint,
    stop_hints,
    unconsumed_args,
)

EXERCISES = Path(__file__).resolve().parent.parent / "exercises"
SHIP_IT = EXERCISES / "03-ship-it"
ARGS = {"version": "VERSION", "revision": "REVISION"}


def final(cmd: str, *lines: str) -> str:
    return "\n".join(["FROM python:3.11-slim-bookworm", *lines, cmd]) + "\n"


def hint_ids(found: list[str]) -> list[str]:
    return [text.split(":", 1)[0] for text in found]


# -- graceful-stop ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cmd", "expected"),
    [
        ("CMD uvicorn app.main:app --host 0.0.0.0 --port 8000", ["shell-form"]),
        ("ENTRYPOINT uvicorn app.main:app", ["shell-form"]),
        ('CMD ["sh", "-c", "uvicorn app.main:app --port $PORT"]', ["shell-without-exec"]),
        ('CMD ["/bin/bash", "-c", "python -m app"]', ["shell-without-exec"]),
        ('CMD ["sh", "-c", "exec uvicorn app.main:app --port \\"$PORT\\""]', []),
        ('CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0"]', []),
    ],
)
def test_process_one_hints_name_the_shell_that_swallows_sigterm(cmd, expected):
    assert hint_ids(process_one_hints(parse(final(cmd)))) == expected


def test_the_entrypoint_decides_what_is_process_one():
    text = final('CMD ["--port", "8000"]', 'ENTRYPOINT ["uvicorn", "app.main:app"]')
    assert process_one_hints(parse(text)) == []


def test_a_clean_stop_with_the_request_answered_has_no_problems():
    assert StopOutcome(0, 3.2, 200).problems() == []


def test_a_kill_at_the_end_of_the_grace_period_is_reported_as_such():
    (problem,) = StopOutcome(137, 10.3, 200).problems()
    assert problem == "exit code 137 after 10.3 s (killed at the end of the grace period)"


def test_a_dropped_request_fails_even_with_exit_code_zero():
    outcome = StopOutcome(0, 0.4, None)
    assert outcome.problems() == ["the request in flight got no answer"]
    dockerfile = parse(final('CMD ["uvicorn", "app.main:app"]'))
    assert hint_ids(stop_hints(outcome, dockerfile)) == ["dropped-request"]


def test_a_kill_without_a_shell_to_blame_gets_the_general_hint():
    dockerfile = parse(final('CMD ["python", "serve.py"]'))
    assert hint_ids(stop_hints(StopOutcome(137, 10.1, 500), dockerfile)) == ["killed"]


def test_a_shell_form_kill_points_at_the_shell_form():
    dockerfile = parse(final("CMD uvicorn app.main:app"))
    found = stop_hints(StopOutcome(137, 10.1, 200), dockerfile)
    assert hint_ids(found) == ["shell-form"] and "line 2: CMD" in found[0]


def test_lint_leaves_the_shell_form_to_graceful_stop(tmp_path):
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(final("CMD uvicorn app.main:app"))
    assert "DL3025" in lint.GRADED_ELSEWHERE["graceful-stop"]
    assert lint.lint(dockerfile, {}, {"lint", "graceful-stop"})


# -- oci-labels ------------------------------------------------------------------------


def test_build_arg_values_look_like_a_version_and_a_commit_and_vary():
    version, revision = build_arg_values(random.Random(1))
    assert re.fullmatch(r"\d\.\d{1,2}\.\d{1,3}", version)
    assert re.fullmatch(r"[0-9a-f]{40}", revision)
    assert build_arg_values(random.Random(2)) != (version, revision)


def test_labels_pass_with_a_source_and_the_passed_values():
    labels = {OCI + "source": "https://example.org/r", OCI + "version": "1.2.3"}
    labels[OCI + "revision"] = "abc"
    assert label_problems(labels, "1.2.3", "abc") == []


def test_missing_and_hard_coded_labels_are_each_named():
    labels = {OCI + "version": "1.0.0"}
    assert label_problems(labels, "1.2.3", "abc") == [
        f"{OCI}source is missing or empty",
        f"{OCI}version is '1.0.0', not the build argument's '1.2.3'",
        f"{OCI}revision is missing",
    ]
    assert len(label_problems(None, "1", "a")) == 3


def test_args_are_found_per_stage_and_before_the_first_from():
    text = "ARG VERSION\nFROM python:3.11-slim AS builder\nARG REVISION\nFROM builder\nARG X=1\n"
    assert args_declared(parse(text)) == ({"X"}, {"VERSION", "REVISION"})


def test_args_declared_outside_the_final_stage_get_the_scope_hint():
    text = (
        "ARG VERSION\nARG REVISION\nFROM python:3.11-slim-bookworm\n"
        'LABEL org.opencontainers.image.version="$VERSION"\n'
    )
    found = label_hints(parse(text), [], ARGS)
    assert hint_ids(found) == ["arg-not-in-final", "label-missing"]
    assert "REVISION, VERSION" in found[0]


def test_unconsumed_build_args_are_read_from_the_build_log():
    log = [
        "Step 9/9 : CMD x",
        "[Warning] One or more build-args [REVISION VERSION] were not consumed",
    ]
    assert unconsumed_args(log) == ["REVISION", "VERSION"]
    found = label_hints(parse(final('CMD ["x"]')), log, ARGS)
    assert hint_ids(found) == ["arg-not-consumed", "label-missing"]
    assert "ARG VERSION=dev" in found[-1] and 'version="$VERSION"' in found[-1]


def test_the_reference_solution_needs_no_label_hint():
    solution = parse((SHIP_IT / "solution" / "Dockerfile").read_text())
    assert label_hints(solution, [], ARGS) == []


# -- env-config ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cmd", "expected"),
    [
        ("CMD uvicorn app.main:app --host 0.0.0.0 --port 8000", ["hard-coded-port"]),
        ('CMD ["uvicorn", "app.main:app", "--port=8000"]', ["hard-coded-port"]),
        ('CMD ["gunicorn", "-b", "0.0.0.0:8000", "app.main:app"]', ["hard-coded-port"]),
        ('CMD ["uvicorn", "app.main:app", "--port", "$PORT"]', ["exec-form-variable"]),
        ('CMD ["uvicorn", "app.main:app", "--port", "${PORT}"]', ["exec-form-variable"]),
        ('CMD ["sh", "-c", "exec uvicorn app.main:app --port \\"$PORT\\""]', []),
        ("CMD uvicorn app.main:app --port $PORT", []),
    ],
)
def test_port_hints_tell_a_literal_port_from_an_unexpanded_variable(cmd, expected):
    assert hint_ids(port_hints(parse(final(cmd)), 8000)) == expected


def test_every_service_hint_renders_without_placeholders():
    values = {
        "where": "line 9: CMD",
        "names": "VERSION",
        "version_arg": "VERSION",
        "revision_arg": "REVISION",
        "port": 8000,
        "default": 8000,
        "var": "PORT",
    }
    for hint_id in SERVICE_HINTS:
        text = service_hint(hint_id, **values)
        assert text.startswith(f"{hint_id}: ")
        assert not re.search(r"(?<!\$)\{[a-z_]+\}", text), text


# -- the exercise ----------------------------------------------------------------------


def test_exercise_03_grades_the_three_service_checks_with_points():
    exercise = load_exercise(SHIP_IT / "exercise.yml")
    ids = [c.id for c in exercise.checks]
    assert ids == sorted(ids, key=CHECK_IDS.index)
    for check in ("graceful-stop", "oci-labels", "env-config"):
        assert check in ids and exercise.check(check).points > 0
    assert exercise.check("graceful-stop").needs_engine


def test_the_starter_shows_each_mistake_the_hints_name():
    starter = parse((SHIP_IT / "Dockerfile").read_text())
    assert hint_ids(process_one_hints(starter)) == ["shell-form"]
    assert hint_ids(port_hints(starter, 8000)) == ["hard-coded-port"]
    assert hint_ids(label_hints(starter, [], ARGS)) == ["label-missing"]
    solution = parse((SHIP_IT / "solution" / "Dockerfile").read_text())
    assert process_one_hints(solution) == [] and port_hints(solution, 8000) == []


def test_shared_exercise_files_stay_identical_copies():
    """Each exercise is a self-contained student repo; what they share must not drift."""
    first = EXERCISES / "01-containerize-api"
    for name in ("02-production-image", "03-ship-it"):
        for shared in ("train.py", "app/__init__.py"):
            assert (EXERCISES / name / shared).read_text() == (first / shared).read_text(), (
                f"{name}/{shared} differs from 01-containerize-api/{shared}: change all copies"
            )
    base = (first / "requirements.txt").read_text().splitlines()
    ship_it = (SHIP_IT / "requirements.txt").read_text().splitlines()
    assert [line for line in ship_it if not line.startswith("prometheus-client")] == base


def test_the_reference_solution_lints_clean():
    assert lint.lint(SHIP_IT / "solution" / "Dockerfile", {}, set())
