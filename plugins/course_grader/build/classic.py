"""One image build in the sandbox: limits on its RUN steps, a deadline that really stops it.

The classic builder runs each RUN step in a container. The build goes through
the low-level API with `cgroupparent` (docker-py's `build()` does not expose it)
so those containers sit in a cgroup holding the build's limits. At the deadline,
or on Ctrl-C, the request is ended (the engine cancels the build), every task
in the cgroup is killed and the RUN container removed; the intermediate images
go at cleanup with the others.
"""

from __future__ import annotations

import contextlib
import json
import re
import time
from typing import TYPE_CHECKING

import requests
from docker.errors import APIError, DockerException, NotFound

from ..errors import BuildFailed
from .result import BuildRequest, BuildResult, Step, limit_hit, timeout_message
from .stream import BoundedLog, BuildStream

if TYPE_CHECKING:
    from ..cgroups import BuildCgroup
    from ..engine import Engine


def read_step(line: str, steps: list[Step], running: list[str]) -> None:
    """Follow the classic builder's progress lines: steps, cache hits, images, containers."""
    match = re.match(r"Step (\d+)/\d+ : (.*)", line)
    if match:
        steps.append(Step(int(match.group(1)), match.group(2)))
        return
    if not steps:
        return
    text = line.strip()
    if text == "---> Using cache":
        steps[-1].cached = True
    elif re.fullmatch(r"---> [0-9a-f]{12,64}", text):
        steps[-1].image_id = text.split()[1]
    elif text.startswith("---> Running in "):
        running.append(text.rsplit(" ", 1)[1])


def stage_ends(steps: list[Step], failed: bool) -> list[str]:
    """The last image of each stage but the final one (and of the final one if failed)."""
    ends, last = [], None
    for step in steps:
        if step.instruction.upper().startswith("FROM") and last:
            ends.append(last)
        if step.image_id:
            last = step.image_id
    if failed and last:
        ends.append(last)
    return ends


def _stop(
    engine: Engine, cgroup: BuildCgroup | None, running: list[str], steps: list[Step]
) -> None:
    """Kill whatever the build still runs and remove its RUN containers: those it named,
    those in its cgroup, and one the engine was still creating from the last step's image
    when the build was cancelled (seen on a slow VM), waited for a moment."""
    if cgroup is not None:
        cgroup.kill()
    images = [s.image_id for s in steps if s.image_id][-1:]
    deadline = time.monotonic() + (3 if images else 0)
    while True:
        ids = set(running) | set(cgroup.containers() if cgroup else ())
        for image in images:
            with contextlib.suppress(APIError):
                found = engine.client.api.containers(all=True, filters={"ancestor": image})
                ids |= {c["Id"] for c in found}
        for container in ids:
            with contextlib.suppress(NotFound, APIError):
                engine.client.api.remove_container(container, force=True, v=True)
        if time.monotonic() > deadline:
            return
        time.sleep(0.5)


def build_image(engine: Engine, request: BuildRequest) -> BuildResult:
    """Build the request's tar context with the classic builder within its limits; raises
    BuildFailed (with the log's head and tail) when it fails, hits a limit or times out."""
    limits, tag = request.limits, request.tag
    api = engine.client.api
    started = time.monotonic()
    log = BoundedLog(int(limits.output_mb * 1e6))
    steps: list[Step] = []
    running: list[str] = []
    image_id = error = None
    timed_out = finished = False
    cgroup = engine.sandbox.build_cgroup(limits, builder="classic")
    params = {
        "t": tag,
        "dockerfile": request.dockerfile,
        "labels": json.dumps(request.labels),
        "rm": True,
        "forcerm": True,
        "pull": False,
        "nocache": request.nocache,
        **engine.sandbox.build_params(limits, cgroup),
    }
    if request.buildargs:
        params["buildargs"] = json.dumps(request.buildargs)
    engine.images.append(tag)
    stream = None
    try:
        response = api._post(
            api._url("/build"),
            data=request.context,
            params=params,
            headers={"Content-Type": "application/tar"},
            stream=True,
            timeout=None,
        )
        api._raise_for_status(response)
        stream = BuildStream(response, api._get_raw_response_socket(response), log)
        while True:
            remaining = started + limits.timeout - time.monotonic()
            if remaining <= 0:
                timed_out = True
                break
            try:
                message = stream.next(min(remaining, 0.5))
            except StopIteration:
                finished = True
                break
            if message is None:
                continue
            if "stream" in message:
                for line in str(message["stream"]).splitlines():
                    if line.strip():
                        log.add(line.rstrip())
                        read_step(line, steps, running)
            if isinstance(message.get("aux"), dict):
                image_id = message["aux"].get("ID", image_id)
            if "error" in message:
                error = str(message["error"]).strip()
                log.add(error)
    except (APIError, DockerException, OSError, requests.RequestException) as exc:
        error = str(exc)
        log.add(error)
    finally:
        if stream is not None and not stream.finished:
            stream.abort()
        if not finished:  # timeout, an error of the stream, or Ctrl-C
            _stop(engine, cgroup, running, steps)
        failed = bool(error or timed_out or image_id is None)
        # Also when interrupted: what the build made so far is still ours to remove.
        engine.dangling.extend(stage_ends(steps, failed=failed))
        engine.built_layers += [s.image_id for s in steps if s.image_id and not s.cached]
        hit = limit_hit(error, limits, cgroup, "non-zero code: 137" in error) if error else None
        if cgroup is not None:
            engine.sandbox.release(cgroup)
    dropped = log.dropped_bytes / 1e6
    protections = engine.sandbox.build_protections(limits, cgroup, dropped, builder="classic")
    if timed_out:
        reason = timeout_message(limits, "its RUN container removed")
        log.add(reason)
        raise BuildFailed(reason, log.lines(), limit="build.timeout", protections=protections)
    if error or image_id is None:
        limit, message = hit or ("", error or "the engine reported no image")
        if hit:
            log.add(message)
        raise BuildFailed(message, log.lines(), limit=limit, protections=protections)
    return BuildResult(
        image_id,
        tag,
        log.lines(),
        steps,
        time.monotonic() - started,
        dropped_mb=dropped,
        protections=protections,
    )
