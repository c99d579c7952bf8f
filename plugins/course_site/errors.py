"""The one exception base of the course-site package, and the problem record it reports."""

from __future__ import annotations

from dataclasses import dataclass

MAX_MESSAGE = 280
"""Longest problem text: with the logger's 'course_site: ' prefix a message stays within
300 characters, one line an author reads, never a data dump."""


class CourseError(Exception):
    """Base of every error the course-site package raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the course, said so that an author can fix it.

    Validation collects these instead of raising, so one build reports every
    problem at once rather than the first one only.
    """

    file: str
    """Path of the lesson relative to docs/."""
    field: str
    expected: str
    found: str
    fix: str
    line: int | None = None

    def __str__(self) -> str:
        """At most MAX_MESSAGE characters: long found/expected values are cut, never the
        file or the fix."""
        where = f"{self.file}:{self.line}" if self.line else self.file
        expected, found = self.expected, self.found
        message = self._say(where, expected, found)
        for _ in range(2):
            excess = len(message) - MAX_MESSAGE
            if excess <= 0:
                break
            if len(found) > 20:
                found = shorten(found, max(20, len(found) - excess))
            elif len(expected) > 20:
                expected = shorten(expected, max(20, len(expected) - excess))
            message = self._say(where, expected, found)
        return shorten(message, MAX_MESSAGE)

    def _say(self, where: str, expected: str, found: str) -> str:
        return f"{where}: field '{self.field}': expected {expected}, found {found}. {self.fix}"


def shorten(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, ending in an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
