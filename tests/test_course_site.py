"""Real `mkdocs build`s of small courses: nav, footer, lesson metadata and overview pages."""

from __future__ import annotations

import re
from pathlib import Path

from _site import article, build_loaded, build_site, chain, lesson, write_site
from mkdocs.config import load_config

SECTIONS = {
    "sections": [{"id": "basics", "title": "The Basics"}, {"id": "ship", "title": "Ship It"}]
}
FIXTURES = Path(__file__).parent / "fixtures"


def two_sections() -> dict[str, str]:
    """basics: b-one, b-two; ship: s-one, s-two; one chain; file names sort against order."""
    pages = {
        "index.md": "# Welcome\n\nIntro text.\n\n<!-- course-overview -->\n\nClosing words.\n",
        "about.md": "# About\n",
        "exercises/first.md": "# First exercise\n",
    }
    pages.update(chain("basics", ["b-one", "b-two"], after="s-one"))
    pages.update(chain("ship", ["s-one", "s-two"], before="b-two"))
    # File names that sort against the lesson order, to prove `order` wins.
    pages["basics/zz.md"] = pages.pop("basics/b-one.md")
    pages["basics/aa.md"] = pages.pop("basics/b-two.md")
    return pages


def nav_links(html: str) -> list[str]:
    """Hrefs of the primary nav's page links, in document order."""
    nav = html.split('<nav class="md-nav md-nav--primary"', 1)[1].split('class="md-content"', 1)[0]
    seen: list[str] = []
    for href in re.findall(r'<a href="([^"]+)" class="md-nav__link', nav):
        if href not in seen:
            seen.append(href)
    return seen


def footer(html: str) -> dict[str, str]:
    return dict(
        (kind, href)
        for href, kind in re.findall(
            r'<a href="([^"]+)" class="md-footer__link md-footer__link--(prev|next)"', html
        )
    )


def test_nav_lists_home_then_sections_in_configured_order_then_other_pages(tmp_path: Path) -> None:
    built = build_site(tmp_path, two_sections(), options=SECTIONS, strict=True)
    assert built.warnings == []
    links = nav_links(built.html("about"))
    assert links == [
        "..",
        "../basics/",
        "../basics/zz/",
        "../basics/aa/",
        "../ship/",
        "../ship/s-one/",
        "../ship/s-two/",
        "./",
        "../exercises/first/",
    ]
    html = built.html("about")
    assert html.index("The Basics") < html.index("Ship It") < html.index("Exercises")


def test_footer_follows_the_lesson_chain_across_sections(tmp_path: Path) -> None:
    built = build_site(tmp_path, two_sections(), options=SECTIONS)
    assert footer(built.html("basics/aa")) == {"prev": "../zz/", "next": "../../ship/s-one/"}
    assert footer(built.html("ship/s-one")) == {"prev": "../../basics/aa/", "next": "../s-two/"}
    assert '<link rel="next" href="../../ship/s-one/">' in built.html("basics/aa")


def test_each_lesson_shows_its_type_and_duration_under_the_title(tmp_path: Path) -> None:
    pages = {"lab/x.md": lesson("x", 1, "lab", type="lab", duration="1h 30m")}
    built = build_site(tmp_path, pages, strict=True)
    html = built.html("lab/x")
    meta = '<p class="course-lesson-meta"><strong>Lab</strong> · 1 h 30 min</p>'
    assert meta in html
    assert html.index("<h1") < html.index(meta)


def test_a_section_without_an_index_gets_one_listing_its_lessons_and_total(tmp_path: Path) -> None:
    built = build_site(tmp_path, two_sections(), options=SECTIONS)
    html = article(built.html("basics"))
    assert "<h1" in html and "The Basics" in html
    assert "2 lessons · 1 h in total" in html
    assert html.index('href="zz/"') < html.index('href="aa/"')
    assert "<td>30 min</td>" in html or ">30 min<" in html
    for lesson_id in ("b-one", "b-two"):
        assert f'<span class="course-quiz-status" data-lesson-id="{lesson_id}"></span>' in html
    assert "s-one" not in html


def test_an_authored_section_index_keeps_its_text_and_gets_the_list_at_the_marker(
    tmp_path: Path,
) -> None:
    pages = two_sections()
    pages["ship/index.md"] = "# Shipping\n\nBefore.\n\n<!-- section-lessons -->\n\nAfter.\n"
    built = build_site(tmp_path, pages, options=SECTIONS, strict=True)
    html = article(built.html("ship"))
    assert html.index("Before.") < html.index('data-lesson-id="s-one"') < html.index("After.")
    assert "2 lessons · 1 h in total" in html


def test_home_shows_sections_lessons_and_total_course_time_at_the_marker(tmp_path: Path) -> None:
    built = build_site(tmp_path, two_sections(), options=SECTIONS, strict=True)
    html = article(built.html(""))
    assert "2 sections · 4 lessons · 2 h in total" in html
    assert html.index("Intro text.") < html.index("The Basics") < html.index("Closing words.")
    assert html.index('href="basics/"') < html.index('href="ship/"')
    assert html.count('class="course-quiz-status"') == 4
    assert 'href="ship/s-two/"' in html


