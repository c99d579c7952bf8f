"""Diagnose front matter that YAML cannot read, so authors get a file and a line.

MkDocs' own reader (`mkdocs.utils.meta.get_data`) silently drops a front
matter block it cannot parse; this module finds out why, with PyYAML's mark.
"""

from __future__ import annotations

import re

import yaml

from .errors import Problem

# Same delimiters as MkDocs' reader: a `---` line at the very top, closed by `---` or `...`.
_BLOCK = re.compile(r"^-{3}[ \t]*\n(.*?\n)(?:\.{3}|-{3})[ \t]*\n", re.UNICODE | re.DOTALL)


def has_front_matter_block(text: str) -> bool:
    """Whether the page starts with a `---` delimited block at all."""
    return _BLOCK.match(text) is not None


def front_matter_problem(text: str, src_path: str) -> Problem | None:
    """Return the problem with the page's front matter block, or None if it reads as a mapping."""
    match = _BLOCK.match(text)
    if match is None:
        return None
    try:
        data = yaml.safe_load(match.group(1))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        # +2: marks are 0-based and the block starts after the opening `---` line.
        line = mark.line + 2 if mark is not None else None
        reason = getattr(error, "problem", None) or str(error).splitlines()[0]
        return Problem(
            file=src_path,
            field="front matter",
            expected="valid YAML 'key: value' lines between the '---' lines",
            found=f"malformed YAML ({reason})",
            fix="Fix the YAML at that line; quote values that contain ': ' or start with '['.",
            line=line,
        )
    if not isinstance(data, dict):
        return Problem(
            file=src_path,
            field="front matter",
            expected="a mapping of 'key: value' lines",
            found=type(data).__name__,
            fix="Write one 'key: value' pair per line between the '---' lines.",
            line=2,
        )
    return None
