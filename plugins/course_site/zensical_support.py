"""Which Zensical releases the course is built and tested with, and what to say otherwise.

Why a range and a message: Zensical (0.0.x) changes between releases and runs none of
our MkDocs plugin, so a release the tests never saw can quietly lose the nav or the
quizzes. 0.0.73 is the newest that installs from PyPI here (later ones need
`zensical-ui`); pyproject pins it in the `test` extra.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

LOWEST = (0, 0, 73)
"""Oldest supported release (inclusive)."""
BELOW = (0, 0, 74)
"""First release not supported."""
PIN = "zensical==0.0.73"


def _parts(text: str) -> tuple[int, ...] | None:
    try:
        return tuple(int(part) for part in text.split(".")[:3])
    except ValueError:
        return None


def installed_zensical() -> str | None:
    """The installed Zensical's version, or None when it is not installed."""
    try:
        return version("zensical")
    except PackageNotFoundError:
        return None


def version_problem(found: str | None) -> str | None:
    """None for a supported Zensical; else a message that says what to run."""
    if found is None:
        return f"Zensical is not installed: run `pip install '{PIN}'` (or `make zensical-build`)."
    parts = _parts(found)
    if parts is not None and LOWEST <= parts < BELOW:
        return None
    low = ".".join(map(str, LOWEST))
    high = ".".join(map(str, BELOW))
    return (
        f"Zensical {found} is outside the range this course is built and tested with "
        f"(>={low},<{high}): run `pip install '{PIN}'` (or `make zensical-build`)."
    )
