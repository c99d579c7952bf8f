"""`course-grade batch`: the official grade of every submission, into one gradebook CSV.

Each submission is overlaid on a pristine copy of the exercise (submission.py)
and graded by the grader's own pytest plugin in a subprocess (runner.py), up
to `jobs` at a time. The CSV is rewritten after every row, so an interrupted
batch leaves a valid gradebook of the finished rows; a rerun keeps the rows
already graded for the same commit.
"""

from __future__ import annotations

import json
import logging
import shutil
import signal
import tempfile
import threading
from collections.abc import Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from course_grader.build_cache import CacheWatch
from course_grader.engine import Engine
from course_grader.exercise import CONFIG_NAME, Exercise, load_exercise

from . import feedback, gradebook
from .gradebook import ERROR, GRADED, MISSING, TIMEOUT, GradebookError, Row
from .leftovers import remove_cache, remove_cache_records
from .progress import Progress
from .runner import CRASHED, STOPPED, TIMED_OUT, RunResult, run_grader
from .submission import identify, overlay

log = logging.getLogger("course_grade")
ENGINE_DOWN = "no Docker engine answers"


class BatchError(Exception):
    """Bad input to a batch (names the argument or file and what to do)."""


@dataclass(frozen=True)
class Submission:
    student: str
    path: Path
    commit: str


@dataclass
class Options:
    out: Path
    jobs: int = 1
    feedback: Path | None = None
    force: bool = False
    timeout: float = 1800.0
    grace: float = 60.0


def load(exercise_dir: Path) -> Exercise:
    config = exercise_dir / CONFIG_NAME
    if not config.is_file():
        raise BatchError(f"{exercise_dir}: not an exercise folder (it has no {CONFIG_NAME})")
    return load_exercise(config)


def submissions(exercise: Exercise, paths: Sequence[Path]) -> list[Submission]:
    """One submission per folder; the student is the folder's name, which must be unique."""
    found: dict[str, Submission] = {}
    for path in paths:
        folder = path.resolve()
        if not folder.is_dir():
            raise BatchError(f"{path}: not a directory; each SUBMISSION is a student's checkout")
        student = folder.name
        if student in found:
            raise BatchError(
                f"{path}: student {student!r} is also {found[student].path}; "
                "each submission folder needs its own name"
            )
        found[student] = Submission(student, folder, identify(exercise, folder))
    return sorted(found.values(), key=lambda s: s.student)


