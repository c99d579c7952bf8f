"""Grading against the real engine: solutions, starters, one variant per common mistake,
reports, and cleanup (also when the run is interrupted)."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from _grader import (
    REPO,
    anchor_images,
    buildkit_records_with,
    copy_exercise,
    engine_client,
    grade,
    grader_leftovers,
    python_latest_tag,
)
from course_grader.build_cache import record_ids, remove_records
from course_grader.engine import LABEL

pytestmark = [pytest.mark.docker, pytest.mark.usefixtures("anchors")]


@pytest.fixture(scope="session")
def docker_client() -> Iterator[Any]:
    """The engine; at the end of the session, nothing the grader made may remain."""
    client = engine_client()
    yield client
    leftovers = grader_leftovers(client, os.getpid())
    client.close()
    assert not leftovers, f"the grader left these behind: {leftovers}"


@pytest.fixture(scope="session")
def anchors(docker_client: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The solutions' images, built once: every run below takes its dependency layer from them.

    Not in the test host VM: the few grades it runs build what they need once, and
    BuildKit's cache shares it between them (anchors would double its slowest builds)."""
    if os.environ.get("COURSE_TESTHOST") == "1":
        yield
        return
    with anchor_images(docker_client, tmp_path_factory.mktemp("anchors")):
        yield


@pytest.fixture(scope="session")
def python_latest(docker_client: Any) -> Iterator[str]:
    with python_latest_tag(docker_client) as tag:
        yield tag


EX01, EX02 = "01-containerize-api", "02-production-image"


def test_solution_01_earns_full_points(pytester, tmp_path):
    run = grade(pytester, copy_exercise(tmp_path, EX01, solution=True))
    run.result.assert_outcomes(passed=5)
    assert run.report["score"] == run.report["max_score"] == 10
    assert "01-containerize-api: 10/10 points" in run.output
    predict = next(t for t in run.report["tests"] if t["name"].endswith(": predict"))
    assert '"prediction":"setosa"' in predict["output"] and "-> 422" in predict["output"]


def test_solution_02_earns_full_points(pytester, tmp_path):
    run = grade(pytester, copy_exercise(tmp_path, EX02, solution=True))
    run.result.assert_outcomes(passed=12)
    assert run.report["score"] == run.report["max_score"] == 16
    props = {
        case.get("name"): {p.get("name"): p.get("value") for p in case.iter("property")}
        for case in run.junit.iter("testcase")
    }
    assert props["healthcheck-healthy"]["points"] == "2"
    assert "Docker reports healthy" in props["healthcheck-healthy"]["output"]
    assert "from cache" in props["layer-cache"]["output"]


def test_the_network_made_during_the_build_is_removed_when_no_container_uses_it(
    pytester, tmp_path, docker_client
):
    # The container's internal network is made while the image builds: a run that grades
    # only the build still leaves no network behind.
    run = grade(pytester, copy_exercise(tmp_path, EX01, solution=True), "-k", "build")
    assert run.outcomes() == {"build": "passed"}, run.output
    mine = docker_client.networks.list(filters={"label": f"{LABEL}.pid={os.getpid()}"})
    assert [network.name for network in mine] == []


@pytest.mark.parametrize("exercise", [EX01, EX02])
@pytest.mark.parametrize("value", [float("nan"), float("inf")], ids=["NaN", "Infinity"])
def test_the_app_refuses_a_non_finite_feature_with_422(exercise, value, pytester, tmp_path):
    """Python's JSON parser accepts NaN and Infinity: the app must answer 422, never 500."""
    folder = copy_exercise(tmp_path, exercise, solution=True)
    config = folder / "exercise.yml"
    spec = yaml.safe_load(config.read_text(encoding="utf-8"))
    spec["checks"]["predict"]["invalid_request"] = {"features": [value, 3.0, 5.2, 2.3]}
    config.write_text(yaml.safe_dump(spec), encoding="utf-8")
    run = grade(pytester, folder, "-k", "predict")
    assert run.outcomes()["predict"] == "passed", run.output
    predict = next(t for t in run.report["tests"] if t["name"].endswith(": predict"))
    literal = "NaN" if value != value else "Infinity"
    probe = f'{{"features": [{literal}, 3.0, 5.2, 2.3]}} -> 422 '
    assert probe in predict["output"], predict["output"]
    answer = predict["output"].split(probe, 1)[1]
    assert "finite number" in answer and literal not in answer, answer


def test_starter_01_fails_until_the_todos_are_done(pytester, tmp_path):
    run = grade(pytester, copy_exercise(tmp_path, EX01))
    assert run.outcomes() == {
        "lint": "passed",
        "build": "passed",
        "health": "failed",
        "predict": "skipped",
        "layer-cache": "failed",
    }
    assert "the container exited before the app answered" in run.message("health")
    assert run.report["score"] < run.report["max_score"]


