"""Build a real site, serve it on 127.0.0.1, drive it with Debian's Chromium (no fixtures).

Reusable by any test module: `served_site(root, pages)` is a context manager that
starts a static server, builds the pages with `site_url` pointing at it (Material's
instant navigation needs that) and yields the base URL; `launch_chromium(pw)` starts
the system Chromium or fails the test saying how to install it; `console_errors(page)`
records everything a page logs as an error.
"""

from __future__ import annotations

import contextlib
import functools
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml
from _site import Built, build_loaded
from course_site.quiz.parser import parse_quizzes
from mkdocs.config import load_config
from playwright.sync_api import expect, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

SITE_CONFIG: dict[str, Any] = {
    "site_name": "Quiz test course",
    "theme": {
        "name": "material",
        "font": False,
        "features": ["navigation.instant", "navigation.footer", "navigation.sections"],
        "palette": [
            {"scheme": "default", "toggle": {"icon": "material/brightness-7", "name": "Dark"}},
            {"scheme": "slate", "toggle": {"icon": "material/brightness-4", "name": "Light"}},
        ],
    },
    "markdown_extensions": [
        "admonition",
        "attr_list",
        "md_in_html",
        "toc",
        "pymdownx.highlight",
        "pymdownx.inlinehilite",
        "pymdownx.superfences",
    ],
    # Test lessons are a line long: the duration check is off (tests/_site.py).
    "plugins": ["search", {"course": {"checks": {"duration": "off"}}}],
}
"""Close to the project's mkdocs.yml: Material, instant navigation, search, `course`."""


def build_site(
    root: Path,
    pages: dict[str, str],
    *,
    site_url: str | None = None,
    strict: bool = False,
    config: dict[str, Any] | None = None,
) -> Built:
    """Write docs/ and mkdocs.yml under root and run a real in-process `mkdocs build`."""
    for src, text in pages.items():
        path = root / "docs" / src
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    settings = {**SITE_CONFIG, **(config or {})}
    if site_url:
        settings["site_url"] = site_url
    config_file = root / "mkdocs.yml"
    config_file.write_text(yaml.safe_dump(settings), encoding="utf-8")
    return build_loaded(load_config(str(config_file), strict=strict, site_dir=str(root / "site")))


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output clean."""

    def end_headers(self) -> None:
        """Never let the browser reuse a page: tests rebuild the site within the same
        second, and Last-Modified (whole seconds) would then answer 304 with the old page."""
        self.send_header("Cache-Control", "no-store")
        super().end_headers()


@contextmanager
def serve(directory: Path) -> Iterator[str]:
    """Serve a folder on 127.0.0.1 at a free port; yields the base URL ('http://…/')."""
    directory.mkdir(parents=True, exist_ok=True)
    with serve_handler(functools.partial(_QuietHandler, directory=str(directory))) as url:
        yield url


@contextmanager
def serve_handler(handler: Any) -> Iterator[str]:
    """Run an HTTP request handler on 127.0.0.1 at a free port; yields the base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@contextmanager
def served_site(
    root: Path, pages: dict[str, str], *, config: dict[str, Any] | None = None
) -> Iterator[str]:
    """Start the server first, so the build's `site_url` is the URL actually served."""
    with serve(root / "site") as url:
        built = build_site(root, pages, site_url=url, config=config)
        if built.aborted:
            pytest.fail(f"the test site did not build: {built.warnings}")
        yield url


def launch_chromium(playwright: Any) -> Any:
    """Launch Debian's Chromium headless; fail (never skip) with install advice if absent."""
    if shutil.which(CHROMIUM) is None:
        pytest.fail(
            f"{CHROMIUM} not found. Browser tests need Debian's Chromium: run "
            "`apt-get install -y chromium` as root (`make provision` does it), "
            "then run the tests again. Do not use `playwright install`."
        )
    # A busy 2-core CI machine (image builds in the same run) can exceed the 5 s default.
    expect.set_options(timeout=15_000)
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


@contextmanager
def chromium() -> Iterator[Any]:
    """Playwright and Debian's Chromium for as long as the block runs (a module's fixture)."""
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            yield browser
        finally:
            browser.close()


NETWORK_CHANGED = "net::ERR_NETWORK_CHANGED"
"""Chromium cancels requests in flight when a network interface comes or goes, as the
Docker tests running beside the browser tests make them do: the machine's doing, not
the site's. `console_errors` leaves these out; a page that lost one can be loaded again."""


def console_errors(page: Any) -> list[str]:
    """A list that fills with the page's console errors and uncaught exceptions."""
    errors: list[str] = []

    def on_console(msg: Any) -> None:
        if msg.type == "error" and NETWORK_CHANGED not in msg.text:
            errors.append(msg.text)

    page.on("console", on_console)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


@contextmanager
def reader_page(browser: Any, **settings: Any) -> Iterator[Any]:
    """A new reader (a fresh browser context: no stored progress) and their page, whose
    console errors collect in `page.console_errors`."""
    context = browser.new_context(**settings)
    page = context.new_page()
    page.console_errors = console_errors(page)
    try:
        yield page
    finally:
        context.close()


def lesson_page(
    lesson_id: str,
    order: int,
    questions: list[tuple[str, list[str]]],
    *,
    section: str = "basics",
    prev: str | None = None,
    next: str | None = None,
    indent: int = 3,
) -> str:
    """A lesson in the seed's shape ending in a Knowledge Check (first option correct)."""
    front = [
        "---",
        f"id: {lesson_id}",
        f"title: {lesson_id.replace('-', ' ').title()}",
        "type: lesson",
        "duration: 10 mins",
        f"order: {order}",
        f"section: {section}",
        *([f"prevLessonId: {prev}"] if prev else []),
        *([f"nextLessonId: {next}"] if next else []),
        "---",
        "",
        f"# {lesson_id.replace('-', ' ').title()}",
        "",
        "Some teaching first.",
        "",
        "## Knowledge Check",
        "",
    ]
    for number, (text, options) in enumerate(questions, start=1):
        front.append(f"{number}. {text}")
        front.extend(f"{' ' * indent}- {option}" for option in options)
        front.append("")
    return "\n".join(front)


PROJECT = Path(__file__).resolve().parents[1]


def build_project_site(site_dir: Path, *, site_url: str | None = None) -> Built:
    """Build the project's own mkdocs.yml (the real course) into site_dir, strictly.

    Runs from the project folder: paths in mkdocs.yml (e.g. snippets) are relative to it.
    """
    overrides: dict[str, Any] = {"site_dir": str(site_dir)}
    if site_url:
        overrides["site_url"] = site_url
    with contextlib.chdir(PROJECT):
        return build_loaded(load_config("mkdocs.yml", strict=True, **overrides))


def course_quizzes() -> dict[str, int]:
    """URL path -> number of quiz questions, for every page of the real course with a quiz."""
    found = {}
    for source in sorted((PROJECT / "docs").rglob("*.md")):
        quizzes = parse_quizzes(source.read_text(encoding="utf-8"))
        if quizzes:
            url = source.relative_to(PROJECT / "docs").with_suffix("").as_posix() + "/"
            found[url.removesuffix("index/")] = sum(len(q.questions) for q in quizzes)
    return found
