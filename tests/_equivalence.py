"""Compare two builds of the same sources, as files and as Chromium shows them.

Used by test_build_equivalence.py to prove that the `course` plugin's `fast_build`
gives readers the same site as the plain build. Every comparison returns a list of
readable differences (empty when the builds agree), so a test can assert both that
two builds agree and, on a deliberately changed build, that a difference is found.
"""

from __future__ import annotations

import contextlib
import difflib
import functools
import json
import os
import posixpath
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from http.server import SimpleHTTPRequestHandler
from pathlib import Path
from typing import Any

import yaml
from _browser import serve_handler
from _site import Built, build_loaded, quiet_duration
from mkdocs.config import load_config
from mkdocs.config.defaults import MkDocsConfig
from playwright.async_api import expect

PROJECT = Path(__file__).resolve().parents[1]
SEARCH_INDEX = "search/search_index.json"

Target = tuple[str, str]
"""An element to find: (tag, one of its classes)."""

PRIMARY_NAV: Target = ("nav", "md-nav--primary")
"""Material's site navigation: `<nav class="md-nav md-nav--primary" …>`."""
FOOTER_NAV: Target = ("nav", "md-footer__inner")
"""Material's previous/next links at the foot of a page (`navigation.footer`)."""

# --------------------------------------------------------------------------- building


class _ConfigLoader(yaml.SafeLoader):
    """Reads the project's mkdocs.yml; `!relative $config_dir` becomes the project folder."""


def _tagged_path(loader: yaml.SafeLoader, tag: str, node: yaml.Node) -> str:
    return str(PROJECT / str(loader.construct_scalar(node)).replace("$config_dir", "."))


_ConfigLoader.add_multi_constructor("!", _tagged_path)


def project_settings() -> dict[str, Any]:
    """The project's mkdocs.yml as plain data, with every path pointing into the project."""
    with open(PROJECT / "mkdocs.yml", encoding="utf-8") as f:
        settings: dict[str, Any] = yaml.load(f, _ConfigLoader)
    settings["theme"]["custom_dir"] = str(PROJECT / settings["theme"]["custom_dir"])
    return settings


def with_course_options(plugins: list[Any], **options: Any) -> list[Any]:
    """The plugin list with `options` added to the `course` plugin's own."""
    changed = []
    for plugin in plugins:
        if plugin == "course":
            plugin = {"course": {}}
        if isinstance(plugin, dict) and "course" in plugin:
            plugin = {"course": {**(plugin["course"] or {}), **options}}
        changed.append(plugin)
    return changed


def build_as_cli(config: MkDocsConfig) -> Built:
    """Build a loaded config as `mkdocs build` does, plugins told so first.

    MkDocs keeps one object per plugin that has `on_startup` for the whole process
    (every `load_config` reuses it), so a plugin would otherwise still think it is in
    the `mkdocs serve` session an earlier test simulated.
    """
    config.plugins.on_startup(command="build", dirty=False)
    try:
        return build_loaded(config)
    finally:
        config.plugins.on_shutdown()


def build_project(site_dir: Path, site_url: str, *, fast_build: bool) -> Built:
    """Build the project's own course (mkdocs.yml, docs/) strictly, as checked in.

    MkDocs reads mkdocs.yml itself (snippets' base_path stays the project folder);
    only the site folder, the site URL and the plugin's `fast_build` are overridden.
    """
    plugins = with_course_options(project_settings()["plugins"], fast_build=fast_build)
    with contextlib.chdir(PROJECT):
        config = load_config(
            "mkdocs.yml", strict=True, site_dir=str(site_dir), site_url=site_url, plugins=plugins
        )
        return build_as_cli(config)


def write_course(
    root: Path, pages: dict[str, str], *, settings: dict[str, Any], fast_build: bool
) -> Path:
    """Write docs/ and mkdocs.yml (settings + `fast_build`) under root; the mkdocs.yml path."""
    for src, text in pages.items():
        path = root / "docs" / src
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    config = dict(settings)
    config["plugins"] = with_course_options(config["plugins"], fast_build=fast_build)
    config_file = root / "mkdocs.yml"
    config_file.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return config_file


def load_course(config_file: Path, site_dir: Path, site_url: str) -> MkDocsConfig:
    """Load a written course strictly, into site_dir, for site_url."""
    return load_config(str(config_file), strict=True, site_dir=str(site_dir), site_url=site_url)


