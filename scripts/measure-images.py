#!/usr/bin/env python3
"""Measure the course's own images, so lessons state numbers we can reproduce.

Builds the reference solutions of exercise 01 (single stage) and exercise 02
(multi-stage, non-root) on the local Docker engine and prints their sizes, the
base image's size, what each adds on top of the base, and what the multi-stage
build saves.
The lessons quote these numbers (marked ``<span data-measured="key">``) and
``tests/test_code_samples.py`` checks them against a fresh measurement.

    .venv/bin/python scripts/measure-images.py          # a table
    .venv/bin/python scripts/measure-images.py --json   # the keys the lessons use

Sizes are in decimal megabytes (10^6 bytes), as ``docker image ls`` shows them.
Every image it builds is labelled and removed at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import docker
from docker.errors import DockerException, ImageNotFound

ROOT = Path(__file__).resolve().parent.parent
BASE_IMAGE = "python:3.11-slim"
LABEL = "org.mlops-course.measure"
# exercise folder (the build context) -> key prefix in the results
SOLUTIONS = {
    "01-containerize-api": "single_stage",
    "02-production-image": "multi_stage",
}
KEYS = (
    "base_mb",
    "single_stage_mb",
    "multi_stage_mb",
    "single_stage_over_base_mb",
    "multi_stage_over_base_mb",
    "multi_stage_saving_mb",
    "multi_stage_saving_pct",
)
START_DOCKER_HINT = "No Docker engine answers: run `bash scripts/start-docker.sh` (as root)."


def megabytes(size_bytes: int) -> float:
    """Decimal megabytes with one decimal, like `docker image ls`."""
    return round(size_bytes / 1_000_000, 1)


def build_solution(client: Any, exercise: str) -> Any:
    """Build `exercises/<exercise>/solution/Dockerfile` with the exercise folder as context,
    with BuildKit (`docker buildx build`), as the grader and students do; BuildKit leaves
    no intermediate images behind."""
    context = ROOT / "exercises" / exercise
    tag = f"mlops-course-measure-{exercise}:latest"
    command = ["docker", "buildx", "build", "--builder", "default", "--progress=plain"]
    command += ["-t", tag, "--label", f"{LABEL}=images", "-f", str(context / "solution/Dockerfile")]
    env = dict(os.environ, BUILDX_NO_DEFAULT_ATTESTATIONS="1")
    done = subprocess.run(
        [*command, str(context)], capture_output=True, text=True, env=env, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"building {exercise} failed:\n{done.stderr[-2000:]}")
    return client.images.get(tag)


def measure(client: Any) -> dict[str, float]:
    """Build both solutions and return every number in KEYS.

    The base image must exist (``bash scripts/ensure-base-image.sh``); both
    solutions start from it (its `-bookworm` tag is the same image).
    """
    try:
        base = client.images.get(BASE_IMAGE)
    except ImageNotFound:
        raise SystemExit(
            f"{BASE_IMAGE} is missing: run `bash scripts/ensure-base-image.sh`"
        ) from None
    sizes = {"base": int(base.attrs["Size"])}
    for exercise, key in SOLUTIONS.items():
        sizes[key] = int(build_solution(client, exercise).attrs["Size"])
    single, multi = sizes["single_stage"], sizes["multi_stage"]
    return {
        "base_mb": megabytes(sizes["base"]),
        "single_stage_mb": megabytes(single),
        "multi_stage_mb": megabytes(multi),
        "single_stage_over_base_mb": megabytes(single - sizes["base"]),
        "multi_stage_over_base_mb": megabytes(multi - sizes["base"]),
        # What the multi-stage build saves (negative if it is larger), in MB and as a
        # share of what the single-stage image adds to the base: the part a Dockerfile
        # controls.
        "multi_stage_saving_mb": megabytes(single - multi),
        "multi_stage_saving_pct": round(100 * (single - multi) / (single - sizes["base"]), 1),
    }


def remove_measured(client: Any) -> None:
    """Remove the images this script built (by label)."""
    for image in client.images.list(filters={"label": f"{LABEL}=images"}):
        with contextlib.suppress(DockerException):
            client.images.remove(image.id, force=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print the numbers as JSON")
    parser.add_argument("--keep", action="store_true", help="keep the built images")
    args = parser.parse_args(argv)
    try:
        client = docker.from_env(timeout=900)
        client.ping()
    except DockerException as error:
        print(f"{START_DOCKER_HINT} ({error})", file=sys.stderr)
        return 1
    try:
        numbers = measure(client)
    finally:
        if not args.keep:
            remove_measured(client)
    if args.json:
        print(json.dumps(numbers, indent=2))
        return 0
    width = max(len(k) for k in numbers)
    for key, value in numbers.items():
        unit = "%" if key.endswith("_pct") else "MB"
        print(f"{key:<{width}}  {value:>8.1f} {unit}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
