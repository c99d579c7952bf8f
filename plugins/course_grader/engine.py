"""The Docker adapter: connect, label, clean up; every object labelled.

Talks to the engine that DOCKER_HOST (or the default socket) names, through the
Docker SDK for Python; builds go through build/ (BuildKit via buildx, or the
classic builder), containers through runner.py, the sandbox's limits come from
sandbox.py.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future
from datetime import UTC, datetime
from typing import IO, Any

import docker
from docker.errors import APIError, DockerException, ImageNotFound, NotFound

from .build import BuilderChoice, BuildRequest, BuildResult, build_image, choose
from .build_cache import CacheWatch, Removed
from .errors import EngineUnavailable
from .limits import BuildLimits
from .runner import ContainerRunner, in_background
from .sandbox import Sandbox, owner_name

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


class Engine(ContainerRunner):
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
        #: The builder may be chosen on a background thread (choose_builder_in_background):
        #: one lock, so the sandbox and the builder are each made exactly once.
        self._first_use = threading.RLock()
        #: How many builds this session started.
        self.images_built = 0
        #: BuildKit's cache records when the builder was chosen (build_cache.py), and
        #: what the last cleanup removed of those made since.
        self.cache_watch: CacheWatch | None = None
        self.cache_removed = Removed()
        #: The next container's network, being made while the image builds.
        self.next_network: Future[tuple[str | None, str]] | None = None

    @property
    def sandbox(self) -> Sandbox:
        """What this engine can enforce (asked once, on first use)."""
        with self._first_use:
            if self._sandbox is None:
                self._sandbox = Sandbox(self.client.info(), owner_name(self.session))
            return self._sandbox

    @property
    def server_version(self) -> str:
        return self.sandbox.engine_version

    @property
    def builder(self) -> BuilderChoice:
        """BuildKit or the classic builder, chosen once (see build/__init__.py)."""
        with self._first_use:
            if self._builder is None:
                self._builder = choose(self.server_version)
                if self._builder.kind == "buildkit":
                    self.cache_watch = CacheWatch(self.client)
                    self.cache_watch.start()
            return self._builder

    def choose_builder_in_background(self) -> None:
        """Ask the engine and `docker buildx version` now, while the session starts, so the
        first build does not wait for them. A failure is left for `builder` to raise
        where the build reports it."""
        in_background(lambda: self.builder)

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
        if self.next_network is not None:  # made while building; it is cleaned up too
            with contextlib.suppress(Exception):
                self.next_network.result(timeout=60)
            self.next_network = None
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
        if self.cache_watch is not None and not self.keep_build_cache:
            self.cache_removed, unremoved = self.cache_watch.clean_up()
            problems += unremoved
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
