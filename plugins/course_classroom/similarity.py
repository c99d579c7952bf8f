"""`course-grade similarity`: which submissions share code beyond the handed-out starter.

The plagiarism tools instructors use (MOSS, JPlag, Dolos) know no Dockerfiles.
copydetect does: it tokenizes with Pygments (which has a Dockerfile lexer, so
renamed variables and rewritten or moved comments do not hide a copy), winnows
fingerprints, and drops those of the boilerplate, here the exercise's own
starter files, so two untouched starters share nothing. It writes the HTML
report; this module adds a CSV of the pairs at or above a threshold.

Only the declared submission files are read, as regular files (never through a
symbolic link, at most 1 MB), copied into a private folder; nothing of a
submission runs. A file that is empty or not UTF-8 text is left out and named.
"""

from __future__ import annotations

import csv
import io
import logging
import shutil
import tempfile
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from course_grader.exercise import Exercise

from .submission import regular_file

log = logging.getLogger("course_grade")
UNSAFE_IN_HTML = set("<>&\"'")
CSV_HEADER = ("student_a", "student_b", "similarity", "file")


class SimilarityError(Exception):
    """Submissions that cannot be compared (names the folder or file, and what to do)."""


@dataclass(frozen=True)
class Pair:
    """Two students' copies of one submitted file, and how much of them is shared (0-1)."""

    student_a: str
    student_b: str
    similarity: float
    file: str


@dataclass
class Comparison:
    html: str
    pairs: list[Pair]
    compared: dict[str, int] = field(default_factory=dict)  # file -> submissions holding it
    #: `student/file` -> why it was left out (empty, binary).
    skipped: dict[str, str] = field(default_factory=dict)

    def csv(self) -> str:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(CSV_HEADER)
        for pair in self.pairs:
            writer.writerow([pair.student_a, pair.student_b, f"{pair.similarity:.3f}", pair.file])
        return buffer.getvalue()


def _students(paths: Sequence[Path]) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for path in paths:
        folder = path.resolve()
        if not folder.is_dir():
            raise SimilarityError(f"{path}: not a directory; each SUBMISSION is a student's folder")
        name = folder.name
        if UNSAFE_IN_HTML & set(name):
            raise SimilarityError(
                f"{path}: the folder name {name!r} holds characters of HTML markup "
                "(< > & \" '); rename it to the student's login"
            )
        if name in found:
            raise SimilarityError(
                f"{path}: student {name!r} is also {found[name]}; each folder needs its own name"
            )
        found[name] = folder
    if len(found) < 2:
        raise SimilarityError("name at least two SUBMISSION folders to compare")
    return found


def _text(content: bytes) -> str | None:
    """The file as text, or None when it is binary (a NUL byte, or not UTF-8)."""
    if b"\0" in content:
        return None
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _gather(
    exercise: Exercise, students: dict[str, Path], files: Sequence[str], work: Path
) -> tuple[list[Path], list[Path], Comparison]:
    """Copy each student's files to work/submissions/<student>/<file>, starters to
    work/starter/<file>; returns (submitted, starters, a comparison without results)."""
    comparison = Comparison(html="", pairs=[])
    submitted: list[Path] = []
    for student, folder in students.items():
        for relative in files:
            content, problem = regular_file(folder, relative)
            if content is None:
                if problem != "not in the submission":
                    comparison.skipped[f"{student}/{relative}"] = problem
                continue
            text = _text(content)
            reason = "a binary file (not UTF-8 text)" if text is None else ""
            if text is not None and not text.strip():
                reason = "empty"
            if reason:
                comparison.skipped[f"{student}/{relative}"] = reason
                continue
            target = work / "submissions" / student / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text or "", encoding="utf-8")
            submitted.append(target)
            comparison.compared[relative] = comparison.compared.get(relative, 0) + 1
    starters = []
    for relative in files:
        content, _ = regular_file(exercise.root, relative)
        text = _text(content) if content is not None else None
        if text:
            target = work / "starter" / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
            starters.append(target)
    return submitted, starters, comparison


