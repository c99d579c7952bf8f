"""One image build with BuildKit, through the `docker buildx` client, in the sandbox.

Why buildx and not the engine's BuildKit API: buildx is the client every student's
`docker build` is (Docker 23+), so the grader accepts exactly what they build; it
speaks BuildKit's session protocol (context upload, cache mounts, secrets) that the
Docker SDK for Python does not, and `--progress=rawjson` gives its status as JSON
documents instead of protobuf. The context goes in as a tar on stdin (the same bytes
the classic builder gets: `.dockerignore` applied, size checked), the image lands in
the engine's image store (buildx's `docker` driver), and its id comes back through
`--iidfile`.

BuildKit has no per-step memory, CPU or process flags: the limits live in the cgroup
parent (see sandbox.py). At the deadline, or on Ctrl-C, buildx is interrupted (it
cancels the build on the engine), then killed, and whatever is left in the build's
cgroup is killed too.
"""

from __future__ import annotations

import contextlib
import gzip
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import IO, TYPE_CHECKING

from ..errors import BuildFailed
from . import diagnose
from .progress import Progress, RawJsonSplitter
from .result import BuildRequest, BuildResult, fork_failed, limit_hit, timeout_message
from .stream import BoundedLog

if TYPE_CHECKING:
    from ..engine import Engine

#: How long buildx gets to cancel the build on the engine before it is killed.
CANCEL_GRACE = 10.0


class BuildxMissing(Exception):
    """No usable `docker buildx` client here (says why and how to get one)."""


def docker_env() -> dict[str, str]:
    """The environment for docker CLI calls: the engine docker-py talks to (DOCKER_HOST or
    the default socket, never another CLI context) and no attestations (plain images)."""
    env = dict(os.environ)
    env.setdefault("DOCKER_HOST", "unix:///var/run/docker.sock")
    env["BUILDX_NO_DEFAULT_ATTESTATIONS"] = "1"
    env["DOCKER_CLI_HINTS"] = "false"
    return env


