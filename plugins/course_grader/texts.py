"""Short forms of logs and bodies for the checks' messages."""

from __future__ import annotations

LOG_TAIL = 15


def tail(lines: list[str], count: int = LOG_TAIL) -> list[str]:
    return lines[-count:]


def short(body: bytes, limit: int = 300) -> str:
    text = body.decode("utf-8", "replace").strip()
    return text if len(text) <= limit else text[:limit] + "…"
