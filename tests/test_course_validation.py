"""Each structure rule fails a strict build with a message naming the file and the field."""

from __future__ import annotations

from pathlib import Path

import pytest
from _site import build_site, chain, lesson, mkdocs_cli, write_site

SECTIONS = {"sections": [{"id": "basics", "title": "Basics"}, {"id": "ship", "title": "Ship"}]}


def course(**changes: str | None) -> dict[str, str]:
    """A valid two-section course (a, b in basics; c in ship) with some pages replaced."""
    pages = {"index.md": "# Home\n"}
    pages.update(chain("basics", ["a", "b"], after="c"))
    pages.update(chain("ship", ["c"], before="b"))
    for src, text in changes.items():
        if text is None:
            pages.pop(src)
        else:
            pages[src] = text
    return pages


def strict_problems(tmp_path: Path, pages: dict[str, str]) -> list[str]:
    built = build_site(tmp_path, pages, options=SECTIONS, strict=True)
    assert built.aborted, "the strict build should have failed"
    return [w for w in built.warnings if w.startswith("course_site:") or ": field '" in w]


def only(problems: list[str], prefix: str) -> str:
    hits = [p for p in problems if prefix in p]
    assert hits, f"no problem containing {prefix!r} in {problems}"
    return hits[0]


def test_the_valid_course_builds_strictly(tmp_path: Path) -> None:
    built = build_site(tmp_path, course(), options=SECTIONS, strict=True)
    assert not built.aborted
    assert built.warnings == []


def test_a_missing_field_is_named(tmp_path: Path) -> None:
    text = lesson("a", 1, "basics", next="b").replace("duration: 30 mins\n", "")
    message = only(strict_problems(tmp_path, course(**{"basics/a.md": text})), "basics/a.md")
    assert "field 'duration': expected a value, found nothing" in message
    assert "Add 'duration: ...'" in message


def test_a_mistyped_field_is_named_with_what_was_found(tmp_path: Path) -> None:
    text = lesson("a", 1, "basics", next="b").replace("order: 1", "order: first")
    message = only(strict_problems(tmp_path, course(**{"basics/a.md": text})), "basics/a.md")
    assert "field 'order': expected a whole number" in message
    assert "found 'first' (str)" in message


def test_an_unparseable_duration_is_named(tmp_path: Path) -> None:
    text = lesson("a", 1, "basics", next="b", duration="a while")
    message = only(strict_problems(tmp_path, course(**{"basics/a.md": text})), "basics/a.md")
    assert "field 'duration': expected a duration like '55 mins'" in message
    assert "found 'a while'" in message


def test_a_duplicate_id_names_both_files(tmp_path: Path) -> None:
    pages = course(**{"ship/copy.md": lesson("a", 2, "ship")})
    message = only(strict_problems(tmp_path, pages), "field 'id'")
    assert message.startswith("course_site: ship/copy.md: field 'id'")
    assert "already the id of basics/a.md" in message


def test_a_link_to_an_unknown_lesson_is_named(tmp_path: Path) -> None:
    text = lesson("c", 1, "ship", prev="b", next="nowhere")
    message = only(strict_problems(tmp_path, course(**{"ship/c.md": text})), "ship/c.md")
    assert "field 'nextLessonId': expected the id of an existing lesson" in message
    assert "'nowhere', which no lesson has" in message


def test_links_that_are_not_mutual_are_named(tmp_path: Path) -> None:
    text = lesson("b", 2, "basics", prev="a")  # b forgets its next, c still points back at b
    problems = strict_problems(tmp_path, course(**{"basics/b.md": text}))
    message = only(problems, "basics/b.md: field 'nextLessonId'")
    assert "expected 'c' because ship/c.md has prevLessonId: b, found nothing" in message


def test_a_cycle_is_named(tmp_path: Path) -> None:
    pages = course(
        **{
            "basics/a.md": lesson("a", 1, "basics", prev="c", next="b"),
            "ship/c.md": lesson("c", 1, "ship", prev="b", next="a"),
        }
    )
    message = only(strict_problems(tmp_path, pages), "a cycle")
    assert "field 'nextLessonId'" in message
    assert "a cycle a -> b -> c -> a" in message


def test_a_duplicate_order_in_a_section_is_named(tmp_path: Path) -> None:
    text = lesson("b", 1, "basics", prev="a", next="c")
    message = only(strict_problems(tmp_path, course(**{"basics/b.md": text})), "field 'order'")
    assert "basics/" in message
    assert "a position not used elsewhere in section 'basics'" in message


def test_a_chain_against_the_order_inside_a_section_is_named(tmp_path: Path) -> None:
    """a has order 1 and b order 2, but the chain runs b -> a -> c."""
    pages = course(
        **{
            "basics/a.md": lesson("a", 1, "basics", prev="b", next="c"),
            "basics/b.md": lesson("b", 2, "basics", next="a"),
            "ship/c.md": lesson("c", 1, "ship", prev="a"),
        }
    )
    problems = strict_problems(tmp_path, pages)
    message = only(problems, "basics/a.md: field 'nextLessonId'")
    assert "expected 'b' (basics/b.md comes after it by section and order), found 'c'" in message
    message = only(problems, "basics/a.md: field 'prevLessonId'")
    assert "expected no link (it is the first lesson by section and order), found 'b'" in message


def test_a_chain_against_the_configured_section_order_is_named(tmp_path: Path) -> None:
    """c (section ship) is linked before a and b (section basics), but basics comes first."""
    pages = course(
        **{
            "ship/c.md": lesson("c", 1, "ship", next="a"),
            "basics/a.md": lesson("a", 1, "basics", prev="c", next="b"),
            "basics/b.md": lesson("b", 2, "basics", prev="a"),
        }
    )
    problems = strict_problems(tmp_path, pages)
    message = only(problems, "basics/a.md: field 'prevLessonId'")
    assert "expected no link (it is the first lesson by section and order), found 'c'" in message
    assert any(p.startswith("course_site: ship/c.md: field 'prevLessonId'") for p in problems)


def test_a_section_missing_from_the_configuration_is_named(tmp_path: Path) -> None:
    text = lesson("c", 1, "shipping", prev="b")
    message = only(strict_problems(tmp_path, course(**{"ship/c.md": text})), "field 'section'")
    assert "ship/c.md" in message
    assert "one of the sections in mkdocs.yml ('basics', 'ship'), found 'shipping'" in message


def test_malformed_yaml_names_file_and_line_without_a_traceback(tmp_path: Path) -> None:
    broken = "---\nid: b\ntitle: [unclosed\norder: 2\n---\n\n# B\n"
    config_file = write_site(tmp_path, course(**{"basics/b.md": broken}), options=SECTIONS)
    result = mkdocs_cli(config_file, "--strict")
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "basics/b.md:4: field 'front matter': expected valid YAML" in result.stderr


@pytest.mark.parametrize(("strict", "fails"), [(True, True), (False, False)])
def test_strict_fails_and_a_plain_build_warns_but_writes_the_site(
    tmp_path: Path, strict: bool, fails: bool
) -> None:
    pages = course(**{"ship/c.md": lesson("c", 1, "ship", prev="b", next="ghost")})
    config_file = write_site(tmp_path, pages, options=SECTIONS)
    result = mkdocs_cli(config_file, *(["--strict"] if strict else []))
    assert (result.returncode != 0) == fails
    assert "WARNING -  course_site: ship/c.md: field 'nextLessonId'" in result.stderr
    if not strict:
        assert (tmp_path / "site" / "ship" / "c" / "index.html").exists()