def _run_copydetect(submitted: list[Path], starters: list[Path], threshold: float) -> object:
    import matplotlib

    matplotlib.use("Agg")  # the report's plots are images; never open a window
    from copydetect import CopyDetector

    detector = CopyDetector(
        same_name_only=True,
        ignore_leaf=True,
        autoopen=False,
        silent=True,
        display_t=max(0.0, threshold - 1e-9),
    )
    for path in submitted:
        detector.add_file(str(path))
    for path in starters:
        detector.add_file(str(path), type="boilerplate")
    # copydetect logs through the root logger ("not tokenized: unknown file extension"
    # for .dockerignore): noise here, where the files were chosen on purpose.
    previous = logging.root.manager.disable
    logging.disable(logging.WARNING)
    try:
        detector.run()
    finally:
        logging.disable(previous)
    return detector


def compare(
    exercise: Exercise,
    submissions: Sequence[Path],
    threshold: float = 0.8,
    files: Sequence[str] = (),
) -> Comparison:
    """Compare every pair of students' copies of each submitted file."""
    if not 0.0 <= threshold <= 1.0:
        raise SimilarityError(f"--threshold: expected a number from 0 to 1, found {threshold}")
    chosen = list(files) or list(exercise.submission)
    unknown = [f for f in chosen if f not in exercise.submission]
    if unknown:
        raise SimilarityError(
            f"--file {unknown[0]}: not a submission file of {exercise.slug} "
            f"({', '.join(exercise.submission)})"
        )
    students = _students(submissions)
    work = Path(tempfile.mkdtemp(prefix="course-grade-similarity-"))
    try:
        submitted, starters, comparison = _gather(exercise, students, chosen, work)
        for where, reason in comparison.skipped.items():
            log.warning("%s: %s; not compared", where, reason)
        if not any(count >= 2 for count in comparison.compared.values()):
            raise SimilarityError(
                f"fewer than two submissions hold a non-empty text copy of "
                f"{' or '.join(chosen)}: nothing to compare"
            )
        detector = _run_copydetect(submitted, starters, threshold)
        comparison.pairs = _pairs(detector, work / "submissions", threshold)
        with warnings.catch_warnings():  # copydetect 0.5 reads its template the old way
            warnings.simplefilter("ignore", DeprecationWarning)
            html = detector.generate_html_report(output_mode="return")  # type: ignore[attr-defined]
        comparison.html = str(html).replace(f"{work / 'submissions'}/", "")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return comparison


def _pairs(detector: object, root: Path, threshold: float) -> list[Pair]:
    """Each pair of students once per file, with the larger of the two shares (how much of
    one copy is in the other), at or above *threshold*, most similar first."""
    matrix = detector.similarity_matrix  # type: ignore[attr-defined]
    tests = [Path(p).relative_to(root) for p in detector.test_files]  # type: ignore[attr-defined]
    refs = [Path(p).relative_to(root) for p in detector.ref_files]  # type: ignore[attr-defined]
    best: dict[tuple[str, str, str], float] = {}
    for i, test in enumerate(tests):
        for j, ref in enumerate(refs):
            a, b = test.parts[0], ref.parts[0]
            file_a, file_b = "/".join(test.parts[1:]), "/".join(ref.parts[1:])
            if a == b or file_a != file_b or matrix[i, j, 0] < 0:
                continue
            key = (min(a, b), max(a, b), file_a)
            share = float(max(matrix[i, j, 0], matrix[i, j, 1]))
            best[key] = max(best.get(key, 0.0), share)
    found = [Pair(a, b, share, f) for (a, b, f), share in best.items() if share >= threshold]
    return sorted(found, key=lambda p: (-p.similarity, p.student_a, p.student_b, p.file))
