"""The class workflow against the real engine: a batch over a small class, score identity
with `pytest --grade-report`, the handout's self-grade, resume, merge, a timeout, and a
batch stopped by SIGTERM leaving nothing behind. Exercise 01 only (small and fast); every
build takes its dependency layers from the session's anchor images."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docker
import pytest
from _classroom import (
    COURSE_GRADE,
    EX01,
    SOLUTION01,
    STARTER01,
    course_grade,
    student_repo,
)
from _grader import anchor_images, buildkit_records_with, copy_exercise, engine_client, grade
from course_classroom import gradebook
from course_grader.build_cache import record_ids
from course_grader.engine import LABEL

pytestmark = [pytest.mark.docker, pytest.mark.usefixtures("anchors")]

CHECKS = ["lint", "build", "health", "predict", "layer-cache"]
TAMPERED_APP = "from fastapi import FastAPI\napp = FastAPI()\n"  # no /health, no /predict


@pytest.fixture(scope="session")
def docker_client() -> Iterator[Any]:
    client = engine_client()
    yield client
    client.close()


@pytest.fixture(scope="session")
def anchors(docker_client: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Exercise 01's reference image, kept for the whole session: the grader's own docker
    tests build the same image later and find every layer in the cache."""
    root = tmp_path_factory.mktemp("classroom-anchors")
    with anchor_images(docker_client, root, (EX01.name,), kind="classroom-anchor"):
        yield


def _rows(path: Path) -> dict[str, dict[str, str]]:
    return {r["student"]: r for r in csv.DictReader(io.StringIO(path.read_text()))}


