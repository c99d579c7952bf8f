"""The operations section's lessons are complete, and their samples do what the text says.

Dockerfiles, YAML, shell and the app's code are verified by test_code_samples.py and
the grader's tests; here the runnable Python samples run, and the
lessons keep their place in the course, their length and a fair Knowledge Check.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from _samples import DOCS, extract_blocks
from course_site.quiz.parser import parse_quizzes
from course_site.reading_time import estimate
from mkdocs.utils.meta import get_data

LESSONS = {
    "ops-monitoring": DOCS / "operations" / "monitoring-models.md",
    "ops-rollouts": DOCS / "operations" / "safe-rollouts.md",
}
CHAIN = {
    "ops-monitoring": ("mlops-model-serving", "ops-rollouts"),
    "ops-rollouts": ("ops-monitoring", "exercise-containerize-api"),
}


def sample(path: Path, title: str) -> str:
    (block,) = [b for b in extract_blocks(path) if b.attrs.get("title") == title]
    return block.text


def run_python(source: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", source], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize("lesson_id", LESSONS)
def test_lesson_keeps_its_place_in_the_course(lesson_id: str) -> None:
    body, meta = get_data(LESSONS[lesson_id].read_text(encoding="utf-8"))
    assert meta["id"] == lesson_id and meta["section"] == "operations"
    assert (meta.get("prevLessonId"), meta.get("nextLessonId")) == CHAIN[lesson_id]
    assert estimate(body).words >= 1200, "at least 1,200 words of prose"


@pytest.mark.parametrize("lesson_id", LESSONS)
def test_knowledge_check_has_five_fair_questions(lesson_id: str) -> None:
    (quiz,) = parse_quizzes(LESSONS[lesson_id].read_text(encoding="utf-8"))
    assert len(quiz.questions) == 5
    assert all(len(q.options) == 4 for q in quiz.questions)
    longest = [q.text for q in quiz.questions if len(q.options[0]) == max(map(len, q.options))]
    assert len(longest) <= 2, f"the correct option is the longest in {longest}"


@pytest.mark.parametrize("lesson_id", LESSONS)
def test_lesson_links_to_exercise_03(lesson_id: str) -> None:
    assert "../exercises/03-ship-it.md" in LESSONS[lesson_id].read_text(encoding="utf-8")


def test_drift_sample_scores_the_same_population_low_and_the_shifted_one_high() -> None:
    output = run_python(sample(LESSONS["ops-monitoring"], "drift.py"))
    same, shifted = (float(x) for x in re.findall(r":\s+([\d.]+)", output))
    # The lesson: "a PSI near 0 ... one well above 0.25 for the shifted one".
    assert same < 0.1 < 0.25 < shifted, output


def test_canary_sample_sends_about_the_share_asked_for() -> None:
    output = run_python(sample(LESSONS["ops-rollouts"], "canary.py"))
    share = float(re.search(r"([\d.]+)% of users see the canary", output)[1])
    assert 4.0 <= share <= 6.0, output
