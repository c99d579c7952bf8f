"""Markdown the plugin adds to pages: a lesson's type and duration, section lists, the overview.

Everything here is plain Markdown (with a little inline HTML) so MkDocs
resolves and checks the links exactly as if an author had written them.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Set
from html import escape

from .course import Course, Section
from .duration import format_minutes
from .lesson import Lesson

OVERVIEW_MARKER = "<!-- course-overview -->"
LESSONS_MARKER = "<!-- section-lessons -->"
_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")


def quiz_status(lesson: Lesson) -> str:
    """The empty element the quiz script fills with the reader's score (a contract)."""
    return f'<span class="course-quiz-status" data-lesson-id="{escape(lesson.id)}"></span>'


def lesson_meta(lesson: Lesson) -> str:
    """The line shown under a lesson's title."""
    return (
        f'<p class="course-lesson-meta"><strong>{escape(lesson.type.capitalize())}</strong>'
        f" · {format_minutes(lesson.minutes)}</p>"
    )


def insert_after_title(markdown: str, block: str) -> str:
    """Put a block right after the first `# ` heading (outside code), or at the top."""
    lines = markdown.split("\n")
    fence = ""
    for i, line in enumerate(lines):
        if match := _FENCE.match(line):
            marker = match.group(1)
            if not fence:
                fence = marker
            elif marker[0] == fence[0] and len(marker) >= len(fence):
                fence = ""
            continue
        if not fence and re.match(r"^#\s", line):
            return "\n".join([*lines[: i + 1], "", block, "", *lines[i + 1 :]])
    return f"{block}\n\n{markdown}"


def place_at_marker(markdown: str, marker: str, block: str) -> str:
    """Replace the marker comment with the block, or append the block when there is none."""
    if marker in markdown:
        return markdown.replace(marker, block, 1)
    return f"{markdown.rstrip()}\n\n{block}\n"


def _link(lesson: Lesson, from_src: str) -> str:
    target = posixpath.relpath(lesson.src_path, posixpath.dirname(from_src) or ".")
    title = lesson.title.replace("|", r"\|").replace("[", r"\[").replace("]", r"\]")
    return f"[{title}]({target})"


def section_lessons(section: Section, from_src: str) -> str:
    """A table of the section's lessons with type, duration and the section's total time."""
    rows = [
        f"**{len(section.lessons)} lessons · {format_minutes(section.minutes)} in total**",
        "",
        "| # | Lesson | Type | Duration | Quiz |",
        "|--:|--------|------|---------:|------|",
    ]
    rows += [
        f"| {n} | {_link(lesson, from_src)} | {escape(lesson.type)} | "
        f"{format_minutes(lesson.minutes)} | {quiz_status(lesson)} |"
        for n, lesson in enumerate(section.lessons, start=1)
    ]
    return "\n".join(rows)


def section_index_page(section: Section) -> str:
    """The whole index page of a section whose author wrote none."""
    return f"# {section.title}\n\n{section_lessons(section, section.index_src)}\n"


def course_overview(course: Course, from_src: str, indexes: Set[str] = frozenset()) -> str:
    """Sections with their time and lessons, and the course's total time, for the home page.

    A section's title links to its index page when it has one (is in `indexes`).
    """
    lessons = sum(len(section.lessons) for section in course.sections)
    parts = [
        f"**{len(course.sections)} sections · {lessons} lessons · "
        f"{format_minutes(course.minutes)} in total**"
    ]
    for n, section in enumerate(course.sections, start=1):
        title = section.title
        if section.index_src in indexes:
            index = posixpath.relpath(section.index_src, posixpath.dirname(from_src) or ".")
            title = f"[{title}]({index})"
        parts.append(f"### {n}. {title} · {format_minutes(section.minutes)}")
        parts.append(
            "\n".join(
                f"1. {_link(lesson, from_src)} · {escape(lesson.type)} · "
                f"{format_minutes(lesson.minutes)} {quiz_status(lesson)}"
                for lesson in section.lessons
            )
        )
    return "\n\n".join(parts)
