"""Event wiring for the `course` MkDocs plugin; the logic lives in pure modules beside it."""

from __future__ import annotations

from mkdocs.config import base
from mkdocs.plugins import BasePlugin


class CoursePluginConfig(base.Config):
    """Options of the `course` plugin in mkdocs.yml."""


class CoursePlugin(BasePlugin[CoursePluginConfig]):
    """Placeholder; filled in by the course-site issue."""
