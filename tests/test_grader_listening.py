"""What the graded container listens on, read from the host's /proc (no exec in the
container) and, where that cannot be, by `cat` inside it: both must agree on a real
container, and the host path must start no process in it."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from _grader import TEST_LABEL, engine_client
from course_grader.container import Container, parse_proc_net_tcp

pytestmark = pytest.mark.docker

BASE = "python:3.11-slim-bookworm"
#: Listens on loopback only (the mistake the readiness wait names) and on all addresses.
SERVERS = (
    "python -m http.server 8000 --bind 127.0.0.1 & python -m http.server 8080 --bind 0.0.0.0 & wait"
)


@pytest.fixture(scope="module")
def docker_client() -> Iterator[Any]:
    client = engine_client()
    yield client
    client.close()


@pytest.fixture
def serving(docker_client) -> Iterator[Container]:
    """A container alone on an internal network (as the grader runs one), two servers up."""
    labels = {TEST_LABEL: "listening", f"{TEST_LABEL}.pid": str(os.getpid())}
    network = docker_client.networks.create(
        f"course-tests-listening-{uuid.uuid4().hex[:8]}", internal=True, labels=labels
    )
    handle = None
    try:
        handle = docker_client.containers.run(
            BASE, ["sh", "-c", SERVERS], detach=True, labels=labels, network=network.name
        )
        container = Container(engine=None, handle=handle, port=8000, network=network.name)  # type: ignore[arg-type]
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            container.reload()
            text = container.proc_net_tcp_by_exec() or ""
            if len(parse_proc_net_tcp(text)) >= 2:
                break
            time.sleep(0.2)
        yield container
    finally:
        if handle is not None:
            handle.remove(force=True)
        network.remove()


def test_the_host_reads_what_the_container_listens_on(serving):
    from_host = serving.proc_net_tcp_from_host()
    assert from_host is not None, "a local engine's container is read through /proc"
    assert sorted(parse_proc_net_tcp(from_host)) == sorted(
        parse_proc_net_tcp(serving.proc_net_tcp_by_exec() or "")
    )
    assert {("127.0.0.1", 8000), ("0.0.0.0", 8080)} <= set(serving.listening() or [])


def test_reading_from_the_host_starts_no_process_in_the_container(serving, docker_client):
    time.sleep(2)  # the fixture's own execs end before the window (events count in seconds)
    since = int(time.time())
    serving.listening()
    until = int(time.time()) + 1
    events = docker_client.events(
        since=since,
        until=until,
        decode=True,
        filters={"container": serving.id, "event": "exec_create"},
    )
    assert [e.get("Action") for e in events] == []


def test_a_pid_outside_the_container_is_never_read(serving):
    # A pid that is not in the container's cgroup here (another pid namespace): the exec.
    serving._attrs = {**serving._attrs, "State": {**serving.state, "Pid": os.getpid()}}
    assert serving.proc_net_tcp_from_host() is None
    assert ("127.0.0.1", 8000) in (serving.listening() or [])