def test_home_without_the_marker_gets_the_overview_appended(tmp_path: Path) -> None:
    pages = two_sections()
    pages["index.md"] = "# Welcome\n\nNo marker here.\n"
    built = build_site(tmp_path, pages, options=SECTIONS)
    html = article(built.html(""))
    assert html.index("No marker here.") < html.index("4 lessons · 2 h in total")


def test_a_lesson_in_the_usual_shape_builds_without_warnings(tmp_path: Path) -> None:
    # Its quiz has the seed's answer-length tell: imported as is, the check only reports.
    text = (FIXTURES / "course_seed_shaped_lesson.md").read_text(encoding="utf-8")
    built = build_site(
        tmp_path,
        {"index.md": "# Home\n", "deployment/images.md": text},
        options={"checks": {"answer_length": "info"}},
        strict=True,
    )
    assert built.warnings == []
    assert not built.aborted
    html = built.html("deployment/images")
    assert "Building Images for Model Services" in html
    assert "<strong>Lesson</strong> · 55 min" in html
    assert '<span class="k">FROM</span>' in html  # the dockerfile block is highlighted


def test_ordinary_pages_without_front_matter_keep_working(tmp_path: Path) -> None:
    pages = {"index.md": "# Home\n\nHello.\n", "guide/setup.md": "# Setup\n"}
    built = build_site(tmp_path, pages, strict=True)
    assert built.warnings == []
    assert "Setup" in built.html("guide/setup")
    assert "course-overview" not in built.html("")


def test_disabled_plugin_leaves_the_site_alone(tmp_path: Path) -> None:
    built = build_site(tmp_path, two_sections(), options={**SECTIONS, "enabled": False})
    assert not (built.site / "basics" / "index.html").exists()
    assert "course-lesson-meta" not in built.html("basics/aa")


def test_a_rebuild_with_the_same_plugin_forgets_the_previous_course(tmp_path: Path) -> None:
    """`mkdocs serve` reuses the plugin object: removed lessons must not linger."""
    config_file = write_site(tmp_path, two_sections(), options=SECTIONS)
    config = load_config(str(config_file))
    first = build_loaded(config)
    assert "4 lessons" in first.html("")
    (tmp_path / "docs" / "ship" / "s-two.md").unlink()
    (tmp_path / "docs" / "ship" / "s-one.md").write_text(
        lesson("s-one", 1, "ship", prev="b-two"), encoding="utf-8"
    )
    config.nav = None
    second = build_loaded(config)
    assert second.warnings == []
    html = article(second.html(""))
    assert "3 lessons" in html
    assert "s-two" not in html
    assert html.count('class="course-quiz-status"') == 3


def test_without_generated_section_pages_the_nav_has_no_dangling_entries(tmp_path: Path) -> None:
    options = {**SECTIONS, "section_indexes": False}
    built = build_site(tmp_path, two_sections(), options=options, strict=True)
    assert built.warnings == []
    assert not (built.site / "basics" / "index.html").exists()
    links = nav_links(built.html("about"))
    assert links[:3] == ["..", "../basics/zz/", "../basics/aa/"]
    assert "None" not in built.html("about").split('class="md-content"', 1)[0]
    assert 'href="basics/"' not in article(built.html(""))


def test_an_ordinary_page_in_a_section_folder_joins_the_end_of_that_section(
    tmp_path: Path,
) -> None:
    pages = two_sections()
    pages["ship/cheatsheet.md"] = "# Cheatsheet\n"
    built = build_site(tmp_path, pages, options=SECTIONS, strict=True)
    links = nav_links(built.html("ship/cheatsheet"))
    assert links.index("../s-two/") < links.index("./") < links.index("../../about/")


def test_an_explicit_nav_in_mkdocs_yml_is_kept_and_the_footer_still_follows_the_chain(
    tmp_path: Path,
) -> None:
    config_file = write_site(tmp_path, two_sections(), options=SECTIONS)
    config = load_config(str(config_file))
    config.nav = ["index.md", "ship/s-one.md", "basics/aa.md", "basics/zz.md", "ship/s-two.md"]
    built = build_loaded(config)
    assert nav_links(built.html("ship/s-one"))[:3] == ["../..", "./", "../../basics/aa/"]
    assert footer(built.html("basics/aa")) == {"prev": "../zz/", "next": "../../ship/s-one/"}


LATE_HOOK = """
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File


@event_priority(-200)  # after the course plugin has handed MkDocs its nav
def on_files(files, config):
    files.append(File.generated(config, "late.md", content="# Late page\\n"))
    return files
"""


def test_a_page_another_plugin_adds_after_the_course_still_gets_into_the_nav(
    tmp_path: Path,
) -> None:
    """The plugin hands MkDocs the course's nav at the end of `on_files`; a page added
    even later makes it build the nav again from every page."""
    config_file = write_site(tmp_path, two_sections(), options=SECTIONS)
    (tmp_path / "late_hook.py").write_text(LATE_HOOK, encoding="utf-8")
    config = load_config(str(config_file), hooks=[str(tmp_path / "late_hook.py")])
    built = build_loaded(config)
    assert built.warnings == []
    links = nav_links(built.html("about"))
    assert links[:4] == ["..", "../basics/", "../basics/zz/", "../basics/aa/"]
    assert "../late/" in links
    assert footer(built.html("basics/aa")) == {"prev": "../zz/", "next": "../../ship/s-one/"}
    assert config.nav is None  # the course's nav was MkDocs' only for the build
