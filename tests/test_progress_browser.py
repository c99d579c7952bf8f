"""Reader progress as readers see it: real builds, a real HTTP server, Debian's Chromium.

One served folder holds two small courses, /a/site/ and /b/site/ (same lesson ids), so
the tests can also prove that two courses on one origin keep their progress apart.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from _browser import build_project_site, build_site, chromium, console_errors, serve
from _site import lesson
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

HOME = "# Course\n\nWelcome.\n\n## Course overview\n\n<!-- course-overview -->\n"
QUIZ = """
## Knowledge Check

1. Which instruction sets the default command?
   - CMD
   - LABEL, which only adds metadata to the image
   - EXPOSE
   > `CMD` names the process a container runs when none is given.

2. Is an image a running container?
   - No, a container runs from an image
   - Yes
   - Only on Windows

3. What does `COPY` read from?
   - The build context
   - The registry
   - The host's whole disk
"""
SECOND_QUIZ = """
## Knowledge Check

1. Which file lists the packages?
   - requirements.txt
   - Makefile

2. What makes rebuilds fast?
   - Layer caching
   - More RAM in the machine that builds
"""
PAGES = {
    "index.md": HOME,
    "basics/one.md": lesson("quiz-one", 1, "basics", next="quiz-two", body=QUIZ),
    "basics/two.md": lesson(
        "quiz-two", 2, "basics", prev="quiz-one", next="reading", body=SECOND_QUIZ
    ),
    "basics/reading.md": lesson("reading", 3, "basics", prev="quiz-two", next="practice"),
    "practice/ex.md": lesson("practice", 1, "practice", type="exercise", prev="reading"),
}
CONFIG = {
    "theme": {
        "name": "material",
        "font": False,
        "features": ["navigation.instant", "navigation.footer", "navigation.indexes"],
    },
    "markdown_extensions": ["admonition", "attr_list", "md_in_html", "toc", "tables"],
}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def origin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Two copies of the course on one origin; yields the origin ('http://127.0.0.1:N/')."""
    root = tmp_path_factory.mktemp("origin")
    with serve(root) as url:
        for name in ("a", "b"):
            built = build_site(root / name, PAGES, site_url=f"{url}{name}/site/", config=CONFIG)
            assert not built.aborted and not built.warnings, built.warnings
        yield url


@pytest.fixture(scope="module")
def site(origin: str) -> str:
    return origin + "a/site/"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as browser:
        yield browser


@pytest.fixture
def page(browser: Any) -> Iterator[Page]:
    context = browser.new_context()
    page = context.new_page()
    errors = console_errors(page)
    try:
        yield page
        assert errors == [], errors
    finally:
        context.close()


def _answer(page: Page, choices: list[str]) -> None:
    for number, text in enumerate(choices):
        question = page.locator("fieldset.course-quiz__question").nth(number)
        question.locator("label", has_text=text).click()


def _complete_quiz_one(page: Page, site: str, *, wrong_first: bool = False) -> None:
    page.goto(site + "basics/one/")
    _answer(page, ["LABEL" if wrong_first else "CMD", "No, a container", "The build context"])
    page.get_by_role("button", name="Check answers").click()


def _progressbar(page: Page, name: str) -> Any:
    return page.get_by_role("progressbar", name=name)


def _status(page: Page, lesson_id: str) -> Any:
    return page.locator(f'.course-quiz-status[data-lesson-id="{lesson_id}"]')


def _sidebar_link(page: Page, title: str) -> Any:
    return page.locator(".md-nav--primary a.md-nav__link", has_text=title).first


def test_home_shows_course_and_section_progress_and_a_start_link(page: Page, site: str) -> None:
    page.goto(site)
    bar = _progressbar(page, "Course progress")
    expect(bar).to_have_attribute("aria-valuemin", "0")
    expect(bar).to_have_attribute("aria-valuemax", "4")
    expect(bar).to_have_attribute("aria-valuenow", "0")
    expect(page.get_by_text("0 of 4 lessons done")).to_be_visible()
    expect(_progressbar(page, "Basics progress")).to_have_attribute("aria-valuemax", "3")
    expect(_progressbar(page, "Practice progress")).to_have_attribute("aria-valuemax", "1")
    start = page.get_by_role("link", name="Start the course")
    expect(start).to_have_js_property("href", site + "basics/one/")
    start.click()
    expect(page).to_have_url(site + "basics/one/")


