"""The thin MkDocs side of quizzes: assets once per site, Knowledge Checks -> widgets.

Why here and not in plugin.py: the plugin only wires events; this module knows how a
page's Markdown becomes quiz HTML and how the JS/CSS get into the built site.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import markdown
from markdown.treeprocessors import Treeprocessor
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.plugins import get_plugin_logger
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

from ..content_checks import reporter
from .inline import InlineMarkdown, PageLinks
from .parser import Quiz
from .render import render_quiz
from .replace import replace_quizzes
from .report import answer_length_note, front_matter_lines, not_a_quiz

log = get_plugin_logger(__name__)

ASSET_DIR = Path(__file__).parent / "assets"
ASSETS = {"assets/course/quiz.js": "quiz.js", "assets/course/quiz.css": "quiz.css"}
"""Site path -> file in ASSET_DIR."""


def register_assets(config: MkDocsConfig) -> None:
    """Add the quiz JS and CSS to the site's extra_javascript/extra_css, once.

    Idempotent: the same loaded config may be built more than once (`mkdocs serve`
    keeps plugins with `on_startup` alive across rebuilds; tools and tests rebuild a
    config), and an author may already list the assets in mkdocs.yml.
    """
    for site_path in ASSETS:
        target = config.extra_javascript if site_path.endswith(".js") else config.extra_css
        if site_path not in [str(entry) for entry in target]:
            target.append(site_path)


def add_asset_files(files: Files, config: MkDocsConfig) -> Files:
    """Ship the quiz JS and CSS as generated files (replacing any stale copy)."""
    for site_path, name in ASSETS.items():
        existing = files.get_file_from_path(site_path)
        if existing is not None:
            files.remove(existing)
        files.append(File.generated(config, site_path, abs_src_path=str(ASSET_DIR / name)))
    return files


def _page_links(page: Page, config: MkDocsConfig, files: Files) -> Treeprocessor | None:
    """MkDocs' own link rewriting (`x.md` -> `x/`) for this page, so links in quiz text
    resolve exactly like links in the page around them."""
    try:
        from mkdocs.structure.pages import _RelativePathTreeprocessor
    except ImportError:  # pragma: no cover - MkDocs internals moved
        return None
    return _RelativePathTreeprocessor(page.file, files, config)


class QuizInline:
    """One build's inline renderer: one Markdown instance, retargeted page by page.

    Why per build and not per page: a `markdown.Markdown` with every configured
    extension takes about a millisecond to set up and stays in memory until the
    garbage collector finds its reference cycles. The plugin makes a new one in
    `on_config`, so `mkdocs serve` picks up a changed mkdocs.yml.

    Why widgets are deferred (`defer` / `insert`): MkDocs renders every page's Markdown
    before it writes any page and keeps each page's Markdown and HTML to the end, so a
    widget put into the Markdown is held twice per lesson and parsed again as raw HTML
    (and by the search plugin). The page carries an empty slot element instead; the
    parsed quizzes wait here and become HTML in `on_post_page`, one page at a time.
    """

    def __init__(self, config: MkDocsConfig) -> None:
        self._config = config
        self._links = PageLinks()
        self._inline: InlineMarkdown | None = None
        self._nonce = secrets.token_hex(8)
        self._pending: dict[str, tuple[Files, str, list[Quiz]]] = {}

    def _renderer(self) -> InlineMarkdown:
        if self._inline is None:

            def prepare(md: markdown.Markdown) -> None:
                self._links.md = md
                md.treeprocessors.register(self._links, "relpath", 0)

            # Extensions named in mkdocs.yml get fresh instances here; instances that
            # other plugins put in the list carry their own state and stay with the
            # page's Markdown.
            config = self._config
            named = [ext for ext in config.markdown_extensions if isinstance(ext, str)]
            self._inline = InlineMarkdown(named, config.mdx_configs, prepare)
        return self._inline

    @contextmanager
    def for_page(self, page: Page, files: Files) -> Iterator[Callable[[str], str]]:
        """The renderer with this page's links; each distinct fragment converted once."""
        self._links.target = _page_links(page, self._config, files)
        done: dict[str, str] = {}

        def render(text: str) -> str:
            html = done.get(text)
            if html is None:
                html = done[text] = self._renderer()(text)
            return html

        try:
            yield render
        finally:
            self._links.target = None

    def slot(self, index: int) -> str:
        """The element that stands for a page's `index`-th quiz until `insert`."""
        return f'<div class="course-quiz-slot" data-slot="{self._nonce}-{index}"></div>'

    def defer(self, page: Page, files: Files, key: str, quizzes: list[Quiz]) -> None:
        """Keep a page's parsed quizzes until its HTML is written."""
        self._pending[page.file.src_uri] = (files, key, quizzes)

    def has_quiz(self, page: Page) -> bool:
        """Whether `page` got a quiz widget (until its HTML is written)."""
        return page.file.src_uri in self._pending

    def insert(self, output: str, page: Page) -> str:
        """Put the widgets of `page` into its finished HTML in place of their slots."""
        pending = self._pending.pop(page.file.src_uri, None)
        if pending is None:
            return output
        files, key, quizzes = pending
        # One pass over the page, however many quizzes it has (a replace per slot
        # made a page with hundreds of quizzes quadratic).
        slots = re.compile(re.escape(self.slot(0)[: -len('0"></div>')]) + r'([0-9]+)"></div>')
        filled: set[int] = set()
        with self.for_page(page, files) as render:

            def widget(match: re.Match[str]) -> str:
                index = int(match.group(1))
                if index >= len(quizzes) or index in filled:
                    return match.group(0)
                filled.add(index)
                return render_quiz(quizzes[index], key, index, render)

            output = slots.sub(widget, output)
        if len(filled) < len(quizzes):
            log.warning(
                "%s: the quiz widget's place was removed from the page "
                "(by a theme or a plugin that runs before `course`).",
                page.file.src_uri,
            )
        return output


