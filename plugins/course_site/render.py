"""Markdown the plugin adds to pages: a lesson's type and duration, section lists, the
overview, and the progress controls that quiz.js fills in.

Lists and links are plain Markdown so MkDocs resolves and checks the links exactly as
if an author had written them. Progress bars and buttons are raw HTML blocks (one
line, no blank line) that stay hidden until the script shows them: without
JavaScript nothing is tracked, so nothing about progress is shown.
"""

from __future__ import annotations

import functools
import posixpath
import re
from collections.abc import Sequence, Set
from html import escape

from .course import Course, Section
from .duration import format_minutes
from .lesson import Lesson

OVERVIEW_MARKER = "<!-- course-overview -->"
LESSONS_MARKER = "<!-- section-lessons -->"
_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")


def quiz_status(lesson: Lesson) -> str:
    """The empty element the script fills with the reader's progress in a lesson (a contract)."""
    return f'<span class="course-quiz-status" data-lesson-id="{escape(lesson.id)}"></span>'


def progress_bar(label: str, lessons: Sequence[Lesson]) -> str:
    """A progress bar over `lessons`, hidden until the script fills it in from stored progress.

    Without JavaScript nothing is stored, so nothing is shown.
    """
    ids = " ".join(lesson.id for lesson in lessons)
    total = len(lessons)
    text = f"0 of {total} lessons done"
    return (
        f'<div class="course-progress" data-lessons="{escape(ids)}" hidden>'
        f'<div class="course-progress__bar" role="progressbar" aria-label="{escape(label)}" '
        f'aria-valuemin="0" aria-valuemax="{total}" aria-valuenow="0" aria-valuetext="{text}">'
        '<span class="course-progress__fill"></span></div>'
        f'<p class="course-progress__text">{text}</p></div>'
    )


def course_start(href: str) -> str:
    """The Start link (the script turns it into Continue) and the Reset progress button."""
    return (
        '<p class="course-start">'
        f'<a class="md-button md-button--primary course-start__link" href="{escape(href)}">'
        "Start the course</a> "
        '<button type="button" class="md-button course-start__reset" hidden>'
        "Reset progress</button></p>"
    )


def complete_toggle(lesson: Lesson) -> str:
    """The "Mark as complete" toggle of a lesson without a quiz (shown by the script)."""
    return (
        '<p class="course-complete">'
        f'<button type="button" class="md-button course-complete__toggle" aria-pressed="false" '
        f'data-lesson-id="{escape(lesson.id)}" hidden>Mark as complete</button></p>'
    )


def lesson_meta(lesson: Lesson) -> str:
    """The line shown under a lesson's title."""
    return (
        f'<p class="course-lesson-meta"><strong>{escape(lesson.type.capitalize())}</strong>'
        f" · {format_minutes(lesson.minutes)}</p>"
    )


def _title_line(markdown: str) -> int | None:
    """Index of the first `# ` heading line outside fenced code, if any."""
    fence = ""
    for i, line in enumerate(markdown.split("\n")):
        if match := _FENCE.match(line):
            marker = match.group(1)
            if not fence:
                fence = marker
            elif marker[0] == fence[0] and len(marker) >= len(fence):
                fence = ""
            continue
        if not fence and re.match(r"^#\s", line):
            return i
    return None


def has_title(markdown: str) -> bool:
    """Whether the page's own Markdown has a `# ` title (a snippet may bring it instead)."""
    return _title_line(markdown) is not None


def insert_after_title(markdown: str, block: str) -> str:
    """Put a block right after the first `# ` heading (outside code), or at the top."""
    i = _title_line(markdown)
    if i is None:
        return f"{block}\n\n{markdown}"
    lines = markdown.split("\n")
    return "\n".join([*lines[: i + 1], "", block, "", *lines[i + 1 :]])


def insert_after_h1(html: str, block: str) -> str:
    """Put a block after the page's first `<h1>` in rendered HTML, or at the top."""
    end = html.find("</h1>")
    if end < 0:
        return block + html
    end += len("</h1>")
    return html[:end] + block + html[end:]


def place_at_marker(markdown: str, marker: str, block: str) -> str:
    """Replace the marker comment with the block, or append the block when there is none."""
    if marker in markdown:
        return markdown.replace(marker, block, 1)
    return f"{markdown.rstrip()}\n\n{block}\n"


@functools.lru_cache(maxsize=65536)
def _relative(src_path: str, from_dir: str) -> str:
    """Kept across `mkdocs serve` rebuilds, which list every lesson again."""
    return posixpath.relpath(src_path, from_dir)


def _link(lesson: Lesson, from_src: str) -> str:
    target = _relative(lesson.src_path, posixpath.dirname(from_src) or ".")
    title = lesson.title.replace("|", r"\|").replace("[", r"\[").replace("]", r"\]")
    return f"[{title}]({target})"


def section_lessons(section: Section, from_src: str) -> str:
    """A table of the section's lessons with type, duration and the section's total time."""
    rows = [
        f"**{len(section.lessons)} lessons · {format_minutes(section.minutes)} in total**",
        "",
        progress_bar(f"{section.title} progress", section.lessons),
        "",
        "| # | Lesson | Type | Duration | Progress |",
        "|--:|--------|------|---------:|----------|",
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


def course_overview(
    course: Course,
    from_src: str,
    indexes: Set[str] = frozenset(),
    start_href: str | None = None,
) -> str:
    """Sections with their time and lessons, and the course's total time, for the home page.

    A section's title links to its index page when it has one (is in `indexes`). With
    `start_href` (the first lesson's URL from the home page) the overview starts with
    the course's progress bar, a Start/Continue link and a Reset progress button.
    """
    lessons = sum(len(section.lessons) for section in course.sections)
    parts = [
        f"**{len(course.sections)} sections · {lessons} lessons · "
        f"{format_minutes(course.minutes)} in total**"
    ]
    if start_href is not None:
        parts += [progress_bar("Course progress", course.lessons), course_start(start_href)]
    for n, section in enumerate(course.sections, start=1):
        title = section.title
        if section.index_src in indexes:
            index = posixpath.relpath(section.index_src, posixpath.dirname(from_src) or ".")
            title = f"[{title}]({index})"
        parts.append(f"### {n}. {title} · {format_minutes(section.minutes)}")
        parts.append(progress_bar(f"{section.title} progress", section.lessons))
        parts.append(
            "\n".join(
                f"1. {_link(lesson, from_src)} · {escape(lesson.type)} · "
                f"{format_minutes(lesson.minutes)} {quiz_status(lesson)}"
                for lesson in section.lessons
            )
        )
    return "\n\n".join(parts)
