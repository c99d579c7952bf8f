"""Removing what a batch made on the engine, and only that.

A grading run labels its containers with its pid and names its images
`course-grader/<slug>:<host>-<pid>-<session>` (course_grader.engine). A run the
batch had to kill cannot clean up: `remove_run` removes what that pid made.
Build-cache images kept between runs carry no label; every run records the ids
of those its own builds made (`--build-cache-record`), and `remove_cache`
removes exactly those, children first, and never one that another image
(someone else's build on top of it) still uses. BuildKit's cache is records, not
images: the batch lists them before its first run and `remove_cache_records`
removes those that appeared while it graded (course_grader.build_cache).
"""

from __future__ import annotations

import contextlib
import logging
import re
import socket
from collections.abc import Iterable

import docker
from course_grader.build_cache import CacheWatch
from course_grader.engine import LABEL
from docker.errors import APIError, DockerException, ImageNotFound, NotFound

log = logging.getLogger("course_grade")


def _client() -> docker.DockerClient:
    return docker.from_env(timeout=300)


def remove_run(pid: int) -> list[str]:
    """Remove the containers and images of the grading run with process id *pid*."""
    removed: list[str] = []
    host = re.sub(r"[^A-Za-z0-9_.]", "_", socket.gethostname())[:60]
    owner = re.compile(rf"course-grader/[^:]+:{re.escape(host)}-{pid}-[0-9a-f]+(-.*)?")
    try:
        client = _client()
    except DockerException:
        return removed
    try:
        label = {"label": f"{LABEL}.pid={pid}"}
        for container in client.containers.list(all=True, filters=label, ignore_removed=True):
            with contextlib.suppress(NotFound, APIError):
                container.remove(force=True, v=True)
                removed.append(f"container {container.short_id}")
        for image in client.api.images(filters={"label": LABEL}):  # no inspect: others remove
            for tag in image.get("RepoTags") or []:
                if owner.fullmatch(tag):
                    with contextlib.suppress(NotFound, ImageNotFound, APIError):
                        client.images.remove(tag, force=True)
                        removed.append(f"image {tag}")
    finally:
        client.close()
    return removed


def remove_cache(image_ids: Iterable[str]) -> tuple[int, int]:
    """Remove the recorded build-cache images; returns (removed, left because still in use).

    Passes over the set until nothing more goes: a parent can only go once its
    children are gone, and the engine refuses (without `force`) to remove an image
    that has a child, which is what keeps other users' images safe."""
    pending = set(image_ids)
    removed = 0
    if not pending:
        return 0, 0
    try:
        client = _client()
    except DockerException:
        return 0, len(pending)
    try:
        progress = True
        while pending and progress:
            progress = False
            for image in sorted(pending):
                try:
                    client.api.remove_image(image, force=False, noprune=True)
                except (NotFound, ImageNotFound):
                    pending.discard(image)
                    progress = True
                except APIError:
                    continue  # a child (ours, removed in a later pass, or someone's) uses it
                else:
                    pending.discard(image)
                    removed += 1
                    progress = True
    finally:
        client.close()
    return removed, len(pending)


def remove_cache_records(watch: CacheWatch) -> None:
    """Remove BuildKit's records made since *watch* started, saying what went (or why not)."""
    try:
        removed, unremoved = watch.clean_up()
    finally:
        watch.client.close()
    if removed.records:
        log.info(
            "removed the batch's %d BuildKit cache records (%.0f MB)",
            removed.records,
            removed.bytes / 1e6,
        )
    for problem in unremoved:
        log.warning("could not remove %s", problem)
