"""The static checks: rules read from the Dockerfile and the context, no engine needed."""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import lint, rules

if TYPE_CHECKING:
    from .dockerfile import Dockerfile
    from .exercise import Exercise


class StaticChecks:
    """`check_<id>` methods of the checks that need no image (mixed into ExerciseRun)."""

    exercise: Exercise

    if TYPE_CHECKING:

        def dockerfile(self, check: str) -> Dockerfile: ...

    def check_lint(self) -> str:
        self.dockerfile("lint")
        return lint.lint(
            self.exercise.dockerfile_path,
            self.exercise.params("lint"),
            {c.id for c in self.exercise.checks},
        )

    def check_pinned_base(self) -> str:
        check = "pinned-base"
        return rules.pinned_base(self.dockerfile(check), self.exercise.params(check))

    def check_multi_stage(self) -> str:
        check = "multi-stage"
        return rules.multi_stage(self.dockerfile(check), self.exercise.params(check))

    def check_dockerignore(self) -> str:
        return rules.dockerignore(self.exercise.root, self.exercise.params("dockerignore"))