def test_a_partly_answered_quiz_is_saved_and_shown_as_answered(page: Page, site: str) -> None:
    page.goto(site + "basics/one/")
    _answer(page, ["CMD"])
    page.reload()
    expect(page.locator(".course-quiz input:checked")).to_have_count(1)
    page.goto(site)
    expect(_status(page, "quiz-one")).to_have_text("1 of 3 answered")
    expect(_progressbar(page, "Course progress")).to_have_attribute("aria-valuenow", "0")
    expect(page.get_by_role("link", name="Start the course")).to_be_visible()


def test_checked_quiz_shows_the_correct_options_and_the_explanation(page: Page, site: str) -> None:
    page.goto(site + "basics/one/")
    explanation = page.locator(".course-quiz__explanation")
    expect(explanation).to_have_count(1)
    expect(explanation).to_be_hidden()
    expect(page.get_by_text("correct answer")).to_have_count(0)
    _complete_quiz_one(page, site, wrong_first=True)

    expect(page.get_by_role("status")).to_have_text("Score: 2 / 3")
    marked = page.locator("label.is-answer")
    expect(marked).to_contain_text(["CMD", "No, a container runs", "The build context"])
    for question in range(3):
        fieldset = page.locator("fieldset.course-quiz__question").nth(question)
        expect(fieldset.locator("label.is-answer")).to_have_count(1)
        expect(fieldset.locator(".course-sr", has_text="correct answer")).to_have_count(1)
    # The visible tick is hidden from screen readers, which read the hidden text instead.
    expect(page.get_by_role("radio", name="CMD correct answer")).to_be_disabled()
    expect(explanation).to_be_visible()
    expect(explanation).to_contain_text("names the process a container runs")

    page.get_by_role("button", name="Try again").click()
    expect(marked).to_have_count(0)
    expect(explanation).to_be_hidden()


def test_a_fully_answered_checked_quiz_completes_the_lesson_everywhere(
    page: Page, site: str
) -> None:
    _complete_quiz_one(page, site, wrong_first=True)
    link = _sidebar_link(page, "Quiz One")
    expect(link.locator(".course-sr")).to_have_text("completed")
    expect(link.locator("[aria-hidden=true]")).to_have_text("✓")
    expect(_sidebar_link(page, "Quiz Two").locator(".course-nav-done")).to_have_count(0)

    page.reload()  # the lesson stays done, the answers and result come back
    expect(page.get_by_role("status")).to_have_text("Score: 2 / 3")
    expect(_sidebar_link(page, "Quiz One").locator(".course-sr")).to_have_text("completed")

    page.goto(site)
    expect(_progressbar(page, "Course progress")).to_have_attribute("aria-valuenow", "1")
    expect(page.get_by_text("1 of 4 lessons done")).to_be_visible()
    expect(_status(page, "quiz-one")).to_have_text("Done · 2 / 3 correct")
    cont = page.get_by_role("link", name="Continue: Quiz Two")
    expect(cont).to_have_js_property("href", site + "basics/two/")

    page.goto(site + "basics/")
    expect(_progressbar(page, "Basics progress")).to_have_attribute("aria-valuenow", "1")
    expect(page.get_by_text("1 of 3 lessons done")).to_be_visible()
    expect(_status(page, "quiz-one")).to_have_text("Done · 2 / 3 correct")


def test_a_checked_quiz_with_an_unanswered_question_is_not_done(page: Page, site: str) -> None:
    page.goto(site + "basics/one/")
    _answer(page, ["CMD", "Yes"])
    page.get_by_role("button", name="Check answers").click()
    expect(page.get_by_role("status")).to_have_text("Score: 1 / 3")
    expect(_sidebar_link(page, "Quiz One").locator(".course-nav-done")).to_have_count(0)
    page.goto(site)
    expect(_status(page, "quiz-one")).to_have_text("2 of 3 answered")


