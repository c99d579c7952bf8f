"""Event wiring for the `course` MkDocs plugin; the logic lives in pure modules beside it."""

from __future__ import annotations

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.plugins import BasePlugin, get_plugin_logger
from mkdocs.structure.files import File, Files, file_sort_key
from mkdocs.structure.nav import Navigation, get_navigation
from mkdocs.structure.pages import Page
from mkdocs.utils import nest_paths
from mkdocs.utils.meta import get_data

from .config import CoursePluginConfig
from .course import Course, Section, SectionSpec
from .front_matter import front_matter_problem, has_front_matter_block
from .nav import course_nav
from .quiz.adapter import add_asset_files, quizzes_to_html, register_assets
from .render import (
    LESSONS_MARKER,
    OVERVIEW_MARKER,
    course_overview,
    insert_after_title,
    lesson_meta,
    place_at_marker,
    section_index_page,
    section_lessons,
)
from .validate import load_course

log = get_plugin_logger(__name__)


class CoursePlugin(BasePlugin[CoursePluginConfig]):
    """Lesson front matter becomes ordered, validated navigation and course overviews."""

    def __init__(self) -> None:
        self._reset()

    def _reset(self) -> None:
        """Forget everything about the previous build (`mkdocs serve` reuses this object)."""
        self.course = Course([])
        self.home_src: str | None = None
        self.authored_indexes: dict[str, Section] = {}
        self.indexes: set[str] = set()

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig | None:
        if not self.config.enabled:
            return None
        self._reset()
        register_assets(config)
        return config

    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files | None:
        """Read every page's front matter once, validate the course, add missing section pages."""
        if not self.config.enabled:
            return None
        pages = []
        for file in files.documentation_pages():
            text = file.content_string
            meta = get_data(text)[1]
            if not meta and has_front_matter_block(text):
                problem = front_matter_problem(text, file.src_uri)
                if problem is not None:
                    log.error(str(problem))
                    continue
            pages.append((file.src_uri, meta))
            if file.dest_uri == "index.html":
                self.home_src = file.src_uri

        specs = [SectionSpec(s.id, s.title or "") for s in self.config.sections]
        self.course, problems = load_course(pages, specs)
        for problem in problems:
            log.warning(str(problem))

        for section in self.course.sections:
            if files.get_file_from_path(section.index_src) is not None:
                self.authored_indexes[section.index_src] = section
                self.indexes.add(section.index_src)
            elif self.config.section_indexes:
                content = section_index_page(section)
                files.append(File.generated(config, section.index_src, content=content))
                self.indexes.add(section.index_src)
        return add_asset_files(files, config)

    def on_nav(self, nav: Navigation, *, config: MkDocsConfig, files: Files) -> Navigation | None:
        """Rebuild the nav in course order, then make prev/next follow the lesson chain."""
        if not self.config.enabled:
            return None
        if config.nav is None:  # an explicit `nav:` in mkdocs.yml wins
            placed = {self.home_src, *(s.index_src for s in self.course.sections)}
            placed.update(self.course.by_src)
            others = [
                f.src_uri
                for f in sorted(files.documentation_pages(), key=file_sort_key)
                if f.inclusion.is_in_nav() and f.src_uri not in placed
            ]
            config.nav = course_nav(self.course, self.home_src, others, nest_paths, self.indexes)
            try:
                nav = get_navigation(files, config)
            finally:
                config.nav = None
            for item in nav.items:
                item.parent = None
        self._link_chain(files)
        return nav

    def _link_chain(self, files: Files) -> None:
        def page_of(lesson_id: str | None) -> Page | None:
            lesson = self.course.by_id.get(lesson_id) if lesson_id else None
            file = files.get_file_from_path(lesson.src_path) if lesson else None
            return file.page if file else None

        for lesson in self.course.lessons:
            page = page_of(lesson.id)
            if page is None:
                continue
            if (before := page_of(lesson.prev_id)) is not None:
                page.previous_page = before
            if (after := page_of(lesson.next_id)) is not None:
                page.next_page = after

    def on_page_markdown(
        self, markdown: str, *, page: Page, config: MkDocsConfig, files: Files
    ) -> str | None:
        """Show a lesson's type and duration; list lessons on section and home pages."""
        if not self.config.enabled:
            return None
        src = page.file.src_uri
        # Quizzes first: the page is still the author's text, so warnings name real lines.
        markdown = quizzes_to_html(markdown, page, config, files)
        lesson = self.course.by_src.get(src)
        if lesson is not None and self.config.lesson_meta:
            markdown = insert_after_title(markdown, lesson_meta(lesson))
        if (section := self.authored_indexes.get(src)) is not None:
            markdown = place_at_marker(markdown, LESSONS_MARKER, section_lessons(section, src))
        if src == self.home_src and self.course.sections:
            markdown = place_at_marker(
                markdown, OVERVIEW_MARKER, course_overview(self.course, src, self.indexes)
            )
        return markdown
