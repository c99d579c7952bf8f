"""What a student reads about a grade, from the grader's Gradescope report.

Pure: a Markdown page (feedback file, Actions job summary), GitHub workflow
annotations for checks that point at a Dockerfile line, and the report of a
submission that was not graded (Classroom 50's `result.json` is classroom50.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from course_grader.report import points

from .gradebook import check_of

CELL_LIMIT = 400


@dataclass(frozen=True)
class CheckResult:
    check: str
    score: float
    max_score: float
    result: str  # passed, failed, not graded
    problem: str
    hints: tuple[str, ...]
    lines: tuple[int, ...]


def _number(value: Any) -> float:
    """A report's points as a float; what is not a number (a hand-edited report) is 0."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0


def _result(test: dict[str, Any]) -> CheckResult:
    output = str(test.get("output") or "")
    check = check_of(str(test.get("name", "")))
    text_lines = [line.strip() for line in output.splitlines() if line.strip()]
    passed = test.get("status") == "passed"
    if passed:
        result = "passed"
    elif output.startswith("not graded"):
        result = "not graded"
    else:
        result = "failed"
    problem = text_lines[0].removeprefix(f"[{check}] ") if text_lines else ""
    hints = tuple(line.removeprefix("hint: ") for line in text_lines if line.startswith("hint: "))
    lines: tuple[int, ...] = ()
    if not passed:
        # Only the check's own findings, not the build or container log it quotes.
        own = output.split("\n  ---", 1)[0]
        lines = tuple(dict.fromkeys(int(n) for n in re.findall(r"\bline (\d+)\b", own)))
    return CheckResult(
        check,
        _number(test.get("score")),
        _number(test.get("max_score")),
        result,
        problem,
        hints,
        lines,
    )


def results(report: dict[str, Any]) -> list[CheckResult]:
    return [_result(test) for test in report.get("tests", [])]


def ungraded_report(max_score: float, note: str) -> dict[str, Any]:
    """The Gradescope report of a submission that was not graded (missing, error, timeout):
    no tests, no points, and the note says why."""
    return {"score": 0, "max_score": max_score, "output": note, "tests": []}


def _cell(text: str) -> str:
    text = " ".join(text.split())
    if len(text) > CELL_LIMIT:
        text = text[: CELL_LIMIT - 1] + "…"
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("|", "\\|")


def markdown(report: dict[str, Any], title: str, note: str = "") -> str:
    """The feedback page: the score, then one table row per check (points, result, hint)."""
    score, max_score = float(report.get("score", 0)), float(report.get("max_score", 0))
    lines = [f"# {title}", "", f"**Score: {points(score)} / {points(max_score)} points**", ""]
    if note:
        lines += [note, ""]
    checks = results(report)
    if checks:
        lines += ["| Check | Points | Result | Hint |", "| --- | --- | --- | --- |"]
        marks = {"passed": "✅ passed", "failed": "❌ failed", "not graded": "⏭️ not graded"}
        for item in checks:
            hint = "" if item.result == "passed" else ("; ".join(item.hints) or item.problem)
            lines.append(
                f"| `{item.check}` | {points(item.score)}/{points(item.max_score)} "
                f"| {marks[item.result]} | {_cell(hint)} |"
            )
        lines.append("")
    details = [t for t in report.get("tests", []) if t.get("status") != "passed"]
    if details:
        lines += ["<details><summary>Full messages</summary>", ""]
        for test in details:
            output = str(test.get("output", ""))
            fence = "`" * max(3, 1 + max((len(r) for r in re.findall(r"`+", output)), default=0))
            lines += [f"**{check_of(str(test.get('name')))}**", "", f"{fence}text"]
            lines += [output, fence, ""]
        lines += ["</details>", ""]
    return "\n".join(lines)


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotations(report: dict[str, Any], dockerfile: str = "Dockerfile") -> list[str]:
    """`::error file=Dockerfile,line=N,title=…::…` for each failed check that names a line."""
    found = []
    for item in results(report):
        for line in item.lines:
            message = item.problem + "".join(f"\nhint: {h}" for h in item.hints)
            found.append(
                f"::error file={_escape_property(dockerfile)},line={line},"
                f"title={_escape_property(item.check)}::{_escape_data(message)}"
            )
    return found
