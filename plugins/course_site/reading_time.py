"""How long a lesson takes, estimated from its Markdown, and whether its front matter agrees.

The estimate: prose at 200 words a minute, plus one minute per code block, plus one
minute per quiz question. A declared duration below half or above three times the
estimate is reported. Pure: no MkDocs import, so the rule is testable on its own.
"""

from __future__ import annotations

import contextlib
import math
import re
from dataclasses import dataclass

from .duration import format_minutes
from .quiz.parser import QuizError, find_sections, parse_section

#: Hands-on types: their time is spent doing (building, debugging), not reading, so a
#: reading estimate says nothing about them and the duration check leaves them alone.
HANDS_ON_TYPES = frozenset({"exercise", "lab", "project"})
WORDS_PER_MINUTE = 200
LOWEST = 0.5  # the declared duration may be half the estimate...
HIGHEST = 3.0  # ...up to three times it

_FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})")
_LINK_TARGET = re.compile(r"\]\([^)]*\)")
_TAG = re.compile(r"<[^>]+>")
_WORD = re.compile(r"\w")


@dataclass(frozen=True)
class Estimate:
    """What a reader meets in a lesson, and the minutes that adds up to."""

    words: int
    code_blocks: int
    questions: int

    @property
    def minutes(self) -> float:
        return self.words / WORDS_PER_MINUTE + self.code_blocks + self.questions

    def describe(self) -> str:
        return (
            f"{self.words} words of prose, {self.code_blocks} code block(s), "
            f"{self.questions} quiz question(s)"
        )


def _without_code(lines: list[str]) -> tuple[list[str], int]:
    """The lines outside fenced code blocks, and how many blocks there were."""
    kept: list[str] = []
    blocks = 0
    fence: str | None = None
    for line in lines:
        match = _FENCE.match(line)
        if fence is not None:
            if match and match.group(1)[0] == fence[0] and len(match.group(1)) >= len(fence):
                fence = None
            continue
        if match:
            fence = match.group(1)
            blocks += 1
            continue
        kept.append(line)
    return kept, blocks


def estimate(markdown: str) -> Estimate:
    """Count prose words (outside code and Knowledge Checks), code blocks and questions.

    *markdown* is the page without its front matter. Link targets and HTML tags
    are not words a reader reads; a malformed quiz counts no questions (the quiz
    check reports it).
    """
    lines = markdown.split("\n")
    questions = 0
    for section in reversed(find_sections(markdown)):
        with contextlib.suppress(QuizError):
            questions += len(parse_section(markdown, section)[1].questions)
        del lines[section.heading_line : section.body_end]
    prose, blocks = _without_code(lines)
    text = _TAG.sub(" ", _LINK_TARGET.sub("]", "\n".join(prose)))
    words = sum(1 for token in text.split() if _WORD.search(token))
    return Estimate(words, blocks, questions)


def duration_problem(src: str, declared: int, found: Estimate) -> str | None:
    """A message naming the file, both durations and the fix, or None when they agree."""
    minutes = found.minutes
    # Durations are whole minutes, so 1 min is never too long, however short the page.
    low, high = minutes * LOWEST, max(1.0, minutes * HIGHEST)
    if low <= declared <= high:
        return None
    suggestion = format_minutes(max(1, round(minutes)))
    direction = "less than half" if declared < low else "more than three times"
    return (
        f"{src}: 'duration' says {format_minutes(declared)}, {direction} the estimated "
        f"{suggestion} ({found.describe()}; 200 words a minute, 1 minute per code block and "
        f"per question). Set 'duration' between {format_minutes(max(1, math.ceil(low)))} and "
        f"{format_minutes(max(1, math.floor(high)))} (e.g. '{suggestion}'), or change the lesson."
    )
