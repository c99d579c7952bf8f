"""The exercise model: what `exercise.yml` says (checks, parameters, points).

Pure: reads YAML, imports neither pytest nor Docker.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import ExerciseConfigError
from .limits import BuildLimits, RunLimits
from .pinning import LEVELS as PIN_LEVELS

#: Check ids, in the order they run: static checks first, then the ones that need an engine.
STATIC_CHECKS = (
    "lint",
    "pinned-base",
    "multi-stage",
    "non-root",
    "healthcheck-declared",
    "dockerignore",
)
DYNAMIC_CHECKS = (
    "build",
    "health",
    "predict",
    "healthcheck-healthy",
    "image-size",
    "layer-cache",
    "oci-labels",
    "env-config",
    "graceful-stop",
)
CHECK_IDS = STATIC_CHECKS + DYNAMIC_CHECKS

CONFIG_NAME = "exercise.yml"
#: The files a student hands in when exercise.yml names none (`submission:`).
DEFAULT_SUBMISSION = ("Dockerfile", ".dockerignore")


#: Who sees a check's result on Gradescope (`visibility:` of a check in exercise.yml).
VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")


@dataclass(frozen=True)
class Check:
    id: str
    points: float
    params: dict[str, Any] = field(default_factory=dict)
    visibility: str = "visible"

    @property
    def needs_engine(self) -> bool:
        return self.id in DYNAMIC_CHECKS


@dataclass(frozen=True)
class Exercise:
    """One exercise folder: its Dockerfile and the checks that grade it."""

    root: Path
    slug: str
    title: str
    port: int
    checks: tuple[Check, ...]
    dockerfile: str = "Dockerfile"
    health: dict[str, Any] = field(default_factory=dict)
    run: dict[str, Any] = field(default_factory=dict)
    submission: tuple[str, ...] = DEFAULT_SUBMISSION
    #: The sandbox's limits (`build:` and the limits in `run:`), checked at load time.
    build_limits: BuildLimits = field(default_factory=BuildLimits)
    run_limits: RunLimits = field(default_factory=RunLimits)

    @property
    def dockerfile_path(self) -> Path:
        return self.root / self.dockerfile

    @property
    def max_points(self) -> float:
        return sum(check.points for check in self.checks)

    def check(self, check_id: str) -> Check | None:
        return next((c for c in self.checks if c.id == check_id), None)

    def params(self, check_id: str) -> dict[str, Any]:
        check = self.check(check_id)
        return dict(check.params) if check else {}


def _require(data: dict[str, Any], key: str, kind: type | tuple[type, ...], where: Path) -> Any:
    if key not in data:
        raise ExerciseConfigError(f"{where}: missing field '{key}'")
    value = data[key]
    if not isinstance(value, kind):
        raise ExerciseConfigError(
            f"{where}: field '{key}' should be {getattr(kind, '__name__', kind)}, found {value!r}"
        )
    return value


def _submission(data: dict[str, Any], where: Path) -> tuple[str, ...]:
    """`submission:`: relative paths inside the exercise folder (no `..`, not absolute)."""
    value = data.get("submission", list(DEFAULT_SUBMISSION))
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise ExerciseConfigError(
            f"{where}: field 'submission' should be a list of file paths, found {value!r}"
        )
    for item in value:
        parts = [p for p in item.replace("\\", "/").split("/") if p not in {"", "."}]
        if not parts or item.startswith(("/", "\\")) or ".." in parts or ":" in parts[0]:
            raise ExerciseConfigError(
                f"{where}: submission: {item!r} is not a file inside the exercise folder; "
                "write a relative path without '..', e.g. Dockerfile"
            )
        if parts == [CONFIG_NAME]:
            raise ExerciseConfigError(
                f"{where}: submission: {CONFIG_NAME} cannot be handed in: the grade must come "
                "from the exercise's own checks"
            )
    return tuple(value)


def _validate_params(check_id: str, params: dict[str, Any], where: Path) -> None:
    """The parameters of the static checks that change a verdict, checked at load time."""
    if check_id == "pinned-base" and "level" in params and params["level"] not in PIN_LEVELS:
        raise ExerciseConfigError(
            f"{where}: checks.pinned-base.level: expected one of {', '.join(PIN_LEVELS)}, "
            f"found {params['level']!r}"
        )
    if check_id == "lint":
        for key in ("trusted_registries", "ignore", "not_secrets"):
            value = params.get(key, [])
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ExerciseConfigError(
                    f"{where}: checks.lint.{key}: expected a list of strings, found {value!r}"
                )


def load_exercise(path: Path) -> Exercise:
    """Read `exercise.yml` at *path*; the exercise folder is its parent."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        raise ExerciseConfigError(f"{path}: not valid YAML: {error}") from error
    if not isinstance(data, dict):
        raise ExerciseConfigError(f"{path}: expected a mapping at the top level")
    raw_checks = _require(data, "checks", dict, path)
    checks = []
    for check_id, spec in raw_checks.items():
        if check_id not in CHECK_IDS:
            raise ExerciseConfigError(
                f"{path}: checks.{check_id}: unknown check id; known: {', '.join(CHECK_IDS)}"
            )
        spec = spec or {}
        if not isinstance(spec, dict):
            raise ExerciseConfigError(f"{path}: checks.{check_id}: expected a mapping")
        points = spec.get("points", 1)
        if not isinstance(points, int | float) or points < 0:
            raise ExerciseConfigError(
                f"{path}: checks.{check_id}.points: expected a number >= 0, found {points!r}"
            )
        visibility = spec.get("visibility", "visible")
        if visibility not in VISIBILITIES:
            raise ExerciseConfigError(
                f"{path}: checks.{check_id}.visibility: expected one of "
                f"{', '.join(VISIBILITIES)}, found {visibility!r}"
            )
        params = {k: v for k, v in spec.items() if k not in {"points", "visibility"}}
        _validate_params(check_id, params, path)
        checks.append(Check(check_id, float(points), params, visibility))
    checks.sort(key=lambda c: CHECK_IDS.index(c.id))
    port = data.get("port", 8000)
    if not isinstance(port, int) or not 0 < port < 65536:
        raise ExerciseConfigError(f"{path}: field 'port' should be a TCP port, found {port!r}")
    run = data.get("run") or {}
    if not isinstance(run, dict):
        raise ExerciseConfigError(f"{path}: field 'run' should be a mapping")
    return Exercise(
        root=path.parent.resolve(),
        slug=str(data.get("slug") or path.parent.name),
        title=str(data.get("title") or path.parent.name),
        port=port,
        checks=tuple(checks),
        dockerfile=str(data.get("dockerfile", "Dockerfile")),
        health=dict(data.get("health") or {}),
        run=dict(run),
        submission=_submission(data, path),
        build_limits=BuildLimits.from_config(data.get("build"), run, path),
        run_limits=RunLimits.from_config(run, path),
    )
