"""The Docker adapter: connect, label, run, clean up; every object labelled.

Talks to the engine that DOCKER_HOST (or the default socket) names, through the
Docker SDK for Python; builds go through build/ (BuildKit via buildx, or the
classic builder), the sandbox's limits come from sandbox.py.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import IO, Any

import docker
from docker.errors import APIError, DockerException, ImageNotFound, NotFound

from .build import BuilderChoice, BuildRequest, BuildResult, build_image, choose
from .container import Container
from .errors import EngineUnavailable
from .limits import BuildLimits, RunLimits
from .sandbox import Protection, Sandbox, address_is_local, gateway_of, owner_name, run_disk

LABEL = "org.mlops-course.grader"
HOW_TO_START = (
    "no Docker engine answers{where}. Start one and grade again: "
    "on Linux `sudo systemctl start docker` (or `sudo dockerd &`; in this project "
    "`bash scripts/start-docker.sh`), on macOS/Windows open Docker Desktop; "
    "then `docker info` must work. A remote engine: set DOCKER_HOST."
)


def epoch_seconds(timestamp: str) -> float:
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
        #: Internal networks made for graded containers (one per container).
        self.networks: list[str] = []
        self._sandbox: Sandbox | None = None
        self._builder: BuilderChoice | None = None
        #: How many builds this session started.
        self.images_built = 0

    @property
    def sandbox(self) -> Sandbox:
        """What this engine can enforce (asked once, on first use)."""
        if self._sandbox is None:
            self._sandbox = Sandbox(self.client.info(), owner_name(self.session))
        return self._sandbox

    @property
    def server_version(self) -> str:
        return self.sandbox.engine_version

    @property
    def builder(self) -> BuilderChoice:
        """BuildKit or the classic builder, chosen once (see build/__init__.py)."""
        if self._builder is None:
            self._builder = choose(self.server_version)
        return self._builder

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
        return owner_name(self.session)

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
        """Remove labelled containers, networks and images, and the cgroups, left by runs
        that are gone; returns (containers, images) removed."""
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
        for network in self.client.networks.list(filters={"label": LABEL}):
            if self._stale(network.attrs.get("Labels") or {}):
                with contextlib.suppress(NotFound, APIError):
                    network.remove()
        self.sandbox.sweep_cgroups()
        for image in self.client.api.images(filters={"label": LABEL}):
            for tag in image.get("RepoTags") or []:
                match = re.fullmatch(r"course-grader/[^:]+:(.+)-(\d+)-([0-9a-f]+)(-.*)?", tag)
                if not match:
                    continue
                host, pid, session = match.group(1, 2, 3)
                created = image.get("Created", 0)
                started = created if isinstance(created, int) else epoch_seconds(str(created))
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

    def remove_network(self, network_id: str) -> None:
        with contextlib.suppress(NotFound, APIError):
            self.client.api.remove_network(network_id)
        if network_id in self.networks:
            self.networks.remove(network_id)

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
        steps += [(self.remove_network, n) for n in list(self.networks)]
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
        if self._sandbox is not None:
            problems += self._sandbox.leftovers
            self._sandbox.leftovers.clear()
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
        context: IO[bytes],
        dockerfile: str,
        tag: str,
        labels: dict[str, str],
        limits: BuildLimits,
        nocache: bool = False,
        buildargs: dict[str, str] | None = None,
    ) -> BuildResult:
        """Build the tar *context* in the sandbox with this session's builder (build/)."""
        self.images_built += 1
        request = BuildRequest(context, dockerfile, tag, labels, limits, nocache, buildargs or {})
        return build_image(self, request)

    def image_attrs(self, image: str) -> dict[str, Any] | None:
        try:
            return self.client.api.inspect_image(image)
        except (NotFound, ImageNotFound, APIError):
            return None

    # -- run ----------------------------------------------------------------

    def _probe_network(self, labels: dict[str, str]) -> tuple[str | None, str]:
        """An internal network for one container (no route out), if the probe can reach
        its addresses from here; else None and why not."""
        if not self.sandbox.local:
            return None, "the engine is not on this machine, so its bridges are not routable"
        name = f"course-grader-{self.owner}-n{len(self.networks) + 1}"
        try:
            network = self.client.networks.create(name, internal=True, labels=labels)
        except APIError as error:  # e.g. the engine's address pools are used up
            return None, f"the engine could not make a network: {error.explanation or error}"
        self.networks.append(network.id)
        network.reload()
        gateway = gateway_of(network.attrs)
        if gateway and address_is_local(gateway):
            return network.name, ""
        self.remove_network(network.id)
        return None, f"this machine has no route to the network's gateway {gateway}"

    def run(
        self,
        image: str,
        port: int,
        labels: dict[str, str],
        limits: RunLimits,
        healthcheck_interval: float | None,
        environment: dict[str, str] | None = None,
    ) -> tuple[Container, list[Protection]]:
        """Create and start the graded container, confined (sandbox.py); returns it and the
        protections it really has."""
        network, why_not = self._probe_network(labels)
        kwargs: dict[str, Any] = {"detach": True, "labels": labels, **Sandbox.run_kwargs(limits)}
        if environment:
            kwargs["environment"] = environment
        if network:
            kwargs["network"] = network
            where = f"internal: alone on network {network}, no route out; probed at its address"
        else:
            kwargs["ports"] = {f"{port}/tcp": ("127.0.0.1", None)}
            where = f"not applied: default bridge, published on 127.0.0.1 ({why_not})"
        if healthcheck_interval:
            # Keep the student's test, timeout and retries; only check more often.
            kwargs["healthcheck"] = {"interval": int(healthcheck_interval * 1e9)}
        quota_error = None
        if not limits.read_only:
            try:
                container = self.client.containers.create(
                    image, storage_opt={"size": f"{limits.tmp_mb}m"}, **kwargs
                )
            except APIError as error:
                quota_error = str(error.explanation or error)
            else:
                return self._start(container, port, network, limits, where, None)
        container = self.client.containers.create(image, **kwargs)
        return self._start(container, port, network, limits, where, quota_error)

    def _start(
        self,
        handle: Any,
        port: int,
        network: str | None,
        limits: RunLimits,
        where: str,
        quota_error: str | None,
    ) -> tuple[Container, list[Protection]]:
        self.containers.append(handle.id)
        handle.start()
        handle.reload()
        protections = self.sandbox.run_protections(
            limits, handle.attrs, where, run_disk(limits, quota_error)
        )
        return Container(self, handle, port, network=network), protections
