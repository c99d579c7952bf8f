"""Gradebook rows, CSV and merge, and what a student reads (Markdown, annotations,
Classroom 50's result.json): pure, no engine."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from _classroom import (
    CHECKS,
    COURSE_GRADE,
    EX01,
    MAXIMA,
    course_grade,
)
from _classroom import report as _report
from course_classroom import feedback, gradebook
from course_classroom.gradebook import GradebookError, Row

# -- gradebook ------------------------------------------------------------------------


def test_gradebook_csv_has_the_contract_header_and_sorted_rows(tmp_path):
    rows = [
        gradebook.row_from_report("zoe", "c2", _report(dict(MAXIMA), MAXIMA)),
        gradebook.ungraded_row("adam", "c1", gradebook.MISSING, 10),
    ]
    path = tmp_path / "gradebook.csv"
    gradebook.write(path, rows, CHECKS)
    lines = path.read_text().splitlines()
    assert lines[0] == (
        "student,commit,lint,build,health,predict,layer-cache,"
        "score,max_score,percent,status,graded_at"
    )
    assert lines[1].startswith("adam,c1,,,,,,0,10,0.0,missing,")
    assert lines[2].startswith("zoe,c2,1,2,2,3,2,10,10,100.0,graded,")
    assert lines[2].endswith("Z") and "T" in lines[2].rsplit(",", 1)[1]
    check_ids, back = gradebook.read(path)
    assert check_ids == CHECKS and [r.student for r in back] == ["adam", "zoe"]
    assert gradebook.render(back, CHECKS) == path.read_text()


def _book(path: Path, students: dict[str, float]) -> Path:
    rows = [
        Row(s, f"sha-{s}", {c: "1" for c in CHECKS}, score, 10, gradebook.GRADED, f"t-{s}")
        for s, score in students.items()
    ]
    gradebook.write(path, rows, CHECKS)
    return path


def test_merged_shards_equal_one_gradebook_of_everyone(tmp_path):
    everyone = {"amy": 10, "bo": 3, "cy": 7.5, "di": 0}
    whole = _book(tmp_path / "all.csv", everyone)
    a = _book(tmp_path / "a.csv", {k: everyone[k] for k in ("di", "amy")})
    b = _book(tmp_path / "b.csv", {k: everyone[k] for k in ("cy", "bo")})
    result = course_grade("merge", str(tmp_path / "merged.csv"), str(a), str(b))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "merged.csv").read_text() == whole.read_text()


def test_a_student_in_two_shards_is_an_error_naming_them(tmp_path):
    a = _book(tmp_path / "a.csv", {"amy": 10, "bo": 3})
    b = _book(tmp_path / "b.csv", {"bo": 4})
    result = course_grade("merge", str(tmp_path / "merged.csv"), str(a), str(b))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"student 'bo' is in two shards: {a} and {b}" in result.stderr
    assert not (tmp_path / "merged.csv").exists()


def test_a_broken_gradebook_is_named_with_its_line(tmp_path):
    path = _book(tmp_path / "a.csv", {"amy": 10})
    path.write_text(path.read_text().replace(",graded,", ",great,"))
    with pytest.raises(GradebookError, match=r"a\.csv:2: column 'status' should be one of"):
        gradebook.read(path)


# -- feedback ---------------------------------------------------------------------------

FAILED_LINT = (
    "[lint] hadolint found 1 problem(s)\n  found:    line 7: DL3013 (warning) Pin versions\n"
    "  hint: pin the versions\n  --- build log (last 1 lines) ---\n  | line 99 of a log"
)


def _failing_report() -> dict:
    report = _report({**MAXIMA, "lint": 0, "predict": 0}, MAXIMA)
    report["tests"][0]["output"] = FAILED_LINT
    report["tests"][3]["output"] = "not graded: the app did not answer (see `health`)"
    return report


def test_feedback_markdown_is_a_table_of_checks_points_results_and_hints():
    page = feedback.markdown(_failing_report(), "Exercise 01")
    assert "**Score: 6 / 10 points**" in page
    assert "| Check | Points | Result | Hint |" in page
    assert "| `lint` | 0/1 | ❌ failed | pin the versions |" in page
    assert "| `predict` | 0/3 | ⏭️ not graded | not graded: the app did not answer" in page
    assert "| `build` | 2/2 | ✅ passed |  |" in page


def test_annotations_point_at_the_dockerfile_lines_a_check_names():
    lines = feedback.annotations(_failing_report())
    assert lines == [
        "::error file=Dockerfile,line=7,title=lint::hadolint found 1 problem(s)%0Ahint: pin the "
        "versions"
    ]


def test_the_feedback_command_writes_summary_annotations_and_result_json(tmp_path):
    report = tmp_path / "results.json"
    report.write_text(json.dumps(_failing_report()))
    summary = tmp_path / "summary.md"
    env = dict(
        os.environ,
        GITHUB_REPOSITORY="org/ex01-ann",
        GITHUB_REPOSITORY_OWNER="org",
        GITHUB_SHA="f00ba47",
        GITHUB_ACTOR="ann",
    )
    result = subprocess.run(
        [
            *COURSE_GRADE,
            "feedback",
            str(report),
            "--exercise",
            str(EX01),
            "--summary",
            str(summary),
            "--annotations",
            "--classroom50",
            "result.json",
            "--committed-at",
            "2026-12-02T10:00:00Z",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("::error file=Dockerfile,line=7,title=lint::")
    assert "| `lint` | 0/1 |" in summary.read_text()
    written = json.loads((tmp_path / "result.json").read_text())
    assert (written["submission"], written["commit"], written["owner"]) == (
        "submit/2026-12-02T10-00-00Z-f00ba47",
        "https://github.com/org/ex01-ann/commit/f00ba47",
        "ann",
    )
    assert written["assignment"] == "01-containerize-api"
    assert written["datetime"] == "2026-12-02T10:00:00Z"