def generated_settings(sections: list[dict[str, str]], **changes: Any) -> dict[str, Any]:
    """The project's theme, extensions and plugins for a generated course.

    The course plugin gets the generated course's section list (and the duration check
    off: generated lessons are short); `changes` replace top-level settings.
    """
    settings = project_settings()
    for key in ("docs_dir", "site_dir", "site_url", "strict", "watch", "nav"):
        settings.pop(key, None)
    options = quiet_duration({"sections": sections})
    settings["plugins"] = [
        {"course": options} if p == "course" or (isinstance(p, dict) and "course" in p) else p
        for p in settings["plugins"]
    ]
    return {**settings, **changes}


def with_features(settings: dict[str, Any], features: list[str]) -> dict[str, Any]:
    """The same settings with the theme's feature list replaced."""
    return {**settings, "theme": {**settings["theme"], "features": features}}


def page_url(src: str, *, directory_urls: bool = True) -> str:
    """The URL path (relative to the site root) MkDocs gives the page `src`."""
    stem = src.removesuffix(".md")
    if not directory_urls:
        return f"{stem}.html"
    if stem == "index" or stem.endswith("/index"):
        return stem.removesuffix("index")
    return f"{stem}/"


def relative_link(from_src: str, to_src: str) -> str:
    """A Markdown link target from one source page to another (MkDocs resolves .md links)."""
    return posixpath.relpath(to_src, posixpath.dirname(from_src) or ".")


# --------------------------------------------------------------------------- files


class _ElementFinder(HTMLParser):
    """Where the first element of each (tag, class) starts and ends in the source.

    A real HTML tokenizer (scripts, comments and attributes are handled by html.parser);
    nested elements of the same tag are counted, so a match ends at its own close tag.
    """

    def __init__(self, targets: tuple[Target, ...]) -> None:
        super().__init__(convert_charrefs=False)
        self.targets = targets
        self.start: dict[Target, tuple[int, int]] = {}
        self.end: dict[Target, tuple[int, int]] = {}
        self.depth: dict[Target, int] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for target in self.targets:
            if tag != target[0] or target in self.end:
                continue
            if target in self.start:
                self.depth[target] += 1
            elif target[1] in (dict(attrs).get("class") or "").split():
                self.start[target] = self.getpos()
                self.depth[target] = 1

    def handle_endtag(self, tag: str) -> None:
        for target in self.targets:
            if tag != target[0] or target not in self.start or target in self.end:
                continue
            self.depth[target] -= 1
            if self.depth[target] == 0:
                self.end[target] = self.getpos()


def element_sources(html: str, *targets: Target) -> dict[Target, str | None]:
    """The exact source text of the first `<tag class="… class …">…</tag>` of each
    (tag, class) target, or None where the page has no such element."""
    finder = _ElementFinder(targets)
    finder.feed(html)
    finder.close()
    line_starts = [0]
    for line in html.splitlines(keepends=True):
        line_starts.append(line_starts[-1] + len(line))

    def offset(position: tuple[int, int]) -> int:
        line, column = position
        return line_starts[line - 1] + column

    found: dict[Target, str | None] = {}
    for target in targets:
        if target in finder.end:
            end = html.index(">", offset(finder.end[target])) + 1
            found[target] = html[offset(finder.start[target]) : end]
        else:
            found[target] = None
    return found


def element_source(html: str, tag: str, css_class: str) -> str | None:
    """The exact source text of the first `<tag class="… css_class …">…</tag>`, or None."""
    return element_sources(html, (tag, css_class))[(tag, css_class)]


@functools.lru_cache(maxsize=1024)
def _file_elements(path: Path, stamp: tuple[int, int]) -> dict[Target, str | None]:
    html = path.read_text(encoding="utf-8") if path.is_file() else ""
    return element_sources(html, PRIMARY_NAV, FOOTER_NAV)


def file_element(path: Path, target: Target) -> str | None:
    """`element_source` of a built page file; each file is parsed once for the nav and
    the footer (every page of every build is compared, for both)."""
    if target not in (PRIMARY_NAV, FOOTER_NAV):
        html = path.read_text(encoding="utf-8") if path.is_file() else ""
        return element_sources(html, target)[target]
    stat = path.stat() if path.is_file() else None
    return _file_elements(path, (stat.st_mtime_ns, stat.st_size) if stat else (0, 0))[target]


def labels(a: Path, b: Path) -> tuple[str, str]:
    """Names for two site folders in messages: their paths below the folder they share."""
    common = Path(os.path.commonpath([a, b]))
    return a.relative_to(common).as_posix(), b.relative_to(common).as_posix()


def html_pages(site: Path) -> list[str]:
    """Every HTML file of a built site, as paths relative to it."""
    return sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html"))


