"""A submission laid over a pristine exercise: only the declared files come from the student.

Pure file work (no Docker, no pytest). The grade must never depend on code or
config the student controls, so the overlay starts from a copy of the
exercise folder (without its solution) and takes from the student's checkout
only the files `exercise.yml` lists under `submission:`, as regular files: a
symbolic link, or a path through one, is ignored, so a checkout cannot make the
overlay read files of the grading machine.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from course_grader.exercise import Exercise

#: What never leaves the exercise folder: the reference solution and local clutter.
PRIVATE = ("solution",)
CLUTTER = ("__pycache__", "*.pyc", ".pytest_cache", ".git", "model", ".venv")
#: A submitted file larger than this is refused (a Dockerfile is a few KB).
MAX_FILE_BYTES = 1_000_000


@dataclass
class Overlay:
    """What was taken from one student's checkout."""

    folder: Path
    taken: list[str] = field(default_factory=list)
    #: Declared files that were not taken, with the reason (absent, a link, too large…).
    skipped: dict[str, str] = field(default_factory=dict)
    dockerfile_taken: bool = False


def copy_pristine(exercise_dir: Path, destination: Path) -> Path:
    """A copy of the exercise folder without its solution and local clutter."""
    shutil.copytree(
        exercise_dir,
        destination,
        ignore=shutil.ignore_patterns(*PRIVATE, *CLUTTER),
        symlinks=False,
    )
    return destination


def regular_file(checkout: Path, relative: str) -> tuple[bytes | None, str]:
    """The bytes of checkout/relative when every part of the path is a real directory or a
    regular file (never a link), else None and why."""
    parts = [p for p in relative.replace("\\", "/").split("/") if p not in {"", "."}]
    current = checkout
    for index, part in enumerate(parts):
        current = current / part
        try:
            info = os.lstat(current)
        except FileNotFoundError:
            return None, "not in the submission"
        except OSError as error:
            return None, f"cannot be read ({error.strerror})"
        if stat.S_ISLNK(info.st_mode):
            return None, "is a symbolic link; only regular files are taken"
        last = index == len(parts) - 1
        if not last and not stat.S_ISDIR(info.st_mode):
            return None, "not in the submission"
        if last and not stat.S_ISREG(info.st_mode):
            return None, "is not a regular file"
        if last and info.st_size > MAX_FILE_BYTES:
            return None, f"is larger than {MAX_FILE_BYTES // 1000} KB"
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
    try:
        descriptor = os.open(current, flags)
    except OSError as error:
        return None, f"cannot be read ({error.strerror})"
    with os.fdopen(descriptor, "rb") as handle:
        return handle.read(MAX_FILE_BYTES + 1)[:MAX_FILE_BYTES], ""


def overlay(exercise: Exercise, checkout: Path, destination: Path) -> Overlay:
    """Pristine exercise at *destination*, with the declared submission files laid over it.

    A declared file the student did not hand in is removed from the copy too (the
    starter's Dockerfile is not the student's work)."""
    folder = copy_pristine(exercise.root, destination)
    result = Overlay(folder)
    for relative in exercise.submission:
        target = folder / relative
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        else:
            target.unlink(missing_ok=True)
        content, problem = regular_file(checkout, relative)
        if content is None:
            result.skipped[relative] = problem
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
        result.taken.append(relative)
        if relative == exercise.dockerfile:
            result.dockerfile_taken = True
    return result


def submission_digest(exercise: Exercise, checkout: Path) -> str:
    """A fingerprint of the declared files a checkout holds (for folders without git)."""
    digest = hashlib.sha256()
    for relative in exercise.submission:
        content, _ = regular_file(checkout, relative)
        digest.update(relative.encode() + b"\0")
        digest.update(b"-" if content is None else hashlib.sha256(content).digest())
    return "sha256:" + digest.hexdigest()[:16]


def head_commit(checkout: Path) -> str | None:
    """The HEAD commit of a git checkout, or None when *checkout* is not one.

    Only `rev-parse` runs (it reads no index and runs no hook), with the
    repository's fsmonitor switched off."""
    commit = git_output(checkout, "rev-parse", "HEAD") or ""
    return commit if len(commit) >= 40 else None


def git_output(checkout: Path, *args: str) -> str | None:
    """What a read-only git command prints in the git checkout *checkout* (fsmonitor off,
    so no program of the repository's config runs), or None when it is not one or git fails."""
    if not (checkout / ".git").exists():
        return None
    try:
        answer = subprocess.run(
            ["git", "-c", "core.fsmonitor=false", "-C", str(checkout), *args],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return answer.stdout.strip() if answer.returncode == 0 else None


def identify(exercise: Exercise, checkout: Path) -> str:
    """What the gradebook's `commit` column records: the HEAD commit of a git checkout,
    else a digest of the submitted files (so a rerun still knows whether they changed)."""
    return head_commit(checkout) or submission_digest(exercise, checkout)
