"""BuildKit's structured progress (`docker buildx build --progress=rawjson`), read.

Pure: no Docker, no processes. buildx writes one JSON document per status update
(BuildKit's SolveStatus: vertexes, statuses, logs, warnings), indented, each
closed by a `}` alone on a line; anything else on the stream is plain text (its
final `ERROR: …`). `RawJsonSplitter` cuts the stream into those pieces within a
memory bound; `Progress` follows the vertexes (the build's steps, cache hits,
errors) and renders their output the way `--progress=plain` does, so students
see the log they know from their own `docker build`.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from .result import Step

#: A status document bigger than this is dropped (BuildKit keeps each under ~1 MB).
MAX_DOCUMENT = 8 * 2**20
_STEP_NAME = re.compile(r"\[(?P<stage>[^\]]*?) ?(?P<index>\d+)/(?P<count>\d+)\] (?P<text>.+)", re.S)


class RawJsonSplitter:
    """Splits buildx's rawjson stream into JSON documents and plain-text lines."""

    def __init__(self, max_document: int = MAX_DOCUMENT):
        self.max_document = max_document
        self._pending = ""
        self._document: list[str] | None = None
        self._size = 0
        self._skipping = False
        #: Characters dropped because a document was over the bound.
        self.dropped = 0

    def feed(self, text: str) -> Iterator[dict[str, Any] | str]:
        """Documents (dicts) and plain lines (str) completed by *text*."""
        self._pending += text
        while "\n" in self._pending:
            line, self._pending = self._pending.split("\n", 1)
            yield from self._line(line)
        if len(self._pending) > self.max_document:  # one endless line: drop, skip its document
            self.dropped += len(self._pending)
            self._pending, self._document, self._skipping = "", None, True

    def close(self) -> Iterator[dict[str, Any] | str]:
        """What is left at the end of the stream (an unfinished document as plain lines)."""
        if self._pending:
            line, self._pending = self._pending, ""
            yield from self._line(line)
        if self._document:
            yield from (line for line in self._document if line.strip())
            self._document = None

    def _line(self, line: str) -> Iterator[dict[str, Any] | str]:
        if self._skipping:
            self.dropped += len(line) + 1
            self._skipping = line != "}"
            return
        if self._document is None:
            if line == "{":
                self._document, self._size = [line], 2
            elif line.strip():
                yield line.rstrip("\r")
            return
        self._document.append(line)
        self._size += len(line) + 1
        if line == "}":
            text = "\n".join(self._document)
            self._document = None
            try:
                parsed = json.loads(text)
            except ValueError:
                yield from (part for part in text.splitlines() if part.strip())
                return
            if isinstance(parsed, dict):
                yield parsed
        elif self._size > self.max_document:
            self.dropped += self._size
            self._document, self._skipping = None, True


@dataclass
class Vertex:
    """One node of BuildKit's build graph: a Dockerfile step or an internal one."""

    digest: str
    name: str
    number: int
    started: bool = False
    completed: bool = False
    cached: bool = False
    error: str = ""
    announced: bool = False

    @property
    def step(self) -> re.Match[str] | None:
        return None if self.name.startswith("[internal]") else _STEP_NAME.fullmatch(self.name)


def _decode(data: Any) -> str:
    try:
        return base64.b64decode(str(data), validate=False).decode("utf-8", "replace")
    except (binascii.Error, ValueError):
        return ""


@dataclass
class Progress:
    """The state of one BuildKit build, from its status documents."""

    vertices: dict[str, Vertex] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    #: BuildKit's own note when it cut a step's output at its log limit ('' if never).
    clipped: str = ""
    #: Each vertex's partial last line of output (BuildKit splits logs anywhere).
    _partial: dict[tuple[str, int], str] = field(default_factory=dict)

    def add(self, document: dict[str, Any]) -> list[str]:
        """Take one status document; returns the log lines it adds (plain-progress style)."""
        lines: list[str] = []
        for raw in document.get("vertexes") or []:
            if isinstance(raw, dict) and raw.get("digest"):
                lines += self._vertex(raw)
        for raw in document.get("logs") or []:
            if isinstance(raw, dict):
                lines += self._log(raw)
        for raw in document.get("warnings") or []:
            if isinstance(raw, dict):
                text = _decode(raw.get("short", "")).strip()
                if text and text not in self.warnings:
                    self.warnings.append(text)
                    lines.append(f"WARNING: {text}")
        return lines

    def _vertex(self, raw: dict[str, Any]) -> list[str]:
        digest = str(raw["digest"])
        vertex = self.vertices.get(digest)
        if vertex is None:
            vertex = Vertex(digest, str(raw.get("name", "")), len(self.vertices) + 1)
            self.vertices[digest] = vertex
        lines = []
        if raw.get("cached"):
            vertex.cached = True
        if raw.get("started") and not vertex.announced:
            vertex.started = vertex.announced = True
            lines.append(f"#{vertex.number} {vertex.name}")
        if raw.get("error") and not vertex.error:
            vertex.error = str(raw["error"])
            lines += self._flush(digest)
            lines.append(f"#{vertex.number} ERROR: {vertex.error}")
        if raw.get("completed") and not vertex.completed:
            vertex.completed = True
            lines += self._flush(digest)
            if vertex.cached:
                lines.append(f"#{vertex.number} CACHED")
            elif not vertex.error:
                lines.append(f"#{vertex.number} DONE")
        return lines

    def _log(self, raw: dict[str, Any]) -> list[str]:
        digest = str(raw.get("vertex", ""))
        vertex = self.vertices.get(digest)
        number = vertex.number if vertex else 0
        key = (digest, int(raw.get("stream") or 1))
        text = self._partial.pop(key, "") + _decode(raw.get("data", ""))
        *complete, rest = text.split("\n")
        if rest:
            self._partial[key] = rest
        for line in complete:
            if not self.clipped and "[output clipped" in line:
                self.clipped = line.strip().strip("[]")
        return [f"#{number} {line.rstrip()}" for line in complete]

    def _flush(self, digest: str) -> list[str]:
        number = self.vertices[digest].number
        lines = []
        for key in [k for k in self._partial if k[0] == digest]:
            lines.append(f"#{number} {self._partial.pop(key).rstrip()}")
        return lines

    def steps(self) -> list[Step]:
        """The Dockerfile's steps that BuildKit ran or took from its cache, in the order it
        first reported them (stages build in parallel), FROM included."""
        found = []
        for vertex in self.vertices.values():
            match = vertex.step
            if match is None:
                continue
            stage = match["stage"].strip()
            label = f"{stage} {match['index']}/{match['count']}".strip()
            found.append(
                Step(len(found) + 1, match["text"].strip(), cached=vertex.cached, label=label)
            )
        return found

    def failed_steps(self) -> list[Vertex]:
        return [v for v in self.vertices.values() if v.error]

    def ran_a_run_step(self) -> bool:
        """Did any RUN step really run (not come from the cache)?"""
        return any(
            v.started and not v.cached and (m := v.step) and m["text"].upper().startswith("RUN")
            for v in self.vertices.values()
        )
