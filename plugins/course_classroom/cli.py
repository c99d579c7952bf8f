"""`course-grade`: hand an exercise out, grade a class into a gradebook CSV, merge shards,
export it to an LMS, compare submissions.

A thin command line over the package's modules; every error is one line on
stderr naming the file or argument, with exit status 2.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from course_grader.errors import GraderError

from . import classroom50, cli_results, feedback, gradebook, roster
from .batch import Batch, BatchError, Options, load, submissions
from .classroom50 import Classroom50Error
from .gradebook import GradebookError, now_utc
from .handout import HandoutError, default_grader_spec, write_handout
from .roster import RosterError

log = logging.getLogger("course_grade")
ERRORS = (
    *cli_results.ERRORS,
    BatchError,
    Classroom50Error,
    GradebookError,
    HandoutError,
    RosterError,
    GraderError,
)


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, found {text}")
    return value


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(
        prog="course-grade",
        description="Hand an exercise out to students and compute their official grades.",
    )
    commands = main.add_subparsers(dest="command", required=True, metavar="COMMAND")

    handout = commands.add_parser(
        "handout",
        help="write a student repository for an exercise",
        description="Write a ready-to-push student repository: the exercise without its "
        "solution, a README, a pinned install of the grader and the feedback workflow.",
    )
    handout.add_argument("exercise", type=Path, metavar="EXERCISE_DIR")
    handout.add_argument("dest", type=Path, metavar="DEST", help="a new or empty folder")
    handout.add_argument(
        "--grader",
        metavar="REQUIREMENT",
        help="how students install the grader, one pip requirement (default: this course "
        "checkout's origin remote at its HEAD commit, 'mlops-course @ git+URL@COMMIT')",
    )

    batch = commands.add_parser(
        "batch",
        help="grade every submission into a gradebook CSV",
        description="Grade each SUBMISSION (a student's checkout; the folder name is the "
        "student) on a pristine copy of EXERCISE_DIR that takes only the exercise's "
        "`submission:` files from it. Rerunning keeps rows already graded at the same commit.",
    )
    batch.add_argument("exercise", type=Path, metavar="EXERCISE_DIR")
    batch.add_argument("submissions", type=Path, nargs="+", metavar="SUBMISSION")
    batch.add_argument("--out", type=Path, required=True, metavar="GRADEBOOK.csv")
    batch.add_argument("--jobs", type=_positive, default=1, metavar="N", help="grade N at once")
    batch.add_argument(
        "--feedback",
        type=Path,
        metavar="DIR",
        help="write DIR/<student>.md (for the student) and DIR/<student>.json (Gradescope)",
    )
    batch.add_argument(
        "--force", action="store_true", help="grade every submission again, even if unchanged"
    )
    batch.add_argument(
        "--timeout",
        type=float,
        default=1800.0,
        metavar="SECONDS",
        help="wall-clock limit per submission; past it the row's status is timeout (default 1800)",
    )

    merge = commands.add_parser(
        "merge",
        help="merge shard gradebooks into one",
        description="Merge shard gradebooks of one exercise; a student in two shards is an error.",
    )
    merge.add_argument("out", type=Path, metavar="OUT")
    merge.add_argument("shards", type=Path, nargs="+", metavar="SHARD.csv")

    report = commands.add_parser(
        "feedback",
        help="turn a grade report into a summary, annotations and result.json",
        description="Read a Gradescope results.json the grader wrote (pytest --grade-report) "
        "and write what a student reads: a Markdown summary, GitHub annotations for the "
        "Dockerfile lines checks point at, and Classroom 50's result.json.",
    )
    report.add_argument("report", type=Path, metavar="RESULTS.json")
    report.add_argument("--exercise", type=Path, default=Path("."), metavar="EXERCISE_DIR")
    report.add_argument("--summary", type=Path, metavar="FILE", help="append the Markdown here")
    report.add_argument(
        "--annotations", action="store_true", help="print ::error workflow commands on stdout"
    )
    report.add_argument("--classroom50", type=Path, metavar="FILE", help="write result.json")
    identity = report.add_argument_group(
        "result.json identity",
        "Read from GitHub Actions' environment; these options override it or fill what it "
        "lacks (outside Actions: --repository, --classroom, --owner, --commit).",
    )
    identity.add_argument("--repository", metavar="OWNER/NAME", help="(GITHUB_REPOSITORY)")
    identity.add_argument("--classroom", metavar="NAME", help="(GITHUB_REPOSITORY_OWNER)")
    identity.add_argument("--assignment", metavar="SLUG", help="(the exercise's slug)")
    identity.add_argument(
        "--assignment-type", choices=classroom50.ASSIGNMENT_TYPES, default="individual"
    )
    identity.add_argument(
        "--owner",
        metavar="LOGIN",
        help="(the <owner> of a repository named <classroom>-<assignment>-<owner>, "
        "else GITHUB_ACTOR)",
    )
    identity.add_argument("--commit", metavar="SHA", help="(GITHUB_SHA, else git HEAD)")
    identity.add_argument(
        "--committed-at", metavar="TIME", help="(the commit's committer date, from git)"
    )
    identity.add_argument(
        "--submission-tag",
        metavar="TAG",
        help="(a pushed submit/... tag, else submit/<committer date>-<short sha>)",
    )
    identity.add_argument(
        "--baseline", metavar="SHA", help="the handed-out commit: review links the full diff"
    )

    cli_results.add_commands(commands)

    shards = commands.add_parser(
        "shards",
        help="split a roster into N shards (a job matrix)",
        description="Print the JSON list of shard numbers for a roster (student,repository,ref).",
    )
    shards.add_argument("roster", type=Path, metavar="ROSTER.csv")
    shards.add_argument("--shards", type=_positive, default=4, metavar="N")

    clone = commands.add_parser(
        "clone",
        help="check out one shard's submissions",
        description="Shallow-clone each student of one shard at the roster's ref into "
        "DEST/<student>. A token in GH_TOKEN reads private repositories on github.com.",
    )
    clone.add_argument("roster", type=Path, metavar="ROSTER.csv")
    clone.add_argument("--shard", type=int, required=True, metavar="I", help="0-based")
    clone.add_argument("--shards", type=_positive, required=True, metavar="N")
    clone.add_argument("--dest", type=Path, required=True, metavar="DIR")
    return main


def _handout(args: argparse.Namespace) -> int:
    exercise = load(args.exercise)
    spec = args.grader or default_grader_spec()
    files = write_handout(exercise, args.dest, spec)
    log.info("wrote %d files to %s (grader: %s)", len(files), args.dest, spec)
    return 0


def _batch(args: argparse.Namespace) -> int:
    exercise = load(args.exercise)
    subs = submissions(exercise, args.submissions)
    options = Options(args.out, args.jobs, args.feedback, args.force, args.timeout)
    status = Batch(exercise, options, sys.stderr).run(subs)
    log.info("gradebook: %s", args.out)
    return status


def _merge(args: argparse.Namespace) -> int:
    check_ids, rows = gradebook.merge(args.shards)
    gradebook.write(args.out, rows, check_ids)
    log.info("merged %d rows from %d shards into %s", len(rows), len(args.shards), args.out)
    return 0


def _read_report(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise GradebookError(f"{path}: not a grade report the grader wrote ({error})") from None
    if not isinstance(data, dict) or not isinstance(data.get("tests"), list):
        raise GradebookError(f"{path}: not a grade report (no 'tests'); run pytest first")
    return data


IDENTITY = (
    "repository",
    "classroom",
    "assignment",
    "assignment_type",
    "owner",
    "commit",
    "committed_at",
    "submission_tag",
    "baseline",
)


def _feedback(args: argparse.Namespace) -> int:
    exercise = load(args.exercise)
    submission = None
    if args.classroom50:  # before writing anything: a missing identity is an error
        options = {name: getattr(args, name) for name in IDENTITY}
        submission = classroom50.from_environment(
            os.environ, options, assignment=exercise.slug, folder=args.exercise
        )
    problem: GradebookError | None = None
    try:
        report = _read_report(args.report)
    except GradebookError as error:  # still tell the student, and Classroom 50, why
        problem = error
        note = f"The grader wrote no usable report ({args.report.name}); nothing was graded."
        report = feedback.ungraded_report(exercise.max_points, note)
    if args.summary:
        with args.summary.open("a", encoding="utf-8") as summary:
            note = str(report.get("output", "")) if problem else ""
            summary.write(feedback.markdown(report, exercise.title, note) + "\n")
    if args.annotations:
        for line in feedback.annotations(report, exercise.dockerfile):
            print(line)
    if submission is not None:
        result = classroom50.result(report, submission, now_utc())
        gradebook.write_atomic(args.classroom50, json.dumps(result, indent=2) + "\n")
    if problem is not None:
        raise problem
    return 0


def _shards(args: argparse.Namespace) -> int:
    entries = roster.read(args.roster)
    count = min(args.shards, max(1, len(entries)))
    print(json.dumps(list(range(count))))
    return 0


def _clone(args: argparse.Namespace) -> int:
    entries = roster.shard(roster.read(args.roster), args.shard, args.shards)
    token = os.environ.get("GH_TOKEN") or None
    for entry in entries:
        commit = roster.clone(entry, args.dest, token)
        log.info("%s: %s at %s", entry.student, entry.url, commit)
    return 0


COMMANDS = {
    "handout": _handout,
    "batch": _batch,
    "merge": _merge,
    "feedback": _feedback,
    **cli_results.COMMANDS,
    "shards": _shards,
    "clone": _clone,
}


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="course-grade: %(message)s")
    args = parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except ERRORS as error:
        log.error("%s", error)
        return 2
    except KeyboardInterrupt:
        log.error("interrupted")
        return 130


if __name__ == "__main__":
    sys.exit(main())
