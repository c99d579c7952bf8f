"""Fair static verdicts on current Dockerfile syntax: heredocs, directives, flags, ARGs."""

from __future__ import annotations

from pathlib import Path

import pytest
from course_grader import hints, pinning, rules
from course_grader.dockerfile import ImageRef, parse
from course_grader.errors import CheckFailed, ExerciseConfigError
from course_grader.exercise import load_exercise

PINNED = "FROM python:3.11-slim-bookworm\n"


def failure(rule, *args) -> CheckFailed:
    with pytest.raises(CheckFailed) as caught:
        rule(*args)
    return caught.value


def test_a_heredoc_body_line_user_root_is_not_an_instruction():
    text = PINNED + "USER 10001\nRUN <<EOF\nUSER root\nFROM evil:latest\nHEALTHCHECK NONE\nEOF\n"
    dockerfile = parse(text)
    assert len(dockerfile.stages) == 1
    assert [i.keyword for i in dockerfile.final.instructions] == ["FROM", "USER", "RUN"]
    assert rules.non_root(dockerfile, {}).startswith("runs as 10001")


def test_a_heredoc_user_line_does_not_make_a_root_image_look_non_root():
    text = PINNED + "RUN <<EOF\nUSER 10001\nEOF\n"
    assert "root" in failure(rules.non_root, parse(text), {}).render()


def test_syntax_and_escape_directives_are_read():
    text = (
        "# syntax=docker/dockerfile:1.7\n# escape=`\n"
        "FROM python:3.11-slim-bookworm\nRUN echo a `\n  b\n"
    )
    dockerfile = parse(text)
    assert dockerfile.directives == {"syntax": "docker/dockerfile:1.7", "escape": "`"}
    assert dockerfile.final.named("RUN")[0].args.split() == ["echo", "a", "b"]


def test_mount_link_and_chmod_flags_are_split():
    text = PINNED + (
        "RUN --mount=type=cache,target=/root/.cache pip install x\nCOPY --link --chmod=755 a /b\n"
    )
    run, copy = parse(text).final.instructions[1:]
    assert run.flags == {"mount": "type=cache,target=/root/.cache"}
    assert copy.flags == {"link": "", "chmod": "755"} and copy.args == "a /b"


def test_lowercase_instructions_are_instructions():
    dockerfile = parse("from python:3.11-slim-bookworm as base\nuser 10001\n")
    assert dockerfile.final.alias == "base"
    assert rules.non_root(dockerfile, {}).startswith("runs as 10001")


def test_comments_inside_a_continuation_do_not_end_it():
    text = PINNED + "RUN apt-get update && \\\n# why\n    apt-get install -y tini\nUSER 10001\n"
    dockerfile = parse(text)
    assert "apt-get install -y tini" in dockerfile.final.named("RUN")[0].args
    assert dockerfile.final.last("USER").line == 5


def test_crlf_line_ends_are_read():
    dockerfile = parse(PINNED.replace("\n", "\r\n") + "USER 0\r\n")
    assert dockerfile.final.last("USER").args == "0"
    assert "root" in failure(rules.non_root, dockerfile, {}).render()


def test_a_heredoc_after_healthcheck_does_not_parse():
    text = PINNED + "HEALTHCHECK CMD python - <<'PY'\nimport sys\nPY\n"
    with pytest.raises(ValueError, match="line 3"):
        parse(text)


def test_an_unknown_instruction_names_its_line():
    with pytest.raises(ValueError, match="line 2: unknown instruction 'RUNN'"):
        parse(PINNED + "RUNN echo\n")


# -- ARGs -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        PINNED + "ARG U=0\nUSER $U\n",
        PINNED + "ARG UID=0\nARG GID=0\nUSER $UID:$GID\n",
        "ARG U=0\n" + PINNED + "ARG U\nUSER ${U}\n",
        PINNED + "ARG U\nUSER ${U:-root}\n",
        PINNED + "ENV APP_USER=root\nUSER ${APP_USER}\n",
    ],
    ids=["stage-arg", "uid-gid", "global-default", "default-word", "env"],
)
def test_user_through_an_arg_that_means_root_is_root(text):
    assert "root" in failure(rules.non_root, parse(text), {}).render()


def test_user_through_an_arg_naming_a_user_passes():
    text = PINNED + "ARG UID=10001\nUSER ${UID}:${UID}\n"
    assert rules.non_root(parse(text), {}).startswith("runs as 10001:10001")


def test_a_global_arg_not_redeclared_in_the_stage_has_no_value_there():
    found = failure(rules.non_root, parse("ARG U=10001\n" + PINNED + "USER $U\n"), {})
    assert "line 3" in found.render() and "U" in found.render()


