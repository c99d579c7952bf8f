"""Hostile front matter never breaks the site: one short message per cause, never a traceback.

Each case replaces the middle lesson `b` of a three-lesson chain a -> b -> c and builds
the site with the real MkDocs: exactly one message, naming `basics/b.md` and the field,
at most 300 characters; the rest of the site is written; a strict build fails, also
with `-q` (MkDocs does not count warnings under -q: issue #4126).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from _site import build_config, build_site, chain, lesson, mkdocs_cli, write_site

SECTIONS = {"sections": [{"id": "basics", "title": "Basics"}]}
GOOD_B = lesson("b", 2, "basics", prev="a", next="c")


def course(b_text: str | None = None) -> dict[str, str]:
    pages = {"index.md": "# Home\n"}
    pages.update(chain("basics", ["a", "b", "c"]))
    if b_text is not None:
        pages["basics/b.md"] = b_text
    return pages


def replace_line(start: str, new: str) -> str:
    """GOOD_B with the front matter line starting with `start` replaced by `new`."""
    lines = [new if line.startswith(start) else line for line in GOOD_B.split("\n")]
    return "\n".join(lines)


ALIAS_BOMB = (
    "---\nid: b\ntitle: B\ntype: lesson\nduration: 30 mins\nsection: basics\n"
    "prevLessonId: a\nnextLessonId: c\n"
    "x0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
    + "".join(f"x{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]\n" for i in range(1, 9))
    + "order: *a8\n---\n\n# B\n"
)

CASES = {
    "superscript digit": (replace_line("duration:", "duration: ²"), "duration"),
    "circled digit": (replace_line("duration:", "duration: ① hour"), "duration"),
    "arabic-indic digits": (replace_line("duration:", "duration: ٣٠ mins"), "duration"),
    "fraction": (replace_line("duration:", "duration: ½ hour"), "duration"),
    "400 digits": (replace_line("duration:", "duration: " + "9" * 400), "duration"),
    "400 digits with a unit": (
        replace_line("duration:", "duration: 9" + "9" * 400 + " hours"),
        "duration",
    ),
    "1e400 hours": (replace_line("duration:", "duration: 1e400 hours"), "duration"),
    "negative duration": (replace_line("duration:", "duration: -5"), "duration"),
    "zero duration": (replace_line("duration:", "duration: 0 mins"), "duration"),
    "float duration": (replace_line("duration:", "duration: 1.5"), "duration"),
    "order bool": (replace_line("order:", "order: true"), "order"),
    "order float": (replace_line("order:", "order: 2.0"), "order"),
    "order huge": (replace_line("order:", "order: " + "9" * 40), "order"),
    "order 5000 digits": (replace_line("order:", "order: " + "9" * 5000), "front matter"),
    "order negative": (replace_line("order:", "order: -2"), "order"),
    "id trailing newline": (replace_line("id:", 'id: "b\\n"'), "id"),
    "id uppercase": (replace_line("id:", "id: B"), "id"),
    "tag timestamp": (replace_line("title:", "title: !!timestamp x"), "front matter"),
    "tag binary": (replace_line("title:", "title: !!binary aGk="), "front matter"),
    "tag python": (replace_line("title:", "title: !!python/name:os.system"), "front matter"),
    "alias bomb": (ALIAS_BOMB, "front matter"),
    "deep nesting": (replace_line("title:", "title: " + "[" * 3000 + "]" * 3000), "front matter"),
    "not a mapping": ("---\n- id: b\n- order: 2\n---\n\n# B\n", "front matter"),
    "yaml syntax": (replace_line("title:", "title: [unclosed"), "front matter"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_hostile_field_gives_one_short_message_and_the_site_is_written(
    tmp_path: Path, case: str
) -> None:
    text, field = CASES[case]
    built = build_site(tmp_path, course(text), options=SECTIONS)
    assert not built.aborted
    assert len(built.warnings) == 1, built.warnings
    message = built.warnings[0]
    assert message.startswith("course_site: basics/b.md"), message
    assert f"field '{field}'" in message
    assert len(message) <= 300, len(message)
    for page in ("basics/a/", "basics/b/", "basics/c/", ""):
        assert "<article" in built.html(page)


def test_a_file_that_is_not_utf8_is_named_and_the_site_is_written(tmp_path: Path) -> None:
    config_file = write_site(tmp_path, course(), options=SECTIONS)
    (tmp_path / "docs/basics/b.md").write_bytes(GOOD_B.replace("B", "Caf\u00e9").encode("latin-1"))
    built = build_config(config_file)
    assert not built.aborted
    assert len(built.warnings) == 1, built.warnings
    assert built.warnings[0].startswith("course_site: basics/b.md:")
    assert "field 'encoding'" in built.warnings[0]
    assert "Save the file as UTF-8" in built.warnings[0]
    assert "Caf\ufffd" in built.html("basics/b/")


@pytest.mark.parametrize("boms", [1, 2, 3])
def test_leading_byte_order_marks_keep_a_lesson_a_lesson(tmp_path: Path, boms: int) -> None:
    built = build_site(tmp_path, course("\ufeff" * boms + GOOD_B), options=SECTIONS, strict=True)
    assert not built.aborted, built.warnings
    assert built.warnings == []
    assert 'class="course-lesson-meta"' in built.html("basics/b/")


def test_crlf_front_matter_is_a_lesson(tmp_path: Path) -> None:
    config_file = write_site(tmp_path, course(), options=SECTIONS)
    (tmp_path / "docs/basics/b.md").write_bytes(GOOD_B.replace("\n", "\r\n").encode())
    built = build_config(config_file, strict=True)
    assert not built.aborted, built.warnings
    assert 'class="course-lesson-meta"' in built.html("basics/b/")


def test_an_empty_front_matter_on_an_ordinary_page_is_fine(tmp_path: Path) -> None:
    pages = {**course(), "about.md": "---\n\n---\n\n# About\n"}
    built = build_site(tmp_path, pages, options=SECTIONS, strict=True)
    assert not built.aborted, built.warnings
    assert built.warnings == []


def test_a_home_page_that_is_a_lesson_is_listed_once(tmp_path: Path) -> None:
    pages = course()
    pages["index.md"] = lesson("home", 0, "basics", next="a", title="Home")
    pages["basics/a.md"] = lesson("a", 1, "basics", prev="home", next="b")
    built = build_site(tmp_path, pages, options=SECTIONS, strict=True)
    assert not built.aborted, built.warnings
    links = re.findall(
        r'class="md-nav__link[^"]*">\s*<span class="md-ellipsis">\s*([^<]*?)\s*<',
        built.html("basics/c/"),
    )
    assert links == ["Basics", "Home", "A", "B", "C"]  # Home once, as the section's lesson


def test_quiet_strict_fails_on_a_broken_course_and_passes_a_good_one(tmp_path: Path) -> None:
    bad = write_site(
        tmp_path / "bad", course(replace_line("order:", "order: true")), options=SECTIONS
    )
    result = mkdocs_cli(bad, "-q", "--strict")
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "basics/b.md: field 'order'" in result.stderr  # shown although -q
    good = write_site(tmp_path / "good", course(), options=SECTIONS)
    assert mkdocs_cli(good, "-q", "--strict").returncode == 0


def test_quiet_strict_fails_on_a_broken_quiz(tmp_path: Path) -> None:
    body = "## Knowledge Check\n\n1. Only one option?\n   - yes\n"
    pages = course(lesson("b", 2, "basics", prev="a", next="c", body=body))
    result = mkdocs_cli(write_site(tmp_path, pages, options=SECTIONS), "-q", "--strict")
    assert result.returncode != 0
    assert "basics/b.md:" in result.stderr and "Knowledge Check is not a quiz" in result.stderr
    assert "Traceback" not in result.stderr
