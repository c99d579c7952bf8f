"""Helpers for the grader's tests: exercise copies, graded runs, engine fixtures.

Engine tests share one tagged "anchor" image per exercise (its reference
solution, built once per session), so the dependency layer is built once and
every variant that keeps the same prefix reuses it from the build cache.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from course_grader.engine import HOW_TO_START, LABEL

REPO = Path(__file__).resolve().parent.parent
EXERCISES = REPO / "exercises"
TEST_LABEL = "org.mlops-course.tests"


def copy_exercise(
    destination: Path,
    name: str,
    *,
    solution: bool = False,
    edit: Callable[[str], str] | None = None,
) -> Path:
    """A copy of exercises/<name> at destination/<name>; optionally the solution, edited."""
    target = destination / name
    shutil.copytree(EXERCISES / name, target, ignore=shutil.ignore_patterns("__pycache__", "model"))
    if solution:
        for item in (target / "solution").iterdir():
            shutil.copy(item, target / item.name)
    if os.environ.get("COURSE_TESTHOST") == "1":
        _allow_an_emulated_start(target / "exercise.yml")
    if edit is not None:
        dockerfile = target / "Dockerfile"
        original = dockerfile.read_text(encoding="utf-8")
        changed = edit(original)
        assert changed != original, "the edit changed nothing: the variant would be the solution"
        dockerfile.write_text(changed, encoding="utf-8")
    return target


#: In the test host VM (software emulation) the ex02 app takes over a minute to import
#: scikit-learn; an instructor on such a slow host raises run.startup_timeout the same way.
EMULATED_STARTUP_TIMEOUT = 600
#: There each HEALTHCHECK probe (a `docker exec` of python) costs seconds of the one CPU:
#: run every 0.5 s they starved the app's start (health took 209 s, not about 50).
EMULATED_HEALTHCHECK_INTERVAL = 5.0


def _allow_an_emulated_start(exercise_yml: Path) -> None:
    config = yaml.safe_load(exercise_yml.read_text(encoding="utf-8"))
    run = config.setdefault("run", {})
    run["startup_timeout"] = EMULATED_STARTUP_TIMEOUT
    run["healthcheck_interval"] = EMULATED_HEALTHCHECK_INTERVAL
    healthy = (config.get("checks") or {}).get("healthcheck-healthy")
    if isinstance(healthy, dict):
        healthy["timeout"] = EMULATED_STARTUP_TIMEOUT
    exercise_yml.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")


@dataclass
class GradedRun:
    """The outcome of one `pytest <exercise folder>` run, read back from its reports."""

    result: pytest.RunResult
    report: dict[str, Any]
    junit: ET.Element

    @property
    def output(self) -> str:
        return self.result.stdout.str()

    def outcomes(self) -> dict[str, str]:
        """check id -> passed / failed / skipped, from the JUnit XML."""
        found = {}
        for case in self.junit.iter("testcase"):
            outcome = "passed"
            if case.find("failure") is not None or case.find("error") is not None:
                outcome = "failed"
            elif case.find("skipped") is not None:
                outcome = "skipped"
            found[case.get("name", "")] = outcome
        return found

    def failed(self) -> set[str]:
        return {check for check, outcome in self.outcomes().items() if outcome == "failed"}

    def message(self, check: str) -> str:
        for case in self.junit.iter("testcase"):
            if case.get("name") == check:
                for child in case:
                    if child.tag in {"failure", "error", "skipped"}:
                        return (child.get("message") or "") + "\n" + (child.text or "")
        return ""


def grade(pytester: pytest.Pytester, folder: Path, *args: str) -> GradedRun:
    """Grade *folder* the way a student does, in-process, with both reports on."""
    report = pytester.path / f"{folder.name}-results.json"
    junit = pytester.path / f"{folder.name}-junit.xml"
    result = pytester.runpytest(
        str(folder),
        "-p",
        "no:cacheprovider",
        "--grade-report",
        str(report),
        "--junitxml",
        str(junit),
        *args,
    )
    return GradedRun(
        result,
        json.loads(report.read_text(encoding="utf-8")) if report.exists() else {},
        ET.parse(junit).getroot() if junit.exists() else ET.Element("none"),
    )


def grader_leftovers(client: Any, pid: int | None = None) -> list[str]:
    """Containers and images with the grader's label (made by process *pid*, if given;
    an image names its maker in its tag, `course-grader/<slug>:<host>-<pid>-<session>`)."""
    label = f"{LABEL}.pid={pid}" if pid is not None else LABEL
    containers = client.containers.list(all=True, filters={"label": label})
    images = [
        i
        for i in client.images.list(filters={"label": LABEL})
        if pid is None or any(f"-{pid}-" in tag for tag in i.tags)
    ]
    return [f"container {c.short_id} {c.labels}" for c in containers] + [
        f"image {i.short_id} {i.tags}" for i in images
    ]


def buildkit_records_with(client: Any, marker: str) -> list[str]:
    """BuildKit's cache records of a step naming *marker* (a RUN's record describes its
    command): what a run that built that step must not leave behind."""
    return [
        f"{record['ID']} {record.get('Description')}"
        for record in client.df().get("BuildCache") or []
        if marker in str(record.get("Description"))
    ]


def engine_client() -> Any:
    """A client for the engine; without one the calling test fails saying how to start it."""
    import docker

    try:
        client = docker.from_env(timeout=900)
        client.ping()
    except Exception as error:  # any failure to reach the engine means the same to a reader
        problem = f"{error}"
    else:
        return client
    where = f" at {os.environ['DOCKER_HOST']}" if os.environ.get("DOCKER_HOST") else ""
    pytest.fail(HOW_TO_START.format(where=where) + f" ({problem})", pytrace=False)


@contextlib.contextmanager
def anchor_images(
    client: Any,
    root: Path,
    names: tuple[str, ...] = ("01-containerize-api", "02-production-image"),
    kind: str = "anchor",
) -> Iterator[list[str]]:
    """Each exercise's solution image, built once and kept while in use as build cache
    (another test module's anchors, of another *kind*, may share the image: its own tag)."""
    tags: list[str] = []
    try:
        for name in names:
            folder = copy_exercise(root, name, solution=True)
            tag = f"course-grader-tests/{kind}-{name}:{os.getpid()}"
            labels = {TEST_LABEL: "anchor", f"{TEST_LABEL}.pid": str(os.getpid())}
            buildx_build(folder, tag, labels)
            tags.append(tag)
        yield tags
    finally:
        for tag in tags:
            client.images.remove(tag, force=True)


def buildx_build(
    folder: Path, tag: str, labels: dict[str, str], dockerfile: str = "Dockerfile"
) -> str:
    """`docker buildx build` of *folder* into the engine, as the grader builds (BuildKit:
    its cache then serves the grader's builds); the image id."""
    iidfile = folder.parent / f".{folder.name}-{uuid.uuid4().hex[:8]}.iid"
    command = ["docker", "buildx", "build", "--builder", "default", "--progress=plain"]
    command += ["--iidfile", str(iidfile), "-t", tag, "-f", str(folder / dockerfile)]
    command += [arg for key, value in labels.items() for arg in ("--label", f"{key}={value}")]
    env = dict(os.environ, BUILDX_NO_DEFAULT_ATTESTATIONS="1")
    done = subprocess.run(
        [*command, str(folder)], capture_output=True, text=True, env=env, check=False
    )
    if done.returncode != 0:
        raise AssertionError(f"docker buildx build {folder} failed:\n{done.stderr[-3000:]}")
    try:
        return iidfile.read_text().strip()
    finally:
        iidfile.unlink(missing_ok=True)


@contextlib.contextmanager
def python_latest_tag(client: Any) -> Iterator[str]:
    """`python:latest` for the unpinned-base variant: no registry here, so tag the base."""
    created = False
    try:
        client.images.get("python:latest")
    except Exception:
        client.images.get("python:3.11-slim-bookworm").tag("python", "latest")
        created = True
    try:
        yield "python:latest"
    finally:
        if created:
            client.images.remove("python:latest")
