"""BuildKit's build cache: which records a grading session made, and removing exactly those.

BuildKit keeps its cache as records in the engine (layers, context uploads, `RUN
--mount=type=cache` directories), not as images, so removing the images a grade built
leaves every layer of the student's build behind: a class's worth of hostile builds
piles up on the engine's disk, and one student's cache mount is there for the next
one's build. The records carry no label, so a session lists them before its first
build and, at its end, removes the ones that appeared since (children first: the
engine's prune follows parents itself). A record still in use (another build running
now) is left by the engine. Another client building on the same engine at the same
time can have its new records removed too; they are only cache, and a grading host
is meant to run one grader (or one `course-grade batch`, which owns the cache of its
runs).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable
from dataclasses import dataclass

import docker
from docker.errors import APIError, DockerException
from docker.utils import version_gte

RECORD_ID = re.compile(r"[A-Za-z0-9]+")
REMEDY = "`docker builder prune` removes them"
#: Record ids per prune call: each one is 25 characters of the request's URL.
IDS_PER_PRUNE = 100


def record_ids(client: docker.DockerClient) -> set[str]:
    """The ids of the engine's build-cache records (empty where it has none, e.g. classic)."""
    api = client.api
    params = {"type": "build-cache"} if version_gte(api._version, "1.42") else None
    usage = api._result(api._get(api._url("/system/df"), params=params), True)
    return {record["ID"] for record in usage.get("BuildCache") or []}


@dataclass
class Removed:
    """What `remove_records` did: records removed, bytes freed, records left (in use)."""

    records: int = 0
    bytes: int = 0
    left: int = 0


def remove_records(client: docker.DockerClient, ids: Iterable[str]) -> Removed:
    """Remove the build-cache records *ids* (and only those). The engine matches the
    `id` filter as a regular expression, so each call names its ids exactly."""
    pending = {i for i in ids if RECORD_ID.fullmatch(i)}  # ids go into a regex
    done = Removed()
    while pending:
        deleted: set[str] = set()
        ordered = sorted(pending)
        for start in range(0, len(ordered), IDS_PER_PRUNE):
            chunk = ordered[start : start + IDS_PER_PRUNE]
            # `all`: a record the image store shares (the containerd store marks a failed
            # build's layers so) is left otherwise; the ids say exactly which ones go.
            pattern = f"^({'|'.join(chunk)})$"
            answer = client.api.prune_builds(filters={"id": pattern}, all=True)
            deleted.update(answer.get("CachesDeleted") or ())
            done.bytes += int(answer.get("SpaceReclaimed") or 0)
        if not deleted:
            break
        done.records += len(deleted)
        pending -= deleted  # another pass for a parent whose child was in a later chunk
    if pending:
        done.left = len(pending & record_ids(client))
    return done


class CacheWatch:
    """The records present when a session started; at its end, remove the new ones."""

    def __init__(self, client: docker.DockerClient):
        self.client = client
        self.before: set[str] | None = None
        #: Why the records could not be listed (then nothing is removed), if so.
        self.problem = ""

    def start(self) -> None:
        try:
            self.before = record_ids(self.client)
        except (APIError, DockerException, OSError, ValueError) as error:
            self.problem = f"the engine's build cache could not be listed: {error}"

    def new_records(self) -> set[str]:
        if self.before is None:
            return set()
        return record_ids(self.client) - self.before

    def remove_new(self, settle: float = 5.0) -> Removed:
        """Remove the records made since `start`; raise DockerException if the engine
        refuses (the caller reports it as a leftover, with `docker builder prune`). A
        build cancelled a moment ago (timeout, Ctrl-C) may hold its records for a while:
        those left are tried again for up to *settle* seconds."""
        done = remove_records(self.client, self.new_records())
        deadline = time.monotonic() + settle
        while done.left and time.monotonic() < deadline:
            time.sleep(0.5)
            again = remove_records(self.client, self.new_records())
            done = Removed(done.records + again.records, done.bytes + again.bytes, again.left)
        return done

    def clean_up(self) -> tuple[Removed, list[str]]:
        """`remove_new`, with what could not be removed said (and the remedy) instead of
        raised: one line each, for the caller's report or log."""
        if self.problem:
            return Removed(), [f"BuildKit's build cache: {self.problem}; {REMEDY}"]
        try:
            removed = self.remove_new()
        except (DockerException, OSError, ValueError) as error:
            return Removed(), [f"BuildKit's build cache of this run: {error}; {REMEDY}"]
        if removed.left:
            return removed, [f"{removed.left} BuildKit cache record(s) still in use; {REMEDY}"]
        return removed, []
