"""The `course-grade` commands that start from finished grades: `export` a gradebook to
Canvas or Moodle, and `similarity` between the submissions.

Kept out of cli.py so each command line module stays small; the same error path:
each error class below becomes one line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from . import gradebook, lms_export, lms_roster, similarity
from .batch import load
from .lms_export import ExportError
from .similarity import SimilarityError

log = logging.getLogger("course_grade")
ERRORS = (ExportError, SimilarityError)


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"expected a number from 0 to 1, found {text}")
    return value


def add_commands(commands: Any) -> None:
    """Add `export` and `similarity` to the `course-grade` subcommands."""
    export = commands.add_parser(
        "export",
        help="turn a gradebook into a Canvas or Moodle import file",
        description="Write GRADEBOOK.csv as the CSV file Canvas's or Moodle's gradebook "
        "import reads, matching students through ROSTER.csv (columns student, and name, "
        "canvas_id, sis_user_id, sis_login_id, section, username, email, idnumber as the "
        "LMS needs). Nothing is written when a student cannot be matched.",
    )
    export.add_argument("gradebook", type=Path, metavar="GRADEBOOK.csv")
    export.add_argument("--to", choices=lms_export.TARGETS, required=True)
    export.add_argument("--out", type=Path, required=True, metavar="FILE")
    export.add_argument("--roster", type=Path, required=True, metavar="ROSTER.csv")
    export.add_argument(
        "--exercise",
        type=Path,
        metavar="EXERCISE_DIR",
        help="refuse a gradebook of another exercise; the default --title, points per check",
    )
    export.add_argument("--title", help="the assignment (Canvas) or grade item (Moodle) name")
    export.add_argument("--assignment-id", metavar="ID", help="Canvas: the assignment's id")
    export.add_argument(
        "--identifier",
        choices=lms_roster.MOODLE_IDS,
        default="username",
        help="Moodle: the roster column Moodle maps users by (default username)",
    )
    export.add_argument(
        "--missing-as-zero",
        action="store_true",
        help="a missing submission scores 0 (default: empty, no grade)",
    )

    compare = commands.add_parser(
        "similarity",
        help="find submissions that share code beyond the starter",
        description="Compare every pair of students' submitted files (the exercise's "
        "`submission:` files) with copydetect, ignoring what the exercise's starter files "
        "hold. Writes an HTML report and a CSV of the pairs at or above the threshold. "
        "Reads the files only: nothing of a submission runs.",
    )
    compare.add_argument("exercise", type=Path, metavar="EXERCISE_DIR")
    compare.add_argument("submissions", type=Path, nargs="+", metavar="SUBMISSION")
    compare.add_argument("--out", type=Path, required=True, metavar="REPORT.html")
    compare.add_argument(
        "--csv", type=Path, metavar="PAIRS.csv", help="the pairs (default: REPORT.csv)"
    )
    compare.add_argument(
        "--threshold",
        type=_fraction,
        default=0.8,
        metavar="0-1",
        help="list pairs sharing at least this share of a file (default 0.8)",
    )
    compare.add_argument(
        "--file",
        action="append",
        default=[],
        metavar="PATH",
        help="compare only this submission file (repeatable; default: all of them)",
    )


def _export(args: argparse.Namespace) -> int:
    exercise = load(args.exercise) if args.exercise else None
    title = args.title or (exercise.title if exercise else "")
    if not title:
        raise ExportError("--title: name the assignment, or pass --exercise for its title")
    if args.out.resolve() == args.gradebook.resolve():
        raise ExportError(f"--out {args.out}: that is the gradebook; write to another file")
    check_ids, rows = gradebook.read(args.gradebook)
    possible = lms_export.check_gradebook(args.gradebook, check_ids, rows, exercise)
    people = lms_roster.read(args.roster)
    if args.to == lms_export.CANVAS:
        if not args.assignment_id:
            raise ExportError(
                "--assignment-id: Canvas matches the column by it (without one it matches "
                "by title or creates a new assignment); find it in the assignment's URL"
            )
        result = lms_export.canvas(
            rows,
            people,
            possible=possible,
            title=title,
            assignment_id=args.assignment_id,
            missing_as_zero=args.missing_as_zero,
        )
    else:
        result = lms_export.moodle(
            rows,
            people,
            check_ids=check_ids,
            exercise=exercise,
            title=title,
            identifier=args.identifier,
            missing_as_zero=args.missing_as_zero,
        )
    gradebook.write_atomic(args.out, result.text)
    log.info("wrote %s for %s: %d graded", args.out, args.to, result.graded)
    if result.empty:
        log.warning("no grade (empty cell) for %d: %s", len(result.empty), ", ".join(result.empty))
    left_out = sorted(set(people) - {row.student for row in rows})
    if left_out:
        log.info("in the roster, not in the gradebook (left out): %s", ", ".join(left_out))
    return 0


def _similarity(args: argparse.Namespace) -> int:
    exercise = load(args.exercise)
    pairs_csv = args.csv or args.out.with_suffix(".csv")
    if pairs_csv.resolve() == args.out.resolve():
        raise SimilarityError(f"--csv {pairs_csv}: that is the HTML report; name another file")
    result = similarity.compare(exercise, args.submissions, args.threshold, args.file)
    gradebook.write_atomic(pairs_csv, result.csv())
    gradebook.write_atomic(args.out, result.html)
    counts = ", ".join(f"{name}: {n}" for name, n in sorted(result.compared.items()))
    log.info(
        "compared %s; %d pairs at or above %.2f in %s; report %s",
        counts,
        len(result.pairs),
        args.threshold,
        pairs_csv,
        args.out,
    )
    return 0


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "export": _export,
    "similarity": _similarity,
}
