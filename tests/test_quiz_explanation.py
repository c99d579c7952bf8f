"""Explanations under quiz questions: a nested blockquote after the options (parser level)."""

from __future__ import annotations

import pytest
from course_site.quiz.parser import QuizError, parse_quizzes
from course_site.quiz.render import render_quiz

SOURCE = """# Lesson

## Knowledge Check

1. Why copy requirements.txt first?
   - So code changes reuse the cached layer
   - Docker requires it
   > Docker reuses a layer while its inputs are unchanged;
   the code changes more often.
   >
   > A second *paragraph*.

2. Is an image a running container?
   - No
   - Yes

After the quiz.
"""


def test_a_blockquote_after_the_options_is_the_questions_explanation() -> None:
    (quiz,) = parse_quizzes(SOURCE)
    first, second = quiz.questions
    assert first.options == ("So code changes reuse the cached layer", "Docker requires it")
    assert first.explanation == (
        "Docker reuses a layer while its inputs are unchanged;\n"
        "the code changes more often.\n\nA second *paragraph*."
    )
    assert second.explanation is None and second.options == ("No", "Yes")


def test_the_seed_format_without_explanations_parses_as_before() -> None:
    seed = SOURCE.split("   > Docker")[0] + "\n2. Q?\n   - a\n   - b\n"
    (quiz,) = parse_quizzes(seed)
    assert [q.explanation for q in quiz.questions] == [None, None]
    assert quiz.questions[0].options[1] == "Docker requires it"


@pytest.mark.parametrize(
    ("source", "line", "words"),
    [
        (
            "## Knowledge Check\n\n1. Q?\n   - a\n   > why\n   - b\n",
            6,
            "option after the explanation",
        ),
        (
            "## Knowledge Check\n\n1. Q?\n   - a\n   - b\n   > one\n\n   > two\n",
            8,
            "two explanations",
        ),
        ("## Knowledge Check\n\n1. Q?\n   - a\n   - b\n   >\n", 6, "empty explanation"),
    ],
)
def test_misplaced_or_doubled_explanations_name_the_line(
    source: str, line: int, words: str
) -> None:
    with pytest.raises(QuizError) as error:
        parse_quizzes(source)
    assert error.value.line == line and words in error.value.message


def test_the_explanation_waits_hidden_in_the_widget_and_shows_in_the_no_js_answers() -> None:
    (quiz,) = parse_quizzes(SOURCE)
    html = render_quiz(quiz, "lesson")
    widget, fallback = html.split("<noscript>")
    assert widget.count('<section class="course-quiz__explanation" hidden>') == 1
    assert '<section class="course-quiz__explanation">' in fallback
    assert "<p><strong>Why</strong></p>" in fallback
    assert "\n\n" not in html and "<div" not in html.split(">", 1)[1]


def test_the_page_replacement_path_keeps_explanations_and_a_bad_quiz_byte_for_byte() -> None:
    from course_site.quiz.replace import replace_quizzes

    seen = []
    replace_quizzes(SOURCE, lambda quiz, index: seen.append(quiz) or "<div></div>")
    assert seen[0].questions[0].explanation is not None
    assert "second *paragraph*" in seen[0].questions[0].explanation
    broken = SOURCE.replace("   - Docker requires it\n", "") + "\n"  # one option left
    page, errors = replace_quizzes(broken, lambda quiz, index: "<div></div>")
    assert errors and page == broken
