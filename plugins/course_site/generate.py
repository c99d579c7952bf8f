"""What Zensical needs to build the course, made from docs/ and mkdocs.yml (pure but for
reading the project): `course-site generate` writes it.

Why generated files: Zensical runs no MkDocs plugin, so what the `course` plugin works
out during a MkDocs build (the nav in course order, which the footer's prev/next then
follow; the home overview and the section pages; each lesson's meta line) is worked out
here, once, with the same reader, validation and renderers, and written down:

- `zensical.yml`: `INHERIT: mkdocs.yml`, its own `site_dir`, the course's `nav`, our two
  Markdown extensions and the quiz script and style (Zensical appends lists it inherits);
- `docs/<section>/index.md` for each section whose author wrote none (a title and the
  lesson-list marker, which the MkDocs plugin fills in just as it fills a generated page);
- `docs/assets/course/course.json`: per lesson what the pages extension adds to it, the
  text of each overview marker, and what the progress script needs (ids, order, totals);
- `docs/assets/course/quiz.js`, `quiz.css`: copies of the plugin's assets.
"""

from __future__ import annotations

import json
import posixpath
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import yaml

from .content_checks import check_levels
from .course import Course
from .nav import course_nav
from .project import Project
from .quiz.extension import OWN_EXTENSIONS
from .quiz.parser import Quiz
from .quiz.replace import replace_quizzes
from .quiz.report import answer_length_note, not_a_quiz
from .reading_time import HANDS_ON_TYPES, duration_problem, estimate
from .render import (
    LESSONS_MARKER,
    OVERVIEW_MARKER,
    complete_toggle,
    course_overview,
    lesson_meta,
    section_lessons,
)
from .sealed import digest, is_generated, seal
from .validate import load_course

ZENSICAL_CONFIG = "zensical.yml"
ZENSICAL_SITE_DIR = "site-zensical"
"""Zensical's output folder: not MkDocs' `site/`, so one front end's build never mixes its
files into the other's (both build from the same project folder)."""
COURSE_DATA = "assets/course/course.json"
"""Inside docs/: read by the `course_pages` extension at build time, served to readers."""
ASSETS_DIR = Path(__file__).parent / "quiz" / "assets"
ASSETS = ("assets/course/quiz.js", "assets/course/quiz.css")
LESSON_FIELDS = ("id", "title", "type", "duration", "order", "section")
LINK_FIELDS = ("prevLessonId", "nextLessonId")


