"""The thin MkDocs side of quizzes: assets once per site, Knowledge Checks -> widgets.

Why here and not in plugin.py: the plugin only wires events; this module knows how a
page's Markdown becomes quiz HTML and how the JS/CSS get into the built site.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import markdown
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.plugins import get_plugin_logger
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

from .inline import InlineMarkdown
from .parser import find_sections
from .render import render_quiz
from .replace import replace_quizzes

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


def _inline_renderer(page: Page, config: MkDocsConfig, files: Files) -> Callable[[str], str]:
    def prepare(md: markdown.Markdown) -> None:
        # MkDocs' own link rewriting (`x.md` -> `x/`), so links in quiz text resolve
        # exactly like links in the page around them.
        try:
            from mkdocs.structure.pages import _RelativePathTreeprocessor
        except ImportError:  # pragma: no cover - MkDocs internals moved
            return
        _RelativePathTreeprocessor(page.file, files, config)._register(md)

    # Extensions named in mkdocs.yml get fresh instances here; instances that other
    # plugins put in the list carry their own state and stay with the page's Markdown.
    named = [ext for ext in config.markdown_extensions if isinstance(ext, str)]
    return InlineMarkdown(named, config.mdx_configs, prepare)


def _line_offset(page: Page, markdown_text: str) -> int:
    """Lines of front matter above `markdown_text`, so warnings name real file lines."""
    try:
        source = page.file.content_string
    except (OSError, TypeError, ValueError):
        return 0
    if markdown_text and source.endswith(markdown_text):
        return source[: len(source) - len(markdown_text)].count("\n")
    return 0


def lesson_key(page: Page) -> str:
    """The lesson `id` from front matter, else the page's source path."""
    lesson_id = page.meta.get("id") if isinstance(page.meta, dict) else None
    return str(lesson_id) if lesson_id else page.file.src_uri


def quizzes_to_html(markdown_text: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    """Replace each valid Knowledge Check list in a page with the quiz widget.

    A malformed one is logged as a WARNING (file and line; `--strict` fails) and left
    as ordinary Markdown.
    """
    if not find_sections(markdown_text):
        return markdown_text
    inline = _inline_renderer(page, config, files)
    key = lesson_key(page)
    result, errors = replace_quizzes(
        markdown_text, lambda quiz, index: render_quiz(quiz, key, index, inline)
    )
    offset = _line_offset(page, markdown_text) if errors else 0
    for error in errors:
        log.warning(
            "%s:%d: Knowledge Check is not a quiz: %s; the section stays ordinary Markdown.",
            page.file.src_uri,
            error.line + offset,
            error.message,
        )
    return result
