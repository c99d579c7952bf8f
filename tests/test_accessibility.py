"""WCAG 2.1 AA, checked by axe-core in Chromium over every page of the real course.

One build of the project's mkdocs.yml, one browser; each scheme is a browser context
whose `prefers-color-scheme` picks Material's light or dark palette, as a reader's
system setting does. Quizzes are checked in their answered states too, and walked with
the keyboard alone.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from _axe import axe_path, axe_version, axe_violations, blocking, inject_axe, report
from _browser import (
    NETWORK_CHANGED,
    build_project_site,
    chromium,
    console_errors,
    course_quizzes,
    serve,
)
from course_site.quiz.encoding import fnv1a32
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

SCHEMES = {"light": "default", "dark": "slate"}
"""prefers-color-scheme -> the Material scheme mkdocs.yml's palette gives it."""
READERS: dict[str, dict[str, Any]] = {
    "light": {"color_scheme": "light"},
    "dark": {"color_scheme": "dark"},
    "phone": {"color_scheme": "light", "viewport": {"width": 390, "height": 844}},
}
"""Browser context settings: a desktop window in either scheme, and a phone-sized one
(Material's drawer navigation, tables that scroll sideways)."""
KEYBOARD_LESSON = "deployment/mlops-intro/"


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, list[str]]]:
    """The real course, built once and served: (base URL, URL path of every page)."""
    site = tmp_path_factory.mktemp("a11y") / "site"
    with serve(site) as url:
        built = build_project_site(site, site_url=url)
        assert not built.aborted, built.warnings
        pages = sorted(
            "" if p.parent == site else p.parent.relative_to(site).as_posix() + "/"
            for p in site.rglob("index.html")
        )
        yield url, [*pages, "404.html"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    axe_path()  # fail early, with install advice, if npm packages are missing
    with chromium() as browser:
        yield browser


@pytest.fixture(params=list(SCHEMES))
def page(request: pytest.FixtureRequest, browser: Any) -> Iterator[Page]:
    """A fresh reader (no saved quiz progress) whose system asks for light or dark."""
    settings = READERS[request.param]
    context = browser.new_context(**settings)
    page = context.new_page()
    page.reader = request.param  # type: ignore[attr-defined]
    page.scheme = settings["color_scheme"]  # type: ignore[attr-defined]
    page.console_errors = console_errors(page)  # type: ignore[attr-defined]
    lost: list[str] = []
    page.on(
        "requestfailed",
        lambda r: lost.append(r.url) if NETWORK_CHANGED in (r.failure or "") else None,
    )
    page.lost_requests = lost  # type: ignore[attr-defined]
    try:
        yield page
    finally:
        context.close()


def _open(page: Page, url: str) -> None:
    """Load a page whole: again if the machine's network changes cost it a request."""
    lost = page.lost_requests  # type: ignore[attr-defined]
    for _ in range(3):
        lost.clear()
        page.goto(url)
        if not lost:
            break
    assert not lost, f"{url}: requests kept failing with {NETWORK_CHANGED}: {lost}"
    expected = SCHEMES[page.scheme]  # type: ignore[attr-defined]
    expect(page.locator("body")).to_have_attribute("data-md-color-scheme", expected)


def _where(page: Page, path: str, state: str = "") -> str:
    reader = page.reader  # type: ignore[attr-defined]
    return f"[{reader}] /{path}" + (f" ({state})" if state else "")


def _assert_no_blocking(page: Page, found: list[dict[str, Any]]) -> None:
    """Fail on critical, serious and moderate violations; warn about minor ones."""
    failing = blocking(found)
    assert not failing, f"axe-core {axe_version(page)}\n{report(failing)}"
    if found:
        warnings.warn(f"axe-core, minor only:\n{report(found)}", stacklevel=2)


def _correct_options(page: Page) -> list[int]:
    """Per question, the position of its correct option as shown (shuffled).

    Found the way quiz.js finds it when answers are checked (encoding.fnv1a32 is its twin)."""
    data = page.locator("fieldset[data-q]").evaluate_all(
        "sets => sets.map(fs => [fs.dataset.s, fs.dataset.c,"
        " [...fs.querySelectorAll('input')].map(i => i.value)])"
    )
    positions = []
    for number, (salt, check, values) in enumerate(data):
        right = [fnv1a32(salt + value) == check for value in values]
        assert right.count(True) == 1, f"question {number + 1}: {right}"
        positions.append(right.index(True))
    return positions


def _a_wrong_option(correct: int) -> int:
    return 1 if correct == 0 else 0


def _answer(page: Page, *, wrong: set[int]) -> None:
    """Pick the correct option of every question except those numbered in `wrong`."""
    questions = page.locator("fieldset[data-q]")
    for number, correct in enumerate(_correct_options(page)):
        choice = _a_wrong_option(correct) if number in wrong else correct
        questions.nth(number).locator("input").nth(choice).check()


@pytest.mark.parametrize("page", list(READERS), indirect=True)
def test_every_page_meets_wcag_21_aa(page: Page, course: tuple[str, list[str]]) -> None:
    url, paths = course
    assert len(paths) >= 10 and "" in paths  # home, sections, lessons, exercises, 404
    found = []
    for path in paths:
        _open(page, url + path)
        # Collapsed blocks (`??? note`) hide their text from axe's checks: open them.
        page.locator(".md-content details").evaluate_all("all => all.forEach(d => d.open = true)")
        found += axe_violations(page, _where(page, path))
    _assert_no_blocking(page, found)
    assert page.console_errors == []  # type: ignore[attr-defined]


def test_checked_quizzes_and_saved_scores_meet_wcag_21_aa(
    page: Page, course: tuple[str, list[str]]
) -> None:
    url, _ = course
    lessons = list(course_quizzes())
    assert lessons
    found = []
    for path in lessons:
        _open(page, url + path)
        _answer(page, wrong={0})
        page.get_by_role("button", name="Check answers").click()
        expect(page.get_by_role("status")).to_contain_text("Score: ")
        expect(page.locator(".course-quiz__question.is-incorrect")).to_have_count(1)
        # The rest of the page is as the every-page test saw it; the whole page below.
        where = _where(page, path, "checked, one answer wrong")
        found += axe_violations(page, where, ".course-quiz")

    first = lessons[0]
    _open(page, url + first)
    page.get_by_role("button", name="Try again").click()
    _answer(page, wrong=set())
    page.get_by_role("button", name="Check answers").click()
    expect(page.locator(".course-quiz__question.is-incorrect")).to_have_count(0)
    found += axe_violations(page, _where(page, first, "checked, all correct"))  # whole page

    # The course overview and section pages now show the saved scores.
    for path in ["", *sorted({p.split("/")[0] + "/" for p in lessons})]:
        _open(page, url + path)
        expect(page.locator(".course-quiz-status--done").first).to_be_visible()
        found += axe_violations(page, _where(page, path, "with saved quiz scores"))
    _assert_no_blocking(page, found)
    assert page.console_errors == []  # type: ignore[attr-defined]


def test_open_search_and_phone_drawer_meet_wcag_21_aa(
    page: Page, course: tuple[str, list[str]]
) -> None:
    url, _ = course
    path = "deployment/mlops-docker/"
    _open(page, url + path)
    page.keyboard.press("/")  # Material's search shortcut
    page.keyboard.type("docker image")
    expect(page.locator(".md-search-result__item").first).to_be_visible()
    found = axe_violations(page, _where(page, path, "search results open"))

    page.keyboard.press("Escape")
    page.set_viewport_size({"width": 390, "height": 844})
    _open(page, url + path)
    page.locator("label.md-header__button[for='__drawer']").click()
    expect(page.locator(".md-sidebar--primary")).to_be_in_viewport()
    found += axe_violations(page, _where(page, path, "phone, navigation drawer open"))
    _assert_no_blocking(page, found)
    assert page.console_errors == []  # type: ignore[attr-defined]


LINKS = {
    "link in the lesson": "article p > a[href]",
    "link in the navigation": ".md-nav--primary a.md-nav__link[href]:not(.md-nav__link--active)",
    "link in the table of contents": ".md-sidebar--secondary a.md-nav__link",
    "permalink of a heading": "article h2 > .headerlink",
}


_TRANSITIONS_DONE = "el => Promise.all(el.getAnimations({subtree: true}).map(a => a.finished))"
"""Wait for the element's CSS transitions (Material fades link colours) to end."""


def test_focused_and_hovered_links_keep_their_contrast(
    page: Page, course: tuple[str, list[str]]
) -> None:
    """Material colours a focused or hovered link in its accent colour: still 4.5:1."""
    url, _ = course
    path = "deployment/mlops-docker/"
    _open(page, url + path)
    found = []
    for kind, selector in LINKS.items():
        link = page.locator(selector).first
        link.evaluate("el => el.setAttribute('data-a11y-probe', '')")
        for state, act in (("hovered", link.hover), ("focused", link.focus)):
            page.mouse.move(0, 0)
            act()
            link.evaluate(_TRANSITIONS_DONE)
            where = _where(page, path, f"{state} {kind}")
            found += axe_violations(page, where, "[data-a11y-probe]")
        link.evaluate("el => el.removeAttribute('data-a11y-probe')")
    _assert_no_blocking(page, found)


_FOCUS = """() => {
  const el = document.activeElement;
  const label = el.type === "radio" && el.closest("label");
  const style = getComputedStyle(label || el);
  const Color = axe.commons.color.Color;
  const bg = new Color(); bg.parseString(getComputedStyle(document.body).backgroundColor);
  const ring = new Color(); ring.parseString(style.outlineColor);
  return {
    tag: el.tagName, name: el.name || "", text: (el.textContent || "").trim().slice(0, 40),
    content: !!el.closest(".md-content"), quiz: !!el.closest(".course-quiz"),
    style: style.outlineStyle, width: parseFloat(style.outlineWidth),
    contrast: axe.commons.color.getContrast(bg, ring),
  };
}"""
"""Where the focus is and the outline that shows it (on its label, for a radio button),
with the outline's contrast against the page computed by axe's own colour code."""


def _focus(page: Page, key: str | None = "Tab") -> dict[str, Any]:
    """Press `key` (None: nothing), then describe the focused element."""
    if key:
        page.keyboard.press(key)
    return page.evaluate(_FOCUS)


def _assert_visible_focus(stop: dict[str, Any], what: str) -> None:
    """A focus ring: the browser's own (`auto`), or a drawn outline of 2 px or more,
    at 3:1 against the page (WCAG 2.4.7 and 1.4.11)."""
    drawn = stop["style"] == "auto" or (stop["style"] != "none" and stop["width"] >= 2)
    assert drawn, f"{what}: no visible focus ring: {stop}"
    assert stop["contrast"] >= 3, f"{what}: focus ring contrast below 3:1: {stop}"


def _tab_to(page: Page, selector: str) -> dict[str, Any]:
    """Tab from where the focus is until an element matching `selector` has it; every
    stop in the page's content on the way must show where the focus is."""
    inject_axe(page)  # for its colour code
    for _ in range(300):
        stop = _focus(page)
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return stop
        if stop["content"]:
            _assert_visible_focus(stop, f"{stop['tag']} {stop['text']!r}")
    pytest.fail(f"300 presses of Tab never reached {selector}")


def test_a_quiz_walked_with_the_keyboard_only(page: Page, course: tuple[str, list[str]]) -> None:
    url, _ = course
    _open(page, url + KEYBOARD_LESSON)
    questions = page.locator("fieldset[data-q]")
    count = course_quizzes()[KEYBOARD_LESSON]

    # From the top of the page, Tab (and nothing else) reaches the first question.
    stop = _tab_to(page, ".course-quiz input")

    for number, correct in enumerate(_correct_options(page)):
        assert stop["name"] == questions.nth(number).locator("input").first.get_attribute("name")
        _assert_visible_focus(stop, f"question {number + 1}")
        target = _a_wrong_option(correct) if number == 0 else correct
        page.keyboard.press("Space")  # selects the focused (first) option
        for _ in range(target):
            page.keyboard.press("ArrowDown")
        expect(questions.nth(number).locator("input").nth(target)).to_be_checked()
        stop = _focus(page)

    expect(page.get_by_role("button", name="Check answers")).to_be_focused()
    _assert_visible_focus(stop, "Check answers")
    status = page.get_by_role("status")
    expect(status).to_have_attribute("aria-live", "polite")
    expect(status).to_be_empty()
    page.keyboard.press("Enter")
    # The live region announces the score; focus moves on to the next action.
    expect(status).to_have_text(f"Score: {count - 1} / {count}")
    expect(questions.first.locator(".course-quiz__feedback")).to_have_text("✗ Incorrect")
    expect(page.get_by_role("button", name="Try again")).to_be_focused()
    _assert_visible_focus(_focus(page, None), "Try again")

    page.keyboard.press("Enter")
    expect(status).to_be_empty()
    expect(page.locator(".course-quiz input:checked")).to_have_count(0)
    stop = _focus(page, None)
    assert stop["tag"] == "INPUT" and stop["quiz"], stop
    _assert_visible_focus(stop, "first option after Try again")

    # Everything after it in the lesson (the other questions, Check answers, and what
    # follows the quiz) takes the focus visibly, up to the end of the content.
    for _ in range(100):
        stop = _focus(page)
        if not stop["content"]:
            break
        _assert_visible_focus(stop, f"{stop['tag']} {stop['text']!r}")
    assert not stop["content"], "Tab never left the lesson"
    assert page.console_errors == []  # type: ignore[attr-defined]


def test_progress_controls_work_with_the_keyboard_only(
    page: Page, course: tuple[str, list[str]]
) -> None:
    url, paths = course
    lesson = next(p for p in paths if p.startswith("exercises/") and p != "exercises/")
    _open(page, url + lesson)
    toggle = page.get_by_role("button", name="Mark as complete")
    _assert_visible_focus(_tab_to(page, ".course-complete__toggle"), "Mark as complete")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    page.keyboard.press("Space")
    expect(toggle).to_have_attribute("aria-pressed", "true")  # screen readers say "pressed"
    page.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    page.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-pressed", "true")

    _open(page, url)
    bar = page.get_by_role("progressbar").first
    expect(bar).to_have_attribute("aria-valuenow", "1")
    expect(bar).to_have_attribute("aria-valuetext", re.compile(r"^1 of \d+ lessons done$"))
    assert bar.get_attribute("aria-label"), "the progress bar has no name"
    stop = _tab_to(page, ".course-start__link")
    assert stop["text"].startswith("Continue"), stop
    _assert_visible_focus(stop, "Continue link")
    _assert_visible_focus(_tab_to(page, ".course-start__reset"), "Reset progress")
    page.once("dialog", lambda dialog: dialog.accept())
    page.keyboard.press("Enter")
    expect(bar).to_have_attribute("aria-valuenow", "0")
    assert page.console_errors == []  # type: ignore[attr-defined]


def test_missing_axe_fails_with_install_advice(monkeypatch: pytest.MonkeyPatch) -> None:
    import _axe

    monkeypatch.setattr(_axe, "AXE_JS", Path("/nonexistent/axe.min.js"))
    with pytest.raises(pytest.fail.Exception, match="npm ci"):
        _axe.axe_path()
