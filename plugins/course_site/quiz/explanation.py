"""Explanations under quiz questions: a blockquote nested under a question, after its options.

    1. Why copy requirements.txt first?
       - So code changes reuse the cached dependency layer
       - Docker requires it
       > Docker reuses a layer while its inputs are unchanged; the code changes
       > more often than the requirements.

Why a module of its own: the parser's grammar stays as it was (the seed's format is
unchanged). Explanation lines are taken out of the list before the parser reads it
(they become blank lines, which the parser skips) and put back on the parsed questions
by line number. Pure: no MkDocs or Markdown import.
"""

from __future__ import annotations

import dataclasses
import re

from .parser import Quiz, QuizError

# A `>` line indented like an option (2+ spaces or a tab): nested under the question.
_QUOTE = re.compile(r"^(?: {2,}|\t)[ \t]*>[ \t]?(.*)$")
# Lines a lazy blockquote continuation must not swallow: options and questions.
_BULLET = re.compile(r"^[ \t]*[-*+](?:[ \t]|$)")
_NUMBERED = re.compile(r"^[ \t]*\d{1,9}[.)](?:[ \t]|$)")
_NEXT_QUESTION = re.compile(r"^ {0,3}\d{1,9}[.)](?:[ \t]|$)")


@dataclasses.dataclass(frozen=True)
class Explanation:
    """One explanation's Markdown and the 1-based line where its blockquote starts."""

    line: int
    text: str


def take_explanations(lines: list[str], start: int, end: int) -> list[Explanation]:
    """Blank out the explanation blockquotes in lines[start:end] (in place) and return them.

    A blockquote is a run of nested `>` lines; an indented line right after one that is
    neither an option nor a question continues it (Markdown's lazy continuation).
    """
    starts: list[int] = []
    texts: list[list[str]] = []
    current: list[str] | None = None
    for i in range(start, end):
        line = lines[i]
        quote = _QUOTE.match(line)
        lazy = (
            current is not None
            and line[:1] in (" ", "\t")
            and line.strip()
            and not _BULLET.match(line)
            and not _NUMBERED.match(line)
        )
        if quote is None and not lazy:
            current = None
            continue
        if current is None:
            current = []
            starts.append(i + 1)
            texts.append(current)
        current.append(quote.group(1) if quote else line.strip())
        lines[i] = ""
    # Joined once at the end: linear in the explanation's length.
    return [
        Explanation(line, "\n".join(text).strip()) for line, text in zip(starts, texts, strict=True)
    ]


def _option_after(lines: list[str], end: int, explanation: Explanation) -> int | None:
    """The 1-based line of an option below `explanation` (before `end`) under the same
    question, if any."""
    for i in range(explanation.line, end):
        line = lines[i]
        if _NEXT_QUESTION.match(line) or (line.strip() and line[:1] not in (" ", "\t")):
            return None
        if _BULLET.match(line):
            return i + 1
    return None


def split_explanations(lines: list[str], start: int, end: int) -> list[Explanation]:
    """`take_explanations`, then check that none stands before an option (QuizError)."""
    explanations = take_explanations(lines, start, end)
    for explanation in explanations:
        if (line := _option_after(lines, end, explanation)) is not None:
            raise QuizError(
                line,
                f"option after the explanation on line {explanation.line}; put the "
                "explanation ('>' lines) below the question's last option",
            )
    return explanations


def attach_explanations(quiz: Quiz, explanations: list[Explanation]) -> Quiz:
    """Give each question the explanation written under it (after its options).

    Raises QuizError for a blockquote before the first question or a second one under
    the same question.
    """
    if not explanations:
        return quiz
    questions = list(quiz.questions)
    taken: dict[int, Explanation] = {}
    for explanation in explanations:
        owner = None
        for n, question in enumerate(questions):
            if question.line < explanation.line:
                owner = n
        if owner is None:
            raise QuizError(explanation.line, "an explanation ('>') must follow a question")
        if not explanation.text:
            raise QuizError(explanation.line, "empty explanation; write its text after '>'")
        if owner in taken:
            raise QuizError(
                explanation.line,
                f"question {questions[owner].text!r} has two explanations; join them into "
                "one blockquote (use a '>' line alone between paragraphs)",
            )
        taken[owner] = explanation
        questions[owner] = dataclasses.replace(questions[owner], explanation=explanation.text)
    return Quiz(tuple(questions))
