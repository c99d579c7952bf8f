"""The quiz as readers use it: real build, real HTTP server, Debian's Chromium via Playwright."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from _browser import (
    build_project_site,
    build_site,
    chromium,
    console_errors,
    lesson_page,
    reader_page,
    serve,
    served_site,
)
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

ONE = [
    ("Which file lists the Python packages?", ["`requirements.txt`", "`setup.cfg`", "`Makefile`"]),
    ("What does `EXPOSE` do?", ["Documents the port", "Publishes the port", "Opens a firewall"]),
    ("Which base image is smaller?", ["*slim*", "*full*", "*buildpack*"]),
    ("What runs as PID 1?", ["The `CMD` process", "systemd", "The shell profile"]),
    ("What makes rebuilds fast?", ["Layer caching", "More RAM", "A faster disk"]),
]
TWO = [
    ("Is <script>window.__quizXss = 1</script> run?", ["No, it is text", "Yes"]),
    (
        'Does <img src="x" onerror="window.__quizXss = 2"> load?',
        ["No, it is text too", "Yes"],
    ),
]
HOME = "# Course\n\nWelcome.\n\n## Course overview\n\n<!-- course-overview -->\n"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    pages = {
        "index.md": HOME,
        "basics/one.md": lesson_page("quiz-one", 1, ONE, next="quiz-two"),
        "basics/two.md": lesson_page("quiz-two", 2, TWO, prev="quiz-one", indent=2),
    }
    with served_site(tmp_path_factory.mktemp("quizsite"), pages) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as browser:
        yield browser


@pytest.fixture
def page(browser: Any) -> Iterator[Page]:
    with reader_page(browser) as page:
        yield page


def _plain(markdown: str) -> str:
    return markdown.replace("`", "").replace("*", "")


def _question(page: Page, number: int) -> Any:
    return page.locator("fieldset.course-quiz__question").nth(number)


def _choose(page: Page, number: int, option: str) -> None:
    _question(page, number).locator("label", has_text=_plain(option)).click()


def _shown_options(page: Page, number: int) -> list[str]:
    return _question(page, number).locator("label").all_inner_texts()


def _no_console_errors(page: Page) -> None:
    assert page.console_errors == []  # type: ignore[attr-defined]


def test_one_wrong_answer_scores_four_of_five_with_feedback_per_question(
    page: Page, site: str
) -> None:
    page.goto(site + "basics/one/")
    _choose(page, 0, ONE[0][1][1])  # wrong on purpose
    for number, (_, options) in enumerate(ONE[1:], start=1):
        _choose(page, number, options[0])
    page.get_by_role("button", name="Check answers").click()

    feedback = page.locator(".course-quiz__feedback").all_inner_texts()
    assert feedback == ["✗ Incorrect"] + ["✓ Correct"] * 4
    expect(page.get_by_role("status")).to_have_text("Score: 4 / 5")
    expect(_question(page, 0)).to_have_class("course-quiz__question is-incorrect")
    expect(page.get_by_role("button", name="Try again")).to_be_focused()
    _no_console_errors(page)


def test_reload_shows_the_last_answers_and_score(page: Page, site: str) -> None:
    page.goto(site + "basics/one/")
    for number, (_, options) in enumerate(ONE):
        _choose(page, number, options[-1] if number < 2 else options[0])
    page.get_by_role("button", name="Check answers").click()
    expect(page.get_by_role("status")).to_have_text("Score: 3 / 5")

    page.reload()
    expect(page.get_by_role("status")).to_have_text("Score: 3 / 5")
    for number, (_, options) in enumerate(ONE):
        chosen = options[-1] if number < 2 else options[0]
        label = _question(page, number).locator("label", has_text=_plain(chosen))
        expect(label.locator("input")).to_be_checked()
    assert page.locator(".course-quiz input:checked").count() == 5
    _no_console_errors(page)


def test_correct_option_is_not_marked_in_the_dom_before_answering(page: Page, site: str) -> None:
    page.goto(site + "basics/one/")
    quiz = page.locator(".course-quiz")
    expect(quiz).to_have_attribute("data-search-exclude", "")
    # The no-JS answer list is gone once the script runs.
    assert quiz.locator("details, noscript").count() == 0
    assert "Answers" not in quiz.inner_text()
    for number, (_, options) in enumerate(ONE):
        fieldset = _question(page, number)
        shapes = fieldset.locator("label").evaluate_all(
            """labels => labels.map(l => [l.className, l.getAttributeNames().join(),
                 l.querySelector('input').getAttributeNames().join(),
                 getComputedStyle(l).fontWeight, getComputedStyle(l).color])"""
        )
        assert len(set(map(tuple, shapes))) == 1, shapes
        assert _shown_options(page, number) != [_plain(o) for o in options]
    _no_console_errors(page)


def test_try_again_clears_answers_and_reshuffles(page: Page, site: str) -> None:
    page.goto(site + "basics/one/")
    for number, (_, options) in enumerate(ONE):
        _choose(page, number, options[0])
    before = [_shown_options(page, n) for n in range(len(ONE))]
    page.get_by_role("button", name="Check answers").click()
    expect(page.get_by_role("status")).to_have_text("Score: 5 / 5")

    page.get_by_role("button", name="Try again").click()
    assert page.locator(".course-quiz input:checked").count() == 0
    assert page.locator(".course-quiz input:disabled").count() == 0
    assert page.locator(".course-quiz__feedback").all_inner_texts() == [""] * len(ONE)
    expect(page.get_by_role("status")).to_be_empty()
    after = [_shown_options(page, n) for n in range(len(ONE))]
    assert all(a != b and sorted(a) == sorted(b) for a, b in zip(after, before, strict=True))
    _no_console_errors(page)


def test_quiz_can_be_answered_with_the_keyboard_only(page: Page, site: str) -> None:
    page.goto(site + "basics/one/")
    page.locator(".course-quiz").scroll_into_view_if_needed()
    page.locator("h2#knowledge-check").evaluate("h => { h.tabIndex = -1; h.focus(); }")
    for number, (_, options) in enumerate(ONE):
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.name")
        assert focused == _question(page, number).locator("input").first.get_attribute("name")
        if number == 0:  # the focus ring is visible on the option's label
            label = page.locator("label:has(input:focus)")
            assert label.evaluate("l => getComputedStyle(l).outlineStyle") == "solid"
        target = _shown_options(page, number).index(_plain(options[0]))
        if target == 0:
            page.keyboard.press("Space")
        for _ in range(target):
            page.keyboard.press("ArrowDown")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Check answers")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_have_text("Score: 5 / 5")
    _no_console_errors(page)


def test_instant_navigation_to_another_lesson_keeps_quizzes_working(page: Page, site: str) -> None:
    page.goto(site + "basics/one/")
    page.evaluate("window.__samePage = true")
    page.locator("a.md-footer__link--next").click()
    expect(page).to_have_url(site + "basics/two/")
    expect(page.locator("fieldset.course-quiz__question")).to_have_count(2)
    assert page.evaluate("window.__samePage") is True  # instant, not a full reload
    # Material parses fetched pages with scripting off, so <noscript> content turns
    # into real elements there; the script must still remove the answer fallback.
    assert page.locator(".course-quiz details, .course-quiz noscript").count() == 0
    assert page.locator('script[src*="quiz.js"]').count() == 1

    for number, (_, options) in enumerate(TWO):
        _choose(page, number, options[0])
    page.get_by_role("button", name="Check answers").click()
    expect(page.get_by_role("status")).to_have_text("Score: 2 / 2")

    # Back and forth again: each quiz element is initialised once, answers restored.
    page.locator("a.md-footer__link--prev").click()
    expect(page).to_have_url(site + "basics/one/")
    page.locator("a.md-footer__link--next").click()
    expect(page).to_have_url(site + "basics/two/")
    expect(page.get_by_role("status")).to_have_text("Score: 2 / 2")
    assert page.evaluate("window.__samePage") is True
    page.get_by_role("button", name="Try again").click()
    assert page.locator(".course-quiz input:checked").count() == 0
    _no_console_errors(page)


def test_section_and_home_pages_show_quiz_scores(page: Page, site: str) -> None:
    page.goto(site + "basics/one/")
    _choose(page, 0, ONE[0][1][1])
    for number, (_, options) in enumerate(ONE[1:], start=1):
        _choose(page, number, options[0])
    page.get_by_role("button", name="Check answers").click()
    expect(page.get_by_role("status")).to_have_text("Score: 4 / 5")

    for url in (site, site + "basics/"):
        page.goto(url)
        one = page.locator('.course-quiz-status[data-lesson-id="quiz-one"]').first
        expect(one).to_have_text("Done · 4 / 5 correct")
        expect(one).to_have_class("course-quiz-status course-quiz-status--done")
        two = page.locator('.course-quiz-status[data-lesson-id="quiz-two"]').first
        expect(two).to_have_text("")
    _no_console_errors(page)


def test_script_in_quiz_text_is_shown_not_run(page: Page, site: str) -> None:
    page.goto(site + "basics/two/")
    expect(_question(page, 0).locator("legend")).to_have_text(
        "Is <script>window.__quizXss = 1</script> run?"
    )
    expect(_question(page, 1).locator("legend")).to_contain_text('<img src="x"')
    assert page.evaluate("window.__quizXss") is None
    assert page.locator(".course-quiz script, .course-quiz img").count() == 0
    _no_console_errors(page)


def test_light_and_dark_palettes_restyle_the_quiz(page: Page, site: str) -> None:
    page.goto(site + "basics/one/")
    legend = _question(page, 0).locator("legend")

    def colours() -> list[str]:
        return [
            legend.evaluate("e => getComputedStyle(e).color"),
            _question(page, 0).evaluate("e => getComputedStyle(e).borderTopColor"),
        ]

    page.evaluate("document.body.setAttribute('data-md-color-scheme', 'default')")
    light = colours()
    page.evaluate("document.body.setAttribute('data-md-color-scheme', 'slate')")
    dark = colours()
    assert light[0] != dark[0] and light[1] != dark[1]
    _no_console_errors(page)


def test_print_shows_the_questions_without_buttons(page: Page, site: str) -> None:
    page.goto(site + "basics/one/")
    page.emulate_media(media="print")
    expect(_question(page, 4)).to_be_visible()
    expect(_question(page, 4).locator("legend")).to_have_text(ONE[4][0])
    expect(page.get_by_role("button", name="Check answers")).to_be_hidden()
    _no_console_errors(page)


def test_without_javascript_the_answers_wait_in_a_collapsed_details(
    browser: Any, site: str
) -> None:
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(site + "basics/one/")
        expect(page.locator("fieldset.course-quiz__question")).to_have_count(5)
        details = page.locator(".course-quiz details")
        expect(details).to_be_visible()
        assert details.get_attribute("open") is None
        expect(details.locator("li").first).to_be_hidden()
        details.locator("summary").click()
        expect(details.locator("li")).to_have_text([_plain(o[0]) for _, o in ONE])
        expect(page.get_by_role("button", name="Check answers")).to_be_hidden()
    finally:
        context.close()


def test_missing_chromium_fails_with_install_advice(monkeypatch: pytest.MonkeyPatch) -> None:
    import _browser

    monkeypatch.setattr(_browser, "CHROMIUM", str(Path("/nonexistent/chromium")))
    with pytest.raises(pytest.fail.Exception, match="apt-get install -y chromium"):
        _browser.launch_chromium(object())


def test_every_course_lesson_has_a_working_quiz_and_no_console_errors(
    browser: Any, tmp_path: Path
) -> None:
    from test_quiz_build import course_quizzes

    expected = course_quizzes()
    with serve(tmp_path / "site") as url:
        build_project_site(tmp_path / "site", site_url=url)  # strictness: test_quiz_build
        context = browser.new_context()
        try:
            page = context.new_page()
            errors = console_errors(page)
            for path, questions in expected.items():
                page.goto(url + path)
                expect(page.locator("fieldset.course-quiz__question")).to_have_count(questions)
                expect(page.get_by_role("button", name="Check answers").first).to_be_visible()
                page.get_by_role("button", name="Check answers").first.click()
                expect(page.get_by_role("status").first).to_contain_text("0 / ")
            assert errors == [], errors
        finally:
            context.close()


def test_saved_answers_follow_questions_when_the_lesson_is_edited(
    browser: Any, tmp_path: Path
) -> None:
    pages = {"index.md": HOME, "basics/one.md": lesson_page("quiz-one", 1, ONE)}
    with served_site(tmp_path, pages) as url:
        context = browser.new_context()
        try:
            page = context.new_page()
            errors = console_errors(page)
            page.goto(url + "basics/one/")
            for number, (_, options) in enumerate(ONE):
                _choose(page, number, options[0])
            page.get_by_role("button", name="Check answers").click()
            expect(page.get_by_role("status")).to_have_text("Score: 5 / 5")

            # The author reorders the questions and adds one; the site is rebuilt.
            edited = [("A brand new question?", ["Right", "Wrong"]), *reversed(ONE)]
            build_site(
                tmp_path, {"basics/one.md": lesson_page("quiz-one", 1, edited)}, site_url=url
            )
            page.reload()
            expect(page.locator("fieldset.course-quiz__question")).to_have_count(6)
            expect(page.get_by_role("status")).to_have_text("Score: 5 / 6")
            feedback = page.locator(".course-quiz__feedback").all_inner_texts()
            assert feedback == ["✗ Not answered"] + ["✓ Correct"] * 5
            assert errors == [], errors
        finally:
            context.close()


def test_broken_saved_progress_is_ignored(browser: Any, site: str) -> None:
    context = browser.new_context()
    try:
        context.add_init_script(
            "localStorage.setItem('course-quiz:quiz-one', '{not json');"
            "localStorage.setItem('course-quiz:quiz-two', '5');"
        )
        page = context.new_page()
        errors = console_errors(page)
        for path in ("basics/one/", "basics/two/", ""):
            page.goto(site + path)
        expect(page.locator('.course-quiz-status[data-lesson-id="quiz-one"]').first).to_be_empty()
        page.goto(site + "basics/two/")
        for number, (_, options) in enumerate(TWO):
            _choose(page, number, options[0])
        page.get_by_role("button", name="Check answers").click()
        expect(page.get_by_role("status")).to_have_text("Score: 2 / 2")
        assert errors == [], errors
    finally:
        context.close()
