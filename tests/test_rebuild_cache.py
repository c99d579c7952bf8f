"""What `mkdocs serve` keeps between rebuilds is read again when its source changes:
templates, the site's own theme folder and pages. (A whole serve rebuild is compared
with a fresh build in tests/test_build_equivalence.py.)"""

from __future__ import annotations

from pathlib import Path

import jinja2
from course_site.front_matter import PageSource
from course_site.rebuild_cache import (
    FrontMatterCache,
    KeptResults,
    TemplateCodeCache,
    ThemeListings,
    ask_once_if_modified,
    remember_page_urls,
)
from mkdocs.structure.files import File


def test_a_changed_template_is_compiled_again(tmp_path: Path) -> None:
    """A stale compiled template would show an author's old theme override."""
    code = TemplateCodeCache()
    template = tmp_path / "page.html"
    template.write_text("first {{ x }}", encoding="utf-8")

    def render() -> str:
        env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(tmp_path)))
        env.bytecode_cache = code
        return env.get_template("page.html").render(x=1)

    assert render() == "first 1"
    assert render() == "first 1"  # from the cache
    template.write_text("second {{ x }}", encoding="utf-8")
    assert render() == "second 1"


def test_installed_theme_is_listed_once_and_the_sites_own_every_time(tmp_path: Path) -> None:
    """The site's custom_dir can gain files while serving; installed themes do not."""
    listings = ThemeListings()
    installed, custom = tmp_path / "installed", tmp_path / "custom"
    for folder in (installed, custom):
        folder.mkdir()
        (folder / "a.css").write_text("", encoding="utf-8")
    assert listings.names(str(installed), fixed=True) == ["a.css"]
    assert listings.names(str(custom), fixed=False) == ["a.css"]
    (installed / "b.css").write_text("", encoding="utf-8")
    (custom / "b.css").write_text("", encoding="utf-8")
    assert listings.names(str(installed), fixed=True) == ["a.css"]
    assert listings.names(str(custom), fixed=False) == ["a.css", "b.css"]


def test_the_kept_listing_leaves_out_hidden_files(tmp_path: Path) -> None:
    """MkDocs never copies them; Material's 14,000 icons under .icons/ are such files."""
    for name in (".icons/x.svg", "css/.hidden", ".nojekyll", "css/main.css", "a.b/c.css"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("", encoding="utf-8")
    names = ThemeListings().names(str(tmp_path), fixed=True)
    assert names == ["a.b/c.css", "css/main.css"]


def test_front_matter_is_read_again_only_when_the_file_changed(tmp_path: Path) -> None:
    """An edited lesson must show its new title; an unchanged one is not re-read."""
    docs = tmp_path / "docs"
    docs.mkdir()
    page = docs / "a.md"
    page.write_text("---\ntitle: A\n---\n", encoding="utf-8")
    file = File("a.md", str(docs), str(tmp_path / "site"), use_directory_urls=True)
    reads: list[str] = []

    def reader(f: File) -> PageSource:
        text = Path(f.abs_src_path or "").read_text(encoding="utf-8")
        reads.append(text)
        return PageSource({"title": text.split("title: ")[1].split("\n")[0]}, text, False)

    cache = FrontMatterCache()
    assert cache.read(file, reader).meta == {"title": "A"}
    cache.end_build()
    assert cache.read(file, reader).meta == {"title": "A"}
    assert len(reads) == 1
    page.write_text("---\ntitle: Longer\n---\n", encoding="utf-8")
    assert cache.read(file, reader).meta == {"title": "Longer"}
    assert len(reads) == 2


def test_kept_results_are_computed_again_when_inputs_differ() -> None:
    kept = KeptResults()
    calls: list[str] = []

    def compute(value: str) -> str:
        calls.append(value)
        return value.upper()

    assert kept.get("home", {"a": [1]}, lambda: compute("a")) == "A"
    kept.end_build()
    assert kept.get("home", {"a": [1]}, lambda: compute("b")) == "A"  # equal inputs
    kept.end_build()
    assert kept.get("home", {"a": [2]}, lambda: compute("c")) == "C"
    assert calls == ["a", "c"]


def test_kept_results_a_build_did_not_use_are_forgotten() -> None:
    """A section removed while serving must not come back with its old page."""
    kept = KeptResults()
    kept.get("s1", 1, lambda: "first")
    kept.end_build()
    kept.end_build()  # a build without s1
    assert kept.get("s1", 1, lambda: "again") == "again"


def test_each_page_is_asked_once_whether_it_changed(tmp_path: Path) -> None:
    """MkDocs asks before reading and before writing; the first answer stands."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.md").write_text("A", encoding="utf-8")
    file = File("a.md", str(docs), str(tmp_path / "site"), use_directory_urls=True)
    asked: list[bool] = []
    ask = file.is_modified
    file.is_modified = lambda: asked.append(True) or ask()  # type: ignore[method-assign]
    ask_once_if_modified([file])
    assert file.is_modified() is True  # no page written yet
    Path(file.abs_dest_path).parent.mkdir(parents=True)
    Path(file.abs_dest_path).write_text("written", encoding="utf-8")
    assert file.is_modified() is True
    assert asked == [True]


def test_pages_get_the_same_urls_from_kept_answers(tmp_path: Path) -> None:
    """Canonical URLs come from kept `urljoin`/`urlsplit` answers, equal to fresh ones."""
    from urllib.parse import urljoin, urlsplit

    from mkdocs.config import load_config
    from mkdocs.structure import pages

    remember_page_urls()
    remember_page_urls()  # once per process, however often it is asked
    assert pages.urljoin.__wrapped__ is urljoin  # type: ignore[attr-defined]
    (tmp_path / "docs" / "a").mkdir(parents=True)
    config = load_config(
        config_file=None, docs_dir=str(tmp_path / "docs"), site_url="https://x.org/c/"
    )
    for _ in range(2):  # the second from kept answers
        file = File("a/b.md", str(tmp_path / "docs"), str(tmp_path / "site"), True)
        page = pages.Page(None, file, config)
        assert page.canonical_url == urljoin("https://x.org/c/", "a/b/")
        assert page.abs_url == urlsplit("https://x.org/c/a/b/").path == "/c/a/b/"
    assert pages.urljoin.cache_info().hits >= 1  # type: ignore[attr-defined]
