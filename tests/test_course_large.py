"""Large-course behaviour: compact pages, pruned nav, and correct `--dirty` rebuilds."""

from __future__ import annotations

import os
import time
from pathlib import Path

from _site import article, build_site, chain, lesson, write_site
from course_site.compact import compact_html
from mkdocs.commands.build import build
from mkdocs.config import load_config

SECTIONS = {"sections": [{"id": "one", "title": "One"}, {"id": "two", "title": "Two"}]}
PRUNED = ["navigation.footer", "navigation.prune", "navigation.indexes"]


def course() -> dict[str, str]:
    pages = {"index.md": "# Home\n\n<!-- course-overview -->\n"}
    pages.update(chain("one", ["a", "b"], after="c"))
    pages.update(chain("two", ["c", "d"], before="b"))
    return pages


def test_compacting_keeps_verbatim_elements_and_one_break_per_whitespace_run() -> None:
    html = "<ul>\n    <li>x</li>\n\n    <li>y</li>\n</ul>\n<pre>  a\n\n    b</pre>\n  <p>z  w</p>"
    assert (
        compact_html(html)
        == "<ul>\n<li>x</li>\n<li>y</li>\n</ul>\n<pre>  a\n\n    b</pre>\n<p>z  w</p>"
    )


def test_built_pages_are_compact_and_code_blocks_keep_their_indentation(tmp_path: Path) -> None:
    body = "Text.\n\n```python\ndef f():\n\n        return 1\n```\n"
    built = build_site(tmp_path, {"s/x.md": lesson("x", 1, "s", body=body)}, strict=True)
    html = built.html("s/x")
    assert "\n\n" not in html.split("<pre", 1)[0]
    assert "\n    " not in html.split("<pre", 1)[0]
    assert '<span class="k">return</span>' in html
    assert "\n\n        <span" in html  # blank line and indentation inside <pre> survive


def test_pruned_nav_shows_every_section_but_only_the_current_sections_lessons(
    tmp_path: Path,
) -> None:
    built = build_site(tmp_path, course(), options=SECTIONS, features=PRUNED, strict=True)
    nav = built.html("one/b").split('class="md-content"', 1)[0]
    assert ">One<" in nav.replace("\n", "") or "One\n" in nav
    assert "Two" in nav
    assert 'href="../a/"' in nav  # lesson of the current section
    assert 'href="../../two/d/"' not in nav  # lesson of another section is pruned
    assert 'href="../../two/"' in nav  # ... but that section stays visible as a link


def test_dirty_rebuild_updates_course_pages_after_a_lesson_changes(tmp_path: Path) -> None:
    config_file = write_site(tmp_path, course(), options=SECTIONS, features=PRUNED)
    config = load_config(str(config_file))
    config.plugins.on_startup(command="serve", dirty=True)
    build(config, dirty=True)
    assert "2 h in total" in article((tmp_path / "site" / "index.html").read_text())

    lesson_file = tmp_path / "docs" / "two" / "d.md"
    lesson_file.write_text(lesson("d", 2, "two", prev="c", duration="90 mins"))
    later = time.time() + 5
    os.utime(lesson_file, (later, later))
    config.nav = None
    build(config, dirty=True)

    home = article((tmp_path / "site" / "index.html").read_text())
    assert "3 h in total" in home
    assert home.count('data-lesson-id="d"') == 1
    section = article((tmp_path / "site" / "two" / "index.html").read_text())
    assert "1 h 30 min" in section
    assert section.count('data-lesson-id="d"') == 1
