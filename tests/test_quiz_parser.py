"""The Knowledge Check grammar: what authors write becomes Questions, or a QuizError with a line."""

from __future__ import annotations

import contextlib
import textwrap

import pytest
from course_site.quiz.parser import (
    _BLOCKS,
    Question,
    QuizError,
    find_sections,
    parse_quizzes,
    parse_section,
)
from hypothesis import given, settings
from hypothesis import strategies as st

SEED_STYLE = textwrap.dedent(
    """\
    # A lesson

    Some prose.

    ## Knowledge Check

    1. What does a container image pin?
       - The runtime, libraries and code the model needs
       - The model's accuracy
       - The size of the training set

    2. Which `Dockerfile` instruction sets the *default* process?
       - `CMD`
       - `LABEL`
    """
)


def test_seed_style_quiz_parses_questions_options_and_first_option_as_correct() -> None:
    [quiz] = parse_quizzes(SEED_STYLE)
    assert [q.text for q in quiz.questions] == [
        "What does a container image pin?",
        "Which `Dockerfile` instruction sets the *default* process?",
    ]
    assert quiz.questions[0].options == (
        "The runtime, libraries and code the model needs",
        "The model's accuracy",
        "The size of the training set",
    )
    assert all(q.correct_index == 0 for q in quiz.questions)
    assert quiz.questions[1].line == 12


@pytest.mark.parametrize("indent", [2, 3, 4])
def test_options_may_be_indented_two_three_or_four_spaces(indent: int) -> None:
    pad = " " * indent
    source = (
        f"## Knowledge Check\n\n1. Q one\n{pad}- right\n{pad}- wrong\n"
        f"2. Q two\n{pad}* a\n{pad}+ b\n"
    )
    [quiz] = parse_quizzes(source)
    assert quiz.questions[0].options == ("right", "wrong")
    assert quiz.questions[1].options == ("a", "b")


@pytest.mark.parametrize(
    "heading",
    [
        "# Knowledge Check",
        "###### Knowledge Check",
        "## knowledge check",
        "## Knowledge Check ##",
        "## Knowledge Check {#kc}",
        "Knowledge Check\n---------------",
        "Knowledge Check\n===",
    ],
)
def test_heading_of_any_level_or_style_starts_a_quiz(heading: str) -> None:
    [quiz] = parse_quizzes(f"{heading}\n\n1. Q\n   - a\n   - b\n")
    assert quiz.questions[0].options == ("a", "b")


def test_other_headings_are_not_quizzes() -> None:
    source = "## Knowledge Checks\n\n1. Q\n   - a\n   - b\n\n## Check your knowledge\n"
    assert find_sections(source) == []


def test_heading_inside_fenced_code_is_ignored() -> None:
    source = "```markdown\n## Knowledge Check\n\n1. Q\n   - a\n```\n"
    assert parse_quizzes(source) == []


def test_intro_and_trailing_prose_stay_outside_the_list() -> None:
    source = textwrap.dedent(
        """\
        ## Knowledge Check

        Answer these before moving on.

        1. Q
           - a
           - b

        Next up: serving.

        ## Next section
        """
    )
    [section] = find_sections(source)
    span, quiz = parse_section(source, section)
    lines = source.splitlines()
    assert lines[span.start] == "1. Q"
    assert lines[span.end - 1] == "   - b"
    assert quiz.questions[0].options == ("a", "b")


def test_wrapped_question_and_option_lines_are_joined() -> None:
    source = (
        "## Knowledge Check\n\n"
        "1. A long\n   question?\n   - first part\n     second part\n   - other\n"
    )
    [quiz] = parse_quizzes(source)
    assert quiz.questions[0].text == "A long question?"
    assert quiz.questions[0].options == ("first part second part", "other")


def test_every_knowledge_check_on_a_page_is_found() -> None:
    one = "## Knowledge Check\n\n1. Q1\n   - a\n   - b\n"
    assert len(parse_quizzes(one + "\n## Later\n\ntext\n\n" + one.replace("Q1", "Q2"))) == 2


def test_numbered_items_may_use_parenthesis_and_two_digits() -> None:
    items = "".join(f"{n}) Q{n}\n    - a\n    - b\n" for n in range(1, 12))
    [quiz] = parse_quizzes("## Knowledge Check\n\n" + items)
    assert len(quiz.questions) == 11


