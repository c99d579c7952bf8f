"""Render one quiz question or option as inline HTML with the site's Markdown setup.

Why its own Markdown instance: the quiz is cut out of the page before the page is
rendered, yet code spans, emphasis and links in it must look like the rest of the
page. Raw HTML is switched off here, so `<script>` in quiz text becomes visible text,
and event-handler attributes or `javascript:` URLs (e.g. via attr_list) are dropped.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import markdown
from markdown.treeprocessors import Treeprocessor

_UNSAFE_URL = re.compile(r"^\s*(?:javascript|vbscript|data):", re.IGNORECASE)
_PARAGRAPH = re.compile(r"^<p>(.*)</p>$", re.DOTALL)


class _SafeAttributes(Treeprocessor):
    """Drop `on*` attributes and script URLs that Markdown extensions could produce."""

    def run(self, root: etree.Element) -> None:
        for element in root.iter():
            for name in list(element.attrib):
                value = element.attrib[name]
                if name.lower().startswith("on") or (
                    name.lower() in {"href", "src", "action", "formaction"}
                    and _UNSAFE_URL.match(value)
                ):
                    del element.attrib[name]


class InlineMarkdown:
    """Callable turning a Markdown fragment into HTML without a `<p>` wrapper."""

    def __init__(
        self,
        extensions: Iterable[Any] = (),
        extension_configs: Mapping[str, Any] | None = None,
        prepare: Callable[[markdown.Markdown], None] | None = None,
    ) -> None:
        self._md = markdown.Markdown(
            extensions=list(extensions), extension_configs=dict(extension_configs or {})
        )
        if prepare is not None:
            prepare(self._md)
        for registry, name in (
            (self._md.preprocessors, "html_block"),
            (self._md.inlinePatterns, "html"),
        ):
            if name in registry:
                registry.deregister(name)
        self._md.treeprocessors.register(_SafeAttributes(self._md), "course_quiz_safe", 0)

    def __call__(self, text: str) -> str:
        rendered = self._md.reset().convert(text).strip()
        match = _PARAGRAPH.match(rendered)
        if match and "<p>" not in match.group(1):
            return match.group(1)
        return rendered
