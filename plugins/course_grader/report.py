"""Grades: what each check earned, summed per exercise, written as JSON reports."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

PASSED, FAILED, NOT_GRADED, NOT_RUN = "passed", "failed", "not graded", "not run"


@dataclass
class Grade:
    exercise: str
    check: str
    max_points: float
    outcome: str = NOT_RUN
    output: str = ""
    #: Gradescope's test visibility: visible, hidden, after_due_date, after_published.
    visibility: str = "visible"
    tags: tuple[str, ...] = ()

    @property
    def points(self) -> float:
        return self.max_points if self.outcome == PASSED else 0.0

    @property
    def name(self) -> str:
        return f"{self.exercise}: {self.check}"


@dataclass
class Gradebook:
    grades: list[Grade] = field(default_factory=list)
    #: Written as the report's `extra_data` (Gradescope keeps it): e.g. the sandbox's
    #: protections per exercise.
    extra_data: dict = field(default_factory=dict)

    def add(
        self,
        exercise: str,
        check: str,
        max_points: float,
        visibility: str = "visible",
        tags: tuple[str, ...] = (),
    ) -> Grade:
        grade = Grade(exercise, check, max_points, visibility=visibility, tags=tags)
        self.grades.append(grade)
        return grade

    def exercises(self) -> dict[str, list[Grade]]:
        result: dict[str, list[Grade]] = {}
        for grade in self.grades:
            result.setdefault(grade.exercise, []).append(grade)
        return result

    @property
    def score(self) -> float:
        return sum(g.points for g in self.grades)

    @property
    def max_score(self) -> float:
        return sum(g.max_points for g in self.grades)

    def to_gradescope(self, execution_time: float | None = None) -> dict:
        """The Gradescope autograder `results.json` shape (GitHub Classroom reads it too)."""
        passed = sum(1 for g in self.grades if g.outcome == PASSED)
        report: dict = {
            "score": self.score,
            "max_score": self.max_score,
            "output": f"{points(self.score)}/{points(self.max_score)} points; "
            f"{passed} of {len(self.grades)} checks passed",
            "visibility": "visible",
            "stdout_visibility": "hidden",
            "tests": [
                {
                    "name": grade.name,
                    "number": str(number),
                    "score": grade.points,
                    "max_score": grade.max_points,
                    "status": "passed" if grade.outcome == PASSED else "failed",
                    "output": grade.output or grade.outcome,
                    "output_format": "text",
                    "visibility": grade.visibility,
                    "tags": [grade.check, *grade.tags],
                }
                for number, grade in enumerate(self.grades, start=1)
            ],
            "extra_data": self.extra_data,
        }
        if execution_time is not None:
            report["execution_time"] = round(execution_time, 2)
        return report

    def write_json(self, path: Path, execution_time: float | None = None) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            json.dumps(self.to_gradescope(execution_time), indent=2) + "\n", encoding="utf-8"
        )


def points(value: float) -> str:
    return f"{value:g}"
