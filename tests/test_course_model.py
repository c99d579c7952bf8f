"""The pure course model: durations, front matter, sections and the one-pass validator."""

from __future__ import annotations

import pytest
from course_site.course import SectionSpec, build_course, default_title
from course_site.duration import DurationError, format_minutes, parse_duration
from course_site.errors import CourseError, Problem
from course_site.front_matter import read_page
from course_site.lesson import read_lesson
from course_site.validate import load_course


def meta(lesson_id: str, order: int, section: str = "s", **links: str) -> dict:
    return {
        "id": lesson_id,
        "title": lesson_id.title(),
        "type": "lesson",
        "duration": "30 mins",
        "order": order,
        "section": section,
        **links,
    }


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("55 mins", 55),
        ("1 hour", 60),
        ("1h 30m", 90),
        ("1h30m", 90),
        ("90 min", 90),
        ("2 hours", 120),
        ("1.5 hours", 90),
        ("1 hour 15 minutes", 75),
        ("1 hr and 5 mins", 65),
        ("45 Minutes", 45),
        (40, 40),
        ("25", 25),
    ],
)
def test_duration_texts_become_minutes(text: str | int, minutes: int) -> None:
    assert parse_duration(text) == minutes


@pytest.mark.parametrize("text", ["soon", "1.5", "", "10 parsecs", "0 mins", "h 30", "-5 min"])
def test_unparseable_durations_raise_a_course_error(text: str) -> None:
    with pytest.raises(DurationError) as raised:
        parse_duration(text)
    assert isinstance(raised.value, CourseError)


@pytest.mark.parametrize(("minutes", "text"), [(55, "55 min"), (60, "1 h"), (95, "1 h 35 min")])
def test_minutes_are_shown_the_same_way_everywhere(minutes: int, text: str) -> None:
    assert format_minutes(minutes) == text


def test_front_matter_becomes_a_lesson() -> None:
    lesson, problems = read_lesson(
        {**meta("b", 2, "deployment", prevLessonId="a"), "duration": "1h 30m"}, "d/b.md"
    )
    assert problems == []
    assert lesson is not None
    assert (lesson.id, lesson.order, lesson.section, lesson.minutes) == ("b", 2, "deployment", 90)
    assert (lesson.prev_id, lesson.next_id, lesson.duration_text) == ("a", None, "1h 30m")


def test_every_bad_field_of_a_lesson_is_reported_at_once() -> None:
    lesson, problems = read_lesson({"id": "Bad Id", "order": "2", "duration": []}, "x.md")
    assert lesson is None
    fields = sorted(p.field for p in problems)
    assert fields == ["duration", "id", "order", "section", "title", "type"]
    assert all(p.file == "x.md" for p in problems)


def test_sections_follow_configuration_then_the_alphabet_and_lessons_follow_order() -> None:
    lessons = [
        read_lesson(meta(i, o, s), f"{i}.md")[0]
        for i, o, s in [("z2", 2, "zeta"), ("z1", 1, "zeta"), ("a1", 1, "alpha"), ("m1", 1, "mid")]
    ]
    course = build_course(lessons, [SectionSpec("mid", "The Middle")])
    assert [s.id for s in course.sections] == ["mid", "alpha", "zeta"]
    assert [s.title for s in course.sections] == ["The Middle", "Alpha", "Zeta"]
    assert [le.id for le in course.lessons] == ["m1", "a1", "z1", "z2"]
    assert course.sections[2].minutes == 60
    assert course.minutes == 120


def test_default_section_title_is_the_slug_in_title_case() -> None:
    assert default_title("model-serving") == "Model Serving"


def test_malformed_yaml_names_the_line() -> None:
    text = "---\nid: a\ntitle: [unclosed\norder: 1\n---\n# A\n"
    problem = read_page(text, "s/a.md").problem
    assert isinstance(problem, Problem)
    assert problem.file == "s/a.md"
    assert problem.line in (3, 4)
    assert str(problem).startswith(f"s/a.md:{problem.line}: field 'front matter'")


def test_well_formed_front_matter_has_no_problem() -> None:
    assert read_page("---\nid: a\n---\n# A\n", "a.md").problem is None


def test_a_valid_course_has_no_problems() -> None:
    pages = [
        ("s/a.md", meta("a", 1, nextLessonId="b")),
        ("s/b.md", meta("b", 2, prevLessonId="a", nextLessonId="c")),
        ("t/c.md", meta("c", 1, "t", prevLessonId="b")),
        ("about.md", {"title": "About"}),
    ]
    course, problems = load_course(pages, [SectionSpec("s", "S"), SectionSpec("t", "T")])
    assert problems == []
    assert [le.id for le in course.lessons] == ["a", "b", "c"]


def test_validation_reports_a_problem_once_per_file_and_field() -> None:
    # b points back at a, a points nowhere: one mutual-link problem, not also a chain one.
    pages = [("a.md", meta("a", 1)), ("b.md", meta("b", 2, prevLessonId="a"))]
    _, problems = load_course(pages)
    keys = [(p.file, p.field) for p in problems]
    assert keys == [("a.md", "nextLessonId")]
    assert "because b.md has prevLessonId: a" in problems[0].expected


def test_a_cycle_is_reported_with_its_members() -> None:
    pages = [
        ("a.md", meta("a", 1, prevLessonId="b", nextLessonId="b")),
        ("b.md", meta("b", 2, prevLessonId="a", nextLessonId="a")),
    ]
    _, problems = load_course(pages)
    cycles = [p for p in problems if "cycle" in p.found]
    assert len(cycles) == 1
    assert cycles[0].found == "a cycle a -> b -> a"
