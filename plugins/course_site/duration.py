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
# ASCII only: `\d` would accept '²', '①' or Arabic-Indic digits, which float() refuses.
_PART = re.compile(r"([0-9]{1,6}(?:\.[0-9]{1,6})?)[ \t]*([a-z]+)", re.ASCII)
_WHOLE = re.compile(
    r"(?:[ \t]*(?:and[ \t]+)?[0-9]{1,6}(?:\.[0-9]{1,6})?[ \t]*[a-z]+)+[ \t]*", re.ASCII
)
_MINUTES = re.compile(r"[0-9]{1,6}", re.ASCII)
_MAX_TEXT = 60
MAX_MINUTES = 100 * 60
"""Longest lesson accepted (100 hours): anything longer is a typo, and a bound keeps
huge numbers (a 400-digit duration, `10**400`) from overflowing."""

DURATION_EXAMPLES = "'55 mins', '1 hour', '1h 30m', '90 min' or '1.5 hours'"


class DurationError(CourseError, ValueError):
    """The text is not a duration this parser understands."""


def parse_duration(value: str | int) -> int:
    """Return the duration in whole minutes (rounded), at least 1.

    A bare integer (YAML `duration: 90`) counts as minutes, so the common
    shorthand works; every other form needs a unit so "1.5" is never guessed.
    """
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise DurationError(f"not a duration: {value!r}")
    if isinstance(value, int):
        if not 1 <= value <= MAX_MINUTES:  # compared as int: no float overflow
            raise DurationError(f"a duration must be 1 to {MAX_MINUTES} minutes")
        return value
    text = value.strip().lower()
    if len(text) > _MAX_TEXT:
        raise DurationError(f"a duration is at most {_MAX_TEXT} characters")
    if _MINUTES.fullmatch(text):
        minutes = float(text)
    elif _WHOLE.fullmatch(text):
        minutes = 0.0
        for number, unit in _PART.findall(text):
            if unit not in _UNITS:
                raise DurationError(f"unknown unit {unit!r}")
            minutes += float(number) * _UNITS[unit]
    else:
        raise DurationError("not a number with a unit")
    if not 1 <= minutes <= MAX_MINUTES:
        raise DurationError(f"a duration must be 1 to {MAX_MINUTES} minutes")
    return round(minutes)


def format_minutes(minutes: int) -> str:
    """Render minutes the same way everywhere on the site: '55 min', '1 h 30 min', '2 h'."""
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest} min"
    if not rest:
        return f"{hours} h"
    return f"{hours} h {rest} min"
