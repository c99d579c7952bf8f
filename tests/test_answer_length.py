"""The answer-length content check: pure rule, and its levels in a real build."""

from __future__ import annotations

from pathlib import Path

import pytest
from _site import build_site, lesson
from course_site.quiz.answer_length import answer_length_tell, visible_length
from course_site.quiz.parser import Question, Quiz, parse_quizzes

DOCS = Path(__file__).resolve().parents[1] / "docs"


def _quiz(*option_sets: tuple[str, ...]) -> Quiz:
    return Quiz(tuple(Question(f"Q{n}?", opts, 10 * n) for n, opts in enumerate(option_sets, 1)))


LONG = ("the long correct one", "short", "tiny")
SHORT = ("ok", "a much longer wrong one", "no")
TIE = ("same size", "same, size", "x")


def test_visible_length_ignores_markup_and_link_targets() -> None:
    assert visible_length("`CMD`  runs *first*") == len("CMD runs first")
    assert visible_length("[the docs](https://example.org/a/very/long/path)") == len("the docs")


@pytest.mark.parametrize(
    ("questions", "flagged"),
    [
        ((LONG, LONG, SHORT), True),  # 2 of 3: more than half
        ((LONG, SHORT), False),  # exactly half
        ((LONG, LONG, TIE, SHORT), False),  # a tie is not "the longest"
        ((LONG,), True),
    ],
)
def test_flagged_when_the_correct_option_is_longest_in_more_than_half(
    questions: tuple[tuple[str, ...], ...], flagged: bool
) -> None:
    assert (answer_length_tell(_quiz(*questions)) is not None) is flagged


def test_the_message_names_the_count_and_the_file_lines() -> None:
    tell = answer_length_tell(_quiz(LONG, LONG, SHORT))
    assert tell is not None
    assert "longest in 2 of 3 questions (lines 15, 25)" in tell.message(offset=5)


@pytest.mark.parametrize(
    "page", sorted(p.relative_to(DOCS).as_posix() for p in DOCS.glob("*/*.md"))
)
def test_no_quiz_of_the_course_has_the_tell(page: str) -> None:
    # docs/operations is left out until its rewrite (issue 13) lands; see mkdocs.yml.
    for quiz in parse_quizzes((DOCS / page).read_text(encoding="utf-8")):
        assert answer_length_tell(quiz) is None, page


FLAGGED = lesson(
    "tell",
    1,
    "basics",
    body="## Knowledge Check\n\n1. Q?\n   - the longest answer\n   - no\n   - nope\n",
)


@pytest.mark.parametrize(
    ("level", "aborted", "warned"),
    [("warn", True, True), ("info", False, False), ("off", False, False)],
)
def test_the_level_decides_whether_a_strict_build_fails(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, level: str, aborted: bool, warned: bool
) -> None:
    caplog.set_level("INFO", logger="mkdocs.plugins.course_site")
    built = build_site(
        tmp_path,
        {"basics/tell.md": FLAGGED},
        options={"checks": {"answer_length": level}},
        strict=True,
    )
    assert built.aborted is aborted
    assert any("longest in 1 of 1 questions (lines 14)" in w for w in built.warnings) is warned
    reported = [r for r in caplog.records if "answer_length" in r.getMessage()]
    assert len(reported) == (0 if level == "off" else 1)
    if reported:
        assert reported[0].levelname == {"warn": "WARNING", "info": "INFO"}[level]
        assert reported[0].getMessage().startswith("course_site: basics/tell.md:14: ")
