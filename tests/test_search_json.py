"""`search_index.json` joined from kept entry JSON is the file Material writes, and the
pages rebuilt under `--dirty` swap their entries without touching other pages'."""

from __future__ import annotations

import gc
from typing import Any

from course_site.search_json import EntryJson
from hypothesis import given, settings
from hypothesis import strategies as st
from material.plugins.search.plugin import SearchIndex

CONFIG = {"lang": ["en"], "separator": r"[\s\-]+", "pipeline": ["stemmer"], "fields": {}}

texts = st.text(max_size=40)  # any code point: quotes, backslashes, controls, surrogates
entries = st.lists(
    st.fixed_dictionaries(
        {"location": texts, "title": texts, "text": texts},
        optional={
            "tags": st.lists(texts, max_size=3),
            "boost": st.one_of(st.integers(), st.floats(allow_nan=False), texts),
        },
    ),
    max_size=12,
)


def material_json(docs: list[dict[str, Any]]) -> str:
    index = SearchIndex(**CONFIG, extra="ignored")
    index.entries = docs
    return index.generate_search_index(None)


@settings(max_examples=200, deadline=None)
@given(entries)
def test_joined_pieces_are_materials_bytes(docs: list[dict[str, Any]]) -> None:
    kept = EntryJson()
    assert kept.index_json(CONFIG, docs) == material_json(docs)
    assert kept.index_json(CONFIG, docs) == material_json(docs)  # from kept pieces


def test_a_new_entry_never_gets_a_forgotten_entrys_json() -> None:
    """Python reuses the id of a freed object: the piece must belong to this very entry."""
    kept = EntryJson()
    for n in range(50):
        docs = [{"location": f"page-{n}/", "title": f"T{n}", "text": str(n)}]
        assert kept.index_json(CONFIG, docs) == material_json(docs)
        del docs
        gc.collect()


def _index(docs: list[dict[str, Any]]) -> SearchIndex:
    index = SearchIndex(**CONFIG)
    index.entries = docs
    return index


def _entry(location: str) -> dict[str, Any]:
    return {"location": location, "title": location or "home", "text": ""}


def test_rebuilt_pages_replace_their_entries_and_others_stay() -> None:
    before = [_entry(""), _entry("#start"), _entry("a/"), _entry("a/b/"), _entry("c/#x")]
    prev = _index(before)
    now = _index([_entry(""), _entry("c/")])
    merged = EntryJson().merge(now, prev, {"", "c/"})
    assert [e["location"] for e in merged] == ["a/", "a/b/", "", "c/"]


def test_a_rebuilt_page_with_no_entries_left_loses_its_old_ones() -> None:
    """A page that now says `search: exclude` has no entries to name it."""
    prev = _index([_entry("a/"), _entry("b/")])
    assert [e["location"] for e in EntryJson().merge(_index([]), prev, {"b/"})] == ["a/"]


def test_materials_merge_would_drop_every_page_when_home_is_rebuilt() -> None:
    """Why the merge is ours: Material keys on the first new entry's location as a prefix."""
    prev = _index([_entry(""), _entry("a/"), _entry("b/")])
    material = _index([_entry(""), _entry("b/")])
    material.generate_search_index(prev)
    assert [e["location"] for e in material.entries] == ["", "b/"]  # "a/" is gone
    ours = EntryJson().merge(_index([_entry(""), _entry("b/")]), prev, {"", "b/"})
    assert [e["location"] for e in ours] == ["a/", "", "b/"]
