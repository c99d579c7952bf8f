"""The checks of one exercise, sharing one build and one container per session.

`ExerciseRun` memoizes the Dockerfile, the build, the container and its
readiness, so each dynamic check reuses what an earlier one made. A check
returns a short note when it passes and raises `CheckFailed` when it does not,
or `CheckNotGraded` when a check it needs failed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import context, hints, service_checks
from .build import BuildResult
from .checks_container import ContainerChecks
from .checks_image import ImageChecks
from .checks_static import StaticChecks
from .checks_user import ImageJudgedChecks
from .container import Container, Probe
from .dockerfile import Dockerfile, read
from .engine import Engine
from .errors import (
    BuildFailed,
    CheckFailed,
    CheckNotGraded,
    ContextTooLarge,
    EngineUnavailable,
    GraderError,
)
from .exercise import DYNAMIC_CHECKS, Exercise
from .readiness import Readiness
from .sandbox import Protection
from .texts import tail


class ExerciseRun(Readiness, StaticChecks, ImageJudgedChecks, ImageChecks, ContainerChecks):
    """Everything one exercise's checks share during a pytest session.

    Checks are `check_<id>` methods (id with `-` as `_`), grouped by phase in the
    mixins; `run_check` dispatches to them."""

    def __init__(self, exercise: Exercise, engine: Callable[[], Engine], build_cache: bool = True):
        self.exercise = exercise
        self.build_cache = build_cache
        #: Wall-clock time (time.time()) at which the app first answered, once it has.
        self.ready_at: float | None = None
        self._engine_factory = engine
        self._dockerfile: Dockerfile | CheckFailed | None = None
        self._build: BuildResult | GraderError | None = None
        self._container: Container | GraderError | None = None
        self._ready: Probe | GraderError | None = None
        self._facts = None
        self.results: dict[str, bool] = {}
        #: The sandbox's protections in force for this exercise, by name (latest wins).
        self.protections: dict[str, Protection] = {}

    def record(self, protections: list[Protection]) -> None:
        for protection in protections:
            self.protections[protection.name] = protection

    # -- shared state ---------------------------------------------------------

    def dockerfile(self, check: str) -> Dockerfile:
        if self._dockerfile is None:
            path = self.exercise.dockerfile_path
            try:
                self._dockerfile = read(path)
            except FileNotFoundError:
                self._dockerfile = CheckFailed(check, f"there is no {path.name} in {path.parent}")
            except (OSError, UnicodeDecodeError, ValueError) as error:
                self._dockerfile = CheckFailed(check, f"cannot read {path}: {error}")
        if isinstance(self._dockerfile, CheckFailed):
            failure = self._dockerfile
            raise CheckFailed(check, failure.problem)
        return self._dockerfile

    def engine(self, check: str) -> Engine:
        try:
            return self._engine_factory()
        except EngineUnavailable as error:
            raise CheckFailed(check, str(error)) from error

    def built(self, check: str) -> BuildResult:
        if self._build is None:
            self._build = self._do_build()
        if isinstance(self._build, GraderError):
            if check == "build":
                raise self._build
            if isinstance(self._build, CheckFailed) and "Docker engine" in self._build.problem:
                raise CheckFailed(check, self._build.problem)
            raise CheckNotGraded("not graded: the image did not build (see `build`)")
        return self._build

    def context(self, extra_files: list[tuple[str, str]] | None = None) -> Any:
        """The build context as a tar file; raises ContextTooLarge (never sent) when it is
        over build.context_mb after .dockerignore."""
        root, limits = self.exercise.root, self.exercise.build_limits
        files = context.context_files(root, self.exercise.dockerfile)
        context.check_size(root, files, limits.context_mb)
        return context.archive(root, files, extra_files)

    def _do_build(self) -> BuildResult | GraderError:
        try:
            engine = self.engine("build")
            dockerfile = self.dockerfile("build")
        except CheckFailed as failure:
            return failure
        # The container's network is made while the image builds (nothing waits for it).
        engine.prepare_network(engine.labels(self.exercise.slug))
        try:
            with self.context() as tar:
                build = engine.build(
                    tar,
                    self.exercise.dockerfile,
                    engine.image_tag(self.exercise.slug),
                    engine.image_labels(self.exercise.slug),
                    self.exercise.build_limits,
                    nocache=not self.build_cache,
                )
        except ContextTooLarge as error:
            return CheckFailed(
                "build",
                "the build context is too large: it was not sent",
                expected=f"at most {error.limit_mb:g} MB after .dockerignore",
                found=str(error),
                hints=["extend .dockerignore with the big paths the image does not need"],
            )
        except BuildFailed as error:
            self.record(error.protections)
            return CheckFailed(
                "build",
                error.args[0] if error.limit else "the image did not build",
                expected=f"a build within {error.limit}"
                if error.limit
                else f"`docker build` succeeds with {engine.builder.describe()}",
                found=str(error),
                hints=self._build_hints(dockerfile, error.log, engine),
                log_title="build log",
                log_tail=tail(error.log),
            )
        self.record(build.protections)
        return build

    def _build_hints(self, dockerfile: Dockerfile, log: list[str], engine: Engine) -> list[str]:
        found = []
        buildkit = hints.buildkit_syntax(dockerfile)
        if buildkit and engine.builder.kind == "classic":
            found.append(hints.hint("buildkit-syntax", what=", ".join(buildkit)))
        text = "\n".join(log).lower()
        for _stage, ref in dockerfile.external_bases():
            if engine.image_attrs(str(ref)) is None and (
                "pull access denied" in text
                or "no such host" in text
                or "not found" in text
                or "manifest unknown" in text
            ):
                found.append(hints.hint("base-missing", image=ref))
                break
        if "requirements.txt" in text and "no such file" in text:
            found.append("copy requirements.txt into the image before installing from it")
        return found

    def container(self, check: str) -> Container:
        build = self.built(check)
        if self._container is None:
            engine = self.engine(check)
            run = self.exercise.run
            try:
                has_healthcheck = bool(
                    ((engine.image_attrs(build.image_id) or {}).get("Config") or {}).get(
                        "Healthcheck"
                    )
                )
                self._container, protections = engine.run(
                    build.image_id,
                    self.exercise.port,
                    engine.labels(self.exercise.slug),
                    self.exercise.run_limits,
                    healthcheck_interval=float(run.get("healthcheck_interval", 1.0))
                    if has_healthcheck
                    else None,
                )
                self.record(protections)
            except Exception as error:  # the engine's own words teach best here
                self._container = CheckFailed(
                    check, "the container did not start", found=str(error)
                )
        if isinstance(self._container, GraderError):
            raise self._container
        return self._container

    def ready(self, check: str) -> Probe:
        """The first answer of the app at the health path (polled, never slept)."""
        if self._ready is None:
            try:
                container = self.container("health")
                self._ready = self._wait_ready(container)
            except (CheckFailed, CheckNotGraded) as failure:
                self._ready = failure
        if isinstance(self._ready, GraderError):
            if check == "health" or isinstance(self._ready, CheckNotGraded):
                raise self._ready
            raise CheckNotGraded("not graded: the app did not answer (see `health`)")
        return self._ready

    # -- the checks -------------------------------------------------------------

    def run_check(self, check: str) -> str:
        method: Callable[[], str] = getattr(self, "check_" + check.replace("-", "_"))
        if check in DYNAMIC_CHECKS:
            self.engine(check)  # no engine: every dynamic check fails saying how to start one
        return method()

    # -- a service that can run in production (logic in service_checks.py) ---------

    def check_graceful_stop(self) -> str:
        return service_checks.graceful_stop(self)

    def check_oci_labels(self) -> str:
        return service_checks.oci_labels(self)

    def check_env_config(self) -> str:
        return service_checks.env_config(self)
