"""`mkdocs serve --dirty` rebuilds give the pages a fresh build gives.

Under `--dirty` MkDocs rewrites only pages whose file changed, and the `course`
plugin keeps more between rebuilds (search entries' JSON, the validated course,
section and home pages while every lesson's front matter is equal, each page's
"modified?" answer, the nav handed to MkDocs). These tests run a serve session
the way `mkdocs serve --dirty` does (one config per rebuild, the same plugin
objects) on the generated course of `test_build_equivalence.py`, edit a lesson,
and compare the rebuilt site with a fresh `mkdocs build` of the edited sources:

- an edit to a lesson's text: the whole site is the fresh build's, byte for byte,
  and the search index holds the same entries (Material puts the edited page's last);
- a retitled lesson: the pages that show the title and that `--dirty` promises to
  rebuild (the lesson, its section's page, the home page) are the fresh build's.
  Other pages keep the old title until they are rebuilt, as MkDocs warns.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from _equivalence import (
    SEARCH_INDEX,
    build_as_cli,
    file_differences,
    load_course,
    page_url,
    write_course,
)
from _site import build_loaded
from mkdocs.config import load_config
from mkdocs.config.defaults import MkDocsConfig
from test_build_equivalence import BUILD_DATE, CHANGED_LESSON, SOURCES, generated_pages

URL = "http://127.0.0.1:8000/course/"
ADDED = "\nA paragraph added while serving, about the ocelot.\n"
DIRTY_WARNING = "A 'dirty' build is being performed"


@dataclass
class Rebuilds:
    """The sites a `--dirty` serve session wrote after each edit, and fresh builds."""

    text_edit: Path
    text_edit_fresh: Path
    retitle: Path
    retitle_fresh: Path
    warnings: list[str]


def _edited(*, retitled: bool) -> dict[str, str]:
    pages = generated_pages(changed=retitled)
    pages[CHANGED_LESSON] += ADDED
    return pages


def _fresh(root: Path, pages: dict[str, str]) -> Path:
    settings = SOURCES["generated"].settings
    assert settings is not None
    config_file = write_course(root, pages, settings=settings, fast_build=True)
    built = build_as_cli(load_course(config_file, root / "site", URL))
    assert not built.aborted and built.warnings == [], built.warnings
    return built.site


def _write_later(path: Path, text: str) -> None:
    """Write `path` with a modification time clearly after the site's pages."""
    path.write_text(text, encoding="utf-8")
    later = path.stat().st_mtime + 10
    os.utime(path, (later, later))


def _dirty_build(config: MkDocsConfig) -> list[str]:
    """Build as `mkdocs serve --dirty` does; the warnings logged, but for MkDocs' own
    warning that a dirty build is being performed."""
    built = build_loaded(config, serve_url=URL, dirty=True)
    assert not built.aborted, built.warnings
    return [w for w in built.warnings if DIRTY_WARNING not in w]


@pytest.fixture(scope="module")
def rebuilds(tmp_path_factory: pytest.TempPathFactory) -> Rebuilds:
    """A serve session: the first build, a text edit, then a retitle of one lesson."""
    root = tmp_path_factory.mktemp("dirty")
    settings = SOURCES["generated"].settings
    assert settings is not None
    config_file = write_course(root, generated_pages(), settings=settings, fast_build=True)
    site, text_edit = root / "site", root / "after-text-edit"
    lesson = root / "docs" / CHANGED_LESSON

    def load() -> MkDocsConfig:
        # Not strict: MkDocs' own "dirty build" warning would abort a strict build.
        return load_config(str(config_file), site_dir=str(site), site_url=URL)

    warnings: list[str] = []
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SOURCE_DATE_EPOCH", BUILD_DATE)
        first = load()
        first.plugins.on_startup(command="serve", dirty=True)
        try:
            warnings += _dirty_build(first)
            _write_later(lesson, _edited(retitled=False)[CHANGED_LESSON])
            warnings += _dirty_build(load())
            shutil.copytree(site, text_edit)
            _write_later(lesson, _edited(retitled=True)[CHANGED_LESSON])
            warnings += _dirty_build(load())
        finally:
            first.plugins.on_shutdown()
            # MkDocs keeps these plugin objects for the whole process: leave them as a
            # plain build would, not in a serve session, for the tests that come after.
            first.plugins.on_startup(command="build", dirty=False)
        return Rebuilds(
            text_edit=text_edit,
            text_edit_fresh=_fresh(root / "fresh-text", _edited(retitled=False)),
            retitle=site,
            retitle_fresh=_fresh(root / "fresh-retitle", _edited(retitled=True)),
            warnings=warnings,
        )


def _entries(site: Path) -> tuple[object, list[str]]:
    """The search index's config and its entries (as JSON, sorted: order may differ)."""
    index = json.loads((site / SEARCH_INDEX).read_text(encoding="utf-8"))
    return index["config"], sorted(json.dumps(e, sort_keys=True) for e in index["docs"])


def test_rebuilds_log_nothing_but_mkdocs_dirty_warning(rebuilds: Rebuilds) -> None:
    assert rebuilds.warnings == []


def test_a_text_edit_rebuilds_the_fresh_site(rebuilds: Rebuilds) -> None:
    """Every file, and every search entry, as a fresh build of the edited sources."""
    differences = file_differences(
        rebuilds.text_edit, rebuilds.text_edit_fresh, skip=frozenset({SEARCH_INDEX})
    )
    assert differences == []
    assert _entries(rebuilds.text_edit) == _entries(rebuilds.text_edit_fresh)
    page = rebuilds.text_edit / page_url(CHANGED_LESSON) / "index.html"
    assert "ocelot" in page.read_text(encoding="utf-8")
    assert "ocelot" in (rebuilds.text_edit / SEARCH_INDEX).read_text(encoding="utf-8")


def test_a_retitle_rebuilds_the_pages_that_show_the_title(rebuilds: Rebuilds) -> None:
    section = CHANGED_LESSON.split("/")[0]
    for url in (page_url(CHANGED_LESSON), f"{section}/", ""):
        rebuilt = (rebuilds.retitle / url / "index.html").read_text(encoding="utf-8")
        fresh = (rebuilds.retitle_fresh / url / "index.html").read_text(encoding="utf-8")
        assert rebuilt == fresh, url
        assert "Pangolin" in rebuilt, url
    assert _entries(rebuilds.retitle) == _entries(rebuilds.retitle_fresh)
