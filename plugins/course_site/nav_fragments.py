"""Render each closed section of the sidebar nav once per build, not once per page.

Material renders the whole primary nav into every page, and with
`navigation.prune` each closed section still costs a macro call that walks its
lessons (to find an index page). A course of n lessons in sections of ten
therefore spends time in n x n/10 section renders: a fifth of a 1,000-lesson
build and growing with the course. A closed section's HTML depends on the page
only through its links, which `url` makes relative to the page. Two pages whose
folder shares no first path segment with the section's links get the same
relative links when they sit at the same depth, so the HTML rendered for one is
the HTML of the other. The open section, the current page and anything else
that might depend on the page are rendered as Material would.

The nav is still most of a page's bytes in a large course. When `course` is the
first plugin to see finished pages, the template gets a placeholder and the nav
(already compacted, piece by piece) replaces it after the page is compacted, so
the per-page passes over the HTML do not grow with the course.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from typing import Any

from markupsafe import Markup
from mkdocs.structure.nav import Link, Section
from mkdocs.structure.pages import Page
from mkdocs.utils import get_relative_url

from .compact import compact_html

_PROBE = "\x00"
"""A path segment no site has: its URL relative to a page is just the way up to the root."""

# What Material's loop in partials/nav.html writes around the items and around each one.
_LIST_START, _LIST_END = "\n    ", "\n  "
_BEFORE_ITEM, _AFTER_ITEM = "\n      \n      ", "\n    "

Render = Callable[..., str]


class NavFragments:
    """Top-level nav items' HTML, reused across the pages of one build."""

    def __init__(self, *, compact: bool, deferred: bool) -> None:
        self.compact = compact and deferred
        """Pieces are stored compacted (only when the page is compacted before they go in)."""
        self.deferred = deferred
        self.placeholder = f"<!--course-nav-{secrets.token_hex(8)}-->"
        """Unique per build, so no page's own text can be mistaken for it."""
        self._items: Sequence[Any] | None = None
        self._fresh_always: set[int] = set()
        self._fresh_for_top: dict[str, set[int]] = {}
        self._position: dict[int, int] = {}
        self._rows: dict[str, list[str | None]] = {}
        self._pending: dict[str, str] = {}

    def items(self, items: Sequence[Any], page: Page | None, render: Render) -> Markup:
        """What Material's loop over `nav.items` writes for `page` (or a placeholder)."""
        if page is None:  # a theme template (404): no page to key on, render as Material
            return Markup(_join_raw(items, render))
        html = self._join(self._pieces(items, page, render))
        if self.deferred:
            self._pending[page.file.src_uri] = html
            return Markup(self.placeholder)
        return Markup(html)

    def fill(self, output: str, page: Page) -> str:
        """The finished page with its nav in place of the placeholder."""
        html = self._pending.pop(page.file.src_uri, None)
        return output if html is None else output.replace(self.placeholder, html)

    def _pieces(self, items: Sequence[Any], page: Page, render: Render) -> list[str | None]:
        if items is not self._items:
            self._learn(items)
        way_up = get_relative_url(_PROBE, page.url)
        row = self._rows.setdefault(way_up, [None] * len(items))
        pieces = row.copy()
        fresh = self._fresh_always | self._fresh_for_top.get(page.url.split("/", 1)[0], set())
        top: Any = page
        while top.parent is not None:
            top = top.parent
        if (active := self._position.get(id(top))) is not None:
            fresh = fresh | {active}
        for n in fresh:
            pieces[n] = self._piece(render(items[n], f"__nav_{n + 1}", 1))
        if None in pieces:  # first page at this depth: render and keep what can be reused
            for n, piece in enumerate(pieces):
                if piece is None:
                    pieces[n] = row[n] = self._piece(render(items[n], f"__nav_{n + 1}", 1))
        return pieces

    def _learn(self, items: Sequence[Any]) -> None:
        """Which items can never be reused, and which only on pages outside their folders."""
        self._items = items
        self._rows.clear()
        self._fresh_always.clear()
        self._fresh_for_top.clear()
        self._position = {id(item): n for n, item in enumerate(items)}
        for n, item in enumerate(items):
            tops = _link_tops(item)
            if tops is None:
                self._fresh_always.add(n)
            for top in tops or ():
                self._fresh_for_top.setdefault(top, set()).add(n)

    def _piece(self, html: str) -> str:
        if not self.compact:
            return f"{_BEFORE_ITEM}{html}{_AFTER_ITEM}"
        # Compacting the whole list turns each whitespace run between items (it starts
        # with a line break) into one line break, keeping what the run had before its
        # first break: the item's own compacted text, then that.
        # An item of whitespace only merges into the run and leaves nothing ("").
        core = compact_html(html.strip())
        trailing = html[len(html.rstrip()) :]
        return core + trailing.partition("\n")[0] if core else ""

    def _join(self, pieces: Sequence[str | None]) -> str:
        if not self.compact:
            return f"{_LIST_START}{''.join(p or '' for p in pieces)}{_LIST_END}"
        body = [p for p in pieces if p]
        return "\n" + "\n".join(body) + "\n" if body else "\n"


def _join_raw(items: Sequence[Any], render: Render) -> str:
    pieces = [render(item, f"__nav_{n}", 1) for n, item in enumerate(items, 1)]
    return _LIST_START + "".join(f"{_BEFORE_ITEM}{p}{_AFTER_ITEM}" for p in pieces) + _LIST_END


def _link_tops(item: Any) -> frozenset[str] | None:
    """First path segments of every link under `item`, or None when its HTML might depend
    on the page in another way (a link relative to the page, an item Material treats
    specially), so it is never reused."""
    if hasattr(item, "pages"):  # Material renders such views with the page among them
        return None
    if isinstance(item, Section):
        tops: set[str] = set()
        for child in item.children:
            child_tops = _link_tops(child)
            if child_tops is None:
                return None
            tops |= child_tops
        return frozenset(tops)
    if isinstance(item, Page):
        return frozenset({item.url.split("/", 1)[0]})
    if isinstance(item, Link):
        url = item.url
        if "://" in url or url.startswith(("/", "#", "mailto:")):
            return frozenset()  # the same on every page
        return None
    return None
