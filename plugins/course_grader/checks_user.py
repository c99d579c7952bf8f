"""`non-root` and `healthcheck-declared`: judged from the built image, the Dockerfile's
reading kept for hints and for when there is no image (the build failed, no engine)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from . import hints, image_facts, rules
from .errors import CheckFailed, CheckNotGraded
from .image_facts import ImageFacts

if TYPE_CHECKING:
    from .build import BuildResult
    from .dockerfile import Dockerfile
    from .engine import Engine
    from .exercise import Exercise

StaticRule = Callable[["Dockerfile", dict[str, Any]], str]


class ImageJudgedChecks:
    """`check_<id>` methods of the checks the built image decides (mixed into ExerciseRun)."""

    exercise: Exercise
    _facts: ImageFacts | str | None = None

    if TYPE_CHECKING:

        def dockerfile(self, check: str) -> Dockerfile: ...
        def built(self, check: str) -> BuildResult: ...
        def engine(self, check: str) -> Engine: ...

    def image_facts(self, check: str) -> ImageFacts | str:
        """The image's facts, or why there is no image to judge (then the Dockerfile decides)."""
        if self._facts is None:
            try:
                build = self.built(check)
                engine = self.engine(check)
            except CheckNotGraded:
                self._facts = "the build failed"
            except CheckFailed as error:
                engine_down = "Docker engine" in error.problem
                self._facts = "no Docker engine answers" if engine_down else error.problem
            else:
                labels = engine.labels(self.exercise.slug)
                self._facts = image_facts.read(engine, build.image_id, labels)
        return self._facts

    def _static(self, check: str, rule: StaticRule) -> str | CheckFailed:
        try:
            return rule(self.dockerfile(check), self.exercise.params(check))
        except CheckFailed as failure:
            return failure

    def _without_image(self, check: str, static: str | CheckFailed, why: str) -> str:
        if isinstance(static, CheckFailed):
            static.hints.append(f"judged from the Dockerfile ({why}); the built image decides")
            raise static
        if static.startswith(rules.UNKNOWN):
            raise CheckFailed(check, f"cannot tell without the built image ({why}): {static}")
        return f"{static} (judged from the Dockerfile: {why})"

    def check_non_root(self) -> str:
        check = "non-root"
        static = self._static(check, rules.non_root)
        facts = self.image_facts(check)
        if isinstance(facts, str):
            return self._without_image(check, static, facts)
        line = _user_line(self.dockerfile(check))
        if facts.uid is None:
            where = "its /etc/passwd" if facts.has_passwd else "it (the image has no /etc/passwd)"
            raise CheckFailed(
                check,
                f"USER {facts.user} names no account in the built image",
                expected="a USER the image knows: create it first, e.g. "
                "RUN useradd --uid 10001 --no-create-home app, or give a numeric uid",
                found=f"{line}no account {facts.user_name!r} in {where}",
            )
        if facts.uid == 0:
            raise CheckFailed(
                check,
                "the container would run as root",
                expected="a USER instruction naming an unprivileged user in the final stage",
                found=f"{line}the built image runs as {facts.user or 'root (no USER)'} (uid 0)",
                hints=[hints.hint("root")],
            )
        source = line.rstrip(": ") if line else "from the base image; the Dockerfile sets no USER"
        return f"runs as uid {facts.uid} ({facts.user}; {source}; judged from the built image)"

    def check_healthcheck_declared(self) -> str:
        check = "healthcheck-declared"
        static = self._static(check, rules.healthcheck_declared)
        facts = self.image_facts(check)
        if isinstance(facts, str):
            return self._without_image(check, static, facts)
        if facts.healthcheck is None:
            if isinstance(static, CheckFailed):
                raise static
            raise CheckFailed(
                check,
                "the built image declares no HEALTHCHECK",
                expected="HEALTHCHECK CMD <command that exits 0 when /health answers>",
                found="Config.Healthcheck of the built image is empty or NONE",
            )
        if isinstance(static, str) and not static.startswith(rules.UNKNOWN):
            return f"{static}; judged from the built image"
        return "HEALTHCHECK declared (inherited from the base image; judged from the built image)"


def _user_line(dockerfile: Dockerfile) -> str:
    """`line N: USER x: ` for the USER the final stage runs with, or "" when it sets none."""
    try:
        found = hints.final_user_value(dockerfile)
    except ValueError:
        return ""
    return f"line {found[0].line}: USER {found[0].args}: " if found else ""
