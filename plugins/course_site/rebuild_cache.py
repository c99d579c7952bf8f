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
import functools
import os
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import jinja2
from mkdocs.structure.files import File
from mkdocs.theme import Theme

from .front_matter import PageSource

T = TypeVar("T")


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


class KeptResults:
    """Results of pure computations over the whole course (validating it, writing
    section and home pages), returned again while their inputs compare equal: an
    edit to a lesson's text leaves every lesson's front matter as it was."""

    def __init__(self) -> None:
        self._kept: dict[str, tuple[Any, Any]] = {}
        self._used: dict[str, tuple[Any, Any]] = {}

    def get(self, key: str, inputs: Any, compute: Callable[[], T]) -> T:
        kept = self._kept.get(key)
        if kept is None or kept[0] != inputs:
            kept = (inputs, compute())
        self._used[key] = kept
        return kept[1]  # type: ignore[no-any-return]

    def end_build(self) -> None:
        """Keep what this build used (a removed section's page is forgotten)."""
        self._kept, self._used = self._used, {}


class ThemeListings:
    """The files of each installed theme folder, listed once per `mkdocs serve`.

    The kept listing leaves out hidden files (a path part starting with a dot):
    the only reader of a theme's listing is MkDocs' `add_files_from_theme`, which
    drops them (its `.*` and `*/.*` patterns) after testing every name against a
    dozen patterns. Material's 14,000 icons sit under `.icons/`; testing them
    took a tenth of a `--dirty` rebuild.
    """

    def __init__(self) -> None:
        self._names: dict[str, list[str]] = {}

    def names(self, folder: str, fixed: bool) -> list[str]:
        if not fixed:
            return jinja2.FileSystemLoader(folder).list_templates()
        if folder not in self._names:
            listed = jinja2.FileSystemLoader(folder).list_templates()
            self._names[folder] = [name for name in listed if not _hidden(name)]
        return self._names[folder]


def _hidden(name: str) -> bool:
    return name.startswith(".") or "/." in name


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


def ask_once_if_modified(files: Iterable[File]) -> None:
    """MkDocs asks each page's `is_modified` twice per `--dirty` rebuild (before
    reading it and before writing it), three file-system calls each time, for
    every page of the site; nothing between the two questions writes a page, so
    the first answer stands for the second."""
    for file in files:
        file.is_modified = _first_answer(file.is_modified)  # type: ignore[method-assign]


def _first_answer(ask: Callable[[], bool]) -> Callable[[], bool]:
    answer: list[bool] = []

    def is_modified() -> bool:
        if not answer:
            answer.append(ask())
        return answer[0]

    return is_modified


class PageTitles:
    """Each page's title and front matter as it was last read, for the nav of a
    `--dirty` rebuild.

    MkDocs reads only the changed pages under `--dirty`; every other page has no
    title, so the pages it rewrites would list "None" in their nav (its warning
    that dirty builds give inaccurate navigation). A page's title and metadata
    come from its own file only, so an unchanged page's are still what they were.
    """

    def __init__(self) -> None:
        self._kept: dict[str, tuple[str | None, dict[str, Any]]] = {}

    def note_or_restore(self, pages: Iterable[Any]) -> None:
        """Note the title of each page read in this build; give the others theirs."""
        kept: dict[str, tuple[str | None, dict[str, Any]]] = {}
        for page in pages:
            src = page.file.src_uri
            if page.markdown is not None:
                kept[src] = (page.title, page.meta)
            elif (before := self._kept.get(src)) is not None:
                page.title, page.meta = before
                kept[src] = before
        self._kept = kept


URL_ANSWERS = 1 << 16
"""Canonical URLs and links kept (a few MB at most): more than a large course's pages."""


def remember_page_urls() -> None:
    """Keep the answers of `urljoin` and `urlsplit` as MkDocs' pages module uses them.

    Each rebuild MkDocs makes a `Page` for every file, and each works out its
    canonical URL with both functions: at 1,000 lessons, three fifths of building
    the nav, every rebuild, for the same strings as the last. They are pure and
    return immutable values (a string, a named tuple), so a kept answer is the
    answer. Only `mkdocs.structure.pages` sees the kept versions; installed once
    per process, under `mkdocs serve`.
    """
    from mkdocs.structure import pages

    for name in ("urljoin", "urlsplit"):
        function = getattr(pages, name)
        if not hasattr(function, "cache_info"):
            setattr(pages, name, functools.lru_cache(maxsize=URL_ANSWERS)(function))
