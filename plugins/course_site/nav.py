"""The site navigation as a MkDocs `nav` config list, in course order.

The plugin hands the list to MkDocs (as `config.nav`, at the end of `on_files`),
whose own `get_navigation` makes the Section/Page objects, parents and
prev/next links from it: the nav is built once, in course order.
"""

from __future__ import annotations

from collections.abc import Sequence, Set
from typing import Any

from mkdocs.structure.files import Files, file_sort_key
from mkdocs.structure.nav import Navigation
from mkdocs.utils import nest_paths

from .course import Course

NavConfig = list[Any]


def course_nav(
    course: Course,
    home: str | None,
    other_pages: Sequence[str],
    indexes: Set[str] = frozenset(),
) -> NavConfig:
    """Home first, then each section (its index, then its lessons), then every other page.

    Ordinary pages inside a section's folder join the end of that section;
    the rest are grouped by folder by MkDocs' own `nest_paths`, so an
    `exercises/` folder becomes an "Exercises" group as it would without the plugin.
    A section's index page leads it only if it is in `indexes` (it exists).
    """
    by_folder: dict[str, list[str]] = {}
    rest: list[str] = []
    section_ids = {section.id for section in course.sections}
    for src in other_pages:
        folder = src.split("/", 1)[0] if "/" in src else ""
        if folder in section_ids:
            by_folder.setdefault(folder, []).append(src)
        else:
            rest.append(src)

    nav: NavConfig = [home] if home else []
    for section in course.sections:
        children = [section.index_src] if section.index_src in indexes else []
        children += [le.src_path for le in section.lessons if le.src_path not in children]
        children += by_folder.get(section.id, [])
        nav.append({section.title: children})
    nav += nest_paths(rest)
    return nav


def course_nav_for(
    course: Course, home_src: str | None, indexes: Set[str], files: Files
) -> NavConfig:
    """The nav of `course` over `files`: its pages, then every other page meant for the
    nav (not excluded, not `not_in_nav`) in MkDocs' own order."""
    placed = {home_src, *(s.index_src for s in course.sections)}
    placed.update(course.by_src)
    # Sorted after filtering: a course's pages are mostly lessons.
    rest = [
        f
        for f in files.documentation_pages()
        if f.inclusion.is_in_nav() and f.src_uri not in placed
    ]
    others = [f.src_uri for f in sorted(rest, key=file_sort_key)]
    # A home page that is also a lesson is listed once, in its section.
    home = None if home_src in course.by_src else home_src
    return course_nav(course, home, others, indexes)


def lists_every_page(nav: Navigation, files: Files) -> bool:
    """Whether every page meant for the nav is in it (a plugin may add pages after
    the nav config was handed over)."""
    listed = {page.file.src_uri for page in nav.pages}
    pages = files.documentation_pages()
    return all(f.src_uri in listed for f in pages if f.inclusion.is_in_nav())
