"""Render one quiz question or option as inline HTML with the site's Markdown setup.

Why its own Markdown instance: the quiz is cut out of the page before the page is
rendered, yet code spans, emphasis and links in it must look like the rest of the
page. Raw HTML is switched off here, so `<script>` in quiz text becomes visible text,
and every rendered fragment then goes through `sanitize` (nh3), so no extension can
put a script URL or an event handler attribute on the page.

Why one instance per build and a plain-text shortcut: building a `markdown.Markdown`
with every configured extension costs about a millisecond and each conversion a
fifth of one, while most questions and options are plain words that Markdown would
return unchanged. `InlineMarkdown` is built once; the per-page link rewriting is
swapped in through `PageLinks`; text that no configured extension can change is
returned as is (`plain_text_pattern` says which text that is).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import markdown
from markdown.treeprocessors import Treeprocessor

from .sanitize import sanitize

_PARAGRAPH = re.compile(r"^<p>(.*)</p>$", re.DOTALL)

# Extensions that change text only around syntax characters (`*`, `` ` ``, `[`, `<`,
# `&`, `{`, `!`, `=`, `~`, `^`, `+`, `|`, `:` at a line start ...), never in a run of
# words: with only these, a fragment of letters, digits, spaces and `,.;?'()-` that
# starts with a letter comes out of Markdown exactly as it went in.
_INERT = frozenset(
    {
        "abbr",
        "admonition",
        "attr_list",
        "codehilite",
        "def_list",
        "extra",
        "fenced_code",
        "footnotes",
        "legacy_attrs",
        "legacy_em",
        "md_in_html",
        "sane_lists",
        "tables",
        "toc",
        "wikilinks",
        "pymdownx.arithmatex",
        "pymdownx.betterem",
        "pymdownx.blocks.admonition",
        "pymdownx.blocks.details",
        "pymdownx.blocks.html",
        "pymdownx.blocks.tab",
        "pymdownx.caret",
        "pymdownx.critic",
        "pymdownx.details",
        "pymdownx.highlight",
        "pymdownx.inlinehilite",
        "pymdownx.keys",
        "pymdownx.mark",
        "pymdownx.saneheaders",
        "pymdownx.snippets",
        "pymdownx.superfences",
        "pymdownx.tabbed",
        "pymdownx.tasklist",
        "pymdownx.tilde",
    }
)
# Extensions that rewrite ordinary text (quotes, dashes, `...`, `(c)`, `1st`, `1/2`,
# `www.x.org`, `:smile:`): the shortcut then takes only letters, spaces, `,` and `?`,
# digits not followed by a letter, and a `.` that ends a word.
_TYPOGRAPHIC = frozenset(
    {"smarty", "pymdownx.smartsymbols", "pymdownx.magiclink", "pymdownx.emoji"}
)
_PLAIN = re.compile(r"[A-Za-z][A-Za-z0-9 ,.;?'()\-]*")
_PLAIN_TYPOGRAPHIC = re.compile(r"[A-Za-z](?:[A-Za-z ,?]|[0-9](?![A-Za-z])|\.(?![^ ]))*")
_TRAILING_SPACE = re.compile(r"\s$")


def plain_text_pattern(
    extensions: Iterable[Any], extension_configs: Mapping[str, Any] | None = None
) -> re.Pattern[str] | None:
    """A pattern of fragments Markdown returns unchanged with these extensions, or None.

    None (no shortcut) as soon as one extension is unknown, or configured to add text
    to every document (snippets' auto_append, abbr's glossary).
    """
    configs = extension_configs or {}
    names = [ext if isinstance(ext, str) else None for ext in extensions]
    if any(name is None or name not in _INERT | _TYPOGRAPHIC for name in names):
        return None
    if configs.get("pymdownx.snippets", {}).get("auto_append"):
        return None
    if configs.get("abbr", {}).get("glossary"):
        return None
    return _PLAIN_TYPOGRAPHIC if _TYPOGRAPHIC.intersection(names) else _PLAIN


class PageLinks(Treeprocessor):
    """Runs the current page's link rewriting; registered once, retargeted per page."""

    def __init__(self, md: markdown.Markdown | None = None) -> None:
        super().__init__(md)
        self.target: Treeprocessor | None = None

    def run(self, root: etree.Element) -> etree.Element | None:
        return self.target.run(root) if self.target is not None else None


class InlineMarkdown:
    """Callable turning a Markdown fragment into HTML without a `<p>` wrapper."""

    def __init__(
        self,
        extensions: Iterable[Any] = (),
        extension_configs: Mapping[str, Any] | None = None,
        prepare: Callable[[markdown.Markdown], None] | None = None,
    ) -> None:
        extensions = list(extensions)
        configs = dict(extension_configs or {})
        self._plain = plain_text_pattern(extensions, configs)
        self._md = markdown.Markdown(extensions=extensions, extension_configs=configs)
        if prepare is not None:
            prepare(self._md)
        for registry, name in (
            (self._md.preprocessors, "html_block"),
            (self._md.inlinePatterns, "html"),
        ):
            if name in registry:
                registry.deregister(name)

    def is_plain(self, text: str) -> bool:
        """True when Markdown would return `text` unchanged, so it can be skipped."""
        return (
            self._plain is not None
            and self._plain.fullmatch(text) is not None
            and not _TRAILING_SPACE.search(text)
        )

    def convert(self, text: str) -> str:
        """Always through Markdown (the reference the shortcut is tested against), then
        the sanitizer."""
        rendered = sanitize(self._md.reset().convert(text).strip())
        match = _PARAGRAPH.match(rendered)
        if match and "<p>" not in match.group(1):
            return match.group(1)
        return rendered

    def __call__(self, text: str) -> str:
        return text if self.is_plain(text) else self.convert(text)
