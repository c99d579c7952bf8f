"""Only a valid quiz's list is replaced in the page; everything else stays byte for byte."""

from __future__ import annotations

from course_site.quiz.parser import Quiz
from course_site.quiz.replace import replace_quizzes
from hypothesis import given, settings
from hypothesis import strategies as st
from test_quiz_parser import markdownish


def _sentinel(quiz: Quiz, index: int) -> str:
    return f"<QUIZ {index}: {len(quiz.questions)} questions>"


def test_valid_list_is_replaced_and_heading_and_prose_kept() -> None:
    page = (
        "# Lesson\n\nText.\n\n## Knowledge Check\n\nTry these.\n\n1. Q?\n   - a\n   - b\n\nAfter.\n"
    )
    result, errors = replace_quizzes(page, _sentinel)
    assert errors == []
    assert result == (
        "# Lesson\n\nText.\n\n## Knowledge Check\n\nTry these.\n\n"
        "\n<QUIZ 0: 1 questions>\n\n\nAfter.\n"
    )


def test_malformed_quiz_is_reported_and_the_page_left_alone() -> None:
    page = "## Knowledge Check\n\n1. Q?\n   - only\n\n## Knowledge Check\n\n1. R?\n  - x\n  - y\n"
    result, errors = replace_quizzes(page, _sentinel)
    assert [e.line for e in errors] == [3]
    assert result.startswith("## Knowledge Check\n\n1. Q?\n   - only\n")
    assert result.endswith("\n<QUIZ 0: 1 questions>\n\n")


@settings(max_examples=300)
@given(markdownish)
def test_pages_without_a_valid_quiz_come_back_unchanged(page: str) -> None:
    result, errors = replace_quizzes(page, _sentinel)
    if "<QUIZ" not in result:
        assert result == page
    for error in errors:
        assert 1 <= error.line <= page.count("\n") + 1


_PROSE = st.lists(
    st.text(alphabet="abc xyz.,!?`*_", min_size=1, max_size=30).filter(
        lambda s: s.strip() and s[0] not in " *_" and not s.startswith("`" * 3)
    ),
    max_size=4,
).map("\n".join)


@given(_PROSE, _PROSE, st.sampled_from(["## Knowledge Check", "Knowledge Check\n---"]))
def test_only_the_list_lines_change(before: str, after: str, heading: str) -> None:
    quiz = "1. First?\n   - yes\n   - no\n2. Second?\n   - up\n   - down"
    page = f"{before}\n\n{heading}\n\n{quiz}\n\n{after}"
    result, errors = replace_quizzes(page, _sentinel)
    assert errors == []
    assert result == f"{before}\n\n{heading}\n\n\n<QUIZ 0: 2 questions>\n\n\n{after}"
