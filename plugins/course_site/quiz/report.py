"""The words of every quiz message, shared by the MkDocs plugin, the Markdown extension
and `course-site generate`, so each front end names the same file, line and fix.

Why its own module: the three callers log through different channels (MkDocs' plugin
logger, a plain `logging` logger under Zensical, the command's output), but an author
must read the same sentence wherever a Knowledge Check is reported.
"""

from __future__ import annotations

from .answer_length import answer_length_tell
from .parser import Quiz, QuizError


def not_a_quiz(src: str, error: QuizError, offset: int) -> str:
    """A Knowledge Check that stays Markdown: file, real line (after `offset` front matter
    lines) and why."""
    return (
        f"{src}:{error.line + offset}: Knowledge Check is not a quiz: {error.message}; "
        "the section stays ordinary Markdown."
    )


def answer_length_note(src: str, quiz: Quiz, offset: int, level: str) -> str | None:
    """The answer-length content check's message for `quiz`, or None when it passes."""
    tell = answer_length_tell(quiz)
    if tell is None:
        return None
    return (
        f"{src}:{quiz.questions[0].line + offset}: Knowledge Check: {tell.message(offset)} "
        f"(content check 'answer_length' is {level!r}; `checks: {{answer_length: info}}` "
        "in mkdocs.yml reports it without failing)."
    )


def front_matter_lines(source: str, body: str) -> int:
    """Lines of front matter above `body` in the file's `source`, so messages name real
    file lines (both front ends hand the page over without its front matter)."""
    if body and source.endswith(body):
        return source[: len(source) - len(body)].count("\n")
    return 0