def test_lessons_without_a_quiz_have_a_mark_as_complete_toggle(page: Page, site: str) -> None:
    page.goto(site + "basics/one/")
    expect(page.get_by_role("button", name="Mark as complete")).to_have_count(0)
    page.goto(site + "basics/reading/")
    toggle = page.get_by_role("button", name="Mark as complete")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    toggle.focus()
    assert toggle.evaluate("b => getComputedStyle(b).outlineStyle") == "solid"
    page.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-pressed", "true")
    expect(_sidebar_link(page, "Reading").locator(".course-sr")).to_have_text("completed")
    page.reload()
    expect(toggle).to_have_attribute("aria-pressed", "true")
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "false")
    expect(_sidebar_link(page, "Reading").locator(".course-nav-done")).to_have_count(0)


def test_exercises_count_towards_progress_until_the_course_is_done(page: Page, site: str) -> None:
    page.goto(site + "practice/ex/")
    expect(page.locator(".course-lesson-meta")).to_have_text("Exercise · 30 min")
    page.get_by_role("button", name="Mark as complete").click()
    page.goto(site)
    expect(_status(page, "practice")).to_have_text("Done")
    expect(page.get_by_text("1 of 1 lessons done")).to_be_visible()  # the section's bar
    expect(page.get_by_role("link", name="Continue: Quiz One")).to_be_visible()

    _complete_quiz_one(page, site)
    page.goto(site + "basics/two/")
    _answer(page, ["requirements.txt", "Layer caching"])
    page.get_by_role("button", name="Check answers").click()
    page.goto(site + "basics/reading/")
    page.get_by_role("button", name="Mark as complete").click()
    page.goto(site)
    expect(page.get_by_text("4 of 4 lessons done")).to_be_visible()
    expect(page.get_by_role("link", name="Review the course")).to_have_js_property(
        "href", site + "basics/one/"
    )


def test_progress_follows_instant_navigation(page: Page, site: str) -> None:
    page.goto(site + "basics/one/")
    page.evaluate("window.__samePage = true")
    _answer(page, ["CMD", "No, a container", "The build context"])
    page.get_by_role("button", name="Check answers").click()
    page.locator("a.md-footer__link--next").click()
    expect(page).to_have_url(site + "basics/two/")
    expect(_sidebar_link(page, "Quiz One").locator(".course-sr")).to_have_text("completed")
    page.locator("a.md-footer__link--next").click()
    expect(page).to_have_url(site + "basics/reading/")
    page.get_by_role("button", name="Mark as complete").click()
    page.locator(f'.md-nav--primary a.md-nav__link[href="{site}"]').first.click()
    expect(page).to_have_url(site)
    expect(page.get_by_text("2 of 4 lessons done")).to_be_visible()
    page.get_by_role("link", name="Continue: Quiz Two").click()
    expect(page).to_have_url(site + "basics/two/")
    expect(page.locator("fieldset.course-quiz__question")).to_have_count(2)
    assert page.evaluate("window.__samePage") is True  # every step was an instant navigation


def test_reset_progress_asks_first_and_then_forgets_everything(page: Page, site: str) -> None:
    _complete_quiz_one(page, site)
    page.goto(site)
    expect(page.get_by_text("1 of 4 lessons done")).to_be_visible()
    reset = page.get_by_role("button", name="Reset progress")
    asked: list[str] = []

    def answer(dialog: Any, accept: bool) -> None:
        asked.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page.once("dialog", lambda dialog: answer(dialog, False))
    reset.click()
    expect(page.get_by_text("1 of 4 lessons done")).to_be_visible()
    page.once("dialog", lambda dialog: answer(dialog, True))
    reset.click()
    expect(page.get_by_text("0 of 4 lessons done")).to_be_visible()
    expect(page.get_by_role("link", name="Start the course")).to_be_visible()
    assert len(asked) == 2 and "Reset your progress" in asked[0]
    page.goto(site + "basics/one/")
    expect(page.locator(".course-quiz input:checked")).to_have_count(0)


