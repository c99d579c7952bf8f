"""Benchmark the grader against doing the same by hand, cold and warm build cache.

    .venv/bin/python benchmarks/bench_grader.py [--repeat 3] [--exercise 02-production-image]
        [--builder buildkit|classic]

For an exercise's reference solution (default exercise 02, whose pip step uses a
BuildKit cache mount), in one run:

* by hand: `docker buildx build` (BuildKit, as the grader; `docker build` with
  DOCKER_BUILDKIT=0 for `--builder classic`), `docker run` published on
  127.0.0.1 with the exercise's `run:` limits (CPUs, memory, pids, read-only root: the
  same container the grader runs), then GET /health polled every 5 ms until it
  answers 200; the same with a plain `docker run` (no limits) is printed beside it;
* the grader: `pytest <exercise> -k "build or (health and not healthcheck)"` in a
  fresh process, i.e. the same build + run + first successful probe, plus interpreter and pytest
  start-up, hadolint-free collection and cleanup.

Cold means without the build cache (`--no-cache` / `--no-build-cache`); warm
means with the dependency layers cached. A side prober polls the grader's
container every 2 ms to see when the app first answers; the grader's own
`ready_at` (JUnit property of `health`) minus that instant is how late the
grader noticed. Targets: overhead <= 10 %, noticed <= 100 ms after first answer.
Needs a running engine and the base image (scripts/ensure-base-image.sh).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import xml.etree.ElementTree as ET
from pathlib import Path

import docker
from course_grader.exercise import load_exercise
from course_grader.limits import RunLimits
from course_grader.sandbox import Sandbox

REPO = Path(__file__).resolve().parent.parent
EXERCISES = REPO / "exercises"
LABEL = "org.mlops-course.grader"
BENCH_LABEL = "org.mlops-course.bench=grader"


def copy_solution(root: Path, exercise: Path) -> Path:
    folder = root / exercise.name
    shutil.copytree(exercise, folder, ignore=shutil.ignore_patterns("__pycache__", "model"))
    for item in (folder / "solution").iterdir():  # the Dockerfile and its .dockerignore
        shutil.copy(item, folder / item.name)
    return folder


def wait_for_health(port: int, timeout: float = 120, poll: float = 0.005) -> float:
    """Poll until GET /health answers 200; the wall-clock time it did."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1) as answer:
                if answer.status == 200:
                    return time.time()
        except OSError:
            pass
        time.sleep(poll)
    raise TimeoutError(f"nothing answered on port {port} in {timeout} s")


def run_flags(limits: RunLimits) -> list[str]:
    """`docker run` flags for exactly what the grader's sandbox gives the graded container
    (`Sandbox.run_kwargs`, translated; an argument this does not know stops the benchmark,
    so the two cannot drift apart)."""
    flags = []
    for key, value in Sandbox.run_kwargs(limits).items():
        if key == "mem_limit":
            flags.append(f"--memory={value}")
        elif key == "memswap_limit":
            flags.append(f"--memory-swap={value}")
        elif key == "nano_cpus":
            flags.append(f"--cpus={value / 1e9}")
        elif key == "pids_limit":
            flags.append(f"--pids-limit={value}")
        elif key in ("security_opt", "cap_drop"):
            flags += [f"--{key.replace('_', '-')}={item}" for item in value]
        elif key == "ulimits":
            flags += [f"--ulimit={u['Name']}={u['Soft']}:{u['Hard']}" for u in value]
        elif key == "log_config":
            flags.append(f"--log-driver={value['Type']}")
            flags += [f"--log-opt={k}={v}" for k, v in value["Config"].items()]
        elif key == "read_only":
            flags += ["--read-only"] if value else []
        elif key == "tmpfs":
            flags += [f"--tmpfs={path}:{options}" for path, options in value.items()]
        elif key in ("privileged", "init"):
            flags += [f"--{key}"] if value else []
        else:
            raise SystemExit(f"bench_grader: no docker run flag known for {key}={value!r}")
    return flags


