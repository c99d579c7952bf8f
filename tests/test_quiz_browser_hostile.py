"""A hostile quiz in Chromium: clicking every link in it opens no dialog and leaves no page.

Each option is a script URL in another disguise (entities, control characters, mixed
case, whitespace, data:, vbscript:, event-handler attributes via attr_list). Before
nh3 sanitized quiz HTML, `java&#115;cript:` passed the hand-written filter and ran on
click. A script that would run sets a global or opens an alert; both are watched.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from _browser import console_errors, launch_chromium, lesson_page, served_site
from playwright.sync_api import sync_playwright

pytestmark = pytest.mark.browser

HOSTILE = [
    (
        "Which [link](java&#115;cript:alert('q1')) is safe?",
        [
            "[entity](java&#115;cript:alert('o1'))",
            "[hex entity](&#x6A;avascript:window.__xss=2)",
            "[colon entity](javascript&colon;alert('o3'))",
            "[tab entity](jav&#x09;ascript:alert('o4'))",
        ],
    ),
    (
        "Which scheme is refused?",
        [
            "[control](\x01javascript:alert('o5'))",
            "[mixed case]( JaVaScRiPt:alert('o6'))",
            "[data](data:text/html,<script>alert('o7')</script>)",
            "[vbscript](vbscript:msgbox('o8'))",
        ],
    ),
    (
        "Which attribute is dropped?",
        [
            "[handler](#here){onclick=\"alert('o9')\"}",
            '[hover](#here){onmouseover="window.__xss=10"}',
            "![image](missing.png){onerror=\"alert('o11')\"}",
            '<a href="javascript:alert(12)">raw HTML is text</a>',
        ],
    ),
]


@pytest.fixture(scope="module")
def hostile_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    pages = {"index.md": "# Home\n", "basics/hostile.md": lesson_page("hostile", 1, HOSTILE)}
    with served_site(tmp_path_factory.mktemp("hostile"), pages) as url:
        yield url + "basics/hostile/"


def test_clicking_every_link_in_a_hostile_quiz_runs_nothing(hostile_url: str) -> None:
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            page: Any = browser.new_page()
            errors = console_errors(page)
            dialogs: list[str] = []
            page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
            page.goto(hostile_url)
            links = page.locator(".course-quiz a")
            count = links.count()
            assert count >= 11  # every disguised link is still there, only defused
            for index in range(count):
                links.nth(index).click()
                page.wait_for_timeout(100)
                assert page.url.split("#")[0] == hostile_url, f"link {index} left the page"
            images = page.locator(".course-quiz img")
            assert images.count() == 1
            assert dialogs == []
            assert page.evaluate("window.__xss") is None
            attributes = page.evaluate(
                """() => [...document.querySelectorAll('.course-quiz *')].flatMap(
                    (el) => [...el.attributes].map((a) => [a.name, a.value]))"""
            )
            for name, value in attributes:
                assert not name.lower().startswith("on"), (name, value)
                assert not value.strip().lower().startswith(("javascript", "vbscript", "data:"))
            html = page.locator(".course-quiz").first.inner_html().lower()
            assert "raw html is text" in html  # raw HTML shown as text, not a link
            assert not [e for e in errors if "Content Security" in e or "alert" in e]
        finally:
            browser.close()