def test_starter_02_fails_every_production_check(pytester, tmp_path):
    run = grade(pytester, copy_exercise(tmp_path, EX02))
    failed = run.failed()
    assert failed == {
        "lint",
        "pinned-base",  # python:3.11-slim moves with every patch release: not pinned
        "multi-stage",
        "non-root",
        "healthcheck-declared",
        "dockerignore",
        "healthcheck-healthy",
        "image-size",
        "layer-cache",
    }
    assert {"build", "health", "predict"}.isdisjoint(failed)
    # Single stage, pip's cache and every .pyc: far over a budget the solution meets.
    size = run.message("image-size")
    assert "multi-stage build" in size and "--no-compile" in size, size


def _sub(old: str, new: str):
    def edit(text: str) -> str:
        return text.replace(old, new)

    return edit


REQUIREMENTS_AFTER_CODE = _sub(
    "COPY requirements.txt .\n", "COPY app/ app/\nCOPY requirements.txt .\n"
)


HEALTHCHECK_LINES = (
    "HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \\\n"
    '    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('
    "'http://127.0.0.1:8000/health', timeout=3)\"]"
)

VARIANTS = {
    # mistake: (exercise, edit of its solution, the check that must fail, the hint id)
    "app bound to 127.0.0.1": (
        EX01,
        _sub('"--host", "0.0.0.0"', '"--host", "127.0.0.1"'),
        "health",
        "loopback",
    ),
    "EXPOSE/CMD port mismatch": (
        EX01,
        _sub('"--port", "8000"', '"--port", "8080"'),
        "health",
        "port-mismatch",
    ),
    "HEALTHCHECK calls curl": (
        EX02,
        _sub(
            HEALTHCHECK_LINES,
            "HEALTHCHECK --interval=30s --timeout=5s --retries=3 \\\n"
            '    CMD ["curl", "-f", "http://127.0.0.1:8000/health"]',
        ),
        "healthcheck-healthy",
        "healthcheck-tool",
    ),
    "running as root": (EX02, _sub("USER 10001:10001\n", ""), "non-root", "root"),
    "requirements copied after code": (
        EX01,
        REQUIREMENTS_AFTER_CODE,
        "layer-cache",
        "requirements-after-code",
    ),
    "unpinned latest base": (
        EX02,
        _sub("python:3.11-slim-bookworm", "python:latest"),
        "pinned-base",
        "unpinned-base",
    ),
}


def test_layer_cache_fails_again_on_a_second_grade(pytester, tmp_path):
    # Cache from an earlier build can be on the engine (the student's own, or a run with
    # --keep-build-cache): the probe must change the code in a new way each run, or the
    # second grade finds it cached.
    folder = copy_exercise(tmp_path, EX01, solution=True, edit=REQUIREMENTS_AFTER_CODE)
    first = grade(pytester, folder)
    second = grade(pytester, folder)
    assert first.outcomes()["layer-cache"] == "failed"
    assert second.outcomes()["layer-cache"] == "failed", second.message("layer-cache")


#: What current Docker teaches and only BuildKit builds: a pip cache mount, COPY --chmod.
BUILDKIT_ONLY = _sub(
    "RUN pip install", "RUN --mount=type=cache,target=/root/.cache/pip pip install"
)


@pytest.mark.parametrize("mistake", list(VARIANTS))
def test_each_common_mistake_fails_exactly_its_check_with_its_hint(
    mistake, pytester, tmp_path, request
):
    exercise, edit, check, hint_id = VARIANTS[mistake]
    if hint_id == "unpinned-base":
        request.getfixturevalue("python_latest")
    run = grade(pytester, copy_exercise(tmp_path, exercise, solution=True, edit=edit))
    assert run.failed() == {check}, run.output
    message = run.message(check)
    assert f"hint: {hint_id}: " in message, message
    assert "expected:" in message and "Traceback" not in message


def test_buildkit_only_syntax_is_graded_not_refused(pytester, tmp_path):
    run = grade(pytester, copy_exercise(tmp_path, EX01, solution=True, edit=BUILDKIT_ONLY))
    assert run.failed() == set(), run.output
    assert "images built with BuildKit (docker buildx" in run.output, run.output


HEREDOC = _sub("RUN python train.py\n", "RUN <<EOF\nset -e\npython train.py\nEOF\n")


