"""Honest durations: the estimate a lesson's text gives, and the check at each level."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from _samples import DOCS
from _site import build_site, lesson
from course_site.duration import parse_duration
from course_site.reading_time import HANDS_ON_TYPES, Estimate, duration_problem, estimate
from mkdocs.utils.meta import get_data

QUIZ = """
## Knowledge Check

1. Which one?
   - This one, with a long answer that has many words in it
   - That one, with an even longer wrong answer that has more words
2. And now?
   - Yes
   - No
"""


def words(count: int) -> str:
    return " ".join(["word"] * count) + "\n"


# -- the estimate -----------------------------------------------------------------------


def test_prose_is_read_at_200_words_a_minute():
    found = estimate(words(400))
    assert found == Estimate(words=400, code_blocks=0, questions=0)
    assert found.minutes == 2


def test_each_code_block_adds_a_minute_and_its_lines_are_not_prose():
    text = words(200) + "```python\nprint('many words in code here')\n```\n\n~~~\nx y z\n~~~\n"
    found = estimate(text)
    assert (found.words, found.code_blocks, found.minutes) == (200, 2, 3)


def test_a_fence_inside_a_longer_fence_does_not_end_it():
    text = "````markdown\n```python\ncode words\n```\n````\nafter\n"
    assert estimate(text) == Estimate(words=1, code_blocks=1, questions=0)


def test_each_quiz_question_adds_a_minute_and_the_quiz_is_not_prose():
    found = estimate(words(200) + QUIZ)
    assert (found.words, found.questions, found.minutes) == (200, 2, 3)


def test_prose_after_the_quiz_heading_section_still_counts():
    found = estimate(QUIZ + "\n## Next steps\n\n" + words(10))
    assert (found.words, found.questions) == (12, 2)  # "Next steps" and the 10 words


def test_link_targets_markup_and_punctuation_are_not_words():
    text = "See [the lesson](../deployment/mlops-docker.md#a-first-dockerfile) - <b>now</b> | x |\n"
    assert estimate(text).words == 5  # See, the, lesson, now, x


def test_a_malformed_quiz_counts_no_questions_but_does_not_fail():
    found = estimate("## Knowledge Check\n\nNo list here.\n")
    assert found.questions == 0


# -- the rule ---------------------------------------------------------------------------


@pytest.mark.parametrize(("declared", "ok"), [(4, False), (5, True), (30, True), (31, False)])
def test_the_declared_duration_may_be_half_to_three_times_the_estimate(declared, ok):
    ten_minutes = Estimate(words=1000, code_blocks=3, questions=2)
    assert (duration_problem("a.md", declared, ten_minutes) is None) is ok


def test_the_message_names_the_file_both_durations_and_the_fix():
    message = duration_problem("ops/a.md", 75, Estimate(words=400, code_blocks=1, questions=5))
    assert message is not None
    assert message.startswith("ops/a.md: 'duration' says 1 h 15 min, more than three times")
    assert "estimated 8 min (400 words of prose, 1 code block(s), 5 quiz question(s)" in message
    assert "Set 'duration' between 4 min and 24 min (e.g. '8 min')" in message
    short = duration_problem("ops/a.md", 2, Estimate(words=2000, code_blocks=0, questions=0))
    assert short is not None and "less than half the estimated 10 min" in short


def test_every_lesson_of_the_course_declares_an_honest_duration():
    problems = []
    for md in sorted(DOCS.rglob("*.md")):
        body, meta = get_data(md.read_text(encoding="utf-8"))
        if "id" in meta and meta.get("type") not in HANDS_ON_TYPES:
            found = estimate(body)
            problem = duration_problem(
                str(md.relative_to(DOCS)), parse_duration(meta["duration"]), found
            )
            problems += [problem] if problem else []
    assert not problems, "\n".join(problems)


# -- in a real build --------------------------------------------------------------------


def pages(duration: str) -> dict[str, str]:
    return {"basics/a.md": lesson("a", 1, "basics", duration=duration, body=words(600) + QUIZ)}


def test_a_dishonest_duration_fails_a_strict_build_naming_the_file(tmp_path: Path):
    built = build_site(
        tmp_path, pages("2 hours"), options={"checks": {"duration": "warn"}}, strict=True
    )
    assert built.aborted
    (warning,) = [w for w in built.warnings if "'duration'" in w]
    assert "basics/a.md: 'duration' says 2 h, more than three times the estimated 5 min" in warning


def test_hands_on_pages_are_not_held_to_a_reading_estimate(tmp_path: Path):
    exercise = lesson("ex", 1, "basics", type="exercise", duration="2 hours", body=words(50))
    built = build_site(
        tmp_path, {"basics/ex.md": exercise}, options={"checks": {"duration": "warn"}}, strict=True
    )
    assert not built.aborted and not built.warnings


def test_an_honest_duration_builds_strictly(tmp_path: Path):
    built = build_site(
        tmp_path, pages("10 mins"), options={"checks": {"duration": "warn"}}, strict=True
    )
    assert not built.aborted and not built.warnings


def test_info_reports_without_failing_and_off_stays_silent(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
):
    with caplog.at_level(logging.INFO, logger="mkdocs"):
        built = build_site(
            tmp_path / "info",
            pages("2 hours"),
            options={"checks": {"duration": "info"}},
            strict=True,
        )
    assert not built.aborted and not built.warnings
    assert any(
        "'duration' says 2 h" in r.getMessage() and r.levelno == logging.INFO
        for r in caplog.records
    )
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="mkdocs"):
        built = build_site(
            tmp_path / "off", pages("2 hours"), options={"checks": {"duration": "off"}}, strict=True
        )
    assert not built.aborted
    assert not any("'duration' says" in r.getMessage() for r in caplog.records)
