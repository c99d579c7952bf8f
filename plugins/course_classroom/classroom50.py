"""Classroom 50's `result.json` (schema `classroom50/result/v1`) for one graded commit.

Classroom 50 collects one result per submission tag and refuses a document that
does not match its schema (JSON Schema 2020-12, no extra top-level keys). The
identity of a submission (classroom, assignment, owner, links) is not in the
grader's report: it comes from the GitHub Actions environment of the student's
repository, and from options for what that environment lacks. `datetime` is the
SUBMISSION instant (the graded commit's committer date), so a regrade of the
same commit never moves it; `graded_at` is when this run graded it.

Pure except `committer_date`, which asks git (no hook, no fsmonitor) for a date.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .feedback import results
from .submission import git_output, head_commit

SCHEMA = "classroom50/result/v1"
ASSIGNMENT_TYPES = ("individual", "group")
#: `YYYY-MM-DDTHH:MM:SSZ`: UTC, whole seconds (the schema's pattern for both times).
INSTANT = re.compile(r"\d{4}-\d{2}-\d{2}T([01]\d|2[0-3]):[0-5]\d:[0-5]\dZ")
TAG_PREFIX = "submit/"
SHORT_SHA = 7
SHA = re.compile(r"[0-9a-f]{7,64}")


class Classroom50Error(Exception):
    """What result.json needs and neither the environment nor an option gave (names both)."""


@dataclass(frozen=True)
class Submission:
    """One submission as Classroom 50 names it: who, which assignment, which commit, when."""

    classroom: str
    assignment: str
    assignment_type: str
    owner: str
    repository_url: str  # https://github.com/<owner>/<name>
    commit: str
    committed_at: str  # INSTANT
    tag: str  # submit/<UTC time>-<short sha>
    baseline: str = ""
    submitted_by: str = ""
    submitted_by_id: int | None = None

    @property
    def commit_url(self) -> str:
        return f"{self.repository_url}/commit/{self.commit}"

    @property
    def release_url(self) -> str:
        return f"{self.repository_url}/releases/tag/{self.tag}"

    @property
    def review_url(self) -> str:
        """The full diff from the handed-out baseline; the commit itself without one."""
        if not self.baseline:
            return self.commit_url
        return f"{self.repository_url}/compare/{self.baseline}...{self.commit}"


def utc_instant(text: str) -> str:
    """ISO 8601 with an offset (or `Z`), or Unix seconds -> `YYYY-MM-DDTHH:MM:SSZ`."""
    value = text.strip()
    try:
        if re.fullmatch(r"\d+", value):
            moment = datetime.fromtimestamp(int(value), UTC)
        else:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (ValueError, OverflowError, OSError):
        raise Classroom50Error(
            f"time {text!r}: expected ISO 8601 with a time zone, e.g. 2026-12-02T10:00:00Z"
        ) from None
    if moment.tzinfo is None:
        raise Classroom50Error(f"time {text!r} has no time zone; write it in UTC, ending in Z")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def submission_tag(committed_at: str, commit: str) -> str:
    """`submit/2026-08-03T14-30-05Z-abcdef0`: a tag name cannot hold ':'."""
    return f"{TAG_PREFIX}{committed_at.replace(':', '-')}-{commit[:SHORT_SHA]}"


def committer_date(folder: Path, commit: str) -> str | None:
    """The committer date of *commit* in the git checkout *folder*, or None."""
    stamp = git_output(folder, "log", "-1", "--format=%ct", commit, "--") or ""
    return utc_instant(stamp) if stamp.isdigit() else None


def _need(value: str | None, what: str, env_name: str, option: str) -> str:
    if value:
        return value
    source = f"GitHub Actions sets {env_name}" if env_name else "the environment has none"
    raise Classroom50Error(f"result.json needs {what}: {source}; or pass {option}")


def from_environment(
    env: Mapping[str, str],
    options: Mapping[str, str | None],
    *,
    assignment: str,
    folder: Path,
) -> Submission:
    """The submission from GitHub Actions' variables, each overridden by its option.

    From the environment: GITHUB_SERVER_URL, GITHUB_REPOSITORY (links),
    GITHUB_REPOSITORY_OWNER (classroom), GITHUB_SHA (commit), GITHUB_REF_TYPE and
    GITHUB_REF_NAME (a pushed `submit/...` tag), GITHUB_ACTOR and GITHUB_ACTOR_ID
    (submitted_by, and owner unless the repository is named
    `<classroom>-<assignment>-<owner>`). Only options: the assignment type, the
    baseline of the review link. The committer date comes from git in *folder*."""
    repository = _need(
        options.get("repository") or env.get("GITHUB_REPOSITORY"),
        "the student's repository",
        "GITHUB_REPOSITORY",
        "--repository OWNER/NAME",
    )
    if not re.fullmatch(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+", repository):
        raise Classroom50Error(f"--repository: expected OWNER/NAME, found {repository!r}")
    server = (env.get("GITHUB_SERVER_URL") or "https://github.com").rstrip("/")
    classroom = _need(
        options.get("classroom") or env.get("GITHUB_REPOSITORY_OWNER"),
        "the classroom",
        "GITHUB_REPOSITORY_OWNER",
        "--classroom NAME",
    )
    assignment = options.get("assignment") or assignment
    named = repository.split("/", 1)[1].removeprefix(f"{classroom}-{assignment}-")
    from_name = named if named != repository.split("/", 1)[1] else ""
    actor = env.get("GITHUB_ACTOR", "")
    owner = _need(
        options.get("owner") or from_name or actor, "the owner", "GITHUB_ACTOR", "--owner LOGIN"
    )
    commit = _need(
        options.get("commit") or env.get("GITHUB_SHA") or head_commit(folder),
        "the graded commit",
        "GITHUB_SHA",
        "--commit SHA",
    )
    if not SHA.fullmatch(commit):
        raise Classroom50Error(f"--commit: expected a commit's hex sha, found {commit!r}")
    given = options.get("committed_at")
    committed_at = utc_instant(given) if given else committer_date(folder, commit)
    committed_at = _need(
        committed_at,
        f"the commit's committer date (git in {folder} does not know {commit[:12]})",
        "",
        "--committed-at 2026-12-02T10:00:00Z",
    )
    pushed = env.get("GITHUB_REF_NAME", "") if env.get("GITHUB_REF_TYPE") == "tag" else ""
    tag = options.get("submission_tag") or (
        pushed if pushed.startswith(TAG_PREFIX) else submission_tag(committed_at, commit)
    )
    if not tag.startswith(TAG_PREFIX) or len(tag) == len(TAG_PREFIX):
        raise Classroom50Error(f"--submission-tag: expected submit/<time>-<sha>, found {tag!r}")
    actor_id = env.get("GITHUB_ACTOR_ID", "")
    return Submission(
        classroom=classroom,
        assignment=assignment,
        assignment_type=options.get("assignment_type") or "individual",
        owner=owner,
        repository_url=f"{server}/{repository}",
        commit=commit,
        committed_at=committed_at,
        tag=tag,
        baseline=options.get("baseline") or "",
        submitted_by=actor,
        submitted_by_id=int(actor_id) if actor_id.isdigit() else None,
    )


def _points(value: Any) -> int:
    """Whole points, halves rounded up (the schema wants integers), never below 0."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return 0
    return max(0, math.floor(number + 0.5)) if math.isfinite(number) else 0