def test_an_arg_cycle_names_the_variable_and_the_line():
    text = PINNED + "ARG A=${B}\nARG B=${A}\nUSER $A\n"
    found = failure(rules.non_root, parse(text), {})
    assert "line 4" in found.render() and "${A}" in found.render()


def test_from_with_a_global_arg_is_resolved():
    dockerfile = parse("ARG BASE=python:3.11.9-slim-bookworm\nFROM ${BASE}\n")
    assert dockerfile.final.base == "python:3.11.9-slim-bookworm"
    assert rules.pinned_base(dockerfile, {}).startswith("pinned")


def test_from_with_an_undefined_arg_fails_only_pinned_base():
    dockerfile = parse("FROM ${NOPE}\nUSER 10001\n")
    assert "NOPE" in failure(rules.pinned_base, dockerfile, {}).render()
    assert rules.non_root(dockerfile, {}).startswith("runs as 10001")


def test_from_latest_through_an_arg_is_not_pinned():
    dockerfile = parse("ARG BASE=python:latest\nFROM $BASE\n")
    assert failure(rules.pinned_base, dockerfile, {}).check == "pinned-base"


# -- stage inheritance ------------------------------------------------------------------


def test_final_stage_from_an_earlier_stage_inherits_its_user_and_healthcheck():
    text = PINNED.replace("\n", " AS runtime\n") + (
        "USER 10001\nHEALTHCHECK CMD python -c 'print(1)'\nFROM runtime\nCMD [\"app\"]\n"
    )
    dockerfile = parse(text)
    assert hints.final_user(dockerfile).line == 2
    assert rules.non_root(dockerfile, {}).startswith("runs as 10001")
    assert rules.healthcheck_declared(dockerfile, {}).startswith("HEALTHCHECK declared")


def test_final_stage_from_an_earlier_root_stage_is_root():
    text = PINNED.replace("\n", " AS base\n") + "USER root\nFROM base\n"
    assert "root" in failure(rules.non_root, parse(text), {}).render()


# -- pinning ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ref", "pinned"),
    [
        ("python:3.11-slim-bookworm", True),
        ("python:3.11.9-slim", True),
        ("ubuntu:22.04", True),
        ("ubuntu:jammy", True),
        ("python:3.11-alpine3.20", True),
        ("cgr.dev/chainguard/python:latest-dev@sha256:" + "a" * 64, True),
        ("python:3.11-slim", False),
        ("python:3.11", False),
        ("ubuntu", False),
        ("ubuntu:latest", False),
        ("gcr.io/distroless/python3-debian12", False),
    ],
)
def test_the_pinning_definition(ref, pinned):
    assert pinning.is_pinned(ImageRef.parse(ref)) is pinned


def test_level_minor_accepts_a_release_tag():
    assert pinning.is_pinned(ImageRef.parse("python:3.11-slim"), "minor")


def test_the_rule_quotes_the_definition():
    error = failure(rules.pinned_base, parse("FROM python:3.11-slim\n"), {})
    assert error.expected == pinning.DEFINITION


def test_a_stage_alias_is_followed_back_to_the_external_image():
    text = "FROM python:3.11 AS base\nFROM base\n"
    assert "line 1" in failure(rules.pinned_base, parse(text), {}).found


def test_scratch_is_pinned():
    text = PINNED.replace("\n", " AS b\n") + "FROM scratch\nCOPY --from=b /a /a\n"
    assert rules.pinned_base(parse(text), {})


def test_an_unknown_pinning_level_names_exercise_yml_and_the_field(tmp_path):
    config = tmp_path / "exercise.yml"
    config.write_text("checks:\n  pinned-base:\n    level: major\n", encoding="utf-8")
    with pytest.raises(ExerciseConfigError, match=r"exercise.yml: checks.pinned-base.level"):
        load_exercise(config)


def test_lint_lists_are_validated(tmp_path):
    config = tmp_path / "exercise.yml"
    config.write_text("checks:\n  lint:\n    not_secrets: TOKEN\n", encoding="utf-8")
    with pytest.raises(ExerciseConfigError, match=r"checks.lint.not_secrets"):
        load_exercise(config)


@pytest.mark.parametrize(
    "path",
    [
        "exercises/02-production-image/README.md",
        "exercises/03-ship-it/README.md",
        "docs/deployment/mlops-docker.md",
    ],
)
def test_the_readmes_and_the_lesson_quote_the_definition(path):
    text = " ".join((Path(__file__).parent.parent / path).read_text(encoding="utf-8").split())
    assert pinning.DEFINITION in text
