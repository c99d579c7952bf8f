"""`non-root` and `healthcheck-declared` judge the built image (issue 21: "the image is the
truth"): the pure readings of its configuration, then real builds on the engine, each
Dockerfile also read statically to show where the two readings part."""

from __future__ import annotations

import io
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest
import yaml
from course_grader import image_facts
from course_grader.checks import ExerciseRun
from course_grader.engine import Engine
from course_grader.errors import CheckFailed
from course_grader.exercise import load_exercise

BASE = "python:3.11-slim-bookworm"
CORPUS = Path(__file__).parent / "corpus"
EXPECTED = yaml.safe_load((CORPUS / "expected.yml").read_text(encoding="utf-8"))
BUILDABLE = sorted(name for name, entry in EXPECTED.items() if entry["buildable"])
CONFIG = (
    "checks:\n  build: {points: 1}\n  non-root: {points: 1}\n  healthcheck-declared: {points: 1}\n"
)
HEALTH = 'HEALTHCHECK CMD ["python", "-c", "print(1)"]\n'
USERADD = "RUN useradd --uid 10001 --no-create-home app\n"

PASSWD = "root:x:0:0:root:/root:/bin/bash\napp:x:10001:10001::/home/app:/bin/sh\n"


# -- pure ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("user", "uid"),
    [
        ("", 0),
        ("root", 0),
        ("0", 0),
        ("0:1000", 0),
        ("root:app", 0),
        ("app", 10001),
        ("app:app", 10001),
        ("65532", 65532),
        ("1000:100", 1000),
        ("ghost", None),
    ],
)
def test_the_user_part_of_config_user_decides_the_uid(user, uid):
    assert image_facts.resolve_uid(user, PASSWD) == uid


def test_a_name_in_no_passwd_has_no_uid_but_a_number_needs_none():
    assert image_facts.resolve_uid("app", None) is None
    assert image_facts.resolve_uid("65532", None) == 65532


@pytest.mark.parametrize(
    ("config", "test"),
    [
        ({}, None),
        ({"Healthcheck": None}, None),
        ({"Healthcheck": {"Test": ["NONE"]}}, None),
        ({"Healthcheck": {"Test": ["CMD", "python", "-V"]}}, ["CMD", "python", "-V"]),
    ],
)
def test_a_healthcheck_counts_unless_it_is_none(config, test):
    assert image_facts.healthcheck_test(config) == test


# -- on the engine ------------------------------------------------------------


@pytest.fixture(scope="module")
def client() -> Iterator[docker.DockerClient]:
    handle = docker.from_env(timeout=300)
    yield handle
    handle.close()


@pytest.fixture(scope="module")
def nonroot_base(client) -> Iterator[str]:
    """A local base image that runs as uid 65532 and declares a HEALTHCHECK, as Chainguard's
    images set their own user: a Dockerfile FROM it needs no USER of its own."""
    tag = f"course-test-nonroot-base:{uuid.uuid4().hex[:8]}"
    text = f"FROM {BASE}\n{HEALTH}USER 65532\n"
    image, _ = client.images.build(fileobj=io.BytesIO(text.encode()), tag=tag, rm=True)
    yield tag
    client.images.remove(image.id, force=True)


