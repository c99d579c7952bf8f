"""The course: sections in their configured order, each with lessons by `order`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from .lesson import Lesson


@dataclass(frozen=True)
class SectionSpec:
    """A section as mkdocs.yml names it: its slug and the title readers see."""

    id: str
    title: str


@dataclass
class Section:
    """A group of lessons with an index page that lists them."""

    id: str
    title: str
    lessons: list[Lesson] = field(default_factory=list)

    @property
    def minutes(self) -> int:
        return sum(lesson.minutes for lesson in self.lessons)

    @property
    def index_src(self) -> str:
        """Where the section's index page lives (written by the author or generated)."""
        return f"{self.id}/index.md"


@dataclass
class Course:
    """Every lesson of the site, in reading order."""

    sections: list[Section]

    def __post_init__(self) -> None:
        self.by_id: dict[str, Lesson] = {}
        self.by_src: dict[str, Lesson] = {}
        for section in self.sections:
            for lesson in section.lessons:
                self.by_id.setdefault(lesson.id, lesson)
                self.by_src[lesson.src_path] = lesson

    @property
    def lessons(self) -> list[Lesson]:
        """All lessons: sections in order, lessons by `order` inside each."""
        return [lesson for section in self.sections for lesson in section.lessons]

    @property
    def minutes(self) -> int:
        return sum(section.minutes for section in self.sections)


def default_title(slug: str) -> str:
    """'model-serving' -> 'Model Serving': the title of a section mkdocs.yml does not name."""
    return " ".join(word.capitalize() for word in slug.replace("_", "-").split("-"))


def build_course(lessons: Iterable[Lesson], specs: Sequence[SectionSpec] = ()) -> Course:
    """Group lessons into sections.

    Configured sections come first, in their configured order; sections that
    only lessons name follow alphabetically with a title made from the slug.
    Configured sections without lessons are left out. Ties in `order` are
    broken by path so the result never depends on file-system order.
    """
    grouped: dict[str, list[Lesson]] = {}
    for lesson in lessons:
        grouped.setdefault(lesson.section, []).append(lesson)
    titles = {spec.id: spec.title for spec in specs}
    ids = [spec.id for spec in specs if spec.id in grouped]
    ids += sorted(set(grouped) - set(titles))
    return Course(
        [
            Section(
                id=section_id,
                title=titles.get(section_id) or default_title(section_id),
                lessons=sorted(grouped[section_id], key=lambda le: (le.order, le.src_path)),
            )
            for section_id in ids
        ]
    )
