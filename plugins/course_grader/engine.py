"""The Docker adapter: build, run, probe and clean up, every object labelled.

Talks to the engine that DOCKER_HOST (or the default socket) names, through the
Docker SDK for Python, which builds with the classic builder.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import docker
from docker.errors import APIError, DockerException, ImageNotFound, NotFound

from .errors import BuildFailed, EngineUnavailable

LABEL = "org.mlops-course.grader"
HOW_TO_START = (
    "no Docker engine answers{where}. Start one and grade again: "
    "on Linux `sudo systemctl start docker` (or `sudo dockerd &`; in this project "
    "`bash scripts/start-docker.sh`), on macOS/Windows open Docker Desktop; "
    "then `docker info` must work. A remote engine: set DOCKER_HOST."
)


@dataclass
class Step:
    number: int
    instruction: str
    cached: bool = False
    image_id: str | None = None


@dataclass
class BuildResult:
    image_id: str
    tag: str
    log: list[str]
    steps: list[Step]
    seconds: float


@dataclass
class Probe:
    status: int
    body: bytes
    seconds: float

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))


def _epoch(timestamp: str) -> float:
    """Seconds since the epoch of an engine timestamp like 2026-11-24T21:49:40.49995Z."""
    try:
        return datetime.fromisoformat(timestamp[:19]).replace(tzinfo=UTC).timestamp()
    except ValueError:
        return 0.0


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def http_request(
    port: int, method: str, path: str, body: Any = None, timeout: float = 5.0
) -> Probe:
    """One HTTP request to 127.0.0.1:port; raises OSError/HTTPException when nothing answers."""
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        headers = {"Connection": "close"}
        payload = None
        if body is not None:
            payload = json.dumps(body).encode("utf-8")
            headers["Content-Type"] = "application/json"
        connection.request(method, path, body=payload, headers=headers)
        response = connection.getresponse()
        data = response.read()
        return Probe(response.status, data, time.perf_counter() - started)
    finally:
        connection.close()


def parse_proc_net_tcp(text: str) -> list[tuple[str, int]]:
    """Listening (host, port) pairs from /proc/net/tcp and tcp6 contents."""
    result = []
    for line in text.splitlines():
        parts = line.split()
        if len(parts) < 4 or parts[3] != "0A" or ":" not in parts[1]:
            continue
        address, port_hex = parts[1].rsplit(":", 1)
        try:
            port = int(port_hex, 16)
        except ValueError:
            continue
        if len(address) == 8:
            octets = bytes.fromhex(address)[::-1]
            host = ".".join(str(b) for b in octets)
        elif set(address) == {"0"}:
            host = "::"
        elif address == "00000000000000000000000001000000":
            host = "::1"
        elif address.startswith("0000000000000000FFFF0000"):
            host = ".".join(str(b) for b in bytes.fromhex(address[24:])[::-1])
        else:
            host = address
        result.append((host, port))
    return result


class Engine:
    """One grading session's connection to the engine and everything it created."""

    def __init__(self, client: docker.DockerClient, session: str, keep_build_cache: bool = False):
        self.client = client
        self.session = session
        #: Cleanup keeps the build cache: the final images go without their untagged
        #: parents (`noprune`), builder-stage images stay. Only the final stage's
        #: build-label steps carry LABEL, and those images go too (`_drop_labelled`).
        self.keep_build_cache = keep_build_cache
        #: How many untagged images the last cleanup kept as build cache.
        self.kept_layers = 0
        self.containers: list[str] = []
        self.images: list[str] = []
        #: Untagged images a build leaves outside its final image's chain: the last
        #: image of each earlier stage, and of a failed build. Removed at cleanup
        #: unless something else still uses them.
        self.dangling: list[str] = []
        #: Images of the steps this session's builds ran (not served from the cache),
        #: and the ids of the untagged images the last cleanup kept as build cache.
        self.built_layers: list[str] = []
        self.kept_ids: list[str] = []

    @classmethod
    def connect(cls, timeout: float = 600) -> Engine:
        where = f" at {os.environ['DOCKER_HOST']}" if os.environ.get("DOCKER_HOST") else ""
        try:
            probe = docker.from_env(timeout=10)
            try:
                probe.ping()
            finally:
                probe.close()
            client = docker.from_env(timeout=int(timeout))
        except (DockerException, OSError, ValueError) as error:
            raise EngineUnavailable(HOW_TO_START.format(where=where) + f" ({error})") from error
        return cls(client, uuid.uuid4().hex[:10])

    # -- labels and cleanup -------------------------------------------------

    @property
    def owner(self) -> str:
        """host-pid-session: who made an image, in its tag (tag-safe characters only)."""
        host = re.sub(r"[^A-Za-z0-9_.]", "_", socket.gethostname())[:60]
        return f"{host}-{os.getpid()}-{self.session}"

    def image_tag(self, exercise: str, suffix: str = "") -> str:
        slug = re.sub(r"[^a-z0-9_.-]", "-", exercise.lower()).strip("-.") or "exercise"
        return f"course-grader/{slug}:{self.owner}{suffix}"

    @staticmethod
    def image_labels(exercise: str) -> dict[str, str]:
        """Image labels are fixed, so the LABEL step of a rebuild comes from the cache;
        who made an image is in its tag (see `owner`)."""
        return {LABEL: "1", f"{LABEL}.exercise": exercise}

    def labels(self, exercise: str) -> dict[str, str]:
        """Container labels: who made it, so a later run can tell a leftover from a live one."""
        return {
            LABEL: "1",
            f"{LABEL}.session": self.session,
            f"{LABEL}.exercise": exercise,
            f"{LABEL}.host": socket.gethostname(),
            f"{LABEL}.pid": str(os.getpid()),
            f"{LABEL}.started": str(int(time.time())),
        }

    def _stale(self, labels: dict[str, str], max_age: float = 6 * 3600) -> bool:
        if labels.get(f"{LABEL}.session") == self.session:
            return False
        host = labels.get(f"{LABEL}.host")
        pid = labels.get(f"{LABEL}.pid", "")
        this_host = socket.gethostname()
        if host in {this_host, re.sub(r"[^A-Za-z0-9_.]", "_", this_host)[:60]} and pid.isdigit():
            return not _pid_alive(int(pid))
        started = labels.get(f"{LABEL}.started", "0")
        return time.time() - float(started if started.isdigit() else 0) > max_age

    def sweep(self) -> tuple[int, int]:
        """Remove labelled containers and images left by runs that are gone."""
        removed_containers = removed_images = 0
        # Other runs remove their objects meanwhile: what vanishes after the listing
        # is skipped, not an error.
        listed = self.client.containers.list(
            all=True, filters={"label": LABEL}, ignore_removed=True
        )
        for container in listed:
            if self._stale(container.labels):
                with contextlib.suppress(NotFound, APIError):
                    container.remove(force=True)
                    removed_containers += 1
        for image in self.client.api.images(filters={"label": LABEL}):
            for tag in image.get("RepoTags") or []:
                match = re.fullmatch(r"course-grader/[^:]+:(.+)-(\d+)-([0-9a-f]+)(-.*)?", tag)
                if not match:
                    continue
                host, pid, session = match.group(1, 2, 3)
                created = image.get("Created", 0)
                started = created if isinstance(created, int) else _epoch(str(created))
                owner = {
                    f"{LABEL}.host": host,
                    f"{LABEL}.pid": pid,
                    f"{LABEL}.session": session,
                    f"{LABEL}.started": str(int(started)),
                }
                if self._stale(owner):
                    with contextlib.suppress(NotFound, APIError):
                        self.client.images.remove(tag, force=True)
                        removed_images += 1
        return removed_containers, removed_images

    def remove_container(self, container_id: str) -> None:
        with contextlib.suppress(NotFound, APIError):
            self.client.api.remove_container(container_id, force=True, v=True)
        if container_id in self.containers:
            self.containers.remove(container_id)

    def remove_image(self, image: str, noprune: bool = False) -> None:
        """Remove an image this session built, with its untagged parents (not shared ones)
        unless *noprune* (then the parents stay, as build cache)."""
        with contextlib.suppress(NotFound, ImageNotFound, APIError):
            self.client.api.remove_image(image, force=True, noprune=noprune)
        if image in self.images:
            self.images.remove(image)

    def _untagged_chain(self, image: str | None) -> list[str]:
        """*image* and its parents, up to the first tagged one (not included): the
        intermediate images the classic builder's cache lives in."""
        chain: list[str] = []
        while image and image not in chain:
            attrs = self.image_attrs(image)
            if attrs is None or attrs.get("RepoTags"):
                break
            chain.append(attrs.get("Id", image))
            image = attrs.get("Parent") or None
        return chain

    def _remove_dangling(self, image_id: str) -> None:
        """After a failed build: drop its last intermediate image if nothing else uses it."""
        with contextlib.suppress(NotFound, ImageNotFound, APIError):
            if not self.client.api.inspect_image(image_id).get("RepoTags"):
                self.client.api.remove_image(image_id, force=False, noprune=False)

    def cleanup(self) -> list[str]:
        """Remove everything this session made; returns what could not be removed, and why."""
        problems = []
        kept: set[str] = set()
        steps: list[tuple[Callable[[str], list[str] | None], str]]
        steps = [(self.remove_container, c) for c in list(self.containers)]
        if self.keep_build_cache:
            steps += [(self._remove_keeping_cache, i) for i in reversed(list(self.images))]
        else:
            steps += [(self.remove_image, i) for i in reversed(list(self.images))]
            steps += [(self._remove_dangling, i) for i in reversed(self.dangling)]
        for remove, target in steps:
            try:
                found = remove(target)
            except Exception as error:  # one failure must not stop the rest of the cleanup
                problems.append(f"{target}: {error}")
            else:
                kept.update(found or ())
        if self.keep_build_cache:
            for stage_end in self.dangling:
                try:
                    kept.update(self._drop_labelled(self._untagged_chain(stage_end)))
                except Exception as error:  # as above
                    problems.append(f"{stage_end}: {error}")
        self.kept_layers = len(kept)
        self.kept_ids = sorted(kept)
        self.dangling.clear()
        return problems

    def kept_layers_built(self) -> list[str]:
        """The kept build-cache images that this session's builds made (not reused ones):
        what a batch that shares the cache between runs must remove at its end."""
        built = {layer[:12] for layer in self.built_layers}
        return [i for i in self.kept_ids if i.removeprefix("sha256:")[:12] in built]

    def _remove_keeping_cache(self, image: str) -> list[str]:
        """Remove a final image but not its untagged parents; returns the parents kept."""
        attrs = self.image_attrs(image)
        parents = self._untagged_chain(attrs.get("Parent")) if attrs else []
        self.remove_image(image, noprune=True)
        return self._drop_labelled(parents)

    def _drop_labelled(self, chain: list[str]) -> list[str]:
        """Remove the images at the top of *chain* (child first) that carry LABEL; returns
        the rest. The classic builder adds one LABEL step per build label to the final
        stage, so the images of all but the last of those steps carry LABEL too."""
        while chain:
            labels = ((self.image_attrs(chain[0]) or {}).get("Config") or {}).get("Labels")
            if LABEL not in (labels or {}):
                break
            with contextlib.suppress(NotFound, ImageNotFound, APIError):
                self.client.api.remove_image(chain[0], force=True, noprune=True)
            chain = chain[1:]
        return chain

    # -- build --------------------------------------------------------------

    def build(
        self,
        context: Path,
        dockerfile: str,
        tag: str,
        labels: dict[str, str],
        timeout: float,
        fileobj: IO[bytes] | None = None,
        nocache: bool = False,
        buildargs: dict[str, str] | None = None,
    ) -> BuildResult:
        started = time.perf_counter()
        log: list[str] = []
        steps: list[Step] = []
        image_id = None
        error = None
        kwargs: dict[str, Any] = {
            "dockerfile": dockerfile,
            "tag": tag,
            "labels": labels,
            "rm": True,
            "forcerm": True,
            "pull": False,
            "decode": True,
            "nocache": nocache,
        }
        if buildargs:
            kwargs["buildargs"] = buildargs
        if fileobj is not None:
            kwargs.update(fileobj=fileobj, custom_context=True)
        else:
            kwargs["path"] = str(context)
        self.images.append(tag)
        try:
            for chunk in self.client.api.build(**kwargs):
                if "stream" in chunk:
                    for line in chunk["stream"].splitlines():
                        if line.strip():
                            log.append(line.rstrip())
                            self._read_step(line, steps)
                if "aux" in chunk and isinstance(chunk["aux"], dict):
                    image_id = chunk["aux"].get("ID", image_id)
                if "error" in chunk:
                    error = chunk["error"].strip()
                    log.append(error)
                if time.perf_counter() - started > timeout:
                    error = f"the build took longer than {timeout:.0f} s"
                    log.append(error)
                    break
        except (APIError, DockerException, OSError) as exc:
            error = str(exc)
            log.append(error)
        finally:  # also when interrupted: what the build made so far is still ours to remove
            self.dangling.extend(self._stage_ends(steps, failed=bool(error or image_id is None)))
            self.built_layers += [s.image_id for s in steps if s.image_id and not s.cached]
        if error or image_id is None:
            raise BuildFailed(error or "the engine reported no image", log)
        return BuildResult(image_id, tag, log, steps, time.perf_counter() - started)

    @staticmethod
    def _stage_ends(steps: list[Step], failed: bool) -> list[str]:
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

    @staticmethod
    def _read_step(line: str, steps: list[Step]) -> None:
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

    def image_attrs(self, image: str) -> dict[str, Any] | None:
        try:
            return self.client.api.inspect_image(image)
        except (NotFound, ImageNotFound, APIError):
            return None

    # -- run ----------------------------------------------------------------

    def run(
        self,
        image: str,
        port: int,
        labels: dict[str, str],
        limits: dict[str, Any],
        healthcheck_interval: float | None,
        environment: dict[str, str] | None = None,
    ) -> Container:
        kwargs: dict[str, Any] = {
            "detach": True,
            "labels": labels,
            "ports": {f"{port}/tcp": ("127.0.0.1", None)},
            "mem_limit": limits.get("memory", "768m"),
            "memswap_limit": limits.get("memory", "768m"),
            "nano_cpus": int(float(limits.get("cpus", 1.0)) * 1e9),
            "pids_limit": int(limits.get("pids", 256)),
            "security_opt": ["no-new-privileges"],
            "cap_drop": ["ALL"],
            "init": False,
        }
        if environment:
            kwargs["environment"] = environment
        if healthcheck_interval:
            # Keep the student's test, timeout and retries; only check more often.
            kwargs["healthcheck"] = {"interval": int(healthcheck_interval * 1e9)}
        container = self.client.containers.create(image, **kwargs)
        self.containers.append(container.id)
        container.start()
        return Container(self, container, port)


