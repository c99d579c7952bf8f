"""Benchmark `course-grade batch` against grading the same submissions one by one.

    .venv/bin/python benchmarks/bench_batch.py [--jobs 2]

Ten varied submissions of exercise 01 (the reference, common mistakes, the
starter, a build that fails, a missing Dockerfile), graded two ways in one run:

* baseline: ten separate `pytest <exercise> --grade-report FILE` runs, one
  after the other, each in a fresh process with the default flags (what an
  instructor would script by hand): each run removes everything it built,
  BuildKit's cache records of its builds included, so each one installs the
  dependencies again;
* batch: `course-grade batch EXERCISE SUB... --jobs N`, which shares the build
  cache between submissions and removes it at its end.

Each arm grades its own copy of the exercise whose requirements.txt carries a
fresh comment, so neither arm finds the dependency layer in the engine's cache
(not from the other arm, nor from other users of the engine): both start cold.
Also reported: the median time per submission (the batch's per-row times), and
the peak disk the arm's images and build cache used (own layer sizes of every
image in the chains of the images its grading processes tagged, plus BuildKit's
cache records made since the arm began, sampled every second), and how many of
those records are left on the engine when the arm ends (0 is the contract).
Target: batch wall time <= 0.5 x baseline. Needs the engine and the base image.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import docker
from course_grader.build_cache import record_ids

REPO = Path(__file__).resolve().parent.parent
EXERCISE = REPO / "exercises" / "01-containerize-api"
SOLUTION = (EXERCISE / "solution" / "Dockerfile").read_text(encoding="utf-8")
STARTER = (EXERCISE / "Dockerfile").read_text(encoding="utf-8")
CMD = 'CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "8000"]'


def variants() -> dict[str, str | None]:
    """Ten submissions: None is a student who handed in no Dockerfile."""
    return {
        "s01-reference": SOLUTION,
        "s02-loopback": SOLUTION.replace('"0.0.0.0"', '"127.0.0.1"'),
        "s03-port-8080": SOLUTION.replace('"--port", "8000"', '"--port", "8080"'),
        "s04-code-before-deps": SOLUTION.replace(
            "COPY requirements.txt .\n", "COPY app/ app/\nCOPY requirements.txt .\n"
        ),
        "s05-starter": STARTER,
        "s06-shell-cmd": SOLUTION.replace(
            CMD, "CMD uvicorn app.main:app --host 0.0.0.0 --port 8000"
        ),
        "s07-typo-build-fails": SOLUTION.replace("RUN python train.py", "RUN python trian.py"),
        "s08-no-expose": SOLUTION.replace("EXPOSE 8000\n", ""),
        "s09-no-dockerfile": None,
        "s10-pip-cache": SOLUTION.replace("pip install --no-cache-dir", "pip install"),
    }


def exercise_copy(root: Path) -> Path:
    """A copy of the exercise whose dependency layer no engine cache holds yet."""
    folder = root / EXERCISE.name
    shutil.copytree(EXERCISE, folder, ignore=shutil.ignore_patterns("__pycache__", "model"))
    requirements = folder / "requirements.txt"
    requirements.write_text(
        requirements.read_text(encoding="utf-8") + f"# bench {uuid.uuid4().hex}\n",
        encoding="utf-8",
    )
    return folder


def submission_folders(root: Path) -> list[Path]:
    folders = []
    for name, dockerfile in variants().items():
        folder = root / "submissions" / name
        folder.mkdir(parents=True)
        if dockerfile is not None:
            (folder / "Dockerfile").write_text(dockerfile, encoding="utf-8")
        folders.append(folder)
    return folders


class DiskSampler(threading.Thread):
    """Peak disk of the images made by the grading processes whose parent is *parent*, and
    of BuildKit's cache records made since the sampler was made (the arm's builds)."""

    def __init__(self, client: docker.DockerClient, parent: int):
        super().__init__(daemon=True)
        self.client, self.parent = client, parent
        self.records_before = record_ids(client)
        self.host = re.sub(r"[^A-Za-z0-9_.]", "_", socket.gethostname())[:60]
        self.seen: set[str] = set()
        self.peak = 0
        self.done = threading.Event()

    def _pids(self) -> set[int]:
        pids = {self.parent}
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.parent:
                pids.add(int(stat.parent.name))
        return pids

    def _mine(self, tag: str, pids: set[int]) -> bool:
        match = re.fullmatch(rf"course-grader/[^:]+:{re.escape(self.host)}-(\d+)-.*", tag)
        return bool(match) and int(match.group(1)) in pids

    def sample(self) -> None:
        images = {i["Id"]: i for i in self.client.api.images(all=True)}
        pids = self._pids()
        for image in images.values():
            if not any(self._mine(t, pids) for t in image.get("RepoTags") or []):
                continue
            current = image["Id"]
            while current in images:  # down the chain, to the first image someone else tagged
                tags = [t for t in images[current].get("RepoTags") or [] if t != "<none>:<none>"]
                if current != image["Id"] and tags and not any(self._mine(t, pids) for t in tags):
                    break
                self.seen.add(current)
                current = images[current].get("ParentId") or ""
        total = 0
        for image_id in self.seen & set(images):
            parent = images[image_id].get("ParentId") or ""
            parent_size = images[parent]["Size"] if parent in images else 0
            total += max(0, images[image_id]["Size"] - parent_size)
        records = self.client.df().get("BuildCache") or []
        total += sum(r["Size"] for r in records if r["ID"] not in self.records_before)
        self.peak = max(self.peak, total)

    def records_left(self) -> int:
        """BuildKit cache records made since the sampler was made that are still there
        (each one named on stderr)."""
        records = self.client.df().get("BuildCache") or []
        left = [r for r in records if r["ID"] not in self.records_before]
        for record in left:
            print(f"left: {record['ID']} {record['Description']}", file=sys.stderr)
        return len(left)

    def run(self) -> None:
        while not self.done.is_set():
            with contextlib.suppress(Exception):  # an image removed mid-sample: next one counts
                self.sample()
            self.done.wait(1.0)


def baseline(client: docker.DockerClient, root: Path) -> dict[str, float | list[float]]:
    exercise = exercise_copy(root / "baseline")
    times = []
    started = time.perf_counter()
    sampler = DiskSampler(client, os.getpid())  # the pytest runs are this process's children
    sampler.start()
    try:
        for folder in submission_folders(root / "baseline"):
            work = root / "baseline" / "graded" / folder.name
            shutil.copytree(exercise, work, ignore=shutil.ignore_patterns("solution"))
            (work / "Dockerfile").unlink()
            if (folder / "Dockerfile").exists():
                shutil.copy(folder / "Dockerfile", work / "Dockerfile")
            one = time.perf_counter()
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "pytest",
                    str(work),
                    "-p",
                    "no:cacheprovider",
                    "-q",
                    "--grade-report",
                    str(work / "results.json"),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                cwd=work,
            )
            process.wait()
            times.append(time.perf_counter() - one)
    finally:
        sampler.done.set()
        sampler.join()
    wall = time.perf_counter() - started
    return {"wall": wall, "times": times, "peak": sampler.peak, "left": sampler.records_left()}


def batch(client: docker.DockerClient, root: Path, jobs: int) -> dict[str, float | list[float]]:
    exercise = exercise_copy(root / "batch")
    folders = submission_folders(root / "batch")
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "course_classroom.cli", "batch", str(exercise)]
        + [str(f) for f in folders]
        + ["--out", str(root / "batch" / "gradebook.csv"), "--jobs", str(jobs)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    sampler = DiskSampler(client, process.pid)
    sampler.start()
    _, errors = process.communicate()
    wall = time.perf_counter() - started
    sampler.done.set()
    sampler.join()
    if process.returncode != 0:
        raise SystemExit(f"the batch failed:\n{errors}")
    times = [float(t) for t in re.findall(r"^\[\d+/\d+\] .*\((\d+\.\d+) s\)$", errors, re.M)]
    left = sampler.records_left()
    return {"wall": wall, "times": times, "peak": sampler.peak, "log": errors, "left": left}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    client = docker.from_env(timeout=600)
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as scratch:
        root = Path(scratch)
        base = baseline(client, root)
        ours = batch(client, root, args.jobs)
    ratio = ours["wall"] / base["wall"]
    graded = [t for t in ours["times"] if t > 0.5]  # the missing Dockerfile takes no time
    print(f"10 submissions of exercise 01, engine {client.version()['Version']}")
    print(
        "| | wall s | median s / submission | peak disk of its images and build cache MB "
        "| build-cache records left |"
    )
    print("| --- | --- | --- | --- | --- |")
    print(
        f"| 10 separate pytest runs | {base['wall']:.1f} | {statistics.median(base['times']):.1f} "
        f"| {base['peak'] / 1e6:.0f} | {base['left']} |"
    )
    print(
        f"| course-grade batch --jobs {args.jobs} | {ours['wall']:.1f} "
        f"| {statistics.median(graded):.1f} | {ours['peak'] / 1e6:.0f} | {ours['left']} |"
    )
    print(f"batch / separate runs (wall time): {ratio:.2f} (target <= 0.5)")
    print(json.dumps({"ratio": round(ratio, 3)}))
    return 0 if ratio <= 0.5 else 1


if __name__ == "__main__":
    sys.exit(main())
