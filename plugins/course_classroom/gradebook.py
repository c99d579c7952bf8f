"""Gradebook rows and their CSV: one row per student, sorted by student.

Pure: builds rows from the grader's Gradescope report, reads, writes (atomically)
and merges CSV files. Header:
`student,commit,<one column per check id>,score,max_score,percent,status,graded_at`.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from course_grader.report import points

GRADED, MISSING, ERROR, TIMEOUT = "graded", "missing", "error", "timeout"
STATUSES = (GRADED, MISSING, ERROR, TIMEOUT)
LEAD = ("student", "commit")
TAIL = ("score", "max_score", "percent", "status", "graded_at")


class GradebookError(Exception):
    """A gradebook CSV that cannot be read or merged (names the file and what to do)."""


def header(check_ids: Sequence[str]) -> list[str]:
    return [*LEAD, *check_ids, *TAIL]


def now_utc() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


@dataclass
class Row:
    student: str
    commit: str
    #: check id -> points earned ("" when the check was not graded: missing, error, timeout).
    checks: dict[str, str]
    score: float
    max_score: float
    status: str
    graded_at: str = field(default_factory=now_utc)

    @property
    def percent(self) -> str:
        return f"{100 * self.score / self.max_score:.1f}" if self.max_score else "0.0"

    def cells(self, check_ids: Sequence[str]) -> list[str]:
        return [
            self.student,
            self.commit,
            *(self.checks.get(c, "") for c in check_ids),
            points(self.score),
            points(self.max_score),
            self.percent,
            self.status,
            self.graded_at,
        ]


def check_of(test_name: str) -> str:
    """`01-containerize-api: build` -> `build` (the grader names tests `<slug>: <check>`)."""
    return test_name.rsplit(": ", 1)[-1]


def row_from_report(student: str, commit: str, report: dict[str, Any]) -> Row:
    """A graded row from a Gradescope `results.json` the grader wrote."""
    checks = {check_of(t["name"]): points(float(t["score"])) for t in report.get("tests", [])}
    return Row(
        student,
        commit,
        checks,
        float(report.get("score", 0)),
        float(report.get("max_score", 0)),
        GRADED,
    )


def ungraded_row(student: str, commit: str, status: str, max_score: float) -> Row:
    return Row(student, commit, {}, 0.0, max_score, status)


def render(rows: Iterable[Row], check_ids: Sequence[str]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header(check_ids))
    for row in sorted(rows, key=lambda r: r.student):
        writer.writerow(row.cells(check_ids))
    return buffer.getvalue()


def write(path: Path, rows: Iterable[Row], check_ids: Sequence[str]) -> None:
    """Write the whole gradebook atomically: a reader (or a crash) never sees half a file."""
    write_atomic(path, render(rows, check_ids))


def write_atomic(path: Path, text: str) -> None:
    """Write *text* (UTF-8) to a temporary file beside *path*, then rename it over *path*:
    a reader, or a crash, never sees half a file, and an old file stays whole on failure."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def read_records(path: Path, what: str, error: type[Exception]) -> list[list[str]]:
    """The CSV records of *path*, as a spreadsheet saves them: UTF-8 with or without a BOM,
    Windows or Unix line endings. Anything else is *error* naming the file and what to do."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as problem:
        raise error(f"{path}: cannot read the {what} ({problem.strerror})") from None
    except UnicodeDecodeError as problem:
        raise error(
            f"{path}: byte {problem.start} is not UTF-8 text; save the {what} as "
            "'CSV UTF-8' and try again"
        ) from None
    try:
        return list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as problem:
        raise error(f"{path}: not a CSV {what} ({problem})") from None


def _number(value: str, path: Path, line: int, column: str) -> float:
    try:
        return float(value)
    except ValueError:
        raise GradebookError(
            f"{path}:{line}: column '{column}' should be a number, found {value!r}"
        ) from None


def read(path: Path) -> tuple[list[str], list[Row]]:
    """The check ids and rows of a gradebook CSV."""
    records = read_records(path, "gradebook", GradebookError)
    if not records:
        raise GradebookError(f"{path}: empty file; expected a gradebook CSV with a header")
    head = records[0]
    if tuple(head[:2]) != LEAD or tuple(head[-len(TAIL) :]) != TAIL or len(head) < 7:
        raise GradebookError(
            f"{path}:1: not a gradebook header; expected "
            f"{','.join(header(['<check ids>']))}, found {','.join(head)}"
        )
    check_ids = head[2 : -len(TAIL)]
    rows = []
    for line, record in enumerate(records[1:], start=2):
        if not record:
            continue
        if len(record) != len(head):
            raise GradebookError(
                f"{path}:{line}: expected {len(head)} columns, found {len(record)}"
            )
        values = dict(zip(head, record, strict=True))
        if values["status"] not in STATUSES:
            raise GradebookError(
                f"{path}:{line}: column 'status' should be one of {', '.join(STATUSES)}, "
                f"found {values['status']!r}"
            )
        rows.append(
            Row(
                values["student"],
                values["commit"],
                {c: values[c] for c in check_ids},
                _number(values["score"], path, line, "score"),
                _number(values["max_score"], path, line, "max_score"),
                values["status"],
                values["graded_at"],
            )
        )
    return check_ids, rows


def merge(shards: Sequence[Path]) -> tuple[list[str], list[Row]]:
    """The rows of every shard, in one gradebook; a student in two shards is an error."""
    if not shards:
        raise GradebookError("no shard gradebooks to merge: name at least one CSV file")
    check_ids: list[str] | None = None
    first: Path | None = None
    seen: dict[str, Path] = {}
    merged: list[Row] = []
    for shard in shards:
        ids, rows = read(shard)
        if check_ids is None:
            check_ids, first = ids, shard
        elif ids != check_ids:
            raise GradebookError(
                f"{shard}: its checks ({', '.join(ids)}) differ from those of {first} "
                f"({', '.join(check_ids)}): shards of one exercise only"
            )
        for row in rows:
            if row.student in seen:
                raise GradebookError(
                    f"student {row.student!r} is in two shards: {seen[row.student]} and {shard}; "
                    "grade each student in one shard only"
                )
            seen[row.student] = shard
            merged.append(row)
    return check_ids or [], sorted(merged, key=lambda r: r.student)
