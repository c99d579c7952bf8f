"""`fast_build: true` gives readers the same site as `fast_build: false`.

The `course` plugin's `fast_build` reuses work (closed nav sections rendered once per
build, a lighter page for the search indexer, and across `mkdocs serve` rebuilds front
matter and compiled templates). These tests build the same sources both ways with the
real `mkdocs build` and compare what a reader gets: every file byte for byte, every
page's primary navigation and footer, the search index entry by entry, and, in Debian's
Chromium, sample pages (visible text, links, navigation) and the results of Material's
own client-side search.

Sources: the project's own course (mkdocs.yml, docs/), and a generated course of 46
lessons in the project's theme configuration with layouts that are easy to get wrong
when a nav fragment is reused: pages outside any section, a section spread over two
folders (and an ordinary page beside its lessons), lessons nested two folders deep, a
hand-written section index, an ordinary page inside a section folder, code in many
shapes; built with `navigation.prune` (as the project is), with
`use_directory_urls: false`, and with `navigation.sections` (every section's lessons on
every page). A build of the generated course with one lesson retitled proves the
comparisons do find differences, and also serves as the fresh build that a `mkdocs
serve` rebuild after that edit must equal.

All builds of a source are served at the same URL (a cookie per browser context picks
the build), so `site_url` and every absolute link are the same in each, the files can be
compared byte for byte, and Chromium reads two builds side by side.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from _browser import console_errors, launch_chromium
from _equivalence import (
    FOOTER_NAV,
    PRIMARY_NAV,
    SEARCH_INDEX,
    PageView,
    SearchResults,
    build_as_cli,
    build_project,
    element_differences,
    element_source,
    file_differences,
    generated_settings,
    load_course,
    open_build,
    page_url,
    pages_without,
    relative_link,
    run_searches,
    search_index_differences,
    serve_builds,
    view_differences,
    view_page,
    with_features,
    write_course,
)
from _site import Built, build_loaded, lesson
from playwright.async_api import async_playwright

FAST, SLOW, CHANGED = "fast", "slow", "changed"
BUILD_DATE = "1700000000"
"""SOURCE_DATE_EPOCH for every build: sitemap dates (and sitemap.xml.gz's header) are then
the same for two builds even across midnight."""

# --------------------------------------------------------------------------- the generated course

SECTIONS: dict[str, tuple[str, list[str]]] = {
    "foundations": ("Foundations", ["what-is-mlops", "lifecycle", "tooling"]),
    # Lessons in two folders: the section's index is still packaging/index.md.
    "packaging": (
        "Packaging",
        [
            "images",
            "layers",
            "multi-stage",
            "slim-bases",
            "../extras/packaging/registries",
            "../extras/packaging/signing",
        ],
    ),
    # Hand-written index (serving/index.md) and an ordinary page (serving/cheatsheet.md).
    "serving": (
        "Serving",
        ["patterns", "health", "validation", "versioning", "batching", "gpus", "scaling", "apis"],
    ),
    "deep": (
        "Deep dives",
        [
            "overview",
            "more/profiling",
            "more/memory",
            "more/evenmore/quantisation",
            "more/compilers",
        ],
    ),
    "monitoring": (
        "Monitoring",
        ["signals", "metrics", "logs", "drift", "alerts", "dashboards", "on-call"],
    ),
    "rollouts": ("Rollouts", ["tags", "canary", "shadow", "rollback"]),
    "capstone": (
        "Capstone",
        ["brief", "design", "build", "test", "ship", "observe", "review", "retro"],
    ),
    "appendix": ("Appendix", ["glossary", "reading", "cheats", "faq-extra", "credits"]),
}
"""Section id -> (title, lesson paths relative to the section's folder, without .md)."""

TEXT_WORD = "reproducible"  # every lesson's first paragraph
HEADING_WORD = "troubleshooting"  # a heading in every third lesson
CODE_WORD = "quokka"  # a bash code block in every fourth lesson
QUIZ_WORD = "wombat"  # only in Knowledge Check questions
TITLE_WORD = "canary"  # a lesson title (and its id)
CHANGED_LESSON = "monitoring/drift.md"
CHANGED_TITLE = f"Pangolin {HEADING_WORD} guide"
"""The deliberately different build retitles this lesson; its title now matches a query."""


def lesson_sources() -> list[tuple[str, str, str]]:
    """(section id, lesson id, source path) for every lesson, in course order."""
    found = []
    for section, (_, paths) in SECTIONS.items():
        for path in paths:
            src = os.path.normpath(f"{section}/{path}.md")
            found.append((section, f"{section}-{path.rsplit('/', 1)[-1]}", src))
    return found


def lesson_body(n: int, src: str, sources: list[str]) -> str:
    """Headings, paragraphs, links, code blocks and a Knowledge Check for lesson n."""
    later = sources[(n + 7) % len(sources)]
    parts = [
        f"Lesson {n + 1} keeps the model's environment {TEXT_WORD}: the same image runs in "
        f"CI and in production. See [the about page]({relative_link(src, 'about.md')}), "
        f"[the FAQ]({relative_link(src, 'faq/index.md')}) and "
        f"[a later lesson]({relative_link(src, later)}).",
        "",
        f"## Step {n + 1}: build the image",
        "",
        "Each instruction of the Dockerfile adds a layer; order them from rarely to often "
        "changing so the layer cache helps.",
        "",
        "```dockerfile",
        "FROM python:3.11-slim",
        "WORKDIR /srv",
        "COPY requirements.txt .",
        "RUN pip install --no-cache-dir -r requirements.txt",
        "```",
        "",
        "```python",
        f"def predict_{n}(features: list[float]) -> dict[str, float]:",
        f'    """Score one row for lesson {n + 1}."""',
        "    return {'score': sum(features) / len(features)}",
        "```",
        "",
    ]
    if n % 3 == 0:
        parts += [f"## {HEADING_WORD.title()} step {n + 1}", "", "Read the logs first.", ""]
    if n % 4 == 0:
        parts += ["```bash", f"docker run --rm -p 8000:8000 {CODE_WORD}-api:{n}", "```", ""]
    parts += CODE_EXTRAS[n % len(CODE_EXTRAS)]
    parts += [
        '!!! tip "Keep it small"',
        "    A slim base image starts faster and has fewer packages to patch.",
        "",
        "## Knowledge Check",
        "",
        f"1. Which {QUIZ_WORD} rule does lesson {n + 1} teach?",
        "   - Pin what you depend on",
        "   - Always use the latest tag",
        "   > Pinned versions make rebuilds repeatable.",
        "",
        "2. What makes rebuilds fast?",
        "   - Layer caching",
        "   - A bigger laptop",
        "",
    ]
    return "\n".join(parts)


CODE_EXTRAS: list[list[str]] = [
    [],
    [  # line anchors (anchor_linenums), a highlighted line, a title
        '```python linenums="1" hl_lines="2" title="serve.py"',
        "import uvicorn",
        "app = make_app()",
        'uvicorn.run(app, host="0.0.0.0")',
        "```",
        "",
    ],
    [  # tabs, a block in no language, inline highlighted code
        "Count the features with `#!python len(features)` first.",
        "",
        '=== "Shell"',
        "",
        "    ```bash",
        "    curl -s localhost:8000/health | jq .status",
        "    ```",
        "",
        '=== "Plain"',
        "",
        "    ```",
        "    GET /health -> 200",
        "    ```",
        "",
    ],
    [  # markup-like text in code, and an author's own markup inside a <pre>
        "```html",
        '<span class="k">not a token</span> <a id="x" name="x"></a>',
        "```",
        "",
        "<pre><code>shown <span data-search-exclude>not indexed</span> also shown</code></pre>",
        "",
    ],
]
"""Code the search indexer sees in different shapes (fast_build indexes it without the
highlighting markup), one shape per lesson in turn."""


HOME = (
    "# Generated course\n\nTo compare builds.\n\n## Course overview\n\n<!-- course-overview -->\n"
)
SERVING_INDEX = (
    "# Serving\n\nWritten by hand: how models answer requests.\n\n<!-- section-lessons -->\n"
)
OTHER_PAGES = {
    "index.md": HOME,
    "about.md": "# About\n\nWho wrote this course, and why.\n",
    "faq/index.md": "# FAQ\n\nQuestions readers ask, outside any section.\n",
    "glossary/terms.md": "# Terms\n\nImage, container, registry.\n",
    "serving/index.md": SERVING_INDEX,
    "serving/cheatsheet.md": "# Serving cheatsheet\n\nAn ordinary page in a section folder.\n",
    # Outside any section, but in the folder of packaging's last lessons.
    "extras/notes.md": "# Notes\n\nAn ordinary page beside a section's lessons.\n",
}


def generated_pages(*, changed: bool = False) -> dict[str, str]:
    """The generated course (src -> text); `changed` retitles CHANGED_LESSON."""
    lessons = lesson_sources()
    sources = [src for _, _, src in lessons]
    pages = dict(OTHER_PAGES)
    order: dict[str, int] = {}
    for n, (section, lesson_id, src) in enumerate(lessons):
        order[section] = order.get(section, 0) + 1
        title = CHANGED_TITLE if changed and src == CHANGED_LESSON else None
        pages[src] = lesson(
            lesson_id,
            order[section],
            section,
            prev=lessons[n - 1][1] if n else None,
            next=lessons[n + 1][1] if n + 1 < len(lessons) else None,
            title=title or f"{lesson_id.split('-', 1)[1].replace('-', ' ').title()} basics",
            type=("lesson", "lab", "exercise")[n % 3],
            duration="20 mins",
            body=lesson_body(n, src, sources),
        )
    return pages


GENERATED_SAMPLES = [
    "index.md",  # home, with the course overview
    "packaging/index.md",  # generated index of a section spread over two folders
    "serving/index.md",  # hand-written section index
    "foundations/what-is-mlops.md",  # first lesson of the course
    "packaging/multi-stage.md",  # a middle lesson
    "extras/packaging/signing.md",  # last lesson of a section, in its second folder
    "deep/more/evenmore/quantisation.md",  # nested two folders deep
    CHANGED_LESSON,  # a middle lesson (retitled in the changed build)
    "appendix/credits.md",  # last lesson of the course
    "serving/cheatsheet.md",  # an ordinary page inside a section folder
    "about.md",  # outside any section
    "faq/index.md",  # outside any section, in a folder
]
"""Pages of the generated course compared in Chromium."""
VARIANT_SAMPLES = [
    "index.md",
    "extras/packaging/signing.md",
    "deep/more/evenmore/quantisation.md",
]
"""Fewer for the other layouts: every page of theirs is compared as files anyway."""


SECTION_LIST = [{"id": id, "title": title} for id, (title, _) in SECTIONS.items()]
PROJECT_FEATURES = generated_settings(SECTION_LIST)["theme"]["features"]
SECTIONS_FEATURES = [
    "navigation.sections" if f == "navigation.prune" else f for f in PROJECT_FEATURES
]


@dataclass(frozen=True)
class Query:
    """A search and whether it must find something."""

    text: str
    hits: bool | None
    """True: must find results; None: not asserted (Knowledge Checks are not in the
    search index: the quiz widget replaces them after the search plugin read the page)."""


GENERATED_QUERIES = [
    Query(TEXT_WORD, True),
    Query(HEADING_WORD, True),
    Query(CODE_WORD, True),
    Query(TITLE_WORD, True),
    Query(QUIZ_WORD, None),
]
PROJECT_QUERIES = [
    Query("registry", True),  # lesson text
    Query("batching", True),  # a heading
    Query("uvicorn", True),  # code blocks
    Query("rollouts", True),  # a page title
    Query("deserves", None),  # only in a Knowledge Check question
]
PROJECT_SAMPLES = [
    "",
    "deployment/",
    "deployment/mlops-intro/",
    "deployment/mlops-docker/",
    "deployment/mlops-model-serving/",
    "operations/safe-rollouts/",
    "exercises/03-ship-it/",
    "404.html",  # outside any section
]


@dataclass
class Source:
    """How one source is built, and what is compared in Chromium."""

    samples: list[str]
    """URL paths, relative to the site."""
    queries: list[Query]
    settings: dict[str, Any] | None = None
    """Site settings of a generated course; None for the project's own course."""
    changed: bool = False
    """Also build a deliberately different variant (a retitled lesson) to compare against."""


SOURCES: dict[str, Source] = {
    "project": Source(PROJECT_SAMPLES, PROJECT_QUERIES),
    "generated": Source(
        [page_url(src) for src in GENERATED_SAMPLES],
        GENERATED_QUERIES,
        generated_settings(SECTION_LIST),
        changed=True,
    ),
    "generated-file-urls": Source(
        [page_url(src, directory_urls=False) for src in VARIANT_SAMPLES],
        GENERATED_QUERIES[:1],
        generated_settings(SECTION_LIST, use_directory_urls=False),
    ),
    "generated-sections": Source(
        [page_url(src) for src in VARIANT_SAMPLES],
        GENERATED_QUERIES[:1],
        with_features(generated_settings(SECTION_LIST), SECTIONS_FEATURES),
    ),
}
SAMPLE_CASES = [(name, url) for name, source in SOURCES.items() for url in source.samples]
QUERY_CASES = [(name, q.text) for name, source in SOURCES.items() for q in source.queries]
CHANGED_SAMPLES = [page_url(CHANGED_LESSON), "about/"]
CHANGED_QUERIES = [HEADING_WORD, TEXT_WORD]
"""What Chromium reads of the changed build: enough to show each comparison notices."""
BROWSER_CONTEXTS = 2
"""Builds read side by side, each in its own context of the one Chromium (2 cores)."""

# --------------------------------------------------------------------------- fixtures


@dataclass
class Served:
    """The builds of one source, all served at the same URL (the cookie picks one)."""

    url: str
    builds: dict[str, Built] = field(default_factory=dict)

    def site(self, variant: str) -> Path:
        return self.builds[variant].site


@pytest.fixture(scope="module")
def origin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The server for every build: (base URL, folder whose <variant>/<source>/ it serves)."""
    www = tmp_path_factory.mktemp("www")
    with serve_builds(www) as url:
        yield url, www


@pytest.fixture(scope="module")
def sites(origin: tuple[str, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Served]:
    """Every source built fast and slow (and `generated` once more, changed)."""
    url, www = origin
    work = tmp_path_factory.mktemp("sources")
    served = {}
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SOURCE_DATE_EPOCH", BUILD_DATE)
        for name, source in SOURCES.items():
            one = served[name] = Served(f"{url}{name}/")
            for variant in [FAST, SLOW, CHANGED] if source.changed else [FAST, SLOW]:
                site = www / variant / name
                fast_build = variant != SLOW
                if source.settings is None:
                    built = build_project(site, one.url, fast_build=fast_build)
                else:
                    pages = generated_pages(changed=variant == CHANGED)
                    config_file = write_course(
                        work / f"{name}-{variant}",
                        pages,
                        settings=source.settings,
                        fast_build=fast_build,
                    )
                    built = build_as_cli(load_course(config_file, site, one.url))
                assert not built.aborted, f"{name} ({variant}) did not build: {built.warnings}"
                one.builds[variant] = built
    return served


@pytest.fixture(scope="module")
def served_rebuild(
    sites: dict[str, Served], tmp_path_factory: pytest.TempPathFactory
) -> tuple[Built, Built]:
    """The generated course as `mkdocs serve` builds it: once, then again after
    CHANGED_LESSON was retitled, from a newly loaded config with the same plugin objects
    (what serve does on each change); (first build, rebuild), the site of the rebuild."""
    root = tmp_path_factory.mktemp("serve")
    site, url = root / "site", sites["generated"].url
    settings = SOURCES["generated"].settings
    assert settings is not None
    config_file = write_course(root, generated_pages(), settings=settings, fast_build=True)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SOURCE_DATE_EPOCH", BUILD_DATE)
        config = load_course(config_file, site, url)
        config.plugins.on_startup(command="serve", dirty=False)
        try:
            first = build_loaded(config)
            assert not first.aborted, first.warnings
            shutil.copytree(site, root / "first")
            edited = generated_pages(changed=True)[CHANGED_LESSON]
            (root / "docs" / CHANGED_LESSON).write_text(edited, encoding="utf-8")
            rebuilt = build_loaded(load_course(config_file, site, url))
        finally:
            config.plugins.on_shutdown()
            # MkDocs keeps these plugin objects for the whole process: leave them as a
            # plain build would, not in a serve session, for the tests that come after.
            config.plugins.on_startup(command="build", dirty=False)
    return Built(root / "first", first.warnings), rebuilt


@dataclass
class Seen:
    """What Chromium showed of one build: sample pages and search results."""

    pages: dict[str, PageView] = field(default_factory=dict)
    searches: dict[str, SearchResults] = field(default_factory=dict)


async def _read_build(
    browser: Any, origin: str, site_url: str, variant: str, samples: list[str], queries: list[str]
) -> Seen:
    context = await open_build(browser, origin, variant)
    try:
        page = await context.new_page()
        errors = console_errors(page)
        seen = Seen()
        for url in samples:
            seen.pages[url] = await view_page(page, site_url + url, errors)
        seen.searches = await run_searches(page, site_url, queries)
        return seen
    finally:
        await context.close()


async def _read_all(origin: str, sites: dict[str, Served]) -> dict[str, dict[str, Seen]]:
    jobs = []
    for name, source in SOURCES.items():
        queries = [q.text for q in source.queries]
        for variant in sites[name].builds:
            if variant == CHANGED:
                jobs.append((name, variant, CHANGED_SAMPLES, CHANGED_QUERIES))
            else:
                jobs.append((name, variant, source.samples, queries))
    found: dict[str, dict[str, Seen]] = {name: {} for name in SOURCES}
    async with async_playwright() as playwright:
        browser = await launch_chromium(playwright)
        slots = asyncio.Semaphore(BROWSER_CONTEXTS)

        async def read(name: str, variant: str, samples: list[str], queries: list[str]) -> None:
            async with slots:
                found[name][variant] = await _read_build(
                    browser, origin, sites[name].url, variant, samples, queries
                )

        try:
            await asyncio.gather(*(read(*job) for job in jobs))
        finally:
            await browser.close()
    return found


@pytest.fixture(scope="module")
def seen(origin: tuple[str, Path], sites: dict[str, Served]) -> dict[str, dict[str, Seen]]:
    """Source -> variant -> what one Chromium showed of that build (a fresh context each)."""
    return asyncio.run(_read_all(origin[0], sites))


def _report(differences: dict[str, str] | list[str]) -> str:
    items = differences.items() if isinstance(differences, dict) else enumerate(differences)
    return "\n\n".join(f"{key}:\n{value}" for key, value in items)


# --------------------------------------------------------------------------- files


@pytest.mark.parametrize("name", SOURCES)
def test_both_builds_succeed_strictly_without_warnings(sites: dict[str, Served], name: str) -> None:
    """A build mode that logged a warning the other does not would tell authors different things."""
    fast, slow = sites[name].builds[FAST], sites[name].builds[SLOW]
    assert (fast.warnings, slow.warnings) == ([], [])


@pytest.mark.parametrize("name", SOURCES)
def test_every_page_has_the_same_primary_nav(sites: dict[str, Served], name: str) -> None:
    """The nav cache must give each page its own nav: the active lesson, the open section
    and relative links differ from page to page, so the whole element is compared."""
    fast, slow = sites[name].site(FAST), sites[name].site(SLOW)
    assert pages_without(fast, *PRIMARY_NAV) == []
    differences = element_differences(fast, slow, *PRIMARY_NAV)
    assert differences == {}, _report(differences)


@pytest.mark.parametrize("name", SOURCES)
def test_every_page_has_the_same_previous_next_footer(sites: dict[str, Served], name: str) -> None:
    """Prev/next follow the lesson chain, across sections and folders; both builds agree."""
    fast, slow = sites[name].site(FAST), sites[name].site(SLOW)
    assert len(pages_without(fast, *FOOTER_NAV)) < len(list(fast.rglob("*.html"))) / 2
    differences = element_differences(fast, slow, *FOOTER_NAV)
    assert differences == {}, _report(differences)


@pytest.mark.parametrize("name", SOURCES)
def test_search_index_has_the_same_config_and_entries_in_order(
    sites: dict[str, Served], name: str
) -> None:
    """The faster search-index path must index the same text under the same locations."""
    differences = search_index_differences(sites[name].site(FAST), sites[name].site(SLOW))
    assert differences == [], _report(differences)


@pytest.mark.parametrize("name", SOURCES)
def test_every_other_file_is_byte_identical(sites: dict[str, Served], name: str) -> None:
    """Pages, assets, sitemap and 404: nothing a reader can fetch may differ (the search
    index is compared entry by entry above)."""
    differences = file_differences(
        sites[name].site(FAST), sites[name].site(SLOW), skip=frozenset({SEARCH_INDEX})
    )
    assert differences == [], _report(differences)


def test_serve_rebuild_after_an_edit_matches_a_fresh_build(
    sites: dict[str, Served], served_rebuild: tuple[Built, Built]
) -> None:
    """`fast_build` also keeps work across `mkdocs serve` rebuilds (front matter, compiled
    templates): after a lesson is retitled, the rebuilt site must be the fresh build of
    the edited sources, and the first build the fresh build of the originals."""
    first, rebuilt = served_rebuild
    assert (first.warnings, rebuilt.warnings) == ([], [])
    for built, fresh in (
        (first, sites["generated"].site(FAST)),
        (rebuilt, sites["generated"].site(CHANGED)),
    ):
        differences = file_differences(built.site, fresh, skip=frozenset({SEARCH_INDEX}))
        differences += search_index_differences(built.site, fresh)
        assert differences == [], _report(differences)


def test_variants_render_the_navs_they_claim(sites: dict[str, Served]) -> None:
    """The layouts are what the other tests rely on: a pruned nav leaves other sections'
    lessons out, `navigation.sections` puts every lesson in, `use_directory_urls: false`
    links to .html files; otherwise a variant would test nothing new."""

    def nav(name: str, page: str) -> str:
        html = (sites[name].site(FAST) / page).read_text(encoding="utf-8")
        return element_source(html, *PRIMARY_NAV) or ""

    pruned = nav("generated", "foundations/lifecycle/index.html")
    every = nav("generated-sections", "foundations/lifecycle/index.html")
    files = nav("generated-file-urls", "foundations/lifecycle.html")
    assert 'href="../tooling/"' in pruned
    assert "monitoring/drift/" not in pruned
    assert "monitoring/drift/" in every
    assert "deep/more/evenmore/quantisation/" in every
    assert 'href="tooling.html"' in files
    assert "monitoring/drift.html" not in files


# --------------------------------------------------------------------------- in Chromium


@pytest.mark.browser
@pytest.mark.parametrize(("name", "url"), SAMPLE_CASES)
def test_sample_page_reads_the_same_in_chromium(
    seen: dict[str, dict[str, Seen]], name: str, url: str
) -> None:
    """Visible text, every link (resolved URL and text), the nav's and the footer's
    outerHTML after Material's scripts ran, and console errors: the same in both builds."""
    fast, slow = seen[name][FAST].pages[url], seen[name][SLOW].pages[url]
    assert fast.text.strip() and fast.links and fast.nav.startswith("<nav")
    differences = view_differences(fast, slow, (FAST, SLOW))
    assert differences == [], _report(differences)


@pytest.mark.browser
@pytest.mark.parametrize(("name", "query"), QUERY_CASES)
def test_search_finds_the_same_results_in_the_same_order(
    seen: dict[str, dict[str, Seen]], name: str, query: str
) -> None:
    """Material's client-side search over each build's index shows the same results."""
    fast, slow = seen[name][FAST].searches[query], seen[name][SLOW].searches[query]
    expected = next(q for q in SOURCES[name].queries if q.text == query)
    if expected.hits:
        assert fast.links, f"{query!r} found nothing: {fast.meta}"
    assert fast == slow


# --------------------------------------------------------------------------- the comparisons work


@pytest.mark.browser
def test_comparisons_report_a_retitled_lesson(
    sites: dict[str, Served], seen: dict[str, dict[str, Seen]]
) -> None:
    """Equivalence is only shown if the same comparisons find a real difference: one
    lesson retitled changes its section's navs, neighbours' footers, the home overview,
    the search index, files, pages in Chromium and search results, and nothing else."""
    served = sites["generated"]
    fast, changed = served.site(FAST), served.site(CHANGED)
    section = [src for s, _, src in lesson_sources() if s == "monitoring"]
    section_pages = {f"{page_url(src)}index.html" for src in [*section, "monitoring/index.md"]}
    assert set(element_differences(fast, changed, *PRIMARY_NAV)) == section_pages

    neighbours = {"monitoring/logs/index.html", "monitoring/alerts/index.html"}
    footers = element_differences(fast, changed, *FOOTER_NAV)
    assert set(footers) == neighbours and CHANGED_TITLE in footers.popitem()[1]

    index = search_index_differences(fast, changed)
    assert len(index) == 3, index  # the lesson, its section's index, the home overview
    assert any("('monitoring/drift/')" in line and CHANGED_TITLE in line for line in index)
    files = file_differences(fast, changed, skip=frozenset({SEARCH_INDEX}))
    assert any(line.startswith("monitoring/drift/index.html:") for line in files)
    assert not any(line.startswith("foundations/") for line in files)

    was, now = seen["generated"][FAST], seen["generated"][CHANGED]
    drift = page_url(CHANGED_LESSON)
    parts = {
        line.split()[0] for line in view_differences(was.pages[drift], now.pages[drift], ("a", "b"))
    }
    assert {"title", "text", "nav"} <= parts
    assert view_differences(was.pages["about/"], now.pages["about/"], ("a", "b")) == []
    assert was.searches[HEADING_WORD] != now.searches[HEADING_WORD]
    assert was.searches[TEXT_WORD] == now.searches[TEXT_WORD]


def test_primary_nav_is_compared_whole_with_its_nested_navs(sites: dict[str, Served]) -> None:
    """The primary nav holds nested `<nav>`s (one per section); the extraction must end at
    its own closing tag, so a change in the last nested nav counts and one after it does not
    (stopping at the first `</nav>` would miss every section after the first)."""
    html = (sites["generated-sections"].site(FAST) / "index.html").read_text(encoding="utf-8")
    nav = element_source(html, *PRIMARY_NAV)
    assert nav is not None and nav.count("<nav") > 2
    last_inner = nav.rindex("</nav>", 0, len(nav) - len("</nav>"))
    inside = html.replace(nav, nav[:last_inner] + "<p>changed</p>" + nav[last_inner:])
    after = html.replace(nav, nav + "<p>after</p>")
    assert element_source(inside, *PRIMARY_NAV) != nav
    assert element_source(after, *PRIMARY_NAV) == nav
