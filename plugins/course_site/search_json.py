"""Under `mkdocs serve --dirty`, write `search_index.json` from each entry's kept JSON.

Material's search plugin keeps the previous rebuild's index and, after each
rebuild, swaps in the edited page's entries and serialises the whole index
again: at 1,000 lessons that is 6,000 entries and a sixth of a `--dirty`
rebuild, though all but a handful are the same dicts as last time. Here each
entry's JSON is kept with the entry it was made from (the same object, so an
entry is never mistaken for another) and the file is joined from the pieces.
The merge is Material's own (the edited page's entries replace its old ones and
go last); the bytes are what Material's `json.dumps` writes, which
`tests/test_search_json.py` checks against Material itself.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

_FIELDS = ("lang", "separator", "pipeline", "fields")
"""The search config Material writes into the index."""


def _dumps(value: Any) -> str:
    """Material's serialisation: compact separators, anything unknown as `str`."""
    return json.dumps(value, separators=(",", ":"), default=str)


class EntryJson:
    """Each search entry's JSON, kept for as long as the entry is in the index."""

    def __init__(self) -> None:
        self._kept: dict[int, tuple[dict[str, Any], str]] = {}

    def index_json(self, config: dict[str, Any], entries: list[dict[str, Any]]) -> str:
        """`{"config": ..., "docs": entries}` as Material writes it."""
        kept: dict[int, tuple[dict[str, Any], str]] = {}
        pieces = []
        for entry in entries:
            found = self._kept.get(id(entry))
            if found is None or found[0] is not entry:
                found = (entry, _dumps(entry))
            kept[id(entry)] = found
            pieces.append(found[1])
        self._kept = kept
        head = _dumps({"config": config})
        return head[:-1] + ',"docs":[' + ",".join(pieces) + "]}"


def merged_entries(index: Any, prev: Any) -> list[dict[str, Any]]:
    """Material's merge under dirty reload: `index` holds only the edited page's
    entries; they replace that page's entries in `prev` and go last."""
    if prev and index.entries:
        path = index.entries[0]["location"]
        kept = [entry for entry in prev.entries if not entry["location"].startswith(path)]
        index.entries = kept + index.entries
    if prev and not index.entries:
        index.entries = prev.entries
    return index.entries


def keep_entry_json(plugins: Any, kept: EntryJson) -> None:
    """Make Material's search plugin (if any) write its index from `kept` pieces."""
    from material.plugins.search.plugin import SearchPlugin

    for plugin in plugins.values():
        index = getattr(plugin, "search_index", None)
        if isinstance(plugin, SearchPlugin) and index is not None:
            if getattr(index.generate_search_index, "kept", False):
                continue
            index.generate_search_index = _from_pieces(index, kept)


def _from_pieces(index: Any, kept: EntryJson) -> Callable[[Any], str]:
    def generate_search_index(prev: Any) -> str:
        entries = merged_entries(index, prev)
        return kept.index_json({key: index.config[key] for key in _FIELDS}, entries)

    generate_search_index.kept = True  # type: ignore[attr-defined]
    return generate_search_index
