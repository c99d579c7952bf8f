"""Anchor pymdownx.snippets' relative `base_path` at the folder that holds mkdocs.yml.

Why: mkdocs.yml says `base_path: .` because Zensical reads the same file and knows no
`!relative` tag, but snippets resolves `.` against the working directory, so
`mkdocs build -f course/mkdocs.yml` from elsewhere would miss every included file.
"""

from __future__ import annotations

import os
from typing import Any

SNIPPETS = "pymdownx.snippets"


def anchored(base_path: Any, config_dir: str) -> Any:
    """base_path with each relative entry joined to config_dir (str or list, as given)."""
    if isinstance(base_path, str):
        return base_path if os.path.isabs(base_path) else os.path.join(config_dir, base_path)
    if isinstance(base_path, list):
        return [anchored(entry, config_dir) for entry in base_path]
    return base_path


def anchor_snippet_paths(mdx_configs: dict[str, dict[str, Any]], config_file: str | None) -> None:
    """Rewrite snippets' base_path in place; no-op without snippets or a config file."""
    options = mdx_configs.get(SNIPPETS)
    if not options or not config_file:
        return
    config_dir = os.path.dirname(os.path.abspath(config_file))
    options["base_path"] = anchored(options.get("base_path", "."), config_dir)
