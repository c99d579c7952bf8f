"""The grader's exceptions: one base, and a failure type that carries a lesson."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class GraderError(Exception):
    """Base of every error the grader raises."""


class ExerciseConfigError(GraderError):
    """`exercise.yml` is missing a field or has a wrong one (names the file and field)."""


class EngineUnavailable(GraderError):
    """No Docker engine answers at DOCKER_HOST or the default socket."""


class BuildFailed(GraderError):
    """The image did not build; carries the build log (its head and tail), the sandbox
    limit it hit if any (`build.timeout`, `build.pids`, …) and the protections in force."""

    def __init__(
        self,
        message: str,
        log: list[str],
        limit: str = "",
        protections: list[Any] | None = None,
    ):
        super().__init__(message)
        self.log = log
        self.limit = limit
        self.protections = protections or []


class ContextTooLarge(GraderError):
    """The build context is over `build.context_mb`; it was never sent."""

    def __init__(self, limit_mb: float, message: str):
        super().__init__(message)
        self.limit_mb = limit_mb


@dataclass
class CheckFailed(GraderError):
    """A check did not pass. Rendered for the student by `render()`."""

    check: str
    problem: str
    expected: str = ""
    found: str = ""
    hints: list[str] = field(default_factory=list)
    log_title: str = ""
    log_tail: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(self.problem)

    def render(self) -> str:
        lines = [f"[{self.check}] {self.problem}"]
        if self.expected:
            lines.append(f"  expected: {self.expected}")
        if self.found:
            lines.append(f"  found:    {self.found}")
        for hint in self.hints:
            lines.append(f"  hint: {hint}")
        if self.log_tail:
            lines.append(f"  --- {self.log_title or 'log'} (last {len(self.log_tail)} lines) ---")
            lines.extend(f"  | {line}" for line in self.log_tail)
        return "\n".join(lines)


class CheckNotGraded(GraderError):
    """A check that could not run because a check it needs failed (it earns 0 points)."""
