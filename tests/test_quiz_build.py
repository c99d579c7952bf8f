"""Quizzes in a real `mkdocs build`: widget in place, assets once, warnings and --strict."""

from __future__ import annotations

import json
from pathlib import Path

from _browser import build_project_site, build_site, course_quizzes, lesson_page
from mkdocs.commands.build import build
from mkdocs.config import load_config

QUESTIONS = [
    ("Which instruction sets the `CMD`?", ["The *last* CMD wins", "The first", "Both run"]),
    ("What does `docker run` start?", ["A container", "An image build", "A registry"]),
]
HOME = "# Course\n\nWelcome.\n"


def _html(built_site: Path, page: str) -> str:
    return (built_site / page / "index.html").read_text(encoding="utf-8")


def test_knowledge_check_becomes_the_widget_with_rendered_inline_markdown(tmp_path: Path) -> None:
    built = build_site(
        tmp_path, {"index.md": HOME, "basics/one.md": lesson_page("one", 1, QUESTIONS)}
    )
    html = _html(built.site, "basics/one")
    assert html.count('class="course-quiz__question"') == 2
    assert 'data-quiz-key="one"' in html
    assert "<legend>Which instruction sets the <code>CMD</code>?</legend>" in html
    assert "<span>The <em>last</em> CMD wins</span>" in html
    assert 'id="knowledge-check"' in html  # the heading stays, so the TOC keeps it
    assert built.warnings == []


def test_assets_ship_once_per_site_and_load_on_every_page(tmp_path: Path) -> None:
    built = build_site(
        tmp_path, {"index.md": HOME, "basics/one.md": lesson_page("one", 1, QUESTIONS)}
    )
    assert (built.site / "assets/course/quiz.js").read_text().startswith("/* Knowledge Check")
    assert (built.site / "assets/course/quiz.css").is_file()
    for page in ("basics/one", "."):
        html = _html(built.site, page)
        assert html.count("assets/course/quiz.js") == 1
        assert html.count("assets/course/quiz.css") == 1


def test_rebuilding_with_the_same_plugin_objects_does_not_add_assets_twice(tmp_path: Path) -> None:
    # `mkdocs serve` reuses the plugin (and runs on_config again) on every rebuild.
    build_site(tmp_path, {"index.md": HOME, "basics/one.md": lesson_page("one", 1, QUESTIONS)})
    config = load_config(str(tmp_path / "mkdocs.yml"), site_dir=str(tmp_path / "site"))
    build(config)
    build(config)
    assert [str(s) for s in config.extra_javascript].count("assets/course/quiz.js") == 1
    assert _html(tmp_path / "site", "basics/one").count("assets/course/quiz.js") == 1


def test_search_index_holds_no_quiz_text(tmp_path: Path) -> None:
    built = build_site(
        tmp_path, {"index.md": HOME, "basics/one.md": lesson_page("one", 1, QUESTIONS)}
    )
    index = (built.site / "search/search_index.json").read_text(encoding="utf-8")
    assert "Some teaching first." in index  # the page itself is indexed
    for text, options in QUESTIONS:
        assert text.split("`")[0] not in index
        assert all(option.split("*")[0] not in index for option in options)
    assert "A container" not in json.loads(index)["docs"][-1]["text"]


def test_page_without_id_still_gets_a_quiz_keyed_by_its_path(tmp_path: Path) -> None:
    page = "# Notes\n\n## Knowledge Check\n\n1. Q?\n  - yes\n  - no\n"
    built = build_site(tmp_path, {"index.md": HOME, "notes.md": page})
    assert 'data-quiz-key="notes.md"' in _html(built.site, "notes")


def test_links_in_quiz_text_resolve_like_page_links(tmp_path: Path) -> None:
    questions = [("See [the basics](two.md#setup)?", ["[Yes](https://example.org/)", "No"])]
    pages = {
        "index.md": HOME,
        "basics/one.md": lesson_page("one", 1, questions, next="two"),
        "basics/two.md": lesson_page("two", 2, QUESTIONS, prev="one"),
    }
    html = _html(build_site(tmp_path, pages).site, "basics/one")
    assert '<a href="../two/#setup">the basics</a>' in html
    assert '<a href="https://example.org/">Yes</a>' in html


