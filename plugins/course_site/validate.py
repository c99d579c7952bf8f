"""Read every lesson and check the course structure in one pass, collecting all problems.

Each rule is a small function over dictionaries built once, so the whole
check is linear in the number of lessons.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

from .course import Course, SectionSpec, build_course
from .errors import Problem
from .lesson import Lesson, is_lesson, read_lesson


def _link_fix(field: str) -> str:
    return (
        f"Point '{field}' at the neighbouring lesson's id, or remove it at the end of the course."
    )


@dataclass
class Broken:
    """Lessons already reported and left out of the course, so the chain checks can skip
    links that only fail because of them (one cause, one message)."""

    ids: set[str] = dataclass_field(default_factory=set)
    """Their ids, as written and stripped (`id: "x\\n"` is still 'x' to its neighbours)."""
    neighbours: set[str] = dataclass_field(default_factory=set)
    """Ids their prevLessonId/nextLessonId name: those lessons may point at a broken id."""
    unnamed: bool = False
    """Whether a broken lesson's id could not be read at all (front matter that is a scalar,
    or not UTF-8 on its id line): any link to an unknown id may then be a link to it."""

    def add(self, fields: Mapping[str, Any]) -> None:
        lesson_id = fields.get("id")
        # U+FFFD stands for bytes that were not UTF-8: the id as written is unknown.
        if not isinstance(lesson_id, str) or "\ufffd" in lesson_id:
            self.unnamed = True
        for key, into in (("id", self.ids), ("prevLessonId", self.neighbours)):
            value = fields.get(key)
            if isinstance(value, str):
                into.update((value, value.strip()))
        value = fields.get("nextLessonId")
        if isinstance(value, str):
            self.neighbours.update((value, value.strip()))

    def explains(self, lesson: Lesson, target: str | None, known_ids: set[str]) -> bool:
        """Whether a link of `lesson` to `target` may fail only because of a broken lesson."""
        if target is None:
            return False
        if target in self.ids:
            return True
        return target not in known_ids and (self.unnamed or lesson.id in self.neighbours)


def load_course(
    pages: Iterable[tuple[str, Mapping[str, Any]]],
    specs: Sequence[SectionSpec] = (),
    unreadable: Iterable[Mapping[str, str]] = (),
) -> tuple[Course, list[Problem]]:
    """Build the Course from (path relative to docs/, front matter) pairs and validate it.

    Pages without an `id` are ordinary pages and ignored. Lessons with broken
    fields (or an unknown section) are reported once and left out of the course;
    `unreadable` holds what could be salvaged from files whose front matter could not
    be read (already reported). Links that only fail because of either get no
    second, misleading message.
    """
    problems: list[Problem] = []
    lessons: list[Lesson] = []
    known_ids: set[str] = set()
    broken = Broken()
    for fields in unreadable:
        broken.add(fields)
    for src_path, meta in pages:
        if not is_lesson(meta):
            continue
        if isinstance(meta.get("id"), str):
            known_ids.add(meta["id"])
        lesson, found = read_lesson(meta, src_path)
        problems += found
        if lesson is not None:
            lessons.append(lesson)
        else:
            broken.add(meta)
    known_ids |= broken.ids

    lessons, found = _unique_ids(lessons)
    problems += found
    found = _known_sections(lessons, specs)
    problems += found
    if found:
        outside = {problem.file for problem in found}
        for lesson in lessons:
            if lesson.src_path in outside:
                links = {"prevLessonId": lesson.prev_id, "nextLessonId": lesson.next_id}
                broken.add({"id": lesson.id, **links})
        lessons = [lesson for lesson in lessons if lesson.src_path not in outside]
    course = build_course(lessons, specs)
    problems += _unique_orders(course)

    reported: set[tuple[str, str]] = set()
    for rule in (_known_links, _mutual_links, _no_cycles, _chain_follows_order):
        for problem in rule(course, known_ids, broken):
            key = (problem.file, problem.field)
            if key not in reported:
                reported.add(key)
                problems.append(problem)
    return course, problems


def _unique_ids(lessons: list[Lesson]) -> tuple[list[Lesson], list[Problem]]:
    first: dict[str, Lesson] = {}
    problems = []
    for lesson in lessons:
        if lesson.id in first:
            problems.append(
                Problem(
                    lesson.src_path,
                    "id",
                    "an id no other lesson uses",
                    f"'{lesson.id}', already the id of {first[lesson.id].src_path}",
                    "Give one of the two lessons a new id and update the links that point to it.",
                )
            )
        else:
            first[lesson.id] = lesson
    return list(first.values()), problems


def _known_sections(lessons: list[Lesson], specs: Sequence[SectionSpec]) -> list[Problem]:
    if not specs:
        return []
    names = {spec.id for spec in specs}
    listed = ", ".join(f"'{spec.id}'" for spec in specs)
    return [
        Problem(
            lesson.src_path,
            "section",
            f"one of the sections in mkdocs.yml ({listed})",
            f"'{lesson.section}'",
            "Fix the slug, or add the section under 'plugins: - course: sections:' in mkdocs.yml.",
        )
        for lesson in lessons
        if lesson.section not in names
    ]


def _unique_orders(course: Course) -> list[Problem]:
    problems = []
    for section in course.sections:
        seen: dict[int, Lesson] = {}
        for lesson in section.lessons:
            if lesson.order in seen:
                problems.append(
                    Problem(
                        lesson.src_path,
                        "order",
                        f"a position not used elsewhere in section '{section.id}'",
                        f"{lesson.order}, also the order of {seen[lesson.order].src_path}",
                        "Renumber the lessons of the section so each 'order' appears once.",
                    )
                )
            else:
                seen[lesson.order] = lesson
    return problems


def _known_links(course: Course, known_ids: set[str], broken: Broken) -> Iterable[Problem]:
    for lesson in course.lessons:
        for field, target in (("prevLessonId", lesson.prev_id), ("nextLessonId", lesson.next_id)):
            if (
                target is not None
                and target not in known_ids
                and not broken.explains(lesson, target, known_ids)
            ):
                yield Problem(
                    lesson.src_path,
                    field,
                    "the id of an existing lesson",
                    f"'{target}', which no lesson has",
                    _link_fix(field),
                )


def _mutual_links(course: Course, known_ids: set[str], broken: Broken) -> Iterable[Problem]:
    by_id = course.by_id
    for lesson in course.lessons:
        after = by_id.get(lesson.next_id) if lesson.next_id else None
        if after is not None and after.prev_id != lesson.id:
            yield Problem(
                after.src_path,
                "prevLessonId",
                f"'{lesson.id}' because {lesson.src_path} has nextLessonId: {after.id}",
                repr(after.prev_id) if after.prev_id else "nothing",
                "Links must be mutual: make the two lessons point at each other.",
            )
        before = by_id.get(lesson.prev_id) if lesson.prev_id else None
        if before is not None and before.next_id != lesson.id:
            yield Problem(
                before.src_path,
                "nextLessonId",
                f"'{lesson.id}' because {lesson.src_path} has prevLessonId: {before.id}",
                repr(before.next_id) if before.next_id else "nothing",
                "Links must be mutual: make the two lessons point at each other.",
            )


def _no_cycles(course: Course, known_ids: set[str], broken: Broken) -> Iterable[Problem]:
    """Follow nextLessonId from every lesson once; a walk that meets itself is a cycle."""
    by_id = course.by_id
    done: set[str] = set()
    for start in course.lessons:
        path: list[Lesson] = []
        on_path: set[str] = set()
        lesson: Lesson | None = start
        while lesson is not None and lesson.id not in done:
            if lesson.id in on_path:
                loop = path[path.index(lesson) :]
                names = " -> ".join(le.id for le in [*loop, lesson])
                first = min(loop, key=lambda le: le.src_path)
                yield Problem(
                    first.src_path,
                    "nextLessonId",
                    "a chain with a first and a last lesson",
                    f"a cycle {names}",
                    "Remove the link that leads back to an earlier lesson; the last lesson "
                    "has no nextLessonId.",
                )
                break
            path.append(lesson)
            on_path.add(lesson.id)
            lesson = by_id.get(lesson.next_id) if lesson.next_id else None
        done.update(on_path)


def _chain_follows_order(course: Course, known_ids: set[str], broken: Broken) -> Iterable[Problem]:
    """The chain must visit sections in their order and lessons by `order` inside each."""
    lessons = course.lessons
    for i, lesson in enumerate(lessons):
        before = lessons[i - 1] if i > 0 else None
        after = lessons[i + 1] if i + 1 < len(lessons) else None
        for field, found, want in (
            ("prevLessonId", lesson.prev_id, before),
            ("nextLessonId", lesson.next_id, after),
        ):
            want_id = want.id if want else None
            if found != want_id and not broken.explains(lesson, found, known_ids):
                expected = (
                    f"'{want_id}' ({want.src_path} comes "
                    f"{'before' if field == 'prevLessonId' else 'after'} it by section and order)"
                    if want
                    else "no link (it is the "
                    f"{'first' if field == 'prevLessonId' else 'last'} lesson by section and order)"
                )
                yield Problem(
                    lesson.src_path,
                    field,
                    expected,
                    repr(found) if found else "nothing",
                    "Make the prev/next chain follow section order and 'order', or fix 'order'.",
                )
