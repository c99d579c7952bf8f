"""What `mkdocs serve` keeps from one rebuild to the next, so an edit costs little.

MkDocs makes a new Jinja environment and re-reads every page for each rebuild;
with `--dirty` only the edited pages are rendered, so what is left is the
fixed cost: compiling the theme's templates, listing the installed theme's
files (Material ships thousands of icons) and reading the front matter of every
lesson. These are kept here, each checked against its source where it can
change (Jinja's checksum of the template text; a file's modification time and
size); the site's own `custom_dir` is listed anew every time.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable

import jinja2
from mkdocs.structure.files import File
from mkdocs.theme import Theme

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


class ThemeListings:
    """The files of each installed theme folder, listed once per `mkdocs serve`."""

    def __init__(self) -> None:
        self._names: dict[str, list[str]] = {}

    def names(self, folder: str, fixed: bool) -> list[str]:
        if not fixed:
            return jinja2.FileSystemLoader(folder).list_templates()
        if folder not in self._names:
            self._names[folder] = jinja2.FileSystemLoader(folder).list_templates()
        return self._names[folder]


def keep_theme_work(theme: Theme, code: TemplateCodeCache, listings: ThemeListings) -> None:
    """Every Jinja environment this build makes from `theme` (the pages', the search
    plugin's translations) shares the compiled templates and the installed theme's
    file list with earlier rebuilds."""
    make_env = theme.get_env
    editable = {theme.custom_dir}

    def get_env() -> jinja2.Environment:
        env = make_env()
        env.bytecode_cache = code
        loader = env.loader
        if isinstance(loader, jinja2.FileSystemLoader):
            folders = list(loader.searchpath)

            def list_templates() -> list[str]:
                found: set[str] = set()
                for folder in folders:
                    found.update(listings.names(folder, fixed=folder not in editable))
                return sorted(found)

            loader.list_templates = list_templates  # type: ignore[method-assign]
        return env

    theme.get_env = get_env  # type: ignore[method-assign]