def short_diff(a: str, b: str, names: tuple[str, str] = ("a", "b"), limit: int = 30) -> str:
    """A unified diff of two texts (line by line; tags on their own lines), cut to `limit`."""
    lines = list(
        difflib.unified_diff(
            a.replace(">", ">\n").splitlines(),
            b.replace(">", ">\n").splitlines(),
            *names,
            n=1,
            lineterm="",
        )
    )
    more = f"\n… {len(lines) - limit} more diff lines" if len(lines) > limit else ""
    return "\n".join(lines[:limit]) + more


def element_differences(a: Path, b: Path, tag: str, css_class: str) -> dict[str, str]:
    """Pages (of either site) whose element differs, or is missing in one; page -> diff."""
    found = {}
    for name in sorted(set(html_pages(a)) | set(html_pages(b))):
        first = file_element(a / name, (tag, css_class))
        second = file_element(b / name, (tag, css_class))
        if first != second:
            names = labels(a, b)
            if first is None or second is None:
                missing = names[0] if first is None else names[1]
                found[name] = f"no <{tag} class={css_class!r}> in {missing}"
            else:
                found[name] = short_diff(first, second, names)
    return found


def pages_without(site: Path, tag: str, css_class: str) -> list[str]:
    """HTML pages of a site that have no such element."""
    return [
        name for name in html_pages(site) if file_element(site / name, (tag, css_class)) is None
    ]


def search_index_differences(a: Path, b: Path) -> list[str]:
    """How two sites' search/search_index.json differ in `config` and in `docs` (in order)."""
    first = json.loads((a / SEARCH_INDEX).read_text(encoding="utf-8"))
    second = json.loads((b / SEARCH_INDEX).read_text(encoding="utf-8"))
    found = []
    if first.get("config") != second.get("config"):
        found.append(f"config: {first.get('config')!r} != {second.get('config')!r}")
    docs_a, docs_b = first.get("docs", []), second.get("docs", [])
    if len(docs_a) != len(docs_b):
        found.append(f"docs: {len(docs_a)} entries != {len(docs_b)} entries")
    for n, (x, y) in enumerate(zip(docs_a, docs_b, strict=False)):
        if x != y:
            keys = sorted(k for k in set(x) | set(y) if x.get(k) != y.get(k))
            found.append(
                f"docs[{n}] ({x.get('location')!r}) differs in {keys}: "
                + "; ".join(f"{k}: {x.get(k)!r} != {y.get(k)!r}" for k in keys)
            )
    return found


def file_differences(a: Path, b: Path, *, skip: frozenset[str] = frozenset()) -> list[str]:
    """Files present in only one site, or whose bytes differ (first differing byte shown)."""
    names_a = {p.relative_to(a).as_posix() for p in a.rglob("*") if p.is_file()} - skip
    names_b = {p.relative_to(b).as_posix() for p in b.rglob("*") if p.is_file()} - skip
    label_a, label_b = labels(a, b)
    found = [f"only in {label_a}: {name}" for name in sorted(names_a - names_b)]
    found += [f"only in {label_b}: {name}" for name in sorted(names_b - names_a)]
    for name in sorted(names_a & names_b):
        x, y = (a / name).read_bytes(), (b / name).read_bytes()
        if x != y:
            at = next((i for i, (p, q) in enumerate(zip(x, y, strict=False)) if p != q), None)
            at = min(len(x), len(y)) if at is None else at
            found.append(
                f"{name}: {len(x)} != {len(y)} bytes, first difference at byte {at}: "
                f"{x[max(0, at - 60) : at + 60]!r} != {y[max(0, at - 60) : at + 60]!r}"
            )
    return found


# --------------------------------------------------------------------------- in Chromium

BUILD_COOKIE = "build"
"""The cookie that picks which build the server answers from: every build of a source is
served at the same URL, so `site_url` and every absolute link are the same in all of them."""


