"""Turn a Quiz into the widget's HTML (pure: text in, HTML out).

Why server-side HTML: the quiz must read as a list without JavaScript, print, and be
in place before any script runs. The markup carries no marker of the correct option;
see `encoding` for how the script checks answers. Without JavaScript the answers sit
in a collapsed `<details>` inside `<noscript>`; the script removes that fallback.
The whole widget is `data-search-exclude`, so Material's search never indexes it.
The root `<div>` must not contain another `<div>`: Material's search parser compares
elements by tag name, so a nested `</div>` would end the exclusion early (and crash it).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

from .encoding import encode
from .parser import Quiz

_BLANK_LINES = re.compile(r"\n[ \t]*\n")
_BLOCK = re.compile(r"<(?:p|ul|ol|pre|div|blockquote|table|dl|hr|h[1-6])\b")

InlineRenderer = Callable[[str], str]
"""Renders one question or option (Markdown source) to safe inline HTML."""


def storage_key(lesson_key: str, index: int = 0) -> str:
    """A quiz's key in the site's stored progress: the lesson id, plus a suffix for a 2nd quiz.

    quiz.js keeps all progress of a site under one localStorage entry named after the
    site's base path (see README, "Progress"), so the key needs no prefix of its own.
    """
    return lesson_key + (f"#{index + 1}" if index else "")


def explanation_html(text: str | None, inline: InlineRenderer, *, hidden: bool) -> str:
    """The author's explanation of a question; `hidden` until the reader checks (JS)."""
    if not text:
        return ""
    body = inline(text)
    if not _BLOCK.match(body):  # one paragraph came back inline
        body = f"<p>{body}</p>"
    # No <div> inside the widget (see the module docstring), e.g. from a code block, and
    # no blank line, which would end the widget's HTML block inside Markdown.
    body = body.replace("<div", "<section").replace("</div>", "</section>")
    body = _BLANK_LINES.sub("\n", body)
    return (
        f'<section class="course-quiz__explanation"{" hidden" if hidden else ""}>'
        f"<p><strong>Why</strong></p>{body}</section>"
    )


def render_quiz(
    quiz: Quiz,
    lesson_key: str,
    index: int = 0,
    inline: InlineRenderer = html.escape,
) -> str:
    """HTML of one quiz as a single block without blank lines (safe inside Markdown)."""
    key = storage_key(lesson_key, index)
    attr = html.escape
    out = [
        f'<div class="course-quiz" data-search-exclude data-quiz-key="{attr(key)}" '
        f'data-lesson="{attr(lesson_key)}">',
        '<ol class="course-quiz__questions">',
    ]
    answers = []
    for question in quiz.questions:
        enc = encode(question, key)
        name = f"cq{index}-{enc.qid}"
        out.append(
            f'<li><fieldset class="course-quiz__question" data-q="{enc.qid}" '
            f'data-s="{enc.salt}" data-c="{enc.check}" aria-describedby="{name}-fb">'
        )
        out.append(f"<legend>{inline(question.text)}</legend>")
        out.append('<span class="course-quiz__options">')
        for position in enc.order:
            out.append(
                f'<label class="course-quiz__option"><input type="radio" name="{name}" '
                f'value="{enc.tokens[position]}"><span>{inline(question.options[position])}'
                "</span></label>"
            )
        out.append("</span>")
        out.append(f'<p class="course-quiz__feedback" id="{name}-fb"></p>')
        if question.explanation:
            out.append(explanation_html(question.explanation, inline, hidden=True))
        out.append("</fieldset></li>")
        answers.append(
            f"<li>{inline(question.options[question.correct_index])}"
            f"{explanation_html(question.explanation, inline, hidden=False)}</li>"
        )
    out.append("</ol>")
    out.append(
        '<noscript><details class="course-quiz__answers"><summary>Answers</summary>'
        f"<ol>{''.join(answers)}</ol></details></noscript>"
    )
    out.append(
        '<p class="course-quiz__actions" hidden>'
        '<button type="button" class="md-button md-button--primary" data-quiz-action="check">'
        "Check answers</button>"
        '<button type="button" class="md-button" data-quiz-action="retry" hidden>'
        "Try again</button></p>"
    )
    out.append('<p class="course-quiz__score" role="status" aria-live="polite"></p>')
    out.append("</div>")
    return "\n".join(out)
