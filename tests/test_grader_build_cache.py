"""BuildKit's cache records: a session removes exactly the ones made since it began.

A real engine and real `docker buildx build`s: the engine's prune filter is what is
under test (it matches ids as a regular expression), on this machine and in the test
host VM (scripts/testhost/vm-suite, both image stores).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from typing import Any

import pytest
from _grader import TEST_LABEL, buildkit_records_with, buildx_build, engine_client
from course_grader import build_cache
from course_grader.build_cache import CacheWatch, record_ids, remove_records

pytestmark = pytest.mark.docker


@pytest.fixture
def client() -> Iterator[Any]:
    client = engine_client()
    yield client
    client.close()


def _build(client: Any, folder: Any, dockerfile: str, name: str) -> None:
    """Build *dockerfile* and remove its image at once: what stays is BuildKit's cache."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "Dockerfile").write_text(dockerfile, encoding="utf-8")
    tag = f"course-grader-tests/cache-records-{name}:{os.getpid()}"
    buildx_build(folder, tag, {TEST_LABEL: "cache-records"})
    client.images.remove(tag, force=True)


@pytest.mark.parametrize("ids_per_prune", [build_cache.IDS_PER_PRUNE, 1])
def test_records_made_since_the_watch_go_and_older_ones_stay(
    client, tmp_path, monkeypatch, ids_per_prune
):
    """One prune per chunk of ids; with one id a call, a parent is refused while its child
    is there, and the next pass removes it."""
    monkeypatch.setattr(build_cache, "IDS_PER_PRUNE", ids_per_prune)
    marker = f"{os.getpid()}-{time.time_ns()}"
    old = f"FROM python:3.11-slim\nRUN echo old-{marker} > /old\n"
    before = record_ids(client)
    try:
        _build(client, tmp_path / "old", old, "old")
        assert buildkit_records_with(client, f"old-{marker}")
        watch = CacheWatch(client)
        watch.start()
        new = (
            old + f"RUN --mount=type=cache,target=/cache,id=c-{marker} "
            f"echo new-{marker} > /cache/f && echo new-{marker} > /new\n"
            f"RUN echo newer-{marker} > /newer\nCOPY Dockerfile /Dockerfile\n"
        )
        _build(client, tmp_path / "new", new, "new")
        made = watch.new_records()
        assert len(made) >= 3, made  # the cache mount, two RUN layers, the COPY
        assert buildkit_records_with(client, f"new-{marker}")

        removed = watch.remove_new()

        assert (removed.records, removed.left) == (len(made), 0)
        assert not record_ids(client) & made
        assert not buildkit_records_with(client, f"new-{marker}")
        assert buildkit_records_with(client, f"old-{marker}"), "an older record was removed"
    finally:
        remove_records(client, record_ids(client) - before)
    assert not buildkit_records_with(client, marker)


def test_only_record_ids_reach_the_filter(client):
    """The ids become a regular expression: anything else is dropped, not matched."""
    assert remove_records(client, [".*", "a|b", "(", ""]).records == 0
