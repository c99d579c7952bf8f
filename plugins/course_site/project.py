"""Read a course project as the MkDocs plugin sees it, without MkDocs: the `course`
options in mkdocs.yml and every page's front matter under docs/.

Why its own reader of mkdocs.yml: `course-site generate` must work where the MkDocs
plugin cannot run (a Zensical-only install), yet see the same sections and options;
YAML tags MkDocs understands (`!relative`, `!ENV`) are read as plain values here, as
none of them matters to the course.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .course import SectionSpec
from .errors import CourseError, Problem
from .front_matter import body_of, decode, read_page


class ProjectError(CourseError):
    """mkdocs.yml or docs/ cannot be read at all (the message says which and why)."""


class _TolerantLoader(yaml.SafeLoader):
    """Reads any `!tag value` as the plain value."""


def _untagged(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    return loader.construct_scalar(node)


_TolerantLoader.add_multi_constructor("!", _untagged)


@dataclass(frozen=True)
class Options:
    """The `course` plugin's options that shape the generated files."""

    sections: tuple[SectionSpec, ...] = ()
    lesson_meta: bool = True
    section_indexes: bool = True
    checks: dict[str, str] = field(default_factory=dict)


@dataclass
class Page:
    """One Markdown page under docs/: what the plugin reads of it."""

    src: str
    text: str
    meta: dict[str, Any]
    body: str
    """The page after its front matter, as MkDocs hands it to the plugin."""


@dataclass
class Project:
    root: Path
    config_name: str
    docs_dir: Path
    options: Options
    pages: list[Page]
    read_problems: list[Problem]
    unreadable: list[dict[str, str]]


def read_options(settings: dict[str, Any]) -> Options:
    """The `course` entry of `plugins:` (a name or a one-key mapping)."""
    for plugin in settings.get("plugins") or []:
        if plugin == "course":
            return Options()
        if isinstance(plugin, dict) and "course" in plugin:
            raw = plugin["course"] or {}
            specs = tuple(
                SectionSpec(str(s["id"]), str(s.get("title") or ""))
                for s in raw.get("sections") or []
                if isinstance(s, dict) and "id" in s
            )
            return Options(
                specs,
                bool(raw.get("lesson_meta", True)),
                bool(raw.get("section_indexes", True)),
                dict(raw.get("checks") or {}),
            )
    raise ProjectError("mkdocs.yml lists no `course` plugin under `plugins:`; add `- course`.")


def read_project(config_file: Path) -> Project:
    """mkdocs.yml and every `*.md` under its docs_dir, front matter read as the plugin does."""
    try:
        settings = yaml.load(config_file.read_text(encoding="utf-8"), _TolerantLoader) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        reason = str(error).splitlines()[0]
        raise ProjectError(f"{config_file}: cannot be read ({reason}).") from None
    root = config_file.parent
    docs = root / str(settings.get("docs_dir") or "docs")
    if not docs.is_dir():
        raise ProjectError(f"{docs}: the docs_dir of {config_file.name} is not a folder.")
    pages, problems, unreadable = [], [], []
    for path in sorted(docs.rglob("*.md")):
        src = path.relative_to(docs).as_posix()
        text, encoding = decode(path.read_bytes(), src)
        read = read_page(text, src, encoding_problem=encoding)
        if read.problem is not None:
            problems.append(read.problem)
            unreadable.append(read.salvaged)
        pages.append(Page(src, read.text, read.meta, body_of(read.text)))
    options = read_options(settings)
    return Project(root, config_file.name, docs, options, pages, problems, unreadable)
