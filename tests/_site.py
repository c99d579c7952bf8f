"""Build small course sites in tmp_path with the real MkDocs, for the course-site tests."""

from __future__ import annotations

import logging
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.exceptions import Abort

FEATURES = ["navigation.footer", "navigation.sections", "navigation.indexes"]
MARKDOWN_EXTENSIONS = [
    "admonition",
    "pymdownx.details",
    "pymdownx.highlight",
    "pymdownx.superfences",
    {"pymdownx.tabbed": {"alternate_style": True}},
]


def lesson(
    lesson_id: str,
    order: int,
    section: str,
    *,
    prev: str | None = None,
    next: str | None = None,
    title: str | None = None,
    type: str = "lesson",
    duration: str = "30 mins",
    body: str = "Some text.\n",
) -> str:
    """A lesson page in the seed's front matter shape."""
    lines = [
        "---",
        f"id: {lesson_id}",
        f"title: {title or lesson_id.replace('-', ' ').title()}",
        f"type: {type}",
        f"duration: {duration}",
        f"order: {order}",
        f"section: {section}",
    ]
    if prev:
        lines.append(f"prevLessonId: {prev}")
    if next:
        lines.append(f"nextLessonId: {next}")
    heading = title or lesson_id.replace("-", " ").title()
    return "\n".join([*lines, "---", "", f"# {heading}", "", body])


def chain(section: str, ids: list[str], *, before: str | None = None, after: str | None = None):
    """Pages for lessons `ids` of one section, linked in that order (dict src -> text)."""
    pages = {}
    for n, lesson_id in enumerate(ids):
        prev = ids[n - 1] if n else before
        nxt = ids[n + 1] if n + 1 < len(ids) else after
        pages[f"{section}/{lesson_id}.md"] = lesson(lesson_id, n + 1, section, prev=prev, next=nxt)
    return pages


@dataclass
class Built:
    """What a build left behind: the site folder and every warning MkDocs logged."""

    site: Path
    warnings: list[str] = field(default_factory=list)
    aborted: bool = False

    def html(self, page: str) -> str:
        """HTML of a page by its URL path, e.g. 'deployment/intro/'."""
        return (self.site / page / "index.html").read_text(encoding="utf-8")


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def quiet_duration(options: dict[str, Any] | None) -> dict[str, Any]:
    """Plugin options with the duration check off unless the test sets its level.

    Test lessons are a line long under a realistic duration; only the duration
    check's own tests care how the two compare.
    """
    options = dict(options or {})
    options["checks"] = {"duration": "off", **(options.get("checks") or {})}
    return options


def write_site(
    root: Path,
    pages: dict[str, str],
    *,
    options: dict[str, Any] | None = None,
    features: list[str] | None = None,
) -> Path:
    """Write mkdocs.yml and docs/ under root; return the mkdocs.yml path."""
    for src, text in pages.items():
        path = root / "docs" / src
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    config = {
        "site_name": "Test course",
        "site_url": "https://example.org/course/",
        "theme": {"name": "material", "font": False, "features": features or FEATURES},
        "markdown_extensions": MARKDOWN_EXTENSIONS,
        "plugins": [{"course": quiet_duration(options)}],
    }
    config_file = root / "mkdocs.yml"
    config_file.write_text(yaml.safe_dump(config), encoding="utf-8")
    return config_file


def build_site(
    root: Path,
    pages: dict[str, str],
    *,
    options: dict[str, Any] | None = None,
    features: list[str] | None = None,
    strict: bool = False,
) -> Built:
    """Run a real in-process `mkdocs build` of the pages and collect its warnings."""
    config_file = write_site(root, pages, options=options, features=features)
    return build_config(config_file, strict=strict)


def build_config(config_file: Path, *, strict: bool = False) -> Built:
    """Build an existing mkdocs.yml in-process."""
    config = load_config(str(config_file), strict=strict)
    return build_loaded(config)


def build_loaded(config: Any, **options: Any) -> Built:
    """Build an already loaded config (reusing its plugin objects, as `mkdocs serve` does);
    `options` go to MkDocs' `build` (`dirty`, `serve_url`)."""
    handler = _Collect()
    logger = logging.getLogger("mkdocs")
    logger.addHandler(handler)
    built = Built(Path(config.site_dir))
    try:
        build(config, **options)
    except Abort:
        built.aborted = True
    finally:
        logger.removeHandler(handler)
    built.warnings = handler.messages
    return built


def article(html: str) -> str:
    """A page's own content, without nav, header and footer."""
    return html.split("<article", 1)[1].split("</article>", 1)[0]


def mkdocs_cli(config_file: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the `mkdocs` command line as an author would."""
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "-f", str(config_file), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={"NO_MKDOCS_2_WARNING": "1", "PATH": "/usr/bin:/bin"},
    )
