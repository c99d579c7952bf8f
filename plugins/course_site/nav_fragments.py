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
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from markupsafe import Markup
from mkdocs.structure.nav import Link, Section
from mkdocs.structure.pages import Page
from mkdocs.utils import get_relative_url

_PROBE = "\x00"
"""A path segment no site has: its URL relative to a page is just the way up to the root."""

# What Material's loop in partials/nav.html writes around each item's HTML.
_BEFORE_ITEM = "\n      \n      "
_AFTER_ITEM = "\n    "


class NavFragments:
    """Closed sections' HTML, keyed by (position, way up to the site root); one per build."""

    def __init__(self) -> None:
        self._html: dict[tuple[int, str], str] = {}
        self._link_tops: dict[int, frozenset[str] | None] = {}

    def items(self, items: Sequence[Any], page: Page | None, render: Callable[..., str]) -> Markup:
        """The top-level nav items' HTML, as Material's loop would write it for `page`."""
        if page is None:  # a theme template (404): no page to key on, render as Material
            parts = [render(item, f"__nav_{n}", 1) for n, item in enumerate(items, 1)]
        else:
            page_top = page.url.split("/", 1)[0]
            way_up = get_relative_url(_PROBE, page.url)
            parts = [
                self._item(n, item, page_top, way_up, render) for n, item in enumerate(items, 1)
            ]
        return Markup("".join(f"{_BEFORE_ITEM}{html}{_AFTER_ITEM}" for html in parts))

    def _item(
        self, n: int, item: Any, page_top: str, way_up: str, render: Callable[..., str]
    ) -> str:
        path = f"__nav_{n}"
        if n not in self._link_tops:
            self._link_tops[n] = _link_tops(item)
        tops = self._link_tops[n]
        if getattr(item, "active", False) or tops is None or page_top in tops:
            return render(item, path, 1)
        key = (n, way_up)
        html = self._html.get(key)
        if html is None:
            html = self._html[key] = render(item, path, 1)
        return html


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
