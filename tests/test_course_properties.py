"""Property tests: no front matter, duration, lesson field or whole course breaks the plugin.

Profiles (tests/conftest.py): `ci` by default (deterministic, few examples),
`HYPOTHESIS_PROFILE=long` for a longer local search.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import yaml
from _site import build_config, write_site
from course_site.duration import MAX_MINUTES, DurationError, parse_duration
from course_site.errors import MAX_MESSAGE
from course_site.front_matter import read_page
from course_site.lesson import read_lesson
from hypothesis import given, settings
from hypothesis import strategies as st

SRC = "basics/x.md"
BUILD_EXAMPLES = max(4, settings.default.max_examples // 8)
"""Whole builds are slow: a few in the ci profile, many more in the long one."""

_YAML_BITS = [
    "id: a",
    "order: 1",
    "order: true",
    "order: " + "9" * 5000,
    "duration: ²",
    "title: x",
    "!!binary aGk=",
    "!!timestamp x",
    "!!python/name:os.system",
    "&a [1, 2]",
    "*a",
    "*b",
    "[",
    "]",
    "{",
    "}",
    ": ",
    "- ",
    "  ",
    "\t",
    "'",
    '"',
    "\ufeff",
    "\r",
    "---",
    "...",
    "#",
    "? ",
    "|",
    ">",
    "%YAML 1.1",
    "\x00",
    "\x85",
    "\u2028",
    "[" * 200,
    "é",
    "キ",
]
yamlish = st.lists(
    st.lists(st.one_of(st.sampled_from(_YAML_BITS), st.text(max_size=6)), max_size=5).map("".join),
    max_size=12,
).map("\n".join)
page_text = st.builds(
    lambda boms, block, body, crlf: (
        "\ufeff" * boms
        + ("---\n" + block + "\n---\n" + body).replace("\n", "\r\n" if crlf else "\n")
    ),
    st.integers(0, 3),
    yamlish,
    st.text(max_size=40),
    st.booleans(),
)


def _short(message: str) -> None:
    assert message.startswith(SRC)
    assert len(message) <= MAX_MESSAGE
    assert "\n" not in message


@given(st.one_of(page_text, st.text()))
def test_any_page_text_gives_fields_or_one_short_problem(text: str) -> None:
    page = read_page(text, SRC)
    assert isinstance(page.meta, dict)
    assert not page.text.startswith("\ufeff")
    if page.problem is not None:
        assert page.meta == {}
        _short(str(page.problem))
        assert page.text.count("\n") == text.lstrip("\ufeff").count("\n")  # lines kept


@given(st.binary(max_size=200))
def test_any_bytes_give_fields_or_one_short_problem(data: bytes) -> None:
    from course_site.front_matter import decode

    text, problem = decode(b"---\nid: a\n---\n" + data, SRC)
    page = read_page(text, SRC, encoding_problem=problem)
    if problem is not None:
        assert page.problem is problem and page.changed
        assert "field 'encoding'" in str(problem)
        _short(str(problem))


slugs = st.from_regex(r"[a-z0-9][a-z0-9_-]{0,10}", fullmatch=True)
fields = st.fixed_dictionaries(
    {
        "id": slugs,
        # Line-break-like characters do not round-trip through PyYAML's own dump/load.
        "title": st.text(
            st.characters(exclude_categories=("Cc", "Cs", "Zl", "Zp")), min_size=1, max_size=20
        ).filter(str.strip),
        "type": st.sampled_from(["lesson", "lab", "project"]),
        "duration": st.integers(1, MAX_MINUTES),
        "order": st.integers(0, 1000),
        "section": slugs,
    }
)


@given(fields)
def test_valid_front_matter_is_read_as_written(meta: dict[str, Any]) -> None:
    text = "---\n" + yaml.safe_dump(meta, allow_unicode=True) + "---\n\n# T\n"
    page = read_page(text, SRC)
    assert page.problem is None
    assert page.meta == meta
    lesson, problems = read_lesson(page.meta, SRC)
    assert problems == [] and lesson is not None


@given(st.one_of(st.text(max_size=80), st.integers(), st.from_regex(r"[0-9 .]{1,30}[a-z]*")))
def test_a_duration_is_minutes_in_range_or_a_duration_error(value: str | int) -> None:
    try:
        minutes = parse_duration(value)
    except DurationError:
        return
    assert 1 <= minutes <= MAX_MINUTES


@given(st.integers(0, 99), st.integers(0, 59))
def test_written_durations_parse_to_their_minutes(hours: int, minutes: int) -> None:
    total = hours * 60 + minutes
    forms = [f"{hours}h {minutes}m", f"{hours} hours and {minutes} mins", f"{total} min"]
    for form in forms:
        if total >= 1:
            assert parse_duration(form) == total
            assert parse_duration(form.upper()) == total


values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.integers(min_value=10**300),
        st.floats(),
        st.text(max_size=30),
        st.sampled_from(["²", "①", "1e400 hours", "x\n", "9" * 400, "-5"]),
    ),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=8,
)
metas = st.dictionaries(
    st.sampled_from(["id", "title", "type", "duration", "order", "section", "prevLessonId"]),
    values,
).map(lambda m: {"id": "a", **m})


@given(metas)
def test_any_fields_give_a_lesson_or_short_problems(meta: dict[str, Any]) -> None:
    lesson, problems = read_lesson(meta, SRC)
    assert (lesson is None) == bool(problems)
    for problem in problems:
        _short(str(problem))


# Whole courses, built with the real MkDocs.

_FAULTS: dict[str, tuple[str, str]] = {
    "duration": ("duration", "duration: ²"),
    "huge duration": ("duration", "duration: 1e400 hours"),
    "order": ("order", "order: true"),
    "negative order": ("order", "order: -3"),
    "id": ("id", 'id: "{id}\\n"'),
    "tag": ("title", "title: !!binary aGk="),
    "alias": ("title", "title: &t x\ntype: *t"),
    "syntax": ("title", "title: [unclosed"),
}


def _lesson_text(lesson_id: str, order: int, prev: str | None, nxt: str | None) -> list[str]:
    lines = [
        f"id: {lesson_id}",
        f"title: Lesson {lesson_id}",
        "type: lesson",
        "duration: 20 mins",
        f"order: {order}",
        "section: basics",
    ]
    lines += [f"prevLessonId: {prev}"] if prev else []
    lines += [f"nextLessonId: {nxt}"] if nxt else []
    return lines


@st.composite
def courses(draw: Any) -> tuple[dict[str, bytes], set[str]]:
    """A linked chain of lessons, some with one fault each; (files, faulty paths)."""
    count = draw(st.integers(2, 5))
    ids = [f"l{n}" for n in range(count)]
    files: dict[str, bytes] = {"index.md": b"# Home\n"}
    faulty: set[str] = set()
    for n, lesson_id in enumerate(ids):
        lines = _lesson_text(
            lesson_id, n + 1, ids[n - 1] if n else None, ids[n + 1] if n + 1 < count else None
        )
        fault = draw(st.none() | st.sampled_from([*_FAULTS, "latin-1"]))
        src = f"basics/{lesson_id}.md"
        if fault in _FAULTS:
            field, bad = _FAULTS[fault]
            lines = [bad.format(id=lesson_id) if ln.startswith(field + ":") else ln for ln in lines]
        text = "---\n" + "\n".join(lines) + f"\n---\n\n# Lesson {lesson_id}\n\nCafé.\n"
        if fault != "latin-1":  # a byte order mark is UTF-8 only
            text = "\ufeff" * draw(st.integers(0, 2)) + text
        if draw(st.booleans()):
            text = text.replace("\n", "\r\n")
        files[src] = text.encode("latin-1" if fault == "latin-1" else "utf-8")
        if fault is not None:
            faulty.add(src)
    return files, faulty


@settings(max_examples=BUILD_EXAMPLES, deadline=None)
@given(courses())
def test_a_generated_course_builds_with_one_message_per_faulty_lesson(
    course: tuple[dict[str, bytes], set[str]],
) -> None:
    files, faulty = course
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        config_file = write_site(root, {}, options={"sections": [{"id": "basics"}]})
        for src, data in files.items():
            (root / "docs" / src).parent.mkdir(parents=True, exist_ok=True)
            (root / "docs" / src).write_bytes(data)
        built = build_config(config_file, strict=True)
        messages = [m for m in built.warnings if m.startswith("course_site: basics/")]
        assert sorted(m.split(":", 2)[1].strip() for m in messages) == sorted(faulty), messages
        assert all(len(m) <= 300 for m in messages)
        assert built.aborted == bool(faulty)
        for src in files:  # strict or not, every page is written before the build fails
            url = src.removesuffix(".md").removesuffix("index")
            assert (root / "site" / url / "index.html").is_file(), url