def test_a_heredoc_run_scores_where_the_engine_has_heredocs(pytester, tmp_path, docker_client):
    # Heredocs are in the engine's built-in Dockerfile frontend from Engine 23 (the test
    # host VM's 26); on an older engine (this machine's 20.10) the grader says so.
    run = grade(pytester, copy_exercise(tmp_path, EX02, solution=True, edit=HEREDOC))
    engine = docker_client.version()["Version"]
    if int(engine.split(".")[0]) >= 23:
        assert run.failed() == set(), run.output
        assert run.report["score"] == run.report["max_score"]
    else:
        assert "build" in run.failed(), run.output
        message = run.message("build")
        assert "uses a heredoc (`RUN <<EOF`)" in message, message
        assert f"Docker Engine {engine}" in message and "Traceback" not in message, message


def test_the_classic_fallback_names_the_buildkit_syntax_it_cannot_build(
    pytester, tmp_path, monkeypatch
):
    monkeypatch.setenv("COURSE_GRADER_BUILDER", "classic")
    run = grade(pytester, copy_exercise(tmp_path, EX01, solution=True, edit=BUILDKIT_ONLY))
    assert run.failed() == {"build"}, run.output
    message = run.message("build")
    assert "hint: buildkit-syntax: `RUN --mount` (line" in message, message
    assert "images built with the classic builder" in run.output, run.output


def test_a_build_failure_shows_the_tail_of_the_build_log(pytester, tmp_path):
    edit = _sub("RUN python train.py", "RUN python train_model.py")
    run = grade(pytester, copy_exercise(tmp_path, EX01, solution=True, edit=edit))
    assert run.failed() == {"build"}
    message = run.message("build")
    assert "--- build log (last" in message and "train_model.py" in message
    assert {run.outcomes()[c] for c in ("health", "predict", "layer-cache")} == {"skipped"}


def test_leftovers_of_a_dead_run_are_swept_and_reported(pytester, tmp_path, docker_client):
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    labels = {
        LABEL: "1",
        f"{LABEL}.session": "dead",
        f"{LABEL}.host": socket.gethostname(),
        f"{LABEL}.pid": dead.stdout.strip(),
        f"{LABEL}.started": str(int(time.time())),
    }
    leftover = docker_client.containers.create("python:3.11-slim", "true", labels=labels)
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "Dockerfile").write_text(f"FROM python:3.11-slim\nLABEL {LABEL}=1\n")
    old_tag = f"course-grader/old:{socket.gethostname()}-{dead.stdout.strip()}-0123abcd"
    old_image, _ = docker_client.images.build(path=str(tmp_path / "old"), tag=old_tag)
    try:
        folder = copy_exercise(tmp_path, EX01, solution=True)
        run = grade(pytester, folder, "-k", "build")
        # At least ours: another run that died on this engine may have left more.
        run.result.stdout.re_match_lines(
            [
                r"course-grader: removed [1-9]\d* container\(s\) and [1-9]\d* image\(s\) "
                r"left by earlier runs"
            ]
        )
        assert not docker_client.containers.list(all=True, filters={"id": leftover.id})
        assert old_tag not in {t for i in docker_client.images.list() for t in i.tags}
    finally:
        with contextlib.suppress(Exception):
            leftover.remove(force=True)
        with contextlib.suppress(Exception):
            docker_client.images.remove(old_image.id, force=True)


