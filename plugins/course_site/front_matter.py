"""Read a page's front matter safely, so any file an author writes gives a message, not a crash.

Why our own reader instead of `mkdocs.utils.meta.get_data`: MkDocs silently drops a
block it cannot parse, strips only one byte order mark, expands YAML aliases (a few
lines can become a value whose repr is hundreds of MB) and raises on a file that is
not UTF-8. Here the YAML parser's events are checked first, refusing any tag and
any alias, then a SafeLoader builds the plain values; every failure becomes one
`Problem`, and `PageSource.text` is what MkDocs should read instead: leading BOMs
dropped, and a broken block blanked so the page builds as an ordinary page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.events import AliasEvent

from .errors import Problem

try:  # libyaml, as MkDocs uses: about 4x faster than the pure-Python parser
    from yaml import CSafeLoader as _SafeLoader
except ImportError:  # pragma: no cover
    from yaml import SafeLoader as _SafeLoader  # type: ignore[assignment]

# Same delimiters as MkDocs' reader: a `---` line at the very top, closed by `---` or `...`.
_BLOCK = re.compile(r"^-{3}[ \t]*\n(.*?\n)(?:\.{3}|-{3})[ \t]*\n", re.UNICODE | re.DOTALL)
_BOM = "\ufeff"
# Lines of a block YAML could not read that still name the lesson and its neighbours,
# so the chain checks do not report links that only fail because this file is broken.
_LINK_LINE = re.compile(
    r"^[ \t-]*(id|prevLessonId|nextLessonId)[ \t]*:[ \t]*['\"]?([a-z0-9][a-z0-9_-]*)['\"]?[ \t]*$",
    re.ASCII | re.MULTILINE,
)
_MAX_REASON = 80
_TIMESTAMP = "tag:yaml.org,2002:timestamp"


class _Refused(yaml.YAMLError):
    """A YAML feature front matter has no use for (tags, aliases)."""

    def __init__(self, reason: str, mark: Any) -> None:
        super().__init__(reason)
        self.problem = reason
        self.problem_mark = mark


def _refuse_tags_and_aliases(block: str) -> None:
    """One pass over the parser's events before anything is built: no value can grow."""
    for event in yaml.parse(block, Loader=_SafeLoader):
        if isinstance(event, AliasEvent):
            raise _Refused(f"alias '*{event.anchor}' (aliases are not allowed)", event.start_mark)
        tag = getattr(event, "tag", None)
        if tag is not None and tag != "!":
            raise _Refused(f"tag '{tag}' (tags are not allowed)", event.start_mark)


@dataclass(frozen=True)
class PageSource:
    """What the plugin knows about one page after reading it."""

    meta: dict[str, Any]
    """The front matter mapping; empty for pages without one and for broken ones."""
    text: str
    """The page as MkDocs should read it."""
    changed: bool
    """Whether `text` differs from what MkDocs would read by itself."""
    problem: Problem | None = None
    salvaged: dict[str, str] = field(default_factory=dict)
    """id / prevLessonId / nextLessonId read line by line from a block YAML refused."""


