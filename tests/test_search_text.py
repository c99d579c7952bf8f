"""Search indexes the lighter copy of a page (code blocks without their highlighting
tags) and gets exactly what it gets from the page itself, for any code."""

from __future__ import annotations

from typing import Any

import markdown
from course_site.search_text import without_code_markup
from hypothesis import given
from hypothesis import strategies as st
from material.plugins.search.plugin import Parser

LANGUAGES = ["python", "bash", "dockerfile", "yaml", "json", "html", "text", "nosuchlang", ""]
_CODE = st.lists(
    st.sampled_from(
        [
            *["def", " ", "\n", "\t", "x", "=", '"s"', "'", "<", ">", "&", "&amp;", "#", "{"],
            *["}", "<span>", "</span>", "<a>", "    ", "()", ":", "RUN", "echo", "\xa0", "é"],
        ]
    ),
    max_size=40,
).map("".join)


def _html(code: str, language: str, linenums: bool, nested: bool) -> str:
    fence = f"```{language}" + (' linenums="1"' if linenums else "")
    block = f"{fence}\n{code}\n```\n"
    if nested:
        block = "!!! note\n\n" + "".join(f"    {line}\n" for line in block.splitlines())
    source = f"# Title\n\nIntro `inline <b>` text.\n\n## Code\n\n{block}\n## After\n\nEnd.\n"
    return markdown.markdown(
        source,
        extensions=[
            "admonition",
            "toc",
            "pymdownx.highlight",
            "pymdownx.inlinehilite",
            "pymdownx.superfences",
        ],
        extension_configs={"pymdownx.highlight": {"anchor_linenums": True}},
    )


def _indexed(html: str) -> list[tuple[Any, ...]]:
    parser = Parser()
    parser.feed(html)
    parser.close()
    return [(s.id, "".join(s.title), "".join(s.text), s.is_excluded()) for s in parser.data]


@given(_CODE, st.sampled_from(LANGUAGES), st.booleans(), st.booleans())
def test_search_sees_the_same_text_without_the_highlighting_tags(
    code: str, language: str, linenums: bool, nested: bool
) -> None:
    """Byte-identical search entries are what lets the fast build skip those tags."""
    html = _html(code, language, linenums, nested)
    lighter = without_code_markup(html)
    assert _indexed(lighter) == _indexed(html)


def test_highlighting_tags_are_what_goes() -> None:
    """The point: most tags of a highlighted block are gone from the indexer's copy."""
    html = _html("def f(x):\n    return x + 1\n", "python", False, False)
    lighter = without_code_markup(html)
    assert html.count("<span") > 10
    assert lighter.count("<span") == 0
    assert "__codelineno" not in lighter
    assert "return" in lighter


def test_author_markup_inside_pre_is_kept() -> None:
    """Raw HTML an author puts in a <pre> (here a search exclusion) is not token markup."""
    html = '<pre><span data-search-exclude>secret</span> <a href="x">link</a></pre>'
    assert without_code_markup(html) == html