@pytest.fixture(scope="module")
def klass(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Five students graded by one batch (--jobs 2 --feedback)."""
    root = tmp_path_factory.mktemp("class")
    subs = root / "submissions"
    loopback = SOLUTION01.replace('"--host", "0.0.0.0"', '"--host", "127.0.0.1"')
    assert loopback != SOLUTION01
    folders = [
        student_repo(subs, "ann", {"Dockerfile": SOLUTION01}, git=True),  # the reference
        student_repo(subs, "ben", {"Dockerfile": loopback}),  # a classic mistake
        student_repo(subs, "cat", {"README.md": "I ran out of time\n"}),  # no Dockerfile
        student_repo(  # the reference, with the grade's config and the app rewritten
            subs,
            "dan",
            {
                "Dockerfile": SOLUTION01,
                "exercise.yml": "slug: 01-containerize-api\nchecks:\n  lint: {points: 100}\n",
                "app/main.py": TAMPERED_APP,
            },
        ),
        student_repo(subs, "eve", {"Dockerfile": STARTER01}),  # the starter, untouched
    ]
    out, feedback = root / "gradebook.csv", root / "feedback"
    args = ["batch", str(EX01), *map(str, folders), "--out", str(out)]
    args += ["--jobs", "2", "--feedback", str(feedback)]
    client = engine_client()
    records_before = record_ids(client)
    result = course_grade(*args)
    records_after = record_ids(client)
    client.close()
    assert result.returncode == 0, result.stderr
    return {
        "root": root,
        "folders": folders,
        "out": out,
        "feedback": feedback,
        "args": args,
        "stderr": result.stderr,
        "new_records": records_after - records_before,
    }


def test_a_batch_grades_each_submission_into_one_row(klass):
    lines = klass["out"].read_text().splitlines()
    assert lines[0] == (
        "student,commit,lint,build,health,predict,layer-cache,score,max_score,percent,status,"
        "graded_at"
    )
    rows = _rows(klass["out"])
    assert list(rows) == ["ann", "ben", "cat", "dan", "eve"]

    def summary(student: str) -> tuple:
        row = rows[student]
        found = (*(row[c] for c in CHECKS), row["score"], row["max_score"], row["status"])
        assert row["status"] != "error", klass["stderr"]
        return found

    assert summary("ann") == ("1", "2", "2", "3", "2", "10", "10", "graded")
    assert summary("ben") == ("1", "2", "0", "0", "2", "5", "10", "graded")
    assert summary("cat") == ("", "", "", "", "", "0", "10", "missing")
    # The tampered exercise.yml and app had no effect: graded like the reference.
    assert summary("dan") == summary("ann")
    assert summary("eve") == ("1", "2", "0", "0", "0", "3", "10", "graded")
    head = subprocess.run(
        ["git", "-C", str(klass["folders"][0]), "rev-parse", "HEAD"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    assert rows["ann"]["commit"] == head and rows["ben"]["commit"].startswith("sha256:")
    assert rows["ann"]["percent"] == "100.0" and rows["ben"]["percent"] == "50.0"
    # Not a TTY: one progress line per student.
    progress = [line for line in klass["stderr"].splitlines() if line.startswith("[")]
    assert len(progress) == 5 and any(line.startswith("[5/5] ") for line in progress)


def test_the_batch_removes_the_build_cache_its_runs_made(klass):
    """The runs share BuildKit's cache (each keeps it for the others); at its end the batch
    removes every record that appeared while it graded, and says so."""
    assert klass["new_records"] == set()
    assert "removed the batch's" in klass["stderr"] and "BuildKit cache records" in klass["stderr"]


def test_feedback_files_tell_each_student_what_to_fix(klass):
    page = (klass["feedback"] / "ben.md").read_text()
    assert "**Score: 5 / 10 points**" in page
    assert "| `health` | 0/2 | ❌ failed | loopback: the app listens on 127.0.0.1" in page
    report = json.loads((klass["feedback"] / "ben.json").read_text())
    assert (report["score"], report["max_score"]) == (5, 10)
    assert "No `Dockerfile` was handed in" in (klass["feedback"] / "cat.md").read_text()


def test_the_batch_row_equals_what_pytest_grade_report_gives(klass, pytester, tmp_path):
    """Score identity: same files, graded by `pytest EXERCISE --grade-report`."""
    folder = copy_exercise(tmp_path, EX01.name)
    (folder / "Dockerfile").write_text((klass["folders"][1] / "Dockerfile").read_text())
    report = grade(pytester, folder).report
    row = _rows(klass["out"])["ben"]
    direct = {t["name"].rsplit(": ", 1)[1]: f"{t['score']:g}" for t in report["tests"]}
    assert direct == {c: row[c] for c in CHECKS}
    assert (f"{report['score']:g}", f"{report['max_score']:g}") == (row["score"], row["max_score"])
    batch_report = json.loads((klass["feedback"] / "ben.json").read_text())
    assert [(t["name"], t["score"]) for t in batch_report["tests"]] == [
        (t["name"], t["score"]) for t in report["tests"]
    ]


def test_a_handout_self_grades_to_the_starters_score(klass, pytester, tmp_path):
    dest = tmp_path / "student-repo"
    result = course_grade("handout", str(EX01), str(dest), "--grader", "mlops-course")
    assert result.returncode == 0, result.stderr
    assert not (dest / "solution").exists()
    handed = (dest / "Dockerfile").read_text()
    assert handed == STARTER01.replace(f"pytest exercises/{EX01.name}", "python -m pytest .")
    report = grade(pytester, dest).report
    row = _rows(klass["out"])["eve"]
    assert {t["name"].rsplit(": ", 1)[1]: f"{t['score']:g}" for t in report["tests"]} == {
        c: row[c] for c in CHECKS
    }
    assert f"{report['score']:g}" == row["score"] == "3"


def test_a_rerun_keeps_graded_rows_and_regrades_what_changed(klass):
    before = klass["out"].read_text()
    result = course_grade(*klass["args"])
    assert result.returncode == 0, result.stderr
    assert "5 of 5 already graded at the same commit: kept" in result.stderr
    assert klass["out"].read_text() == before
    # cat hands in a .dockerignore: a new submission, graded again (still no Dockerfile).
    cat = klass["folders"][2]
    (cat / ".dockerignore").write_text(".git\n")
    time.sleep(1.1)
    result = course_grade(*klass["args"])
    assert "4 of 5 already graded" in result.stderr
    old, new = _rows_text(before), _rows(klass["out"])
    assert new["cat"]["commit"] != old["cat"]["commit"] and new["cat"]["status"] == "missing"
    assert all(new[s] == old[s] for s in ("ann", "ben", "dan", "eve"))
    # --force grades a kept one again.
    time.sleep(1.1)
    forced = [*klass["args"][:2], str(cat), *klass["args"][7:], "--force"]
    assert course_grade(*forced).returncode == 0
    again = _rows(klass["out"])
    assert again["cat"]["graded_at"] > new["cat"]["graded_at"]
    assert all(again[s] == new[s] for s in ("ann", "ben", "dan", "eve"))


def _rows_text(text: str) -> dict[str, dict[str, str]]:
    return {r["student"]: r for r in csv.DictReader(io.StringIO(text))}


def test_shard_batches_merge_into_the_one_batch_gradebook(klass, tmp_path):
    check_ids, rows = gradebook.read(klass["out"])
    shards = {"a": {"ann", "dan"}, "b": {"ben", "cat", "eve"}}
    paths = []
    for name, students in shards.items():
        path = tmp_path / f"gradebook-{name}.csv"
        # Each shard's batch resumes from its part of the class: nothing is graded again.
        gradebook.write(path, [r for r in rows if r.student in students], check_ids)
        folders = [str(f) for f in klass["folders"] if f.name in students]
        result = course_grade("batch", str(EX01), *folders, "--out", str(path))
        assert "already graded at the same commit: kept" in result.stderr
        paths.append(str(path))
    merged = tmp_path / "gradebook.csv"
    assert course_grade("merge", str(merged), *paths).returncode == 0
    assert merged.read_text() == klass["out"].read_text()


def _dangling_with(client: Any, marker: str) -> list[str]:
    """Untagged top images whose history has a step naming *marker* (other users' images
    come and go meanwhile: one that vanishes is skipped)."""
    found = []
    for image in client.api.images(all=True, filters={"dangling": True}):
        with contextlib.suppress(docker.errors.NotFound):
            history = client.api.history(image["Id"])
            if any(marker in str(layer.get("CreatedBy")) for layer in history):
                found.append(image["Id"])
    return found


def _running_marker(client: Any, marker: str) -> list[Any]:
    """RUN steps whose command holds *marker*: classic RUN containers, or BuildKit's step
    processes (not containers), found in /proc."""
    found: list[Any] = []
    for container in client.containers.list(ignore_removed=True):
        if marker in " ".join(container.attrs.get("Config", {}).get("Cmd") or []):
            found.append(container)
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if marker in command and "course-grade" not in command:
            found.append(int(entry.name))
    return found


def test_a_hanging_submission_times_out_and_the_batch_goes_on(docker_client, tmp_path):
    marker = f"hang-{os.getpid()}-{time.time_ns()}"
    hang = f"FROM python:3.11-slim\nRUN echo {marker}\nRUN sleep 300 && echo {marker}\n"
    folders = [
        student_repo(tmp_path, "hal", {"Dockerfile": hang}),
        student_repo(tmp_path, "ivy", {}),
    ]
    out = tmp_path / "gradebook.csv"
    started = time.monotonic()
    process = subprocess.Popen(
        [
            *COURSE_GRADE,
            "batch",
            str(EX01),
            *map(str, folders),
            "--out",
            str(out),
            "--timeout",
            "20",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        seen = False
        while process.poll() is None and not seen:
            seen = bool(_running_marker(docker_client, marker))
            time.sleep(0.2)
        output, _ = process.communicate(timeout=180)
    finally:
        if process.poll() is None:
            process.kill()
    assert seen, "the build never reached its hanging step"
    assert process.returncode == 0, output
    assert time.monotonic() - started < 150
    rows = _rows(out)
    assert (rows["hal"]["status"], rows["hal"]["score"]) == ("timeout", "0")
    assert rows["ivy"]["status"] == "missing"
    deadline = time.monotonic() + 60
    while _running_marker(docker_client, marker) and time.monotonic() < deadline:
        time.sleep(1)
    assert not _running_marker(docker_client, marker), "the hanging build still runs"
    assert not _dangling_with(docker_client, marker), "build cache was left behind"
    assert not buildkit_records_with(docker_client, marker), "BuildKit's cache was left behind"


def _children_containers(client: Any, parent: int) -> list[Any]:
    found = []
    for container in client.containers.list(filters={"label": LABEL}, ignore_removed=True):
        pid = container.labels.get(f"{LABEL}.pid", "")
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == parent:
            found.append(container)
    return found


def test_sigterm_mid_batch_leaves_a_valid_csv_and_nothing_on_the_engine(docker_client, tmp_path):
    marker = f"batch-sigterm-{os.getpid()}-{time.time_ns()}"
    sleeper = SOLUTION01.replace("EXPOSE 8000\n", f"RUN echo {marker}\nEXPOSE 8000\n").replace(
        'CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "8000"]',
        'CMD ["python", "-c", "import time; time.sleep(300)"]',
    )
    folders = [
        student_repo(tmp_path, "fay", {}),  # missing: finished at once
        student_repo(tmp_path, "gus", {"Dockerfile": sleeper}),
    ]
    out = tmp_path / "gradebook.csv"
    process = subprocess.Popen(
        [*COURSE_GRADE, "batch", str(EX01), *map(str, folders), "--out", str(out), "--jobs", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    children: list[str] = []
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and process.poll() is None:
            containers = _children_containers(docker_client, process.pid)
            if containers:
                children = [c.labels[f"{LABEL}.pid"] for c in containers]
                built = docker_client.images.get(containers[0].image.id).history()
                assert marker in " ".join(str(layer.get("CreatedBy")) for layer in built)
                break
            time.sleep(0.2)
        assert children, "no grading container started"
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=180)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 128 + signal.SIGTERM, output
    rows = _rows(out)
    assert list(rows) == ["fay"] and rows["fay"]["status"] == "missing"
    for pid in children:
        assert not docker_client.api.containers(all=True, filters={"label": f"{LABEL}.pid={pid}"})
        images = docker_client.api.images(filters={"label": LABEL})
        tags = [t for i in images for t in i.get("RepoTags") or []]
        assert not [t for t in tags if f"-{pid}-" in t], tags
    assert not _dangling_with(docker_client, marker), "build cache was left behind"
    assert not buildkit_records_with(docker_client, marker), "BuildKit's cache was left behind"