def _newlines(text: str) -> str:
    """Line ends as MkDocs reads a file (text mode): CRLF and CR become LF."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def decode(data: bytes, src_path: str) -> tuple[str, Problem | None]:
    """The file as MkDocs would read it: UTF-8 (BOM allowed), else a problem and the text
    with U+FFFD for each undecodable byte."""
    try:
        return _newlines(data.decode("utf-8-sig")), None
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        byte = data[error.start : error.start + 1].hex()
        return _newlines(data.decode("utf-8-sig", errors="replace")), Problem(
            file=src_path,
            field="encoding",
            expected="UTF-8 text",
            found=f"byte 0x{byte}, which is not UTF-8",
            fix="Save the file as UTF-8 in your editor (it is left out of the course until then).",
            line=line,
        )


def _yaml_problem(src_path: str, reason: str, line: int | None) -> Problem:
    return Problem(
        file=src_path,
        field="front matter",
        expected="valid YAML 'key: value' lines between the '---' lines",
        found=f"malformed YAML ({reason[:_MAX_REASON]})",
        fix=f"Fix the YAML{' at that line' if line else ''}; quote values containing ': ' "
        "or starting with [ ! & *",
        line=line,
    )


def _impossible_date(block: str) -> tuple[str, str, int] | None:
    """(field, value, line) of the first top-level value YAML reads as a date that does not
    exist (`updated: 2024-02-30`): YAML's own error names neither field nor value."""
    try:
        root = yaml.compose(block, Loader=_SafeLoader)
    except (yaml.YAMLError, RecursionError):
        return None
    if not isinstance(root, yaml.MappingNode):
        return None
    builder = yaml.SafeLoader("")
    for key, value in root.value:
        if isinstance(value, yaml.ScalarNode) and value.tag == _TIMESTAMP:
            try:
                builder.construct_yaml_timestamp(value)
            except (ValueError, OverflowError):
                return str(key.value), value.value, value.start_mark.line + 2
    return None


def _date_problem(src_path: str, field_name: str, value: str, line: int) -> Problem:
    return Problem(
        file=src_path,
        field=field_name,
        expected="a date that exists, or text",
        found=f"{value}, which YAML reads as a date that is not in the calendar",
        fix=f'Fix the date, or quote it to keep it as text: {field_name}: "{value}"',
        line=line,
    )


def load_block(block: str, src_path: str) -> tuple[dict[str, Any], Problem | None]:
    """Parse the YAML between the `---` lines; a problem instead of any exception."""
    try:
        _refuse_tags_and_aliases(block)
        data = yaml.load(block, Loader=_SafeLoader)  # safe: plain scalars, lists, mappings
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        # +2: marks are 0-based and the block starts after the opening `---` line.
        line = mark.line + 2 if mark is not None else None
        reason = getattr(error, "problem", None) or str(error).splitlines()[0]
        return {}, _yaml_problem(src_path, reason, line)
    except (ValueError, TypeError, AttributeError, OverflowError, RecursionError) as error:
        if (date := _impossible_date(block)) is not None:
            return {}, _date_problem(src_path, *date)
        # SafeLoader's own constructors raise these on values like a 5,000-digit integer.
        # The constructors give no line, so none is named rather than a wrong one.
        reason = f"{type(error).__name__}: a value it cannot build, e.g. a huge number"
        return {}, _yaml_problem(src_path, reason, None)
    if data is None:  # an empty block: no fields, not an error
        return {}, None
    if not isinstance(data, dict):
        return {}, Problem(
            file=src_path,
            field="front matter",
            expected="a mapping of 'key: value' lines",
            found=type(data).__name__,
            fix="Write one 'key: value' pair per line between the '---' lines.",
            line=2,
        )
    return data, None


def read_page(text: str, src_path: str, *, encoding_problem: Problem | None = None) -> PageSource:
    """Read the front matter of a page whose text MkDocs would read as `text`.

    A page with a problem keeps its lines (so quiz warnings name real lines) but its
    block is blanked: MkDocs then builds it as an ordinary page without fields.
    """
    stripped = text.lstrip(_BOM)
    match = _BLOCK.match(stripped)
    if match is None:  # text from a file that is not UTF-8 always replaces MkDocs' reading
        changed = stripped != text or encoding_problem is not None
        return PageSource({}, stripped, changed, encoding_problem)
    block = match.group(1)
    meta, problem = load_block(block, src_path)
    problem = encoding_problem or problem
    if problem is None:
        return PageSource(meta, stripped, stripped != text)
    salvaged = {key: value for key, value in _LINK_LINE.findall(block)}
    if isinstance(meta.get("id"), str):
        salvaged.setdefault("id", meta["id"])
    blank = "\n" * match.group(0).count("\n")
    return PageSource({}, blank + stripped[match.end() :], True, problem, salvaged)


def body_of(text: str) -> str:
    """The page after its front matter block, as MkDocs hands it to plugins."""
    match = _BLOCK.match(text)
    return text[match.end() :] if match else text
