"""pytest entry point (`pytest11`) of the exercise grader.

`pytest PATH` on an exercise folder (it holds `exercise.yml`) collects one item
per check, runs them against the folder's Dockerfile, prints a points summary
and, with `--grade-report FILE`, writes a Gradescope-style JSON report.
"""

from __future__ import annotations

import atexit
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .checks import ExerciseRun
from .engine import LABEL, Engine
from .errors import CheckFailed, CheckNotGraded, EngineUnavailable, ExerciseConfigError, GraderError
from .exercise import CONFIG_NAME, Check, Exercise, load_exercise
from .report import FAILED, NOT_GRADED, PASSED, Grade, Gradebook, points


class GradingSession:
    """What one pytest session shares across exercises: the engine and the grades."""

    def __init__(self, config: pytest.Config):
        self.config = config
        self.runs: dict[Path, ExerciseRun] = {}
        self.gradebook = Gradebook()
        self.started = time.perf_counter()
        self._engine: Engine | EngineUnavailable | None = None
        self.cleaned: tuple[int, int] | None = None
        self.cleanup_problems: list[str] = []

    def say(self, text: str) -> None:
        reporter = self.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(f"course-grader: {text}")

    def engine(self) -> Engine:
        if self._engine is None:
            try:
                engine = Engine.connect()
            except EngineUnavailable as error:
                self._engine = error
            else:
                self._engine = engine
                engine.choose_builder_in_background()
                engine.keep_build_cache = bool(self.config.getoption("keep_build_cache"))
                containers, images = engine.sweep()
                if containers or images:
                    self.say(
                        f"removed {containers} container(s) and {images} image(s) left by "
                        f"earlier runs (label {LABEL})"
                    )
        if isinstance(self._engine, EngineUnavailable):
            raise self._engine
        return self._engine

    def run_for(self, exercise: Exercise) -> ExerciseRun:
        if exercise.root not in self.runs:
            self.runs[exercise.root] = ExerciseRun(
                exercise, self.engine, build_cache=not self.config.getoption("no_build_cache")
            )
        return self.runs[exercise.root]

    def builder(self) -> str:
        """Which builder built this session's images ('' if none was built)."""
        engine = self._engine
        if isinstance(engine, Engine) and engine.images_built:
            return engine.builder.describe()
        return ""

    def protections(self) -> dict[str, list[dict[str, Any]]]:
        """The sandbox's protections in force, per exercise that ran untrusted code."""
        return {
            run.exercise.slug: [p.as_dict() for p in run.protections.values()]
            for run in self.runs.values()
            if run.protections
        }

    def cleanup(self) -> None:
        engine = self._engine
        if isinstance(engine, Engine) and self.cleaned is None:
            counts = (len(engine.containers), len(engine.images))
            self.cleaned = counts
            self.cleanup_problems = engine.cleanup()


SESSION = pytest.StashKey[GradingSession]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("course-grader", "grading Docker exercises (exercise.yml)")
    group.addoption(
        "--grade-report",
        metavar="FILE",
        default=None,
        help="write a Gradescope-style JSON grade report (score, max_score, tests) to FILE",
    )
    group.addoption(
        "--no-build-cache",
        action="store_true",
        default=False,
        help="build the exercise image without Docker's build cache (a cold build)",
    )
    group.addoption(
        "--keep-build-cache",
        action="store_true",
        default=False,
        help="at the end, remove the run's containers and final images but keep Docker's "
        "build cache (BuildKit's cache records; with the classic builder, the untagged, "
        "unlabelled intermediate and builder-stage images), so grading again rebuilds from "
        "the cache; `docker builder prune` (classic: `docker image prune`) removes it. "
        "Default: remove everything the run made, the build cache its builds made included",
    )
    group.addoption(
        "--build-cache-record",
        metavar="FILE",
        default=None,
        help="with --keep-build-cache: write the ids of the cache images this run built and "
        "kept to FILE, one a line (course-grade batch removes them at its end)",
    )


def _terminate_as_interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "docker: needs a running Docker engine")
    session = GradingSession(config)
    config.stash[SESSION] = session


def _clean_up_on_exit(config: pytest.Config, session: GradingSession) -> None:
    """From here on the run owns engine objects: clean up on SIGTERM and at exit too."""
    atexit.register(session.cleanup)
    config.add_cleanup(lambda: atexit.unregister(session.cleanup))
    # SIGTERM (CI cancel, `timeout`) should clean up like Ctrl-C does.
    if (
        threading.current_thread() is threading.main_thread()
        and signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
    ):
        signal.signal(signal.SIGTERM, _terminate_as_interrupt)
        config.add_cleanup(lambda: signal.signal(signal.SIGTERM, signal.SIG_DFL))


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.name == CONFIG_NAME:
        return ExerciseFile.from_parent(parent, path=file_path)
    return None


class ExerciseFile(pytest.File):
    """An exercise folder's `exercise.yml`: one item per check it lists."""

    def collect(self) -> Iterator[CheckItem]:
        exercise = load_exercise(self.path)
        run = self.config.stash[SESSION].run_for(exercise)
        for check in exercise.checks:
            yield CheckItem.from_parent(self, name=check.id, check=check, run=run)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException]) -> str:  # type: ignore[override]
        if isinstance(excinfo.value, ExerciseConfigError):
            return str(excinfo.value)
        return super().repr_failure(excinfo)


