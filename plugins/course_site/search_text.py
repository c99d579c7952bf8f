"""Hand Material's search indexer the page without the highlighting markup in code blocks.

Material's search plugin feeds every page's HTML to a `html.parser` subclass.
Highlighted code is mostly tags (a `<span>` per token, an anchor per line):
three quarters of a lesson's tags, and a third of a large build went into
parsing them. Inside `<pre>` the indexer keeps only the text and the `pre` and
`code` tags; a token `<span>` or a line anchor (no attributes it looks at, no
text of its own in the anchor's case) adds nothing to the index. Removing those
tags before indexing leaves `search_index.json` byte for byte the same, which
`tests/test_search_text.py` checks on highlighted code of many languages. The
page that readers get is not changed: only the indexer's copy is.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

_PRE = re.compile(r"(<pre\b[^>]*>)(.*?)(</pre>)", re.DOTALL)
# Exactly what Pygments and pymdownx.highlight write inside <pre>: token spans (no
# attribute but a class or an id), their ends, and empty line anchors.
_CODE_MARKUP = re.compile(
    r'<span(?: class="[\w -]*"| id="[\w-]*")?>'
    r"|</span>"
    r'|<a id="[\w-]*" name="[\w-]*"(?: href="#[\w-]*")?></a>'
)


_OTHER_MARKUP = re.compile(r"<(?:span|a|/a)\b", re.IGNORECASE)


def without_code_markup(html: str) -> str:
    """`html` with highlighting tags inside `<pre>` removed; their text stays."""
    if "<pre" not in html:
        return html
    return _PRE.sub(_lighter_block, html)


def _lighter_block(match: re.Match[str]) -> str:
    """A block keeps all its tags unless every span and anchor in it is highlighting
    markup (an author's own span, say a search exclusion, must keep its end tag too)."""
    inner = _CODE_MARKUP.sub("", match[2])
    if _OTHER_MARKUP.search(inner):
        return match[0]
    return match[1] + inner + match[3]


def material_search_indexes(plugins: Any) -> Iterator[Any]:
    """This build's index of each of Material's search plugins (one, or none)."""
    from material.plugins.search.plugin import SearchPlugin

    for plugin in plugins.values():
        index = getattr(plugin, "search_index", None)
        if isinstance(plugin, SearchPlugin) and index is not None:
            yield index


def lighten_search_indexing(plugins: Any) -> None:
    """Make Material's search plugin (if any) index pages without their code markup."""
    for index in material_search_indexes(plugins):
        add = index.add_entry_from_context
        if not getattr(add, "lightened", False):
            index.add_entry_from_context = _lightened(add)


def _lightened(add: Callable[[Any], None]) -> Callable[[Any], None]:
    def add_entry_from_context(page: Any) -> None:
        content = page.content
        page.content = without_code_markup(content)
        try:
            add(page)
        finally:
            page.content = content

    add_entry_from_context.lightened = True  # type: ignore[attr-defined]
    return add_entry_from_context
