"""The course's pages under Zensical, as a Python-Markdown extension (`course_pages`).

Why: Zensical runs no MkDocs plugin, so what the `course` plugin adds to pages (a
lesson's type and duration under its title, the "Mark as complete" toggle of a lesson
without a quiz, the home overview and the section lesson lists) comes from the
`course.json` that `course-site generate` wrote with the plugin's own renderers, and is
placed here with the plugin's own `insert_after_title` / `place_at_marker`.

It also catches what a generated site cannot see for itself, and says what to run: a
lesson added or changed since `course-site generate`, a generated page edited by hand,
a missing `course.json`, a Zensical release outside the tested range. Zensical shows
these warnings but does not fail `--strict` on them; `course-site generate --check`
fails on all of them.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import markdown
from markdown.extensions import Extension
from markdown.preprocessors import Preprocessor

from .generate import COURSE_DATA, front_matter_fields
from .quiz.extension import PageContext
from .render import insert_after_title, place_at_marker
from .sealed import edited_by_hand, is_generated
from .zensical_support import installed_zensical, version_problem

log = logging.getLogger("course_site.pages")
REGENERATE = "run `course-site generate` (then build again)"
_DATA: dict[Path, tuple[float, dict[str, Any]]] = {}
_SAID: set[str] = set()
"""Site-wide messages already given in this process (once, not once per page)."""


def _once(message: str) -> None:
    if message not in _SAID:
        _SAID.add(message)
        log.warning("%s", message)


def course_data(config: dict) -> dict[str, Any] | None:
    """The generated course.json of the site being built (re-read when it changes)."""
    docs = Path(config.get("root_dir") or ".") / (config.get("docs_dir") or "docs")
    path = docs / COURSE_DATA
    try:
        mtime = path.stat().st_mtime
        if path not in _DATA or _DATA[path][0] != mtime:
            _DATA[path] = (mtime, json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError):
        _once(f"docs/{COURSE_DATA} is missing or unreadable: {REGENERATE}.")
        return None
    return _DATA[path][1]


def stale_lesson(src: str, meta: dict[str, Any], data: dict[str, Any]) -> str | None:
    """Why this page's lesson data is out of date, or None."""
    lesson = data["lessons"].get(src)
    if lesson is None:
        if "id" not in meta:
            return None
        return (
            f"{src}: a lesson that `course-site generate` has not seen (it is missing from "
            f"the nav, the prev/next chain and the overview): {REGENERATE}."
        )
    if front_matter_fields(meta) != lesson["front_matter"]:
        return f"{src}: its front matter changed since `course-site generate`: {REGENERATE}."
    return None


class CoursePagesPreprocessor(Preprocessor):
    """Adds the plugin's course texts to the page, after the quiz preprocessor ran."""

    def run(self, lines: list[str]) -> list[str]:
        page = PageContext.of(self.md, "page.md", "")
        if page.config and (problem := version_problem(installed_zensical())) is not None:
            _once(problem)
        data = course_data(page.config) if page.config else None
        if data is None:
            return lines
        src = page.src
        if (stale := stale_lesson(src, page.meta, data)) is not None:
            log.warning("%s", stale)
        if page.source and is_generated(page.source) and edited_by_hand(src, page.source):
            log.warning(
                "%s: a generated page was edited by hand; write your text in a page of your "
                "own (delete this one: an authored index page replaces it), then %s.",
                src,
                REGENERATE,
            )
        text = "\n".join(lines)
        lesson = data["lessons"].get(src)
        if lesson is not None:
            if lesson["meta"]:
                text = insert_after_title(text, lesson["meta"])
            if lesson["toggle"] and not getattr(self.md, "course_quizzes", 0):
                text = f"{text.rstrip()}\n\n{lesson['toggle']}\n"
        if (placed := data["pages"].get(src)) is not None:
            text = place_at_marker(text, placed["marker"], placed["text"])
        return text.split("\n")


class CoursePagesExtension(Extension):
    """`markdown_extensions: [course_quiz, course_pages]` (zensical.yml lists both)."""

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        # After the quiz (25), so it knows whether the page got one; before raw HTML (20).
        md.preprocessors.register(CoursePagesPreprocessor(md), "course_pages", 24)


def makeExtension(**kwargs: Any) -> CoursePagesExtension:
    return CoursePagesExtension(**kwargs)
