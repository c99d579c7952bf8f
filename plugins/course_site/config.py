"""Typed options of the `course` plugin, as written under `plugins: - course:` in mkdocs.yml."""

from __future__ import annotations

from mkdocs.config import base
from mkdocs.config import config_options as c

from .content_checks import ContentCheckConfigError, check_levels


class ContentChecks(c.BaseConfigOption[dict[str, str]]):
    """`checks: {answer_length: warn, duration: info}`; unknown names or levels are errors."""

    def run_validation(self, value: object) -> dict[str, str]:
        try:
            return check_levels(value)
        except ContentCheckConfigError as error:
            raise c.ValidationError(str(error)) from error


class SectionOption(base.Config):
    """One entry of `sections`: `{id: deployment, title: Deployment}`."""

    id = c.Type(str)
    """The slug lessons name in their `section` field."""
    title = c.Optional(c.Type(str))
    """What readers see; defaults to the slug in title case ('model-serving' -> 'Model Serving')."""


class CoursePluginConfig(base.Config):
    """Options of the `course` plugin."""

    enabled = c.Type(bool, default=True)
    """Turn the whole plugin off (the site then builds like plain MkDocs)."""
    sections = c.ListOfItems(c.SubConfig(SectionOption), default=[])
    """Section order and titles. Without it, sections are ordered alphabetically by slug.
    When given, a lesson naming any other section is a validation problem."""
    lesson_meta = c.Type(bool, default=True)
    """Show each lesson's type and duration under its title."""
    section_indexes = c.Type(bool, default=True)
    """Generate `<section>/index.md` listing the section's lessons when the author wrote none."""
    compact_html = c.Type(bool, default=True)
    """Collapse template whitespace in the built pages (about half of a lesson page's bytes
    in a large course); pages render the same."""
    fast_build = c.Type(bool, default=True)
    """Reuse work across pages and rebuilds (closed nav sections, the search indexer's
    copy of code blocks, templates and front matter under `mkdocs serve`); readers get
    the same pages. `false` builds the plain way, to compare against."""
    checks = ContentChecks()
    """Level of each content check: `warn` (default; `--strict` fails), `info` or `off`.
    Names and levels are in `content_checks.py`."""
