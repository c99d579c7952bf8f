"""The one exception base of the course-site package, and the problem record it reports."""

from __future__ import annotations

from dataclasses import dataclass


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
        where = f"{self.file}:{self.line}" if self.line else self.file
        return (
            f"{where}: field '{self.field}': expected {self.expected}, found {self.found}. "
            f"{self.fix}"
        )
