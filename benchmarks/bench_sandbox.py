"""Benchmark the grading sandbox's overhead on the reference solutions.

    .venv/bin/python benchmarks/bench_sandbox.py [--repeat 3] [--exercise 02-production-image]

In one run, grades the reference solution with every check, warm build cache
(the solution's image, and its builder stage, tagged for the run's duration),
alternately with the sandbox (the grader as shipped) and without it (the same
grader with `-p _no_sandbox`: no cgroup for the build, the run container as
before issue 9), each in a fresh `pytest` process. Prints the medians of the
whole process and of the checks' own time (JUnit), and sandbox / no sandbox.
Target: at most 5 % overhead. Needs a running engine, the base image and root
(for the build's cgroup).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import docker

REPO = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent


def copy_solution(root: Path, name: str) -> Path:
    folder = root / name
    shutil.copytree(REPO / "exercises" / name, folder, ignore=shutil.ignore_patterns("model"))
    for item in (folder / "solution").iterdir():
        shutil.copy(item, folder / item.name)
    return folder


def warm_cache(client: docker.DockerClient, folder: Path) -> list[str]:
    """Tag the solution's image (and its builder stage): each grading run removes what it
    built, so without these tags every run would install the dependencies again."""
    tag = f"bench-sandbox-anchor:{os.getpid()}"
    client.images.build(path=str(folder), tag=tag, rm=True, forcerm=True)
    tags = [tag]
    if "AS builder" in (folder / "Dockerfile").read_text(encoding="utf-8"):
        client.images.build(
            path=str(folder), tag=tag + "-builder", target="builder", rm=True, forcerm=True
        )
        tags.append(tag + "-builder")
    return tags


def grade(folder: Path, sandbox: bool) -> dict[str, float]:
    junit = folder.parent / f"junit-{time.time_ns()}.xml"
    command = [sys.executable, "-m", "pytest", str(folder), "-q", "-p", "no:cacheprovider"]
    command += ["--junitxml", str(junit)]
    if not sandbox:
        command += ["-p", "_no_sandbox"]
    env = dict(
        os.environ, PYTHONPATH=os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")])
    )
    started = time.perf_counter()
    result = subprocess.run(command, cwd=folder.parent, capture_output=True, text=True, env=env)
    total = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(f"grading failed (sandbox={sandbox}):\n{result.stdout[-3000:]}")
    cases = {
        c.get("name"): float(c.get("time", 0)) for c in ET.parse(junit).getroot().iter("testcase")
    }
    return {"total": total, "checks": sum(cases.values()), **cases}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs of each (default 3)")
    parser.add_argument("--exercise", default="02-production-image")
    args = parser.parse_args()
    runs: dict[bool, list[dict[str, float]]] = {True: [], False: []}
    client = docker.from_env(timeout=900)
    with tempfile.TemporaryDirectory(prefix="bench-sandbox-") as tmp:
        folder = copy_solution(Path(tmp), args.exercise)
        tags = warm_cache(client, folder)
        try:
            for index in range(args.repeat):
                order = (True, False) if index % 2 == 0 else (False, True)
                for sandbox in order:
                    runs[sandbox].append(grade(folder, sandbox))
        finally:
            for tag in tags:
                client.images.remove(tag, force=True)
    print(f"{args.exercise} reference solution, all checks, warm cache; median of {args.repeat}")
    keys = ["total", "checks", "build", "health", "healthcheck-healthy", "layer-cache"]
    print(f"{'':22} {'sandbox':>9} {'none':>9} {'ratio':>7}")
    for key in keys:
        with_, without = (
            statistics.median(r.get(key, 0.0) for r in runs[s]) for s in (True, False)
        )
        ratio = with_ / without if without else float("nan")
        print(f"{key:22} {with_:8.2f}s {without:8.2f}s {ratio:7.3f}")
    print(
        "total = the pytest process (start-up to exit); checks = the checks' own time (JUnit); "
        "ratio = sandbox / none"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