def _line_offset(page: Page, markdown_text: str) -> int:
    """Lines of front matter above `markdown_text`, so warnings name real file lines."""
    try:
        source = page.file.content_string
    except (OSError, TypeError, ValueError):
        return 0
    return front_matter_lines(source, markdown_text)


def lesson_key(page: Page) -> str:
    """The lesson `id` from front matter, else the page's source path."""
    lesson_id = page.meta.get("id") if isinstance(page.meta, dict) else None
    return str(lesson_id) if lesson_id else page.file.src_uri


def quizzes_to_html(
    markdown_text: str,
    page: Page,
    config: MkDocsConfig,
    files: Files,
    inline: QuizInline | None = None,
    answer_length: str = "warn",
) -> str:
    """Replace each valid Knowledge Check list in a page with the quiz widget.

    A malformed one is logged as a WARNING (file and line; `--strict` fails) and left
    as ordinary Markdown. With the build's `inline` renderer the page gets slots that
    `QuizInline.insert` fills in `on_post_page`; without one, the widgets themselves.
    `answer_length` is the level of that content check (`warn`, `info` or `off`).
    """
    key = lesson_key(page)
    quizzes: list[Quiz] = []
    if inline is None:  # standalone: the widgets go straight into the Markdown
        with QuizInline(config).for_page(page, files) as render:

            def widget(quiz: Quiz, index: int) -> str:
                quizzes.append(quiz)
                return render_quiz(quiz, key, index, render)

            result, errors = replace_quizzes(markdown_text, widget)
    else:

        def slot(quiz: Quiz, index: int) -> str:
            quizzes.append(quiz)
            return inline.slot(index)

        result, errors = replace_quizzes(markdown_text, slot)
        if quizzes:
            inline.defer(page, files, key, quizzes)
    offset = _line_offset(page, markdown_text) if errors or quizzes else 0
    src = page.file.src_uri
    if (report := reporter(answer_length, log)) is not None:
        for quiz in quizzes:
            if (note := answer_length_note(src, quiz, offset, answer_length)) is not None:
                report("%s", note)
    for error in errors:
        log.warning("%s", not_a_quiz(src, error, offset))
    return result


def insert_quizzes(output: str, page: Page, inline: QuizInline) -> str:
    """The page's finished HTML with its deferred quiz widgets in place."""
    return inline.insert(output, page)
