"""Swap each valid Knowledge Check list in a page's Markdown for rendered HTML (pure).

Why separate: this is the one place that edits an author's page, so it is small and
property-tested: a page without a valid quiz comes back byte for byte, and only the
lines of a valid quiz's list change. Malformed quizzes are returned, not raised, so
the adapter can warn about each and keep building.
"""

from __future__ import annotations

from collections.abc import Callable

from .parser import Quiz, QuizError, find_sections, parse_located

RenderQuiz = Callable[[Quiz, int], str]
"""(quiz, index of the valid quiz on the page) -> one HTML block without blank lines."""


def replace_quizzes(markdown: str, render: RenderQuiz) -> tuple[str, list[QuizError]]:
    """Return the page with each valid quiz list replaced, plus the errors of bad ones."""
    sections = find_sections(markdown)
    if not sections:
        return markdown, []
    lines = markdown.split("\n")
    errors: list[QuizError] = []
    replacements = []
    for section in sections:
        try:
            span, quiz = parse_located(lines, section)
        except QuizError as error:
            errors.append(error)
            continue
        replacements.append((span, render(quiz, len(replacements))))
    if not replacements:
        return markdown, errors
    out: list[str] = []  # built front to back: linear in the page, however many quizzes
    done = 0
    for span, html in replacements:
        out += lines[done : span.start]
        out += ["", html, ""]
        done = span.end
    out += lines[done:]
    return "\n".join(out), errors