def test_one_renderer_per_build_rewrites_links_for_each_page_and_leaves_no_slot(
    tmp_path: Path,
) -> None:
    # The build shares one Markdown instance; each page's links must still be its own.
    def questions(up: str) -> list[tuple[str, list[str]]]:
        return [(f"Read [this]({up}other/page.md)?", ["Yes, `now`", "No"])]

    pages = {
        "index.md": HOME,
        "basics/one.md": lesson_page("one", 1, questions("../")),
        "basics/deeper/two.md": lesson_page("two", 1, questions("../../"), section="deeper")
        + "\n## Knowledge Check\n\n1. Again [this](../../other/page.md)?\n   - a\n   - b\n",
        "other/page.md": "# Other\n",
    }
    built = build_site(tmp_path, pages)
    one, two = _html(built.site, "basics/one"), _html(built.site, "basics/deeper/two")
    assert '<a href="../../other/page/">this</a>' in one
    assert two.count('<a href="../../../other/page/">this</a>') == 2
    assert not [w for w in built.warnings if "not found" in w]
    assert two.count('class="course-quiz"') == 2 and 'data-quiz-key="two#2"' in two
    for html in (one, two):
        assert "course-quiz-slot" not in html and "<code>now</code>" in html


def test_html_in_quiz_text_is_escaped_in_the_built_page(tmp_path: Path) -> None:
    questions = [("Is <script>alert(1)</script> run?", ["No, <b>never</b>", "Yes"])]
    built = build_site(
        tmp_path, {"index.md": HOME, "basics/one.md": lesson_page("one", 1, questions)}
    )
    html = _html(built.site, "basics/one")
    assert "<legend>Is &lt;script&gt;alert(1)&lt;/script&gt; run?</legend>" in html
    assert "<b>never</b>" not in html


def test_malformed_quiz_warns_with_file_and_line_and_stays_markdown(tmp_path: Path) -> None:
    bad = lesson_page("one", 1, [("Only one option?", ["lonely"]), *QUESTIONS])
    built = build_site(tmp_path, {"index.md": HOME, "basics/one.md": bad})
    source_line = bad.splitlines().index("1. Only one option?") + 1
    quiz_warnings = [w for w in built.warnings if "Knowledge Check" in w]
    assert quiz_warnings == [
        f"course_site: basics/one.md:{source_line}: Knowledge Check is not a quiz: question "
        "'Only one option?' has 1 option(s), needs at least 2: add bullet options indented "
        "2-4 spaces under it, the correct one first; the section stays ordinary Markdown."
    ]
    html = _html(built.site, "basics/one")
    assert "course-quiz__question" not in html
    assert "Only one option?" in html and "lonely" in html


def test_missing_list_and_empty_option_warn_too(tmp_path: Path) -> None:
    no_list = "# A\n\n## Knowledge Check\n\nNothing here yet.\n"
    empty = "# B\n\n## Knowledge Check\n\n1. Q?\n   - a\n   - \n"
    built = build_site(tmp_path, {"index.md": HOME, "a.md": no_list, "b.md": empty})
    assert any(
        w.startswith("course_site: a.md:3: ") and "no numbered list" in w for w in built.warnings
    )
    assert any(
        w.startswith("course_site: b.md:7: ") and "empty option" in w for w in built.warnings
    )


def test_strict_build_fails_on_a_malformed_quiz(tmp_path: Path) -> None:
    bad = "# A\n\n## Knowledge Check\n\n1. Q?\n   - only\n"
    assert build_site(tmp_path, {"index.md": HOME, "a.md": bad}, strict=True).aborted


def test_strict_build_passes_with_valid_quizzes(tmp_path: Path) -> None:
    pages = {"index.md": HOME, "basics/one.md": lesson_page("one", 1, QUESTIONS)}
    assert not build_site(tmp_path, pages, strict=True).aborted


def test_every_knowledge_check_in_the_course_becomes_a_quiz(tmp_path: Path) -> None:
    expected = course_quizzes()
    assert expected, "the course has lessons with a Knowledge Check"
    built = build_project_site(tmp_path / "site")
    assert [w for w in built.warnings if "Knowledge Check" in w] == []
    for url, questions in expected.items():
        html = _html(built.site, url)
        assert html.count('class="course-quiz__question"') == questions, url
