"""Under `mkdocs serve --dirty`, write `search_index.json` from each entry's kept JSON.

Material's search plugin keeps the previous rebuild's index and, after each
rebuild, swaps in the rebuilt pages' entries and serialises the whole index
again: at 1,000 lessons that is 6,000 entries and a sixth of a `--dirty`
rebuild, though all but a handful are the same dicts as last time. Here each
entry's JSON is kept with the entry it was made from (the same object, so an
entry is never mistaken for another) and the file is joined from the pieces,
in the bytes Material's `json.dumps` writes (`tests/test_search_json.py`).

The swap is done per page. Material's own assumes one page per rebuild and
drops every old entry whose location starts with the first new entry's: when
the home page (location "") is rebuilt with an edited lesson, as this plugin
does when the lesson list changes, that is every other page of the site.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Set
from typing import Any

from .search_text import material_search_indexes

_FIELDS = ("lang", "separator", "pipeline", "fields")
"""The search config Material writes into the index."""


def _dumps(value: Any) -> str:
    """Material's serialisation: compact separators, anything unknown as `str`."""
    return json.dumps(value, separators=(",", ":"), default=str)


Piece = tuple[dict[str, Any], str, str]
"""An entry, the URL of its page, its JSON."""


class EntryJson:
    """Each search entry's page and JSON, kept for as long as the entry is in the index."""

    def __init__(self) -> None:
        self._kept: dict[int, Piece] = {}

    def _piece(self, entry: dict[str, Any]) -> Piece:
        found = self._kept.get(id(entry))
        if found is None or found[0] is not entry:
            found = self._kept[id(entry)] = (entry, _page_of(entry), _dumps(entry))
        return found

    def merge(self, index: Any, prev: Any, rebuilt: Set[str]) -> list[dict[str, Any]]:
        """The previous index with the entries of the pages rebuilt now (their URLs in
        `rebuilt`, and any page `index` has entries for) replaced by `index`'s, which
        go last as in Material's merge."""
        if prev:
            pages = set(rebuilt) | {self._piece(entry)[1] for entry in index.entries}
            kept = [entry for entry in prev.entries if self._piece(entry)[1] not in pages]
            index.entries = kept + index.entries
        return index.entries

    def index_json(self, config: dict[str, Any], entries: list[dict[str, Any]]) -> str:
        """`{"config": ..., "docs": entries}` as Material writes it; only these
        entries' pieces are kept for the next rebuild."""
        pieces = [self._piece(entry) for entry in entries]
        self._kept = {id(piece[0]): piece for piece in pieces}
        head = _dumps({"config": config})
        return head[:-1] + ',"docs":[' + ",".join(piece[2] for piece in pieces) + "]}"


def _page_of(entry: dict[str, Any]) -> str:
    """An entry's page URL: its location without the heading's anchor."""
    return str(entry["location"]).split("#", 1)[0]


def keep_entry_json(plugins: Any, kept: EntryJson, rebuilt: Set[str]) -> None:
    """Make Material's search plugin (if any) write its index from `kept` pieces;
    `rebuilt`: the URLs of the pages this build writes."""
    for index in material_search_indexes(plugins):
        if not getattr(index.generate_search_index, "kept", False):
            index.generate_search_index = _from_pieces(index, kept, rebuilt)


def _from_pieces(index: Any, kept: EntryJson, rebuilt: Set[str]) -> Callable[[Any], str]:
    def generate_search_index(prev: Any) -> str:
        entries = kept.merge(index, prev, rebuilt)
        return kept.index_json({key: index.config[key] for key in _FIELDS}, entries)

    generate_search_index.kept = True  # type: ignore[attr-defined]
    return generate_search_index
