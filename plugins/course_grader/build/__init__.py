"""Image builds: one interface, two builders (BuildKit through buildx, the classic one).

BuildKit is what students' `docker build` is (Docker 23+), so it is used wherever a
`docker buildx` client is found; the classic builder (the engine's `/build` API
through the Docker SDK) is the named fallback, and the report says which ran and
why. `COURSE_GRADER_BUILDER=classic|buildkit` forces one (buildkit then fails
loudly when buildx is missing).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

from . import buildkit, classic
from .result import BuildRequest, BuildResult, Step

if TYPE_CHECKING:
    from ..engine import Engine

__all__ = ["BuildRequest", "BuildResult", "BuilderChoice", "Step", "build_image", "choose"]

BUILDERS = ("auto", "buildkit", "classic")


class BuilderUnavailable(Exception):
    """The builder asked for (COURSE_GRADER_BUILDER) cannot run here; says why."""


@dataclass(frozen=True)
class BuilderChoice:
    """Which builder this session's builds use, and why."""

    kind: str  # "buildkit" or "classic"
    engine: str  # the engine's version
    buildx: str = ""  # the buildx client's version (BuildKit only)
    reason: str = ""  # why the classic builder (fallback or forced)

    def describe(self) -> str:
        if self.kind == "buildkit":
            return f"BuildKit (docker buildx {self.buildx}, Docker Engine {self.engine})"
        return f"the classic builder (Docker Engine {self.engine}): {self.reason}"


def choose(engine_version: str, wanted: str | None = None) -> BuilderChoice:
    """BuildKit when a buildx client answers, else the classic builder with the reason."""
    wanted = (wanted or os.environ.get("COURSE_GRADER_BUILDER") or "auto").strip().lower()
    if wanted not in BUILDERS:
        raise BuilderUnavailable(
            f"COURSE_GRADER_BUILDER={wanted!r}: expected one of {', '.join(BUILDERS)}"
        )
    if wanted == "classic":
        return BuilderChoice("classic", engine_version, reason="chosen by COURSE_GRADER_BUILDER")
    try:
        version = buildkit.buildx_version()
    except buildkit.BuildxMissing as missing:
        if wanted == "buildkit":
            raise BuilderUnavailable(f"COURSE_GRADER_BUILDER=buildkit, but {missing}") from None
        return BuilderChoice(
            "classic", engine_version, reason=f"BuildKit is not available: {missing}"
        )
    return BuilderChoice("buildkit", engine_version, buildx=version)


def build_image(engine: Engine, request: BuildRequest) -> BuildResult:
    """Build *request* with this session's builder (see `choose`)."""
    if engine.builder.kind == "buildkit":
        return buildkit.build_image(engine, request)
    result = classic.build_image(engine, request)
    result.builder = engine.builder.describe()
    return result
