"""The Material partials copied into overrides/ differ from the installed ones only by
the accessibility changes listed here, so a Material update cannot silently be undone
by a stale copy (the failure says which partial to copy again)."""

from __future__ import annotations

import re
from pathlib import Path

import material
import pytest
import yaml

PROJECT = Path(__file__).resolve().parents[1]
OVERRIDES = PROJECT / "overrides"
PLUGIN_TEMPLATES = PROJECT / "plugins" / "course_site" / "templates"
MATERIAL = Path(material.__file__).parent / "templates"
HEADER = re.compile(r"\A\{#-.*?-#\}\n", re.DOTALL)

CHANGES = {
    "partials/search.html": [
        (
            'role="dialog">',
            'role="dialog" aria-label="{{ lang.t(\'search\') }}">',
        ),
    ],
    "partials/nav-item.html": [
        ('aria-labelledby="{{ path }}_label"', 'aria-labelledby="{{ path }}_title"'),
        (
            '<label class="md-nav__title" for="{{ path }}">',
            '<label class="md-nav__title" for="{{ path }}" id="{{ path }}_title">',
        ),
    ],
}
"""Partial -> (Material's text, ours) pairs: each occurs exactly once in Material's copy."""

PLUGIN_CHANGES = {
    "partials/nav.html": [
        (
            """  <ul class="md-nav__list" data-md-scrollfix>
    {% for nav_item in nav.items %}
      {% set path = "__nav_" ~ loop.index %}
      {{ item.render(nav_item, path, 1) }}
    {% endfor %}
  </ul>""",
            """  <ul class="md-nav__list" data-md-scrollfix>{% if course_nav_items is defined %}"""
            """{{ course_nav_items(nav.items, page, item.render) }}{% else %}
    {% for nav_item in nav.items %}
      {% set path = "__nav_" ~ loop.index %}
      {{ item.render(nav_item, path, 1) }}
    {% endfor %}
  {% endif %}</ul>""",
        ),
    ],
}
"""The `course` plugin's own partials (build speed, course_site/nav_fragments.py): without
the plugin's `course_nav_items` they write exactly what Material's loop writes."""


def test_every_overridden_template_is_listed() -> None:
    templates = {p.relative_to(OVERRIDES).as_posix() for p in OVERRIDES.rglob("*.html")}
    assert templates == set(CHANGES)


@pytest.mark.parametrize(
    ("folder", "partial", "changes"),
    [(OVERRIDES, partial, changes) for partial, changes in sorted(CHANGES.items())]
    + [(PLUGIN_TEMPLATES, partial, changes) for partial, changes in PLUGIN_CHANGES.items()],
)
def test_override_is_materials_partial_plus_the_listed_change(
    folder: Path, partial: str, changes: list[tuple[str, str]]
) -> None:
    original = HEADER.sub("", (MATERIAL / partial).read_text(encoding="utf-8"), count=1)
    ours = HEADER.sub("", (folder / partial).read_text(encoding="utf-8"), count=1)
    expected = original
    for before, after in changes:
        assert original.count(before) == 1, f"Material's {partial} changed around {before!r}"
        expected = expected.replace(before, after)
    assert ours == expected, (
        f"{folder / partial} is out of step with the installed Material: copy "
        f"{MATERIAL / partial} again and reapply the change this test lists."
    )


def test_every_plugin_template_is_listed() -> None:
    templates = {p.relative_to(PLUGIN_TEMPLATES).as_posix() for p in PLUGIN_TEMPLATES.rglob("*")}
    assert {t for t in templates if t.endswith(".html")} == set(PLUGIN_CHANGES)


def test_site_registers_the_overrides_and_their_assets() -> None:
    config = yaml.load((PROJECT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=yaml.BaseLoader)
    assert config["theme"]["custom_dir"] == "overrides"
    for entry in (*config["extra_css"], *config["extra_javascript"]):
        assert (OVERRIDES / entry).is_file(), entry
