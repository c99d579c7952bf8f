"""A lesson as its front matter describes it, read from a page's metadata mapping."""

from __future__ import annotations

import re
import reprlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .duration import DURATION_EXAMPLES, DurationError, parse_duration
from .errors import Problem, shorten

SLUG = re.compile(r"[a-z0-9][a-z0-9_-]*", re.ASCII)
"""Matched with `fullmatch`: `$` would also accept a trailing newline (`id: "x\\n"`)."""
MAX_ORDER = 1_000_000
REQUIRED = ("id", "title", "type", "duration", "order", "section")
LINKS = ("prevLessonId", "nextLessonId")


@dataclass(frozen=True)
class Lesson:
    """One lesson: where it sits in the course and how long it takes."""

    id: str
    title: str
    type: str
    minutes: int
    duration_text: str
    order: int
    section: str
    prev_id: str | None
    next_id: str | None
    src_path: str
    """Path relative to docs/, with forward slashes."""


def is_lesson(meta: Mapping[str, Any]) -> bool:
    """Pages with an `id` are lessons; every other page is an ordinary page."""
    return "id" in meta


def _brief(value: Any) -> str:
    """What the author wrote, briefly: a value can be long (or a huge integer)."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**12:
        return f"a {value.bit_length() * 3 // 10 + 1}-digit number"
    return shorten(reprlib.repr(value), 60)


def _found(value: Any) -> str:
    return f"{_brief(value)} ({type(value).__name__})"


def read_lesson(meta: Mapping[str, Any], src_path: str) -> tuple[Lesson | None, list[Problem]]:
    """Turn front matter into a Lesson, or explain every field that prevents it."""
    problems: list[Problem] = []

    def problem(field: str, expected: str, found: str, fix: str) -> None:
        problems.append(Problem(src_path, field, expected, found, fix))

    for field in REQUIRED:
        if meta.get(field) is None:
            problem(
                field,
                "a value",
                "nothing",
                f"Add '{field}: ...' to the front matter (see README, 'Writing lessons').",
            )

    for field in ("id", "section"):
        value = meta.get(field)
        if value is not None and not (isinstance(value, str) and SLUG.fullmatch(value)):
            problem(
                field,
                "a lowercase slug such as 'mlops-docker'",
                _found(value),
                "Use lowercase letters a-z, digits, '-' and '_', starting with a letter or digit.",
            )
    for field in ("title", "type"):
        value = meta.get(field)
        if value is not None and not (isinstance(value, str) and value.strip()):
            problem(field, "non-empty text", _found(value), f"Write the {field} as plain text.")

    order = meta.get("order")
    if order is not None and (
        isinstance(order, bool) or not isinstance(order, int) or not 0 <= order <= MAX_ORDER
    ):
        problem(
            "order",
            f"a whole number from 0 to {MAX_ORDER} (the position inside the section)",
            _found(order),
            "Write e.g. 'order: 2' without quotes.",
        )

    minutes = 0
    duration = meta.get("duration")
    if duration is not None:
        if isinstance(duration, (str, int)) and not isinstance(duration, bool):
            try:
                minutes = parse_duration(duration)
            except DurationError as error:
                problem(
                    "duration",
                    f"a duration like {DURATION_EXAMPLES}",
                    f"{_brief(duration)} ({error})",
                    "Write a number with a unit (hours or minutes), 1 min to 100 hours.",
                )
        else:
            problem(
                "duration",
                f"a duration like {DURATION_EXAMPLES}",
                _found(duration),
                "Write a number with a unit (hours or minutes), 1 min to 100 hours.",
            )

    for field in LINKS:
        value = meta.get(field)
        if value is not None and not isinstance(value, str):
            problem(
                field,
                "the id of another lesson",
                _found(value),
                "Write the other lesson's 'id', or remove the line at the end of the course.",
            )

    if problems:
        return None, problems
    return (
        Lesson(
            id=meta["id"],
            title=meta["title"].strip(),
            type=meta["type"].strip(),
            minutes=minutes,
            duration_text=str(duration),
            order=order,
            section=meta["section"],
            prev_id=meta.get("prevLessonId") or None,
            next_id=meta.get("nextLessonId") or None,
            src_path=src_path,
        ),
        [],
    )
