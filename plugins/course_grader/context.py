"""The build context: the files `.dockerignore` lets through, measured before sending.

A context over `build.context_mb` is refused before a byte goes to the engine,
naming the biggest paths so the student knows what to add to `.dockerignore`.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import IO

from docker.utils.build import create_archive, exclude_paths

from .errors import ContextTooLarge
from .rules import read_dockerignore


def context_files(root: Path, dockerfile: str) -> list[str]:
    """Paths (relative to *root*) the engine would receive, as docker-py selects them."""
    patterns = read_dockerignore(root) or []
    return sorted(exclude_paths(str(root), patterns, dockerfile))


def _size(root: Path, relative: str) -> int:
    try:
        stat = os.lstat(root / relative)
    except OSError:
        return 0
    return stat.st_size if not os.path.isdir(root / relative) else 0


def biggest(root: Path, files: list[str], count: int = 5) -> list[tuple[str, int]]:
    """The largest top-level entries of the context (a folder counts all its files)."""
    by_top: dict[str, int] = {}
    for relative in files:
        parts = Path(relative).parts
        top = parts[0] + ("/" if len(parts) > 1 or (root / relative).is_dir() else "")
        by_top[top] = by_top.get(top, 0) + _size(root, relative)
    ranked = sorted(by_top.items(), key=lambda item: -item[1])
    return [entry for entry in ranked if entry[1] > 0][:count]


def check_size(root: Path, files: list[str], limit_mb: float) -> int:
    """The context's size in bytes; raises ContextTooLarge past *limit_mb* MB."""
    total = sum(_size(root, relative) for relative in files)
    if total > limit_mb * 1e6:
        listed = ", ".join(f"{name} ({size / 1e6:.0f} MB)" for name, size in biggest(root, files))
        raise ContextTooLarge(
            limit_mb,
            f"the build context is {total / 1e6:.0f} MB, over build.context_mb "
            f"({limit_mb:g} MB); it was not sent to the engine. Biggest paths: {listed}. "
            "Add what the image does not need to .dockerignore (data, models, .venv, .git)",
        )
    return total


def archive(
    root: Path,
    files: list[str],
    extra_files: list[tuple[str, str]] | None = None,
) -> IO[bytes]:
    """The context as an uncompressed tar in a temporary file (not in memory)."""
    # The caller owns (and closes) the file, so no `with` here.
    target = tempfile.TemporaryFile(prefix="course-grader-context-")  # noqa: SIM115
    create_archive(str(root), files, target, extra_files=extra_files or [])
    target.seek(0)
    return target
