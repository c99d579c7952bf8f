"""`course-grade export`: a gradebook CSV as Canvas or Moodle import it.

Our gradebook has one column per check; an LMS wants one grade per student,
matched to its own user by an identifier our gradebook does not hold (the
roster gives it: lms_roster.py). The rules, from the LMSs' documentation:

- Canvas: the header starts `Student,ID[,SIS User ID,SIS Login ID],Section`,
  then one column per assignment named `<Title> (<assignment id>)` (a bare
  title is matched by name or creates a new assignment), then a
  `Points Possible` row. Students are matched by Canvas user id, then SIS ids,
  then name (a name alone is not trusted here). An empty cell is no score,
  `EX` excused.
- Moodle: one identifier column (username, email or idnumber; one unknown user
  aborts the import), one column per grade item, optionally a feedback column.

A `missing` submission is an empty cell (not 0) unless `missing_as_zero`; an
`error` or `timeout` row is never a grade. Pure: text in, text out; the CLI
writes it atomically, after every check has passed.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from course_grader.exercise import Exercise
from course_grader.report import points

from .gradebook import ERROR, GRADED, MISSING, TIMEOUT, Row
from .lms_roster import CANVAS_IDS, MOODLE_IDS, SECTION, Person, unidentified
from .roster import RosterError

CANVAS, MOODLE = "canvas", "moodle"
TARGETS = (CANVAS, MOODLE)
POINTS_POSSIBLE = "Points Possible"
MOODLE_HEADERS = {"username": "Username", "email": "Email address", "idnumber": "ID number"}
NOT_A_GRADE = {
    MISSING: "missing: nothing was handed in",
    ERROR: "not graded: the grader could not finish; your instructor will look at it",
    TIMEOUT: "not graded: grading was stopped at its time limit",
}


class ExportError(Exception):
    """Input an LMS file cannot be made from (names the file, row or option, and what to do)."""


@dataclass(frozen=True)
class Export:
    """The file's text and what the instructor should know about it."""

    text: str
    graded: int
    #: Students whose cell is empty (no grade): missing, error or timeout rows.
    empty: list[str] = field(default_factory=list)


def check_gradebook(
    path: Path, check_ids: Sequence[str], rows: Sequence[Row], exercise: Exercise | None
) -> float:
    """The points possible; a gradebook of another exercise, or of two, is an error."""
    if not rows:
        raise ExportError(f"{path}: no students in the gradebook; run course-grade batch first")
    seen: set[str] = set()
    for row in rows:
        if row.student in seen:
            raise ExportError(f"{path}: student {row.student!r} has two rows; keep one")
        seen.add(row.student)
    if exercise is not None:
        expected = [check.id for check in exercise.checks]
        if list(check_ids) != expected:
            raise ExportError(
                f"{path}: its checks ({', '.join(check_ids)}) are not those of exercise "
                f"{exercise.slug} ({', '.join(expected)}): export this exercise's gradebook"
            )
    possible = exercise.max_points if exercise is not None else rows[0].max_score
    for row in rows:
        if row.max_score != possible:
            source = f"exercise {exercise.slug}" if exercise else f"student {rows[0].student!r}"
            raise ExportError(
                f"{path}: student {row.student!r} has max_score {points(row.max_score)}, "
                f"{source} {points(possible)}: rows of another exercise? merge only one "
                "exercise's shards"
            )
    return possible


def _score(row: Row, missing_as_zero: bool) -> str:
    if row.status == GRADED:
        return points(row.score)
    return "0" if row.status == MISSING and missing_as_zero else ""


def summary(row: Row, check_ids: Sequence[str], exercise: Exercise | None) -> str:
    """One line for the student: the score and each check's points, or why there are none."""
    if row.status != GRADED:
        return NOT_A_GRADE[row.status]
    parts = []
    for check_id in check_ids:
        check = exercise.check(check_id) if exercise else None
        most = f"/{points(check.points)}" if check else ""
        parts.append(f"{check_id} {row.checks.get(check_id, '') or '0'}{most}")
    return (
        f"{points(row.score)}/{points(row.max_score)} points ({row.percent}%): "
        f"{', '.join(parts)}; commit {row.commit[:12]}, graded {row.graded_at}"
    )


def _render(records: list[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(records)
    return buffer.getvalue()


def _require(people: dict[str, Person], rows: Sequence[Row], columns: tuple[str, ...]) -> None:
    problem = unidentified(people, [row.student for row in rows], columns)
    if problem:
        raise RosterError(
            f"students the LMS could not match, {problem}; add them to the roster "
            "(nothing was written)"
        )


def canvas(
    rows: Sequence[Row],
    people: dict[str, Person],
    *,
    possible: float,
    title: str,
    assignment_id: str,
    missing_as_zero: bool = False,
) -> Export:
    """Canvas's gradebook import: header, `Points Possible` row, one row per student."""
    if not assignment_id.isdigit():
        raise ExportError(
            f"--assignment-id: expected Canvas's numeric assignment id (in the assignment's "
            f"URL, /assignments/<id>), found {assignment_id!r}"
        )
    if not title.strip():
        raise ExportError("--title: the assignment's title is empty")
    _require(people, rows, CANVAS_IDS)
    sis = [c for c in CANVAS_IDS[1:] if any(people[r.student].get(c) for r in rows)]
    headers = {"sis_user_id": "SIS User ID", "sis_login_id": "SIS Login ID"}
    lead = ["Student", "ID", *(headers[c] for c in sis), "Section"]
    records = [[*lead, f"{title.strip()} ({assignment_id})"]]
    records.append([POINTS_POSSIBLE, *[""] * (len(lead) - 1), points(possible)])
    ordered = sorted(rows, key=lambda r: r.student)
    for row in ordered:
        person = people[row.student]
        cells = [person.name, person.get("canvas_id")]
        cells += [person.get(c) for c in sis]
        records.append([*cells, person.get(SECTION), _score(row, missing_as_zero)])
    empty = [r.student for r in ordered if not _score(r, missing_as_zero)]
    return Export(_render(records), len(ordered) - len(empty), empty)


def moodle(
    rows: Sequence[Row],
    people: dict[str, Person],
    *,
    check_ids: Sequence[str],
    exercise: Exercise | None,
    title: str,
    identifier: str,
    missing_as_zero: bool = False,
) -> Export:
    """Moodle's CSV grade import: identifier, grade, feedback (one line per student)."""
    if identifier not in MOODLE_IDS:
        raise ExportError(f"--identifier: expected one of {', '.join(MOODLE_IDS)}")
    if not title.strip():
        raise ExportError("--title: the grade item's name is empty")
    _require(people, rows, (identifier,))
    name = title.strip()
    records = [[MOODLE_HEADERS[identifier], name, f"{name} feedback"]]
    ordered = sorted(rows, key=lambda r: r.student)
    for row in ordered:
        score = _score(row, missing_as_zero)
        records.append(
            [people[row.student].get(identifier), score, summary(row, check_ids, exercise)]
        )
    empty = [r.student for r in ordered if not _score(r, missing_as_zero)]
    return Export(_render(records), len(ordered) - len(empty), empty)
