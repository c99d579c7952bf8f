"""The quiz as a Python-Markdown extension (`course_quiz`), for front ends without MkDocs
plugins (Zensical) and for plain `markdown.Markdown`.

Why an extension: Zensical renders pages with Python-Markdown but runs no MkDocs plugin,
so the only place our Python runs is inside Markdown. The extension makes the widget
with the very code the MkDocs plugin uses (`replace_quizzes`, `render_quiz`, the same
`InlineMarkdown` with raw HTML off and nh3 after it) and reports through `report`, so
both front ends give the same HTML, answer encoding, sanitizing and messages. The MkDocs
plugin does not load it: it defers widgets to `on_post_page` to keep a large course's
memory flat (see `QuizInline`), which needs MkDocs' page events.

The page's name, front matter and source come from Zensical's rendering context when
there is one (`zensical.extensions.context`), else from the `src` / `lesson` options.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import markdown
from markdown.extensions import Extension
from markdown.preprocessors import Preprocessor

from ..content_checks import check_levels, reporter
from .inline import InlineMarkdown
from .parser import Quiz
from .render import render_quiz
from .replace import replace_quizzes
from .report import answer_length_note, front_matter_lines, not_a_quiz

log = logging.getLogger("course_site.quiz")
OWN_EXTENSIONS = frozenset({"course_quiz", "course_pages"})
"""Ours, never loaded into the inline renderer (a quiz inside a quiz option)."""
_RENDERERS: dict[tuple[Any, ...], InlineMarkdown] = {}


class PageContext:
    """Where the page being rendered comes from: its path in docs/, front matter, file text."""

    def __init__(self, src: str, meta: dict[str, Any], source: str | None, config: dict) -> None:
        self.src = src
        self.meta = meta
        self.source = source
        self.config = config

    @classmethod
    def of(cls, md: markdown.Markdown, fallback_src: str, lesson: str) -> PageContext:
        """Zensical's page when it renders, else the extension's own options."""
        for processor in md.preprocessors:
            page = getattr(processor, "page", None)
            config = getattr(processor, "config", None)
            if page is not None and isinstance(config, dict) and hasattr(page, "path"):
                docs = Path(config.get("root_dir") or ".") / (config.get("docs_dir") or "docs")
                try:
                    source = (docs / page.path).read_text(encoding="utf-8-sig")
                except (OSError, UnicodeDecodeError):
                    source = None
                return cls(page.path, dict(page.meta or {}), source, config)
        return cls(fallback_src, {"id": lesson} if lesson else {}, None, {})

    @property
    def lesson_key(self) -> str:
        """The lesson `id` from front matter, else the page's path (as the plugin keys it)."""
        lesson_id = self.meta.get("id")
        return str(lesson_id) if lesson_id else self.src


class QuizPreprocessor(Preprocessor):
    """Each valid Knowledge Check list becomes the widget; a malformed one is reported."""

    def __init__(self, md: markdown.Markdown, extension: QuizExtension) -> None:
        super().__init__(md)
        self.extension = extension

    def run(self, lines: list[str]) -> list[str]:
        text = "\n".join(lines)
        ext = self.extension
        page = PageContext.of(self.md, ext.getConfig("src"), ext.getConfig("lesson"))
        key = page.lesson_key
        inline = ext.inline_renderer(page.config)
        quizzes: list[Quiz] = []

        def widget(quiz: Quiz, index: int) -> str:
            quizzes.append(quiz)
            # Stashed: the widget is final HTML, not Markdown for later processors.
            return self.md.htmlStash.store(render_quiz(quiz, key, index, inline))

        result, errors = replace_quizzes(text, widget)
        self.md.course_quizzes = len(quizzes)  # type: ignore[attr-defined]
        if errors or quizzes:
            offset = front_matter_lines(page.source, text) if page.source else 0
            level = check_levels(ext.getConfig("checks"))["answer_length"]
            if (report := reporter(level, log)) is not None:
                for quiz in quizzes:
                    if (note := answer_length_note(page.src, quiz, offset, level)) is not None:
                        report("%s", note)
            for error in errors:
                log.warning("%s", not_a_quiz(page.src, error, offset))
        return result.split("\n")


class QuizExtension(Extension):
    """`markdown_extensions: [course_quiz]`; options as the plugin's `checks`."""

    def __init__(self, **kwargs: Any) -> None:
        self.config = {
            "src": ["page.md", "Path of the page in docs/ (Zensical gives it itself)."],
            "lesson": ["", "Lesson id the quiz's progress is stored under (else the page's)."],
            "checks": [{}, "Content check levels, as `checks:` of the `course` plugin."],
            "extensions": [[], "Extensions for question text outside Zensical."],
        }
        super().__init__(**kwargs)

    def inline_renderer(self, config: dict) -> InlineMarkdown:
        """One renderer per site configuration: the page's extensions, minus ours."""
        names = config.get("markdown_extensions") or self.getConfig("extensions")
        named = [name for name in names if isinstance(name, str) and name not in OWN_EXTENSIONS]
        configs = {k: v for k, v in (config.get("mdx_configs") or {}).items() if k in named}
        # Zensical makes a new Markdown (and extension) per page: the renderer outlives it.
        stamp = (tuple(named), config.get("mdx_configs_hash") or id(config))
        if stamp not in _RENDERERS:
            _RENDERERS.clear()  # one site configuration at a time (`zensical serve` reloads)
            _RENDERERS[stamp] = InlineMarkdown(named, configs)
        return _RENDERERS[stamp]

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        # After snippets (32) and whitespace normalizing (30), before raw HTML blocks (20).
        md.preprocessors.register(QuizPreprocessor(md, self), "course_quiz", 25)


def makeExtension(**kwargs: Any) -> QuizExtension:
    """Python-Markdown's hook for `markdown_extensions: [course_site.quiz.extension]`."""
    return QuizExtension(**kwargs)
