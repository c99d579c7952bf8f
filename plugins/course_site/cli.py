"""`course-site`: the course step that needs no plugin API (for Zensical).

    course-site generate [-f mkdocs.yml] [--check] [--force]

Why a command: Zensical cannot run the `course` MkDocs plugin, so the nav, the section
pages and the course data its extensions need are written before the build, from the
same reader and validation. Every failure is one clear message on stderr and exit
status 1 (2 for a bad command line), never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from .errors import CourseError
from .generate import Generated, generate
from .project import read_project
from .sealed import edited_by_hand
from .zensical_support import installed_zensical, version_problem

PROG = "course-site"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    gen = commands.add_parser(
        "generate",
        help="write zensical.yml, section pages and the course data from docs/",
        description="Read every lesson's front matter, validate the course as the MkDocs "
        "plugin does, and write what Zensical needs to build it.",
    )
    gen.add_argument("-f", "--config-file", default="mkdocs.yml", type=Path)
    gen.add_argument(
        "--check",
        action="store_true",
        help="write nothing; fail when a generated file is missing, stale or edited by hand",
    )
    gen.add_argument(
        "--force", action="store_true", help="overwrite generated files even if edited by hand"
    )
    gen.add_argument(
        "--zensical",
        action="store_true",
        help="also fail unless a supported Zensical release is installed",
    )
    return parser


def _say(message: str) -> None:
    print(f"{PROG}: {message}", file=sys.stderr)


def _differences(root: Path, out: Generated) -> tuple[list[str], list[str]]:
    """(files edited by hand, files missing or out of date) among those `out` would write."""
    edited, stale = [], []
    for path, text in out.files.items():
        target = root / path
        try:
            current = target.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            stale.append(f"{path} is missing")
            continue
        if current == text:
            continue
        if edited_by_hand(path, current):
            edited.append(path)
        else:
            stale.append(f"{path} is out of date with docs/ and mkdocs.yml")
    return edited, stale


def run_generate(args: argparse.Namespace) -> int:
    project = read_project(args.config_file)
    out = generate(project)
    for note in out.notes:
        _say(f"info: {note}")
    if args.zensical and (problem := version_problem(installed_zensical())) is not None:
        out.errors.append(problem)
    if out.errors:
        for error in out.errors:
            _say(f"error: {error}")
        _say(f"{len(out.errors)} problem(s): nothing written. Fix them, then run it again.")
        return 1
    edited, stale = _differences(project.root, out)
    hand = [
        f"{path} was edited by hand since `{PROG} generate` wrote it (it is rewritten on "
        f"every run): move the change into mkdocs.yml or docs/, then run "
        f"`{PROG} generate --force`."
        for path in edited
    ]
    if args.check:
        problems = hand + [f"{line}: run `{PROG} generate`." for line in stale]
        for problem in problems:
            _say(f"error: {problem}")
        return 1 if problems else 0
    if hand and not args.force:
        for problem in hand:
            _say(f"error: {problem}")
        return 1
    for path, text in out.files.items():
        target = project.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.is_file() or target.read_text(encoding="utf-8") != text:
            target.write_text(text, encoding="utf-8")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return run_generate(args)
    except (CourseError, OSError) as error:
        _say(f"error: {error}")
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