def verdicts(folder: Path, dockerfile: str | None = None) -> dict[str, str]:
    """Each check's note ("pass: …") or rendered failure, graded on the real engine
    (`dockerfile` None: the folder already holds one)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "exercise.yml").write_text(CONFIG, encoding="utf-8")
    if dockerfile is not None:
        (folder / "Dockerfile").write_text(dockerfile, encoding="utf-8")
        (folder / ".dockerignore").write_text("*\n", encoding="utf-8")
    engines: list[Engine] = []

    def connect() -> Engine:
        if not engines:
            engines.append(Engine.connect())
        return engines[0]

    run = ExerciseRun(load_exercise(folder / "exercise.yml"), engine=connect)
    result = {}
    try:
        for check in ("build", "non-root", "healthcheck-declared"):
            try:
                result[check] = "pass: " + run.run_check(check)
            except CheckFailed as error:
                result[check] = error.render()
            except Exception as error:  # CheckNotGraded, reported as text
                result[check] = f"{type(error).__name__}: {error}"
    finally:
        for engine in engines:
            assert engine.cleanup() == []
            assert engine.containers == []
    return result


def static_verdict(folder: Path, check: str) -> str:
    from course_grader import rules
    from course_grader.dockerfile import read

    rule = {"non-root": rules.non_root, "healthcheck-declared": rules.healthcheck_declared}[check]
    try:
        return "pass: " + rule(read(folder / "Dockerfile"), {})
    except CheckFailed as error:
        return error.render()


@pytest.mark.docker
def test_an_arg_that_expands_to_root_fails_from_the_image(tmp_path):
    found = verdicts(tmp_path, f"FROM {BASE}\nARG U=0\n{HEALTH}USER $U\n")
    assert found["build"].startswith("pass")
    assert "would run as root" in found["non-root"] and "uid 0" in found["non-root"]
    assert "would run as root" in static_verdict(tmp_path, "non-root")


@pytest.mark.docker
def test_a_final_stage_from_an_earlier_stage_inherits_its_user(tmp_path):
    text = f"FROM {BASE} AS base\n{USERADD}USER app\n{HEALTH}FROM base\nRUN true\n"
    found = verdicts(tmp_path, text)
    assert found["non-root"].startswith("pass: runs as uid 10001 (app;"), found
    assert "judged from the built image" in found["non-root"]
    assert found["healthcheck-declared"].startswith("pass"), found
    assert static_verdict(tmp_path, "non-root").startswith("pass")


@pytest.mark.docker
def test_a_base_that_runs_as_non_root_needs_no_user_of_its_own(tmp_path, nonroot_base):
    found = verdicts(tmp_path, f"FROM {nonroot_base}\nRUN true\n")
    assert found["non-root"].startswith("pass: runs as uid 65532"), found
    assert "from the base image; the Dockerfile sets no USER" in found["non-root"]
    assert "inherited from the base image" in found["healthcheck-declared"], found


@pytest.mark.docker
def test_a_user_with_no_account_in_the_image_fails_clearly(tmp_path):
    found = verdicts(tmp_path, f"FROM {BASE}\n{HEALTH}USER ghost\n")
    assert found["build"].startswith("pass"), found
    assert "USER ghost names no account in the built image" in found["non-root"], found
    assert "line 3: USER ghost" in found["non-root"] and "useradd" in found["non-root"]
    assert static_verdict(tmp_path, "non-root").startswith("pass")  # the text alone is fooled


@pytest.mark.docker
def test_a_build_failure_falls_back_to_the_dockerfile_and_says_so(tmp_path):
    found = verdicts(tmp_path, f"FROM {BASE}\n{USERADD}USER app\n{HEALTH}RUN exit 3\n")
    assert not found["build"].startswith("pass"), found
    assert (
        found["non-root"]
        == "pass: runs as app (line 3) (judged from the Dockerfile: the build failed)"
    )
    assert "judged from the Dockerfile: the build failed" in found["healthcheck-declared"]


@pytest.mark.docker
def test_healthcheck_none_in_the_final_stage_overrides_the_base(tmp_path, nonroot_base):
    found = verdicts(tmp_path, f"FROM {nonroot_base}\nHEALTHCHECK NONE\n")
    assert "HEALTHCHECK NONE" in found["healthcheck-declared"], found
    assert not found["healthcheck-declared"].startswith("pass")


@pytest.mark.docker
@pytest.mark.parametrize("name", BUILDABLE)
def test_the_built_corpus_image_gives_the_expected_verdict(name, tmp_path):
    """The corpus' expected verdicts (also the static rules', test_grader_corpus.py) are
    what the engine's own build of the same file says."""
    shutil.copyfile(CORPUS / f"{name}.Dockerfile", tmp_path / "Dockerfile")  # bytes: CRLF kept
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "main.py").write_text("print('ok')\n", encoding="utf-8")
    found = verdicts(tmp_path)
    assert found["build"].startswith("pass"), found["build"]
    for check in ("non-root", "healthcheck-declared"):
        outcome = "pass" if found[check].startswith("pass") else "fail"
        assert outcome == EXPECTED[name][check], found[check]
        assert "judged from the built image" in found[check] or outcome == "fail"
