"""Lesson durations: the text authors write ("55 mins", "1h 30m", "1.5 hours") to minutes."""

from __future__ import annotations

import re

from .errors import CourseError

_UNITS = {
    "h": 60,
    "hr": 60,
    "hrs": 60,
    "hour": 60,
    "hours": 60,
    "m": 1,
    "min": 1,
    "mins": 1,
    "minute": 1,
    "minutes": 1,
}
_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([a-z]+)")
_WHOLE = re.compile(r"(?:\s*(?:and\s+)?\d+(?:\.\d+)?\s*[a-z]+)+\s*")

DURATION_EXAMPLES = "'55 mins', '1 hour', '1h 30m', '90 min' or '1.5 hours'"


class DurationError(CourseError, ValueError):
    """The text is not a duration this parser understands."""


def parse_duration(value: str | int) -> int:
    """Return the duration in whole minutes (rounded), at least 1.

    A bare integer (YAML `duration: 90`) counts as minutes, so the common
    shorthand works; every other form needs a unit so "1.5" is never guessed.
    """
    if isinstance(value, bool):
        raise DurationError(f"not a duration: {value!r}")
    if isinstance(value, int):
        minutes = float(value)
    else:
        text = value.strip().lower()
        if text.isdigit():
            minutes = float(text)
        elif _WHOLE.fullmatch(text):
            minutes = 0.0
            for number, unit in _PART.findall(text):
                if unit not in _UNITS:
                    raise DurationError(f"unknown unit {unit!r} in {value!r}")
                minutes += float(number) * _UNITS[unit]
        else:
            raise DurationError(f"not a duration: {value!r}")
    if minutes < 1:
        raise DurationError(f"a duration must be at least one minute, got {value!r}")
    return round(minutes)


def format_minutes(minutes: int) -> str:
    """Render minutes the same way everywhere on the site: '55 min', '1 h 30 min', '2 h'."""
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest} min"
    if not rest:
        return f"{hours} h"
    return f"{hours} h {rest} min"
