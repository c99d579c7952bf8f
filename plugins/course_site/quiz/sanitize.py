"""The one gate between quiz text and the page: nh3 (the Ammonia sanitizer) with an allowlist.

Why a maintained sanitizer and not our own attribute filter: browsers decode entities,
drop control characters and whitespace and ignore case before they look at a URL
scheme (`java&#115;cript:`, `\x01javascript:`, ` JaVaScRiPt:`), and a hand-written
filter has to repeat all of that exactly. nh3 parses the HTML as a browser does, keeps
only the tags and attributes listed here, and keeps a URL only if it is relative or
uses one of `URL_SCHEMES`. Everything else (script, iframe, object, embed, form,
style, event handler attributes, `javascript:`/`data:`/`vbscript:` URLs) is removed.
"""

from __future__ import annotations

import nh3

TAGS = frozenset(
    {
        # inline text, as Markdown and pymdown-extensions render it
        *("a", "abbr", "b", "br", "code", "del", "em", "i", "img", "ins", "kbd", "mark"),
        *("q", "s", "samp", "small", "span", "strong", "sub", "sup", "u", "var"),
        # blocks a longer text (an explanation) may hold
        *("blockquote", "div", "li", "ol", "p", "pre", "ul"),
    }
)
ATTRIBUTES = {
    "*": {"class", "title"},
    "a": {"href"},
    "img": {"src", "alt"},
}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
"""Besides relative URLs, which nh3 keeps as written."""


def sanitize(html: str) -> str:
    """`html` with only allowlisted tags, attributes and URL schemes left."""
    return nh3.clean(
        html,
        tags=set(TAGS),
        attributes={tag: set(names) for tag, names in ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel=None,
        strip_comments=True,
    )