def by_hand(
    folder: Path, tag: str, cold: bool, builder: str, limits: list[str]
) -> dict[str, float]:
    env = dict(os.environ, DOCKER_BUILDKIT="0", BUILDX_NO_DEFAULT_ATTESTATIONS="1")
    started = time.perf_counter()
    build = ["docker", "build", "-q", "--label", BENCH_LABEL, "-t", tag, str(folder)]
    if builder == "buildkit":
        build[1:2] = ["buildx", "build", "--builder", "default"]
    if cold:
        build.insert(build.index("-q"), "--no-cache")
    subprocess.run(build, check=True, capture_output=True, env=env)
    built = time.perf_counter()
    container = subprocess.run(
        ["docker", "run", "-d", "--label", BENCH_LABEL, "-p", "127.0.0.1::8000", *limits, tag],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    try:
        port = (
            subprocess.run(
                ["docker", "port", container, "8000/tcp"],
                check=True,
                capture_output=True,
                text=True,
            )
            .stdout.split()[0]
            .rsplit(":", 1)[1]
        )
        wait_for_health(int(port))
        answered = time.perf_counter()
    finally:
        subprocess.run(["docker", "rm", "-f", container], capture_output=True, check=False)
    return {"build": built - started, "total": answered - started}


class SideProber(threading.Thread):
    """Finds the grader's container and records when the app first answers."""

    def __init__(self, client: docker.DockerClient, pid: int):
        super().__init__(daemon=True)
        self.client, self.pid = client, pid
        self.first_answer: float | None = None
        self.stop = threading.Event()

    def run(self) -> None:
        address = None
        while address is None and not self.stop.is_set():
            for container in self.client.containers.list(
                filters={"label": f"{LABEL}.pid={self.pid}"}
            ):
                bindings = container.ports.get("8000/tcp") or []
                networks = container.attrs["NetworkSettings"].get("Networks") or {}
                ips = [n.get("IPAddress") for n in networks.values() if n.get("IPAddress")]
                if bindings:
                    address = f"127.0.0.1:{bindings[0]['HostPort']}"
                elif ips:  # the sandbox's internal network: probed at the container's address
                    address = f"{ips[0]}:8000"
            time.sleep(0.002)
        while address and not self.stop.is_set() and self.first_answer is None:
            try:
                with urllib.request.urlopen(f"http://{address}/health", timeout=1) as r:
                    if r.status == 200:
                        self.first_answer = time.time()
            except OSError:
                time.sleep(0.002)


def by_grader(
    folder: Path,
    cold: bool,
    client: docker.DockerClient,
    builder: str,
    checks: str = "build or (health and not healthcheck)",
) -> dict[str, float]:
    junit = folder.parent / f"junit-{time.time_ns()}.xml"
    command = [
        sys.executable,
        "-m",
        "pytest",
        str(folder),
        "-q",
        "-p",
        "no:cacheprovider",
        # A student's install has no hypothesis; its plugin alone costs ~1 s of start-up.
        "-p",
        "no:hypothesispytest",
        "--junitxml",
        str(junit),
    ]
    if checks:
        command += ["-k", checks]
    if cold:
        command.append("--no-build-cache")
    started = time.perf_counter()
    process = subprocess.Popen(
        command,
        cwd=folder.parent,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=dict(os.environ, COURSE_GRADER_BUILDER=builder),
    )
    prober = SideProber(client, process.pid)
    prober.start()
    output, _ = process.communicate()
    total = time.perf_counter() - started
    prober.stop.set()
    if process.returncode != 0:
        raise RuntimeError(f"the grader failed:\n{output}")
    root = ET.parse(junit).getroot()
    check_seconds = sum(float(case.get("time", 0)) for case in root.iter("testcase"))
    ready_at = next(
        (float(p.get("value")) for p in root.iter("property") if p.get("name") == "ready_at"),
        None,
    )
    result = {"total": total, "checks": check_seconds}
    if ready_at is not None and prober.first_answer is not None:
        result["noticed_ms"] = (ready_at - prober.first_answer) * 1000
    return result


def median(runs: list[dict[str, float]], key: str) -> float:
    values = [r[key] for r in runs if key in r]
    return statistics.median(values) if values else float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="warm runs of each (default 3)")
    parser.add_argument("--exercise", default="02-production-image", help="exercise folder")
    parser.add_argument("--builder", choices=("buildkit", "classic"), default="buildkit")
    args = parser.parse_args()
    exercise = EXERCISES / args.exercise
    client = docker.from_env(timeout=900)
    tag = f"bench-grader-raw:{os.getpid()}"
    limits = run_flags(load_exercise(exercise / "exercise.yml").run_limits)
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-grader-") as tmp:
        folder = copy_solution(Path(tmp), exercise)
        try:
            for label, cold, repeat in (("cold", True, 1), ("warm", False, args.repeat)):
                hand = [by_hand(folder, tag, cold, args.builder, limits) for _ in range(repeat)]
                plain = [by_hand(folder, tag, False, args.builder, []) for _ in range(repeat)]
                graded = [by_grader(folder, cold, client, args.builder) for _ in range(repeat)]
                rows.append((label, hand, plain, graded))
            full = by_grader(folder, False, client, args.builder, checks="")
        finally:
            subprocess.run(["docker", "rmi", "-f", tag], capture_output=True, check=False)
    print(
        f"exercise {args.exercise} reference solution, {args.builder}; median of runs; "
        f"engine {client.version()['Version']}"
    )
    print(
        f"{'':6} {'by hand':>8} {'(plain)':>8} | {'grader process':>14} {'ratio':>6} | "
        f"{'grader checks':>13} {'ratio':>6} | {'noticed':>8}"
    )
    for label, hand, plain, graded in rows:
        raw, ours, checks = (
            median(hand, "total"),
            median(graded, "total"),
            median(graded, "checks"),
        )
        print(
            f"{label:6} {raw:7.2f}s {median(plain, 'total'):7.2f}s | {ours:13.2f}s "
            f"{ours / raw:6.2f} | {checks:12.2f}s {checks / raw:6.2f} | "
            f"{median(graded, 'noticed_ms'):6.1f}ms"
        )
    print(f"full grade of every check, warm: {full['total']:.2f}s (checks {full['checks']:.2f}s)")
    print(
        f"by hand = docker {'buildx ' * (args.builder == 'buildkit')}build + docker run with "
        "the exercise's run limits + first 200 from GET /health (plain: a warm build and a "
        "docker run without limits);\ngrader process = "
        "`pytest -k 'build or health'` in a fresh interpreter;\ngrader checks = the same "
        "checks' own time (JUnit), without interpreter and pytest start-up; noticed = how long "
        "after the app first answered the grader saw it"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
