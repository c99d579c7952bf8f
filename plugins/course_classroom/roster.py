"""The roster of a class for the regrade workflow: which repository and ref each student
handed in, split into shards, and the shallow clone of one shard's submissions.

A roster is a CSV file with the header `student,repository,ref`: `repository`
is `owner/name` on GitHub (or any git URL), `ref` a branch, tag or commit
(empty: the default branch).
"""

from __future__ import annotations

import base64
import csv
import io
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

STUDENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
REPOSITORY = re.compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")
REF = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]{0,199}")


class RosterError(Exception):
    """A roster line that cannot be used (names the file, line and field)."""


@dataclass(frozen=True)
class Entry:
    student: str
    repository: str
    ref: str

    @property
    def url(self) -> str:
        if REPOSITORY.fullmatch(self.repository):
            return f"https://github.com/{self.repository}.git"
        return self.repository


def read(path: Path) -> list[Entry]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise RosterError(f"{path}: cannot read the roster ({error.strerror})") from None
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames is None or not {"student", "repository"} <= set(reader.fieldnames):
        raise RosterError(f"{path}:1: expected the header student,repository,ref")
    entries: list[Entry] = []
    seen: set[str] = set()
    for line, record in enumerate(reader, start=2):
        student = (record.get("student") or "").strip()
        repository = (record.get("repository") or "").strip()
        ref = (record.get("ref") or "").strip()
        if not STUDENT.fullmatch(student) or student in {".", ".."}:
            raise RosterError(
                f"{path}:{line}: field 'student': {student!r} is not a usable folder name "
                "(letters, digits, '.', '_', '-')"
            )
        if student in seen:
            raise RosterError(f"{path}:{line}: field 'student': {student!r} is listed twice")
        url_like = repository.startswith(("https://", "file://", "/"))
        if not (REPOSITORY.fullmatch(repository) or url_like):
            raise RosterError(
                f"{path}:{line}: field 'repository': expected owner/name or an https URL, "
                f"found {repository!r}"
            )
        if ref and not REF.fullmatch(ref):
            raise RosterError(f"{path}:{line}: field 'ref': {ref!r} is not a branch, tag or sha")
        seen.add(student)
        entries.append(Entry(student, repository, ref))
    return entries


def shard(entries: list[Entry], index: int, count: int) -> list[Entry]:
    """Round-robin shard *index* of *count* (0-based): every student in exactly one shard."""
    if count < 1 or not 0 <= index < count:
        raise RosterError(f"shard {index} of {count}: expected 0 <= shard < shards, shards >= 1")
    return entries[index::count]


def _git_env(token: str | None) -> dict[str, str]:
    env = dict(os.environ, GIT_TERMINAL_PROMPT="0")
    if token:
        # The token goes in an http header through git's environment config (not in argv).
        basic = base64.b64encode(f"x-access-token:{token}".encode()).decode()
        env.update(
            GIT_CONFIG_COUNT="1",
            GIT_CONFIG_KEY_0="http.https://github.com/.extraheader",
            GIT_CONFIG_VALUE_0=f"AUTHORIZATION: basic {basic}",
        )
    return env


def clone(entry: Entry, dest: Path, token: str | None = None) -> str:
    """Fetch entry's ref (depth 1) into dest/<student> and check it out; returns the commit."""
    folder = dest / entry.student
    folder.mkdir(parents=True, exist_ok=False)
    env = _git_env(token)

    def git(*args: str) -> str:
        answer = subprocess.run(
            ["git", "-C", str(folder), *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
            check=False,
        )
        if answer.returncode != 0:
            raise RosterError(
                f"{entry.student}: git {args[0]} {entry.url} {entry.ref or '(default branch)'} "
                f"failed: {answer.stderr.strip()[-300:]}"
            )
        return answer.stdout.strip()

    git("init", "-q")
    git("fetch", "-q", "--depth", "1", "--", entry.url, entry.ref or "HEAD")
    git("checkout", "-q", "FETCH_HEAD")
    return git("rev-parse", "HEAD")
