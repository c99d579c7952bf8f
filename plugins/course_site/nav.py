"""The site navigation as a MkDocs `nav` config list, in course order.

Pure data: the plugin hands the list to MkDocs' own `get_navigation`, which
makes the Section/Page objects, parents and prev/next links from it.
"""

from __future__ import annotations

from collections.abc import Sequence, Set
from typing import Any

from .course import Course

NavConfig = list[Any]


def course_nav(
    course: Course,
    home: str | None,
    other_pages: Sequence[str],
    nest: Any,
    indexes: Set[str] = frozenset(),
) -> NavConfig:
    """Home first, then each section (its index, then its lessons), then every other page.

    Ordinary pages inside a section's folder join the end of that section;
    the rest are grouped by folder by `nest` (MkDocs' own `nest_paths`), so an
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
    nav += nest(rest)
    return nav