@dataclass
class Container:
    engine: Engine
    handle: Any
    port: int
    host_port: int | None = None
    _attrs: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return self.handle.id

    def reload(self) -> dict[str, Any]:
        self.handle.reload()
        self._attrs = self.handle.attrs
        if self.host_port is None:
            bindings = (self._attrs.get("NetworkSettings") or {}).get("Ports") or {}
            for binding in bindings.get(f"{self.port}/tcp") or []:
                if binding.get("HostPort"):
                    self.host_port = int(binding["HostPort"])
        return self._attrs

    @property
    def state(self) -> dict[str, Any]:
        return self._attrs.get("State", {})

    def running(self) -> bool:
        return self.reload().get("State", {}).get("Running", False)

    def logs(self, tail: int = 30) -> list[str]:
        try:
            text = self.handle.logs(tail=tail).decode("utf-8", "replace")
        except (APIError, NotFound):
            return []
        return [line.rstrip() for line in text.splitlines()][-tail:]

    def listening(self) -> list[tuple[str, int]] | None:
        """What the container listens on, read from its /proc/net/tcp (None if unknown)."""
        try:
            result = self.handle.exec_run(["cat", "/proc/net/tcp", "/proc/net/tcp6"], user="0")
        except (APIError, NotFound):
            return None
        if result.exit_code not in (0, 1):
            return None
        return parse_proc_net_tcp(result.output.decode("utf-8", "replace"))

    def stop(self, timeout: float) -> float:
        """`docker stop` (SIGTERM, then SIGKILL after *timeout*); seconds until it exited."""
        started = time.perf_counter()
        with contextlib.suppress(APIError, NotFound):
            self.handle.stop(timeout=int(timeout))
        seconds = time.perf_counter() - started
        self.reload()
        return seconds

    def has_command(self, name: str) -> bool | None:
        try:
            result = self.handle.exec_run(["sh", "-c", f"command -v {name}"], user="0")
        except (APIError, NotFound):
            return None
        return result.exit_code == 0