class Batch:
    def __init__(self, exercise: Exercise, options: Options, stream: TextIO):
        self.exercise = exercise
        self.options = options
        self.stream = stream
        self.check_ids = [c.id for c in exercise.checks]
        self.rows: dict[str, Row] = {}
        self.cache_layers: set[str] = set()
        self.stop = threading.Event()
        self.signal_received: int | None = None
        self.lock = threading.Lock()

    # -- resume ---------------------------------------------------------------

    def _previous(self) -> dict[str, Row]:
        out = self.options.out
        if not out.exists():
            return {}
        try:
            check_ids, rows = gradebook.read(out)
        except GradebookError:
            if self.options.force:
                return {}
            raise
        if check_ids != self.check_ids:
            if self.options.force:
                return {}
            raise BatchError(
                f"{out}: its check columns ({', '.join(check_ids)}) are not this exercise's "
                f"({', '.join(self.check_ids)}); write to another --out, or --force to replace it"
            )
        return {row.student: row for row in rows}

    def plan(self, subs: Sequence[Submission]) -> list[Submission]:
        """Which submissions to grade now; keeps finished rows of the same student and commit
        (every status but `error`, which is the grader's failure, not the student's)."""
        self.rows = self._previous()
        todo = []
        for sub in subs:
            old = self.rows.get(sub.student)
            if (
                not self.options.force
                and old is not None
                and old.commit == sub.commit
                and old.status != ERROR
            ):
                continue
            todo.append(sub)
        return todo

    # -- grading one ------------------------------------------------------------

    def _row(self, sub: Submission, result: RunResult) -> Row:
        max_score = self.exercise.max_points
        if result.outcome == TIMED_OUT:
            return gradebook.ungraded_row(sub.student, sub.commit, TIMEOUT, max_score)
        report = result.report or {}
        names = {gradebook.check_of(t.get("name", "")) for t in report.get("tests", [])}
        engine_down = any(ENGINE_DOWN in str(t.get("output", "")) for t in report.get("tests", []))
        if result.outcome == CRASHED or names != set(self.check_ids) or engine_down:
            return gradebook.ungraded_row(sub.student, sub.commit, ERROR, max_score)
        return gradebook.row_from_report(sub.student, sub.commit, report)

    def grade(self, sub: Submission, work: Path) -> tuple[Row, RunResult | None]:
        folder_work = work / sub.student
        folder_work.mkdir()
        laid = overlay(self.exercise, sub.path, folder_work / self.exercise.root.name)
        if self.exercise.dockerfile in self.exercise.submission and not laid.dockerfile_taken:
            row = gradebook.ungraded_row(sub.student, sub.commit, MISSING, self.exercise.max_points)
            return row, None
        result = run_grader(
            laid.folder, folder_work, self.options.timeout, self.stop, self.options.grace
        )
        with self.lock:
            self.cache_layers.update(result.cache_layers)
        return self._row(sub, result), result

    def warm_up(self, todo: Sequence[Submission], work: Path) -> None:
        """Build the reference solution once before grading in parallel, keeping its layers as
        build cache: parallel runs then find the dependency layer cached instead of each
        building it at the same time (graded like a submission, `-k build`, removed at the end
        with the rest of the batch's cache)."""
        solution = self.exercise.root / "solution"
        if self.options.jobs < 2 or len(todo) < 2:
            return
        if not (solution / self.exercise.dockerfile).is_file():
            return
        folder = work / "_reference"
        folder.mkdir()
        laid = overlay(self.exercise, solution, folder / self.exercise.root.name)
        log.info("building the reference solution once, as build cache for the batch")
        options = self.options
        result = run_grader(
            laid.folder, folder, options.timeout, self.stop, options.grace, ("-k", "build")
        )
        self.cache_layers.update(result.cache_layers)

    # -- feedback -----------------------------------------------------------------

    def _feedback(self, row: Row, result: RunResult | None) -> None:
        folder = self.options.feedback
        if folder is None:
            return
        folder.mkdir(parents=True, exist_ok=True)
        title = f"{self.exercise.title}: {row.student}"
        report: dict[str, Any]
        if row.status == GRADED and result is not None and result.report is not None:
            report, note = result.report, ""
        else:
            note = {
                MISSING: f"No `{self.exercise.dockerfile}` was handed in: nothing to grade.",
                TIMEOUT: f"Grading took longer than {self.options.timeout:.0f} s and was stopped.",
                ERROR: "The grader could not finish on this submission; your instructor "
                "will look at it.",
            }[row.status]
            report = feedback.ungraded_report(row.max_score, note)
        (folder / f"{row.student}.json").write_text(
            json.dumps(report, indent=2) + "\n", encoding="utf-8"
        )
        page = feedback.markdown(report, title, note)
        if row.commit:
            page += f"\nGraded commit `{row.commit}` at {row.graded_at}.\n"
        (folder / f"{row.student}.md").write_text(page, encoding="utf-8")

    # -- the whole batch ------------------------------------------------------------

    def _on_signal(self, signum: int, frame: Any) -> None:
        if self.signal_received is None:
            log.warning(
                "stopping (signal %d): finishing the CSV and removing what the batch made", signum
            )
        self.signal_received = signum
        self.stop.set()

    def _install_signals(self) -> list[tuple[int, Any]]:
        if threading.current_thread() is not threading.main_thread():
            return []
        saved = []
        for signum in (signal.SIGINT, signal.SIGTERM):
            saved.append((signum, signal.getsignal(signum)))
            signal.signal(signum, self._on_signal)
        return saved

    def _save(self) -> None:
        gradebook.write(self.options.out, self.rows.values(), self.check_ids)

    def run(self, subs: Sequence[Submission]) -> int:
        todo = self.plan(subs)
        kept = len(subs) - len(todo)
        if kept:
            log.info("%d of %d already graded at the same commit: kept", kept, len(subs))
        watch = None
        if todo:  # no engine: stop before grading anyone
            watch = CacheWatch(Engine.connect(timeout=300).client)
            watch.start()  # the runs keep BuildKit's cache for each other; it goes at the end
        saved = self._install_signals()
        progress = Progress(self.stream, len(todo), self.options.jobs)
        work = Path(tempfile.mkdtemp(prefix="course-grade-"))
        try:
            self._save()
            self.warm_up(todo, work)
            with ThreadPoolExecutor(max_workers=max(1, self.options.jobs)) as pool:
                pending: dict[Future[tuple[Row, RunResult | None]], Submission] = {}
                queue = list(todo)
                while (queue or pending) and not self.stop.is_set():
                    while queue and len(pending) < max(1, self.options.jobs):
                        sub = queue.pop(0)
                        progress.start(sub.student)
                        pending[pool.submit(self.grade, sub, work)] = sub
                    done, _ = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
                    for future in done:
                        sub = pending.pop(future)
                        self._finish(sub, future, progress)
                # Stopping: the running ones see `stop`, end their grader and report back.
                for future in list(pending):
                    sub = pending.pop(future)
                    self._finish(sub, future, progress)
        finally:
            progress.close()
            removed, in_use = remove_cache(self.cache_layers)
            if removed or in_use:
                log.info(
                    "removed the batch's %d build-cache images%s",
                    removed,
                    f" ({in_use} still used by other images: left)" if in_use else "",
                )
            if watch is not None:
                remove_cache_records(watch)
            shutil.rmtree(work, ignore_errors=True)
            for signum, handler in saved:
                signal.signal(signum, handler)
        if self.signal_received is not None:
            return 128 + self.signal_received
        return 0

    def _finish(
        self, sub: Submission, future: Future[tuple[Row, RunResult | None]], progress: Progress
    ) -> None:
        try:
            row, result = future.result()
        except Exception as error:  # one submission's failure must not stop the batch
            log.error("%s: the grader could not finish: %s", sub.student, error)
            row, result = (
                gradebook.ungraded_row(sub.student, sub.commit, ERROR, self.exercise.max_points),
                None,
            )
        if result is not None and result.outcome == STOPPED:
            return  # interrupted: not a grade; a rerun grades it
        if result is not None and row.status == ERROR:
            log.error(
                "%s: the grader could not finish (exit %s); its log ends:\n  %s",
                sub.student,
                result.exit_code,
                "\n  ".join(result.log_tail[-10:]),
            )
        self.rows[sub.student] = row
        self._feedback(row, result)
        self._save()
        progress.finish(row, result.seconds if result else 0.0)
