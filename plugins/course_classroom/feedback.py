"""What a student reads about a grade, from the grader's Gradescope report.

Pure: a Markdown page (feedback file, Actions job summary), GitHub workflow
annotations for checks that point at a Dockerfile line, and Classroom 50's
`result.json`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from course_grader.report import points

from .gradebook import check_of

CLASSROOM50_SCHEMA = "classroom50/result/v1"
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
        float(test.get("score", 0)),
        float(test.get("max_score", 0)),
        result,
        problem,
        hints,
        lines,
    )


def results(report: dict[str, Any]) -> list[CheckResult]:
    return [_result(test) for test in report.get("tests", [])]


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


def classroom50(
    report: dict[str, Any],
    *,
    classroom: str,
    assignment: str,
    owner: str,
    submission: str,
    commit: str,
    datetime: str,
) -> dict[str, Any]:
    """Classroom 50's `result.json` (schema classroom50/result/v1); scores are integers."""
    return {
        "schema": CLASSROOM50_SCHEMA,
        "classroom": classroom,
        "assignment": assignment,
        "owner": owner,
        "submission": submission,
        "commit": commit,
        "datetime": datetime,
        "score": round(float(report.get("score", 0))),
        "max-score": round(float(report.get("max_score", 0))),
        "tests": [
            {
                "test-name": item.check,
                "passed": item.result == "passed",
                "score": round(item.score),
                "max-score": round(item.max_score),
            }
            for item in results(report)
        ],
    }