def test_a_run_removes_what_it_made(pytester, tmp_path, docker_client):
    run = grade(pytester, copy_exercise(tmp_path, EX01, solution=True))
    run.result.stdout.fnmatch_lines(
        ["course-grader: removed the 1 container(s) and 1 image(s) this run made*"]
    )
    assert grader_leftovers(docker_client, os.getpid()) == []


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupted_run_still_cleans_up(signum, tmp_path, docker_client):
    folder = copy_exercise(tmp_path, EX02, solution=True)
    process = subprocess.Popen(
        [sys.executable, "-m", "pytest", str(folder), "-p", "no:cacheprovider"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and process.poll() is None:
            label = f"{LABEL}.pid={process.pid}"
            if docker_client.containers.list(filters={"label": label}):
                break
            time.sleep(0.05)
        assert process.poll() is None, "the run ended before its container started"
        process.send_signal(signum)
        output, _ = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
    assert grader_leftovers(docker_client, process.pid) == [], output
    assert str(REPO) not in folder.parts


def test_a_multi_stage_run_leaves_no_builder_stage_behind(pytester, tmp_path, docker_client):
    marker = f"builder-stage-marker-{os.getpid()}-{time.time_ns()}"
    edit = _sub("COPY train.py .\n", f"RUN echo {marker}\nCOPY train.py .\n")
    run = grade(pytester, copy_exercise(tmp_path, EX02, solution=True, edit=edit), "-k", "build")
    run.result.assert_outcomes(passed=1, deselected=11)
    for image in docker_client.images.list(all=True, filters={"dangling": True}):
        history = " ".join(str(layer.get("CreatedBy")) for layer in image.history())
        assert marker not in history, f"builder stage image {image.short_id} was left behind"


def _marker_images(client: Any, marker: str, **filters: Any) -> dict[str, Any]:
    """Images (intermediate ones too) whose own step's command contains *marker*."""
    found = {}
    for image in client.images.list(all=True, filters=filters):
        top = image.history()[0]
        if marker in str(top.get("CreatedBy")):
            found[image.id] = image
    return found


def test_a_runs_cache_records_go_with_it_unless_kept(pytester, tmp_path, docker_client):
    """BuildKit's cache is records, not images: a run removes the ones its builds made (a
    step of its own makes some), and --keep-build-cache keeps them for the next run, which
    then takes that step from the cache. (No "build" in the name: see the test below.)"""
    marker = f"buildkit-records-marker-{os.getpid()}-{time.time_ns()}"
    edit = _sub("EXPOSE 8000\n", f"RUN echo {marker}\nEXPOSE 8000\n")
    folder = copy_exercise(tmp_path, EX01, solution=True, edit=edit)
    before = record_ids(docker_client)
    try:
        run = grade(pytester, folder, "-k", "build")
        run.result.assert_outcomes(passed=1, deselected=4)
        run.result.stdout.fnmatch_lines(
            ["course-grader: removed the * BuildKit cache record(s) (* MB) this run's builds made"]
        )
        assert not buildkit_records_with(docker_client, marker)
        assert not record_ids(docker_client) - before
        cached = []
        for _ in range(2):
            run = grade(pytester, folder, "-k", "build", "--keep-build-cache")
            run.result.assert_outcomes(passed=1, deselected=4)
            run.result.stdout.fnmatch_lines(
                ["course-grader: kept BuildKit's build cache of this run in the engine; *"]
            )
            assert buildkit_records_with(docker_client, marker), "the marker step's record went"
            build = next(t for t in run.report["tests"] if t["name"].endswith(": build"))
            steps = re.search(r"\((\d+) steps, (\d+) from cache\)", build["output"])
            assert steps, build["output"]
            cached.append(int(steps.group(2)))
        assert cached[1] > cached[0], cached
        assert grader_leftovers(docker_client, os.getpid()) == []
    finally:
        remove_records(docker_client, record_ids(docker_client) - before)
    assert not buildkit_records_with(docker_client, marker)


def test_a_second_run_kept_cache_serves_its_steps(pytester, tmp_path, docker_client, monkeypatch):
    """Graded twice with --keep-build-cache (a name without "build": `-k build` matches
    pytester's folder too): the second build takes the steps the first one
    ran from the cache, and still nothing with the grader's label remains. The classic
    builder's cache is untagged images, which the grader keeps or removes (BuildKit's
    records: test_a_runs_cache_records_go_with_it_unless_kept)."""
    monkeypatch.setenv("COURSE_GRADER_BUILDER", "classic")
    marker = f"keep-build-cache-marker-{os.getpid()}-{time.time_ns()}"
    # A step of its own after the anchor's, so only the kept cache can serve it.
    edit = _sub("EXPOSE 8000\n", f"RUN echo {marker}\nEXPOSE 8000\n")
    folder = copy_exercise(tmp_path, EX01, solution=True, edit=edit)
    try:
        cached, kept = [], []
        for _ in range(2):
            run = grade(pytester, folder, "-k", "build", "--keep-build-cache")
            run.result.assert_outcomes(passed=1, deselected=4)
            run.result.stdout.fnmatch_lines(
                [
                    "course-grader: removed the 0 container(s) and 1 image(s) this run made*",
                    "course-grader: kept the build cache (* untagged layers); "
                    "`docker image prune` removes it",
                ]
            )
            build = next(t for t in run.report["tests"] if t["name"].endswith(": build"))
            steps = re.search(r"\((\d+) steps, (\d+) from cache\)", build["output"])
            assert steps, build["output"]
            cached.append(int(steps.group(2)))
            kept.append(set(_marker_images(docker_client, marker)))
            assert grader_leftovers(docker_client, os.getpid()) == []
            # The kept layers do not carry the label (the final image alone did).
            assert not _marker_images(docker_client, marker, label=LABEL)
        assert kept[0], "the first run kept no build cache"
        assert kept[1] == kept[0], "the second run built the marker step again"
        assert cached[1] > cached[0], cached
    finally:
        # The kept layers: remove the chain's head, which prunes it down to shared layers.
        for image in docker_client.images.list(filters={"dangling": True}):
            if marker in " ".join(str(layer.get("CreatedBy")) for layer in image.history()):
                with contextlib.suppress(Exception):
                    docker_client.images.remove(image.id)
    assert not _marker_images(docker_client, marker), "the test's cached layers remain"
