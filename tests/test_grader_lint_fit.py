"""Lint that fits ML images: heredocs read right, configuration is not a secret."""

from __future__ import annotations

import pytest
from course_grader import lint
from course_grader.errors import CheckFailed

HEAD = "FROM python:3.11-slim-bookworm\n"
TAIL = 'USER 10001\nCMD ["python", "-m", "app"]\n'


def run(tmp_path, text: str, params: dict | None = None) -> str:
    path = tmp_path / "Dockerfile"
    path.write_bytes(text.encode())
    return lint.lint(path, params or {}, set())


def test_a_heredoc_does_not_confuse_hadolint(tmp_path):
    assert run(tmp_path, HEAD + "RUN <<EOF\nUSER root\necho hi\nEOF\n" + TAIL).startswith(
        "hadolint"
    )


def test_findings_after_a_heredoc_keep_their_line(tmp_path):
    text = HEAD + "RUN <<EOF\necho hi\nEOF\nENV API_KEY=abc\n" + TAIL
    with pytest.raises(CheckFailed) as caught:
        run(tmp_path, text)
    assert "line 5: DL3064" in caught.value.found


def test_tokenizers_parallelism_and_python_settings_are_not_secrets(tmp_path):
    text = HEAD + (
        "ENV TOKENIZERS_PARALLELISM=false PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 "
        "PIP_DISABLE_PIP_VERSION_CHECK=1\n"
    )
    assert run(tmp_path, text + TAIL).startswith("hadolint")


def test_a_real_secret_still_fails(tmp_path):
    with pytest.raises(CheckFailed) as caught:
        run(tmp_path, HEAD + "ENV TOKENIZERS_PARALLELISM=false HF_TOKEN=hf_abc\n" + TAIL)
    assert "DL3064" in caught.value.found


def test_not_secrets_in_exercise_yml_whitelists_a_name(tmp_path):
    text = HEAD + "ENV WANDB_API_KEY_FILE=/run/secrets/wandb\n" + TAIL
    assert run(tmp_path, text, {"not_secrets": ["WANDB_API_KEY_FILE"]}).startswith("hadolint")


def test_ignore_drops_a_rule(tmp_path):
    text = HEAD + "ENV API_KEY=abc\n" + TAIL
    assert run(tmp_path, text, {"ignore": ["DL3064"]}).startswith("hadolint")


def test_trusted_registries_fail_other_registries(tmp_path):
    text = "FROM quay.io/x/python:3.11.9\n" + TAIL
    with pytest.raises(CheckFailed) as caught:
        run(tmp_path, text, {"trusted_registries": ["docker.io"]})
    assert "DL3026" in caught.value.found
