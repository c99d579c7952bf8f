"""The class list as a learning-management system knows it: for each student of the
gradebook (the submission folder's name), the identifiers Canvas and Moodle match rows by.

An LMS that cannot match a row drops it (Canvas) or aborts the whole import
(Moodle), and two students sharing an identifier would get each other's grade, so
the roster is checked before anything is exported. It is a CSV file with a
`student` column and any of the columns below; other columns (the regrade
roster's `repository`, `ref`) are ignored, so one file can serve both. Pure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .gradebook import read_records
from .roster import RosterError

#: Columns an export can use: the display name, Canvas's and Moodle's identifiers.
NAME, SECTION = "name", "section"
CANVAS_IDS = ("canvas_id", "sis_user_id", "sis_login_id")
MOODLE_IDS = ("username", "email", "idnumber")
IDENTIFIERS = CANVAS_IDS + MOODLE_IDS
EMAIL = re.compile(r"[^@\s]+@[^@\s]+")


@dataclass(frozen=True)
class Person:
    """One roster line: a gradebook student and what the LMS calls them."""

    student: str
    line: int
    fields: dict[str, str]

    def get(self, column: str) -> str:
        return self.fields.get(column, "")

    @property
    def name(self) -> str:
        return self.get(NAME) or self.student


def _check_value(path: Path, line: int, column: str, value: str) -> None:
    if column == "canvas_id" and not value.isdigit():
        raise RosterError(
            f"{path}:{line}: field 'canvas_id': expected Canvas's numeric user id, found {value!r}"
        )
    if column == "email" and not EMAIL.fullmatch(value):
        raise RosterError(f"{path}:{line}: field 'email': {value!r} is not an email address")


def read(path: Path) -> dict[str, Person]:
    """The roster's people by student; duplicate students or identifiers are errors."""
    records = read_records(path, "roster", RosterError)
    if not records:
        raise RosterError(f"{path}: empty file; expected a header with a 'student' column")
    head = [cell.strip().lower() for cell in records[0]]
    if "student" not in head:
        raise RosterError(
            f"{path}:1: no 'student' column; expected e.g. "
            f"student,{NAME},{','.join(IDENTIFIERS)},{SECTION}"
        )
    people: dict[str, Person] = {}
    owners: dict[tuple[str, str], Person] = {}
    for line, record in enumerate(records[1:], start=2):
        if not any(cell.strip() for cell in record):
            continue
        if len(record) != len(head):
            raise RosterError(f"{path}:{line}: expected {len(head)} columns, found {len(record)}")
        fields = {column: cell.strip() for column, cell in zip(head, record, strict=True)}
        student = fields.pop("student")
        if not student:
            raise RosterError(f"{path}:{line}: field 'student' is empty")
        if student in people:
            raise RosterError(
                f"{path}:{line}: field 'student': {student!r} is also on line "
                f"{people[student].line}; list each student once"
            )
        person = Person(student, line, fields)
        for column in IDENTIFIERS:
            value = person.get(column)
            if not value:
                continue
            _check_value(path, line, column, value)
            key = (column, value.casefold() if column == "email" else value)
            if key in owners:
                other = owners[key]
                raise RosterError(
                    f"{path}:{line}: field '{column}': {value!r} is also student "
                    f"{other.student!r} (line {other.line}); each student needs their own"
                )
            owners[key] = person
        people[student] = person
    return people


def unidentified(people: dict[str, Person], students: list[str], columns: tuple[str, ...]) -> str:
    """'' when every student has one of *columns* in the roster, else the error's text."""
    absent = [s for s in students if s not in people]
    blank = [s for s in students if s in people and not any(people[s].get(c) for c in columns)]
    parts = []
    if absent:
        parts.append(f"not in the roster: {', '.join(repr(s) for s in absent)}")
    if blank:
        parts.append(f"no {' or '.join(columns)}: {', '.join(repr(s) for s in blank)}")
    return "; ".join(parts)