def result(report: Mapping[str, Any], submission: Submission, graded_at: str) -> dict[str, Any]:
    """The result.json document for *report* (graded, or an ungraded one without tests)."""
    if submission.assignment_type not in ASSIGNMENT_TYPES:
        raise Classroom50Error(
            f"assignment type {submission.assignment_type!r}: expected individual or group"
        )
    if not INSTANT.fullmatch(graded_at):
        raise Classroom50Error(f"graded_at {graded_at!r}: expected YYYY-MM-DDTHH:MM:SSZ")
    tests = []
    for item in results(dict(report)):
        most = _points(item.max_score)
        tests.append(
            {
                "test-name": item.check or "unnamed check",
                "passed": item.result == "passed",
                "score": min(_points(item.score), most),
                "max-score": most,
            }
        )
    max_score = _points(report.get("max_score", 0))
    document: dict[str, Any] = {
        "schema": SCHEMA,
        "classroom": submission.classroom,
        "assignment": submission.assignment,
        "assignment_type": submission.assignment_type,
        "owner": submission.owner,
        "submission": submission.tag,
        "commit": submission.commit_url,
        "release": submission.release_url,
        "review": submission.review_url,
        "datetime": submission.committed_at,
        "graded_at": graded_at,
        "score": min(_points(report.get("score", 0)), max_score),
        "max-score": max_score,
        "tests": tests,
    }
    if submission.submitted_by:
        document["submitted_by"] = {
            "username": submission.submitted_by,
            "id": submission.submitted_by_id,
        }
    return document