@pytest.mark.parametrize(
    ("source", "line", "words"),
    [
        ("## Knowledge Check\n\n1. Q\n   - only one\n", 3, "needs at least 2"),
        ("## Knowledge Check\n\n1. Q\n", 3, "needs at least 2"),
        ("intro\n\n## Knowledge Check\n\nJust prose.\n", 3, "no numbered list"),
        ("## Knowledge Check\n\n- a bullet\n- list\n", 1, "no numbered list"),
        ("## Knowledge Check\n\n1. Q\n   - a\n   -\n   - c\n", 5, "empty option"),
        ("## Knowledge Check\n\n1. Q\n   - a\n   - a\n", 5, "appears twice"),
        ("## Knowledge Check\n\n1. Q\n   - a\n   - b\n2. Q\n   - c\n   - d\n", 6, "twice"),
        ("## Knowledge Check\n\n1.\n   - a\n   - b\n", 3, "no text"),
        ("## Knowledge Check\n\n1. Q\n   - a\n        - b\n", 5, "more than 4"),
    ],
)
def test_malformed_quiz_raises_quiz_error_naming_the_line(
    source: str, line: int, words: str
) -> None:
    with pytest.raises(QuizError) as caught:
        parse_quizzes(source)
    assert caught.value.line == line
    assert words in caught.value.message


# --- properties over generated Markdown ------------------------------------------------

_FRAGMENTS = [
    "## Knowledge Check",
    "# Knowledge Check #",
    "Knowledge Check",
    "---",
    "===",
    "```",
    "~~~",
    "",
    "",
    "1. ",
    "1. Question?",
    "12) Q",
    "   - ",
    "   -",
    "   - option",
    "  * opt",
    "    + opt",
    "\t- tab",
    "        - deep",
    "     continued",
    "prose",
    "- bullet",
    "## Other",
    "    code",
    "> quote",
    "<script>alert(1)</script>",
]

markdownish = st.lists(
    st.one_of(st.sampled_from(_FRAGMENTS), st.text(max_size=12)), max_size=40
).map("\n".join)


@settings(max_examples=400)
@given(markdownish)
def test_no_markdown_makes_the_parser_raise_anything_but_quiz_error(source: str) -> None:
    try:
        quizzes = parse_quizzes(source)
    except QuizError as error:
        assert 1 <= error.line <= max(1, len(source.splitlines()))
    else:
        for quiz in quizzes:
            for question in quiz.questions:
                assert question.text and len(question.options) >= 2
                assert all(option for option in question.options)


@given(st.text())
def test_arbitrary_text_only_ever_raises_quiz_error(source: str) -> None:
    with contextlib.suppress(QuizError):
        parse_quizzes(source)


_WORD = st.text(
    alphabet=st.characters(
        codec="utf-8",
        categories=("L", "N", "P", "S"),
        exclude_characters="\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029",
    ),
    min_size=1,
    max_size=8,
)
_TEXT = (
    st.lists(_WORD, min_size=1, max_size=6)
    .map(" ".join)
    # Text that opens a block ("///", "!!! note", a fence) is refused by design.
    .filter(lambda text: not any(block.match(text.strip()) for block, _ in _BLOCKS))
)
questions = st.lists(
    st.tuples(_TEXT, st.lists(_TEXT, min_size=2, max_size=5, unique=True)),
    min_size=1,
    max_size=6,
    unique_by=lambda q: q[0],
)


def _write(quiz: list[tuple[str, list[str]]], indent: int, level: int, bullet: str) -> str:
    out = ["# Lesson", "", "Prose before.", "", "#" * level + " Knowledge Check", ""]
    for number, (text, options) in enumerate(quiz, start=1):
        out.append(f"{number}. {text}")
        out.extend(f"{' ' * indent}{bullet} {option}" for option in options)
        out.append("")
    out.append("Prose after.")
    return "\n".join(out)


@settings(max_examples=200)
@given(
    questions,
    st.sampled_from([2, 3, 4]),
    st.integers(min_value=1, max_value=6),
    st.sampled_from("-*+"),
)
def test_valid_quizzes_round_trip(
    quiz: list[tuple[str, list[str]]], indent: int, level: int, bullet: str
) -> None:
    [parsed] = parse_quizzes(_write(quiz, indent, level, bullet))
    assert [(q.text, list(q.options)) for q in parsed.questions] == quiz
    assert all(isinstance(q, Question) and q.correct_index == 0 for q in parsed.questions)
