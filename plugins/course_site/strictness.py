"""Strict means strict: a `--strict` build with any course problem fails, also under `-q`.

Why: MkDocs counts warnings for `--strict` with a handler on the `mkdocs` logger, and
`-q` raises that logger's level to ERROR, so warnings are dropped before the counter
sees them (MkDocs issue #4126) and a quiet strict CI publishes a broken course. In a
strict build the plugin's own logger (every module of the package logs below it) is
set to WARNING, so its messages are still shown and counted, and the build ends in a
`PluginError` once every page has been checked.
"""

from __future__ import annotations

import logging

from mkdocs.exceptions import PluginError

LOGGER_NAME = "mkdocs.plugins.course_site"
"""Parent of every `get_plugin_logger(__name__)` logger in this package."""


class _Count(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


class StrictGate:
    """Counts the plugin's warnings and errors during one build."""

    def __init__(self) -> None:
        self._logger = logging.getLogger(LOGGER_NAME)
        self._handler: _Count | None = None
        self._level = logging.NOTSET
        self.strict = False

    def start(self, strict: bool) -> None:
        """Begin counting for a new build (`mkdocs serve` reuses the plugin)."""
        self.stop()
        self.strict = strict
        self._handler = _Count()
        self._logger.addHandler(self._handler)
        if strict:
            self._level = self._logger.level
            # Never hide what the build would show anyway (-v, info messages).
            self._logger.setLevel(min(self._logger.getEffectiveLevel(), logging.WARNING))

    @property
    def count(self) -> int:
        return self._handler.count if self._handler is not None else 0

    def stop(self) -> None:
        """Detach; the logger gets its level back."""
        if self._handler is not None:
            self._logger.removeHandler(self._handler)
            self._handler = None
            if self.strict:
                self._logger.setLevel(self._level)

    def finish(self) -> None:
        """End of the build: raise when it is strict and the plugin reported anything."""
        count = self.count
        self.stop()
        if self.strict and count:
            raise PluginError(
                f"course_site: {count} course problem(s) reported above; the strict build "
                "fails. Fix them, or build without --strict to look at the site."
            )