class CheckItem(pytest.Item):
    """One check of one exercise; passing earns its points."""

    def __init__(self, *, check: Check, run: ExerciseRun, **kwargs: Any):
        super().__init__(**kwargs)
        self.check = check
        self.run = run
        if check.needs_engine:
            self.add_marker(pytest.mark.docker)
        self.user_properties.append(("max_points", points(check.points)))

    def runtest(self) -> None:
        try:
            note = self.run.run_check(self.check.id)
        except CheckNotGraded as error:
            self.user_properties.append(("points", "0"))
            raise pytest.skip.Exception(str(error), _use_item_location=True) from None
        except BaseException:
            self.user_properties.append(("points", "0"))
            raise
        self.user_properties.append(("points", points(self.check.points)))
        self.user_properties.append(("output", note))
        if self.check.id == "health" and self.run.ready_at is not None:
            self.user_properties.append(("ready_at", f"{self.run.ready_at:.6f}"))
        self.note = note

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException]) -> str:  # type: ignore[override]
        if isinstance(excinfo.value, CheckFailed):
            return excinfo.value.render()
        if isinstance(excinfo.value, GraderError):
            return f"[{self.check.id}] {excinfo.value}"
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Path, int, str]:
        exercise = self.run.exercise
        return exercise.dockerfile_path, 0, f"{exercise.slug}::{self.check.id}"


def pytest_collection_finish(session: pytest.Session) -> None:
    grading = session.config.stash[SESSION]
    items = [item for item in session.items if isinstance(item, CheckItem)]
    for item in items:
        item.grade = grading.gradebook.add(  # type: ignore[attr-defined]
            item.run.exercise.slug,
            item.check.id,
            item.check.points,
            visibility=item.check.visibility,
            tags=("engine" if item.check.needs_engine else "static",),
        )
    if any(item.check.needs_engine for item in items):
        _clean_up_on_exit(session.config, grading)
        # Connect once up front: sweeps leftovers of earlier runs and says so.
        try:
            grading.engine()
        except EngineUnavailable as error:
            grading.say(str(error))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    grade: Grade | None = getattr(item, "grade", None)
    if grade is None:
        return report
    if report.when == "call" or (report.when == "setup" and not report.passed):
        if report.passed:
            grade.outcome, grade.output = PASSED, getattr(item, "note", "")
        elif report.skipped:
            grade.outcome = NOT_GRADED
            longrepr = report.longrepr
            grade.output = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
            grade.output = grade.output.removeprefix("Skipped: ")
        else:
            grade.outcome, grade.output = FAILED, report.longreprtext
    return report


def pytest_sessionfinish(session: pytest.Session) -> None:
    grading = session.config.stash[SESSION]
    grading.cleanup()
    record = session.config.getoption("build_cache_record")
    if record and isinstance(grading._engine, Engine):
        kept = grading._engine.kept_layers_built()
        Path(record).write_text("".join(f"{i}\n" for i in kept), encoding="utf-8")
    path = session.config.getoption("grade_report")
    protections = grading.protections()
    if protections:
        grading.gradebook.extra_data["sandbox"] = protections
    if builder := grading.builder():
        grading.gradebook.extra_data["builder"] = builder
    if path and grading.gradebook.grades:
        grading.gradebook.write_json(
            Path(path), execution_time=time.perf_counter() - grading.started
        )


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    grading = config.stash[SESSION]
    book = grading.gradebook
    if not book.grades:
        return
    terminalreporter.write_sep("=", "course grade")
    marks = {PASSED: "PASS", FAILED: "FAIL", NOT_GRADED: "SKIP"}
    for slug, grades in book.exercises().items():
        earned = sum(g.points for g in grades)
        possible = sum(g.max_points for g in grades)
        terminalreporter.write_line(f"{slug}: {points(earned)}/{points(possible)} points")
        for grade in grades:
            terminalreporter.write_line(
                f"  {marks.get(grade.outcome, 'NOT RUN'):<7} {grade.check:<22}"
                f"{points(grade.points)}/{points(grade.max_points)}"
            )
    terminalreporter.write_line(
        f"total: {points(book.score)}/{points(book.max_score)} points",
        bold=True,
        green=book.score == book.max_score,
        red=book.score < book.max_score,
    )
    for slug, protections in grading.protections().items():
        terminalreporter.write_line(f"course-grader: sandbox protections for {slug}:")
        for protection in protections:
            state = "applied" if protection["applied"] else "NOT APPLIED"
            terminalreporter.write_line(
                f"  {state:<12} {protection['protection']:<22} {protection['detail']}",
                yellow=not protection["applied"],
            )
    if builder := grading.builder():
        terminalreporter.write_line(f"course-grader: images built with {builder}")
    if grading.cleaned is not None:
        containers, images = grading.cleaned
        terminalreporter.write_line(
            f"course-grader: removed the {containers} container(s) and {images} image(s) "
            f"this run made (label {LABEL})"
        )
        engine = grading._engine
        if isinstance(engine, Engine) and engine.cache_removed.records:
            removed = engine.cache_removed
            terminalreporter.write_line(
                f"course-grader: removed the {removed.records} BuildKit cache record(s) "
                f"({removed.bytes / 1e6:.0f} MB) this run's builds made"
            )
        if isinstance(engine, Engine) and engine.keep_build_cache:
            terminalreporter.write_line(
                "course-grader: kept BuildKit's build cache of this run in the engine; "
                "`docker builder prune` removes it"
                if engine.builder.kind == "buildkit"
                else f"course-grader: kept the build cache ({engine.kept_layers} untagged "
                "layers); `docker image prune` removes it"
            )
    for problem in grading.cleanup_problems:
        terminalreporter.write_line(f"course-grader: could not remove {problem}", red=True)
    path = config.getoption("grade_report")
    if path:
        terminalreporter.write_line(f"course-grader: grade report written to {path}")