def buildx_version() -> str:
    """`docker buildx version`'s version, or raise BuildxMissing saying how to install it."""
    docker = shutil.which("docker")
    if docker is None:
        raise BuildxMissing("no `docker` client on PATH (install Docker's CLI with buildx)")
    try:
        done = subprocess.run(
            [docker, "buildx", "version"],
            capture_output=True,
            text=True,
            timeout=30,
            env=docker_env(),
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise BuildxMissing(f"`docker buildx version` failed: {error}") from error
    if done.returncode != 0:
        raise BuildxMissing(
            "`docker buildx` is not installed (Debian/Ubuntu: `apt-get install docker-buildx`, "
            "or Docker's `docker-buildx-plugin`; this project: `bash scripts/provision.sh`)"
        )
    words = done.stdout.split()
    return words[1] if len(words) > 1 else done.stdout.strip()


def _argv(request: BuildRequest, iidfile: Path, cgroup_parent: str | None) -> list[str]:
    argv = [
        shutil.which("docker") or "docker",
        "buildx",
        "build",
        "--builder",
        "default",
        "--progress=rawjson",
        "--iidfile",
        str(iidfile),
        "--tag",
        request.tag,
        "--file",
        request.dockerfile,
    ]
    for key, value in request.labels.items():
        argv += ["--label", f"{key}={value}"]
    for key, value in request.buildargs.items():
        argv += ["--build-arg", f"{key}={value}"]
    if request.nocache:
        argv.append("--no-cache")
    if not request.limits.network:
        argv += ["--network", "none"]
    if cgroup_parent:
        argv += ["--cgroup-parent", cgroup_parent]
    return [*argv, "-"]


class _Reader(threading.Thread):
    """Reads buildx's progress from its stderr into a bounded log and the build's state."""

    def __init__(self, pipe: IO[bytes], log: BoundedLog):
        super().__init__(name="buildx-progress", daemon=True)
        self.pipe, self.log = pipe, log
        self.progress = Progress()
        self.plain: list[str] = []  # buildx's own messages (its final ERROR line)

    def run(self) -> None:
        splitter = RawJsonSplitter()
        with contextlib.suppress(OSError, ValueError):
            for chunk in iter(lambda: self.pipe.read1(65536), b""):
                self._take(splitter.feed(chunk.decode("utf-8", "replace")))
        self._take(splitter.close())
        if splitter.dropped:
            self.log.count_dropped(splitter.dropped)

    def _take(self, items: object) -> None:
        for item in items:  # type: ignore[attr-defined]
            if isinstance(item, dict):
                for line in self.progress.add(item):
                    self.log.add(line)
            else:
                self.log.add(item)
                if len(self.plain) < 50:
                    self.plain.append(item)


def _feed(process: subprocess.Popen[bytes], context: IO[bytes]) -> None:
    """Send the context tar to buildx's stdin, gzipped (a thread: a big tar must not block
    us). buildx tells a tar from a Dockerfile on stdin by parsing its first 1 KB, which
    fails on Python's PAX headers; a gzip stream is always taken for an archive."""
    assert process.stdin is not None
    with (
        contextlib.suppress(OSError, ValueError),
        gzip.GzipFile(fileobj=process.stdin, mode="wb", compresslevel=1) as packed,
    ):
        shutil.copyfileobj(context, packed, 1 << 20)
    with contextlib.suppress(OSError, ValueError):
        process.stdin.close()


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Interrupt buildx (it cancels the build on the engine); kill it if it lingers."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        process.send_signal(signal.SIGINT)
    try:
        process.wait(CANCEL_GRACE)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def build_image(engine: Engine, request: BuildRequest) -> BuildResult:
    """Build the request with BuildKit within its limits; raises BuildFailed (with the log's
    head and tail and the reason) when it fails, hits a limit or passes its timeout."""
    limits = request.limits
    started = time.monotonic()
    log = BoundedLog(int(limits.output_mb * 1e6))
    cgroup = engine.sandbox.build_cgroup(limits, builder="buildkit")
    engine.images.append(request.tag)
    timed_out = False
    with tempfile.TemporaryDirectory(prefix="course-grader-buildx-") as scratch:
        iidfile = Path(scratch) / "image-id"
        process = subprocess.Popen(
            _argv(request, iidfile, cgroup.parent if cgroup and cgroup.given_as_parent else None),
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env=docker_env(),
            start_new_session=True,  # Ctrl-C reaches us, and we cancel the build
        )
        assert process.stderr is not None
        reader = _Reader(process.stderr, log)
        reader.start()
        feeder = threading.Thread(target=_feed, args=(process, request.context), daemon=True)
        feeder.start()
        try:
            while process.poll() is None:
                if cgroup is not None:
                    cgroup.watch()
                if time.monotonic() - started > limits.timeout:
                    timed_out = True
                    break
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(0.2)
        finally:
            _stop(process)
            if cgroup is not None:
                cgroup.kill()
            reader.join(10)
            feeder.join(1)
            image_id = iidfile.read_text().strip() if iidfile.exists() else ""
            errors = [v.error for v in reader.progress.failed_steps()]
            killed = any("137" in e or "signal: killed" in e for e in errors)
            forks = fork_failed(log.lines()[-200:])
            hit = limit_hit(" ".join(errors), limits, cgroup, killed, forks) if errors else None
            placed = cgroup.check_placement(reader.progress.ran_a_run_step()) if cgroup else ""
            if cgroup is not None:
                engine.sandbox.release(cgroup)
    progress = reader.progress
    dropped = log.dropped_bytes / 1e6
    protections = engine.sandbox.build_protections(
        limits,
        cgroup,
        dropped,
        builder="buildkit",
        placement_problem=placed,
        clipped=progress.clipped,
    )
    if timed_out:
        reason = timeout_message(limits, "its RUN processes killed")
        log.add(reason)
        raise BuildFailed(reason, log.lines(), limit="build.timeout", protections=protections)
    if process.returncode != 0 or not image_id:
        limit, message = hit or (
            "",
            diagnose.explain(request, progress, reader.plain, engine.server_version),
        )
        log.add(message)
        raise BuildFailed(message, log.lines(), limit=limit, protections=protections)
    # The engine's own id for the tag: with the containerd image store it is the manifest's
    # digest, not the config digest that --iidfile holds, and only it finds the image.
    image_id = (engine.image_attrs(request.tag) or {}).get("Id") or image_id
    return BuildResult(
        image_id,
        request.tag,
        log.lines(),
        progress.steps(),
        time.monotonic() - started,
        dropped_mb=dropped,
        protections=protections,
        builder=engine.builder.describe(),
        clipped=progress.clipped,
    )