class _BuildHandler(SimpleHTTPRequestHandler):
    """Serves root/<build>/<path>, <build> being the request's `build` cookie."""

    def __init__(self, *args: Any, root: Path, **kwargs: Any) -> None:
        self.root = root
        super().__init__(*args, directory=str(root), **kwargs)

    def translate_path(self, path: str) -> str:
        cookie = SimpleCookie(self.headers.get("Cookie") or "").get(BUILD_COOKIE)
        self.directory = str(self.root / cookie.value) if cookie else "/nonexistent"
        return super().translate_path(path)

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output clean."""


@contextmanager
def serve_builds(root: Path) -> Iterator[str]:
    """Serve root/<build>/… on 127.0.0.1 by the `build` cookie; yields the base URL.

    A browser context that sets the cookie (`open_build`) sees one build; contexts with
    different cookies can load the same URLs side by side.
    """
    with serve_handler(functools.partial(_BuildHandler, root=root)) as url:
        yield url


async def open_build(browser: Any, origin: str, build: str) -> Any:
    """A fresh browser context (no storage, no cache) that is served `build`."""
    context = await browser.new_context()
    await context.add_cookies([{"name": BUILD_COOKIE, "value": build, "url": origin}])
    return context


@dataclass(frozen=True)
class PageView:
    """What a reader gets from one page in Chromium."""

    title: str
    text: str
    """The body's innerText: what is rendered, as a reader sees it."""
    links: tuple[tuple[str, str], ...]
    """Every `a[href]`: the resolved absolute URL and the link's innerText, in page order."""
    nav: str
    """outerHTML of `nav.md-nav--primary` after Material's scripts ran."""
    footer: str
    """outerHTML of the previous/next footer, '' when the page has none."""
    errors: tuple[str, ...]
    """Console errors and uncaught exceptions while the page loaded."""


_READ_JS = """() => ({
    title: document.title,
    text: document.body.innerText,
    links: [...document.querySelectorAll("a[href]")].map(a => [a.href, a.innerText]),
    nav: document.querySelector("nav.md-nav--primary")?.outerHTML ?? "",
    footer: document.querySelector("nav.md-footer__inner")?.outerHTML ?? "",
})"""
"""Everything a PageView holds, read in one call (each call is a round trip to Chromium)."""
TIMEOUT_MS = 30_000
"""Generous: several pages load side by side on a 2-core machine."""
SEARCH_READY = "Type to start searching"
"""Material's search line once its worker has loaded the index ('Initializing search' before)."""


async def view_page(page: Any, url: str, errors: list[str]) -> PageView:
    """Load url in a Playwright (async) page and read what a reader gets from it.

    Waits until the search index is loaded: the search dialog's status line is part of
    the body's text, and it must not depend on how fast the worker was.
    """
    errors.clear()
    response = await page.goto(url, wait_until="load", timeout=TIMEOUT_MS)
    if response is None or not response.ok:
        raise AssertionError(f"{url} answered {response.status if response else 'nothing'}")
    meta = page.locator(".md-search-result__meta")
    await expect(meta).to_have_text(SEARCH_READY, timeout=TIMEOUT_MS)
    read = await page.evaluate(_READ_JS)
    return PageView(
        title=read["title"],
        text=read["text"],
        links=tuple(tuple(link) for link in read["links"]),
        nav=read["nav"],
        footer=read["footer"],
        errors=tuple(errors),
    )


def view_differences(a: PageView, b: PageView, names: tuple[str, str]) -> list[str]:
    """Which parts of two views of a page differ, each with a short diff."""
    found = []
    for part in fields(PageView):
        x, y = getattr(a, part.name), getattr(b, part.name)
        if x != y:
            if isinstance(x, tuple):
                x, y = "\n".join(map(repr, x)), "\n".join(map(repr, y))
            found.append(f"{part.name} differs:\n{short_diff(x, y, names)}")
    return found


@dataclass(frozen=True)
class SearchResults:
    """What Material's search shows for a query: the count line and the result links."""

    meta: str
    """'No matching documents', '1 matching document', '12 matching documents'."""
    links: tuple[tuple[str, str], ...]
    """Each link of the first ten results: resolved URL and text (title, teaser), in order."""


async def run_searches(page: Any, url: str, queries: list[str]) -> dict[str, SearchResults]:
    """Open url, open Material's search and run each query in turn; query -> results."""
    await page.goto(url, wait_until="load", timeout=TIMEOUT_MS)
    await page.keyboard.press("/")  # Material's shortcut: opens search, focuses its input
    meta = page.locator(".md-search-result__meta")
    search = page.locator("input.md-search__input")
    found = {}
    for query in queries:
        # Material searches on keyup: fill, then one key, so exactly one query runs.
        await search.fill("")
        await search.press("End")
        await expect(meta).to_have_text(SEARCH_READY, timeout=TIMEOUT_MS)
        await search.fill(query)
        await search.press("End")
        await expect(meta).to_contain_text("matching document", timeout=TIMEOUT_MS)
        links = await page.eval_on_selector_all(".md-search-result__item", _RESULT_LINKS_JS)
        found[query] = SearchResults(await meta.inner_text(), tuple(map(tuple, links)))
    return found


_RESULT_LINKS_JS = """items => items.slice(0, 10).flatMap(item =>
    [...item.querySelectorAll("a.md-search-result__link")].map(a => [a.href, a.innerText]))"""
"""Links of the first ten results: Material renders those with the count line, the rest
as the reader scrolls (so later ones may or may not be there yet)."""