@dataclass
class Generated:
    """Files to write (path relative to the project -> text) and what is wrong."""

    files: dict[str, str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    """Messages that fail the command, as MkDocs logs them (without its logger prefix)."""
    notes: list[str] = field(default_factory=list)
    """Content checks at level `info`: reported, never failing."""


def front_matter_fields(meta: dict) -> dict[str, str]:
    """The fields a lesson's place in the course depends on, as text, for staleness checks
    (Zensical hands the extension front matter it parsed itself)."""
    return {k: str(meta[k]) for k in (*LESSON_FIELDS, *LINK_FIELDS) if meta.get(k) is not None}


def _url(src: str) -> str:
    """MkDocs' directory URL of a page: `a/b.md` -> `a/b/`, `a/index.md` -> `a/`."""
    stem = src[: -len(".md")]
    head, name = posixpath.split(stem)
    if name in ("index", "README"):
        return f"{head}/" if head else ""
    return f"{stem}/"


def _other_pages_key(src: str) -> tuple:
    """MkDocs' nav order of pages it lists by itself: folders, the index first, names."""
    parts = src.split("/")
    name = parts[-1]
    return (parts[:-1], name not in ("index.md", "README.md"), name)


def _collect(into: list[Quiz], quiz: Quiz, index: int) -> str:
    into.append(quiz)
    return ""


def _report_quizzes(project: Project, out: Generated, course: Course) -> dict[str, bool]:
    """Each page's Knowledge Checks as the plugin reports them; which lessons have a quiz."""
    level = check_levels(project.options.checks)
    has_quiz: dict[str, bool] = {}
    for page in project.pages:
        quizzes: list[Quiz] = []
        _, errors = replace_quizzes(page.body, partial(_collect, quizzes))
        offset = page.text[: len(page.text) - len(page.body)].count("\n")
        for quiz in quizzes:
            note = answer_length_note(page.src, quiz, offset, level["answer_length"])
            if note is not None and level["answer_length"] != "off":
                (out.errors if level["answer_length"] == "warn" else out.notes).append(note)
        out.errors += [not_a_quiz(page.src, error, offset) for error in errors]
        has_quiz[page.src] = bool(quizzes)
        lesson = course.by_src.get(page.src)
        if lesson is not None and lesson.type not in HANDS_ON_TYPES:
            problem = duration_problem(page.src, lesson.minutes, estimate(page.body))
            if problem is not None and level["duration"] != "off":
                (out.errors if level["duration"] == "warn" else out.notes).append(str(problem))
    return has_quiz


def generate(project: Project) -> Generated:
    """Everything `course-site generate` writes, or the problems that stop it."""
    out = Generated(errors=[str(problem) for problem in project.read_problems])
    metas = [(page.src, page.meta) for page in project.pages]
    course, problems = load_course(metas, project.options.sections, project.unreadable)
    out.errors += [str(problem) for problem in problems]
    has_quiz = _report_quizzes(project, out, course)
    by_src = {page.src: page for page in project.pages}
    docs = project.docs_dir.relative_to(project.root).as_posix()

    indexes: set[str] = set()
    texts: dict[str, dict[str, str]] = {}
    for section in course.sections:
        authored = by_src.get(section.index_src)
        if authored is not None and not is_generated(authored.text):
            indexes.add(section.index_src)
        elif project.options.section_indexes:
            indexes.add(section.index_src)
            body = f"# {section.title}\n\n{LESSONS_MARKER}\n"
            out.files[f"{docs}/{section.index_src}"] = seal(section.index_src, body)
        else:
            continue
        texts[section.index_src] = {
            "marker": LESSONS_MARKER,
            "text": section_lessons(section, section.index_src),
        }
    home = "index.md" if "index.md" in by_src else None
    if home is not None and course.sections:
        start = _url(course.lessons[0].src_path)
        overview = course_overview(course, home, indexes, start)
        texts[home] = {"marker": OVERVIEW_MARKER, "text": overview}

    placed = {home, *indexes, *course.by_src}
    others = sorted((p.src for p in project.pages if p.src not in placed), key=_other_pages_key)
    nav = course_nav(course, None if home in course.by_src else home, others, indexes)
    out.files[ZENSICAL_CONFIG] = seal(ZENSICAL_CONFIG, _zensical_config(project, nav))
    data = _course_data(project, course, has_quiz, texts)
    out.files[f"{docs}/{COURSE_DATA}"] = data
    for asset in ASSETS:
        text = (ASSETS_DIR / posixpath.basename(asset)).read_text(encoding="utf-8")
        out.files[f"{docs}/{asset}"] = seal(asset, text)
    return out


def _zensical_config(project: Project, nav: list) -> str:
    settings = {
        "INHERIT": project.config_name,
        "site_dir": ZENSICAL_SITE_DIR,
        "nav": nav,
        "markdown_extensions": sorted(OWN_EXTENSIONS),
        "extra_javascript": [ASSETS[0]],
        "extra_css": [ASSETS[1]],
    }
    return yaml.safe_dump(settings, sort_keys=False, allow_unicode=True, width=100)


def _course_data(
    project: Project, course: Course, has_quiz: dict[str, bool], texts: dict[str, dict[str, str]]
) -> str:
    """course.json: sorted keys, no timestamps, so the same docs/ give the same bytes."""
    metas = {page.src: page.meta for page in project.pages}
    lessons = {}
    for n, lesson in enumerate(course.lessons):
        lessons[lesson.src_path] = {
            "id": lesson.id,
            "position": n + 1,
            "minutes": lesson.minutes,
            "front_matter": front_matter_fields(metas[lesson.src_path]),
            "meta": lesson_meta(lesson) if project.options.lesson_meta else "",
            "toggle": "" if has_quiz.get(lesson.src_path) else complete_toggle(lesson),
        }
    data = {
        "generated_by": "course-site generate",
        "lessons": lessons,
        "pages": texts,
        "course": {
            "lessons": [lesson.id for lesson in course.lessons],
            "minutes": course.minutes,
            "sections": [
                {"id": s.id, "title": s.title, "lessons": [le.id for le in s.lessons]}
                for s in course.sections
            ],
        },
    }
    body = json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    return body.replace("{\n", f'{{\n "digest": "{digest(body)}",\n', 1)
