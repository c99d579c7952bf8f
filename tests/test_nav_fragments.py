"""The nav's reusable pieces: compacted one by one they join into exactly what compacting
the whole list gives, and only items whose links cannot depend on the page are reused.
Whole builds are compared with the plain build in tests/test_build_equivalence.py."""

from __future__ import annotations

from course_site.compact import compact_html
from course_site.nav_fragments import NavFragments, _join_raw, _link_tops
from hypothesis import given
from hypothesis import strategies as st
from mkdocs.structure.nav import Link, Section

# Tag-ish text with every kind of whitespace the compactor and str.strip() see.
_HTML = st.lists(
    st.sampled_from(["<li>", "</li>", "<a>", "x", " ", "\n", "\t", "\xa0", "\x1c"]), max_size=30
).map("".join)


@given(st.lists(_HTML, max_size=8))
def test_compacted_pieces_join_into_the_compacted_list(items: list[str]) -> None:
    """Compacting each item once must give the page byte for byte what compacting the
    page gives, or the optimised build would differ from the plain one."""
    raw = _join_raw(items, lambda item, path, level: item)
    fragments = NavFragments(compact=True, deferred=True)
    joined = fragments._join([fragments._piece(item) for item in items])
    assert joined == compact_html(raw)


@given(st.lists(_HTML, max_size=8))
def test_uncompacted_pieces_join_into_materials_loop_output(items: list[str]) -> None:
    """Without compaction the pieces are Material's loop output as is."""
    fragments = NavFragments(compact=False, deferred=True)
    joined = fragments._join([fragments._piece(item) for item in items])
    assert joined == _join_raw(items, lambda item, path, level: item)


def test_items_linking_relative_to_the_page_are_never_reused() -> None:
    """A link written relative to the page resolves differently on every page."""
    assert _link_tops(Link("Elsewhere", "../elsewhere/")) is None
    assert _link_tops(Section("S", [Link("Docs", "https://example.org/")])) == frozenset()
    assert _link_tops(Section("S", [Link("Up", "notes/")])) is None
