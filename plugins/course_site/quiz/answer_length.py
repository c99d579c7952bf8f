"""The answer-length tell: a quiz whose correct option is usually the longest can be
passed without reading the lesson. Pure: no MkDocs import.

The rule (README, "Answer-length check"): an option's length is its visible text,
counted in characters after dropping link targets `(...)` of `[text](target)`, the
Markdown marks `` ` `` `*` `_` `[` `]`, and collapsing runs of white space. In a
question the correct option "is the longest" when it is strictly longer than every
other option. A quiz is flagged when that holds in more than half of its questions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .parser import Quiz

_LINK_TARGET = re.compile(r"\]\([^)]*\)")
_MARKS = re.compile(r"[`*_\[\]]")


def visible_length(option: str) -> int:
    """Characters a reader sees in an option written in Markdown."""
    text = _MARKS.sub("", _LINK_TARGET.sub("]", option))
    return len(" ".join(text.split()))


@dataclass(frozen=True)
class AnswerLengthTell:
    """In `longest` of `total` questions the correct option is the longest (lines listed)."""

    longest: int
    total: int
    lines: tuple[int, ...]

    def message(self, offset: int = 0) -> str:
        """What is wrong and what to do; `offset` turns quiz lines into file lines."""
        lines = ", ".join(str(line + offset) for line in self.lines)
        return (
            f"the correct option is the longest in {self.longest} of {self.total} questions "
            f"(lines {lines}), so the quiz can be passed without reading: make a wrong option "
            "the longest in some of them, or shorten the correct one"
        )


def answer_length_tell(quiz: Quiz) -> AnswerLengthTell | None:
    """The tell when the correct option is the longest in more than half the questions."""
    lines = []
    for question in quiz.questions:
        lengths = [visible_length(option) for option in question.options]
        correct = lengths[question.correct_index]
        others = lengths[: question.correct_index] + lengths[question.correct_index + 1 :]
        if all(correct > other for other in others):
            lines.append(question.line)
    total = len(quiz.questions)
    if 2 * len(lines) <= total:
        return None
    return AnswerLengthTell(len(lines), total, tuple(lines))
