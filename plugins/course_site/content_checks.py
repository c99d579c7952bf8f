"""Levels of the plugin's content checks (answer length, duration...), as set in mkdocs.yml.

`plugins: [{course: {checks: {answer_length: warn, duration: info}}}]`: `warn` (default)
logs a warning, so `--strict` fails; `info` reports without failing; `off` skips the check.
Pure: no MkDocs import, so the config option and the checks can share it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping

#: Every content check the plugin knows, by its name in `checks:`.
CHECK_NAMES = ("answer_length", "duration")
LEVELS = ("warn", "info", "off")
DEFAULT_LEVEL = "warn"


class ContentCheckConfigError(ValueError):
    """`checks:` names an unknown check or level; the message says what is allowed."""


def check_levels(raw: object) -> dict[str, str]:
    """Every known check's level: *raw* (the `checks:` mapping) over the defaults."""
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        raise ContentCheckConfigError(
            f"expected a mapping like {{answer_length: warn}}, found {type(raw).__name__}"
        )
    levels = dict.fromkeys(CHECK_NAMES, DEFAULT_LEVEL)
    for name, level in raw.items():
        if name not in CHECK_NAMES:
            raise ContentCheckConfigError(
                f"unknown check {name!r}; known checks: {', '.join(CHECK_NAMES)}"
            )
        if level not in LEVELS:
            raise ContentCheckConfigError(
                f"check {name!r}: unknown level {level!r}; use one of {', '.join(LEVELS)}"
            )
        levels[name] = level
    return levels


def reporter(level: str, log: logging.Logger | logging.LoggerAdapter) -> Callable[..., None] | None:
    """How a check at *level* reports through *log*: warning for `warn` (so `--strict`
    fails), info for `info`; None for `off` (skip the check)."""
    if level == "off":
        return None
    return log.warning if level == "warn" else log.info