def test_two_courses_on_one_origin_keep_their_own_progress(
    page: Page, site: str, origin: str
) -> None:
    _complete_quiz_one(page, site)
    page.evaluate("localStorage.setItem('course-quiz:quiz-two', '{\"score\": 2, \"total\": 2}')")
    other = origin + "b/site/"
    page.goto(other)
    expect(page.get_by_text("0 of 4 lessons done").first).to_be_visible()
    expect(_status(page, "quiz-one")).to_have_text("")
    expect(_status(page, "quiz-two")).to_have_text("")  # the old, unscoped key is ignored
    keys = page.evaluate("Object.keys(localStorage).sort()")
    assert keys == ["course-quiz:quiz-two", "course:/a/site/"], keys


def test_broken_stored_progress_is_ignored(browser: Any, site: str) -> None:
    for stored in ("{not json", "5", json.dumps({"q": 3, "l": {"quiz-one": 7}})):
        context = browser.new_context()
        try:
            context.add_init_script(f"localStorage.setItem('course:/a/site/', {stored!r})")
            page = context.new_page()
            errors = console_errors(page)
            page.goto(site)
            expect(page.get_by_text("0 of 4 lessons done").first).to_be_visible()
            _complete_quiz_one(page, site)
            expect(page.get_by_role("status")).to_have_text("Score: 3 / 3")
            assert errors == [], (stored, errors)
        finally:
            context.close()


def _sideways(page: Page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - innerWidth")


def test_on_a_phone_no_page_scrolls_sideways_and_progress_stays_visible(
    browser: Any, site: str
) -> None:
    context = browser.new_context(viewport=PHONE)
    try:
        page = context.new_page()
        _complete_quiz_one(page, site)
        for path in ("", "basics/", "basics/one/", "basics/reading/", "practice/ex/"):
            page.goto(site + path)
            assert _sideways(page) == 0, path
        page.goto(site + "basics/")
        status = _status(page, "quiz-one")
        expect(status).to_have_text("Done · 3 / 3 correct")
        box = status.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
        table = page.locator(".md-typeset__scrollwrap").first
        assert table.evaluate("e => e.scrollWidth <= e.clientWidth"), "the table scrolls"
    finally:
        context.close()


def test_on_a_phone_no_page_of_the_real_course_scrolls_sideways(
    browser: Any, tmp_path: Path
) -> None:
    with serve(tmp_path / "site") as url:
        built = build_project_site(tmp_path / "site", site_url=url)
        assert not built.aborted, built.warnings
        pages = sorted(
            path.parent.relative_to(built.site).as_posix()
            for path in built.site.rglob("index.html")
            if not path.parent.name.startswith(("assets", "search"))
        )
        assert len(pages) >= 10, pages
        context = browser.new_context(viewport=PHONE)
        try:
            page = context.new_page()
            errors = console_errors(page)
            for path in pages:
                page.goto(url + ("" if path == "." else path + "/"))
                assert _sideways(page) == 0, f"{path} scrolls sideways on a phone"
            for section in ("deployment/", "operations/", "exercises/"):
                page.goto(url + section)
                head = page.locator("th", has_text="Progress")
                box = head.bounding_box()
                assert box and box["x"] + box["width"] <= PHONE["width"], (section, box)
            assert errors == [], errors
        finally:
            context.close()


def test_without_javascript_every_page_still_reads_well(browser: Any, site: str) -> None:
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(site)
        expect(page.get_by_role("link", name="Start the course")).to_have_js_property(
            "href", site + "basics/one/"
        )
        expect(page.get_by_role("link", name="Quiz One")).to_be_visible()
        expect(page.locator(".course-progress")).to_have_count(3)
        expect(page.locator(".course-progress").first).to_be_hidden()  # nothing is tracked
        expect(page.locator(".md-content").get_by_role("button")).to_have_count(0)
        page.goto(site + "basics/reading/")
        expect(page.get_by_role("button", name="Mark as complete")).to_have_count(0)
        page.goto(site + "basics/one/")
        details = page.locator(".course-quiz details")
        details.locator("summary").click()
        expect(details.locator(".course-quiz__explanation")).to_contain_text("names the process")
        expect(details.locator("li")).to_have_count(3)
    finally:
        context.close()
