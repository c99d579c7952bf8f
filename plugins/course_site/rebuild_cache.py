"""What `mkdocs serve` keeps from one rebuild to the next, so an edit costs little.

MkDocs makes a new Jinja environment and re-reads every page for each rebuild;
with `--dirty` only the edited pages are rendered, so what is left is the
fixed cost: compiling the theme's templates and reading the front matter of
every lesson. Both are kept here, each checked against its source (Jinja's
checksum of the template text; a file's modification time and size), so a
changed template or page is read again.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable

import jinja2
from mkdocs.structure.files import File

from .front_matter import PageSource


class TemplateCodeCache(jinja2.BytecodeCache):
    """Compiled templates in memory; Jinja discards an entry whose source changed."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if (code := self._code.get(bucket.key)) is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


class FrontMatterCache:
    """Each page's front matter, read again only when its file changed."""

    def __init__(self) -> None:
        self._pages: dict[str, tuple[tuple[int, int], PageSource]] = {}
        self._seen: dict[str, tuple[tuple[int, int], PageSource]] = {}

    def read(self, file: File, reader: Callable[[File], PageSource]) -> PageSource:
        path = file.abs_src_path
        try:
            stat = os.stat(path) if path else None
        except OSError:
            stat = None
        if path is None or stat is None:
            return reader(file)
        stamp = (stat.st_mtime_ns, stat.st_size)
        kept = self._pages.get(path)
        if kept is not None and kept[0] == stamp:
            read = kept[1]
        else:
            read = reader(file)
            # The text is only needed when MkDocs must read ours instead of the file.
            kept = (stamp, read if read.changed else dataclasses.replace(read, text=""))
        self._seen[path] = kept
        return read

    def end_build(self) -> None:
        """Keep only the pages this build read (deleted pages are forgotten)."""
        self._pages, self._seen = self._seen, {}
