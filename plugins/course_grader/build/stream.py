"""Reading the build API's stream with a deadline and a memory bound.

The engine streams one JSON message per line. A reader thread splits them
(dropping any line past `MAX_LINE`) into a bounded queue, so the grader's memory
stays small whatever a RUN step prints, and the caller can stop waiting at its
deadline even while a RUN step prints nothing. Shutting the socket down ends the
request, which makes the engine cancel the build.
"""

from __future__ import annotations

import contextlib
import json
import queue
import socket
import threading
import time
from collections import deque
from typing import Any

MAX_LINE = 256 * 1024
_END = object()


class BoundedLog:
    """Lines of output within a byte budget: the first half and the last half are kept."""

    def __init__(self, budget: int, limit_name: str = "build.output_mb"):
        self.budget = max(budget, 2)
        self.limit_name = limit_name
        self.head: list[str] = []
        self.tail: deque[str] = deque()
        self._head_bytes = self._tail_bytes = 0
        self.dropped_bytes = 0
        self.dropped_lines = 0

    def add(self, line: str) -> None:
        size = len(line) + 1
        if self._head_bytes + size <= self.budget // 2 and not self.dropped_lines:
            self.head.append(line)
            self._head_bytes += size
            return
        self.tail.append(line)
        self._tail_bytes += size
        while self._tail_bytes > self.budget // 2 and self.tail:
            gone = self.tail.popleft()
            self._tail_bytes -= len(gone) + 1
            self.dropped_bytes += len(gone) + 1
            self.dropped_lines += 1

    def count_dropped(self, size: int) -> None:
        """Output that never became a line (a line past MAX_LINE)."""
        self.dropped_bytes += size
        self.dropped_lines += 1

    @property
    def truncated(self) -> bool:
        return self.dropped_bytes > 0

    def note(self) -> str:
        return (
            f"[… {self.dropped_bytes / 1e6:.1f} MB of output ({self.dropped_lines} lines) "
            f"dropped: past {self.limit_name} ({self.budget / 1e6:.0f} MB) …]"
        )

    def lines(self) -> list[str]:
        middle = [self.note()] if self.truncated else []
        return self.head + middle + list(self.tail)

    def __len__(self) -> int:
        return len(self.head) + len(self.tail)


class BuildStream:
    """One running `/build` request: messages arrive on `messages`, `abort()` ends it."""

    def __init__(self, response: Any, sock: Any, log: BoundedLog):
        self.response = response
        self.socket = getattr(sock, "_sock", sock)
        self.log = log
        self.messages: queue.Queue[Any] = queue.Queue(maxsize=256)
        self.finished = False
        self._reader = threading.Thread(target=self._read, name="build-stream", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        pending = b""
        skipping = False
        try:
            for chunk in self.response.iter_content(chunk_size=65536):
                pending += chunk
                while b"\n" in pending:
                    line, pending = pending.split(b"\n", 1)
                    if skipping:
                        self.log.count_dropped(len(line))
                        skipping = False
                    elif line.strip():
                        self._put(line)
                if len(pending) > MAX_LINE:
                    self.log.count_dropped(len(pending))
                    pending, skipping = b"", True
            if pending.strip() and not skipping:
                self._put(pending)
        except Exception as error:  # the stream's end, whatever ended it, goes to the reader
            self.messages.put(error)
        finally:
            self.messages.put(_END)

    def _put(self, line: bytes) -> None:
        try:
            message = json.loads(line)
        except ValueError:
            message = {"stream": line.decode("utf-8", "replace") + "\n"}
        if isinstance(message, dict):
            self.messages.put(message)

    def next(self, wait: float) -> dict[str, Any] | None:
        """The next message, or None if none came within *wait* s; raises StopIteration
        at the end, or the error that ended the stream."""
        try:
            item = self.messages.get(timeout=max(wait, 0.0))
        except queue.Empty:
            return None
        if item is _END:
            self.finished = True
            raise StopIteration
        if isinstance(item, Exception):
            self.finished = True
            raise item
        return item

    def abort(self) -> None:
        """End the request: the engine sees the client go and cancels the build."""
        with contextlib.suppress(OSError):
            self.socket.shutdown(socket.SHUT_RDWR)
        deadline = time.monotonic() + 5
        while self._reader.is_alive() and time.monotonic() < deadline:
            with contextlib.suppress(queue.Empty):  # a full queue would block the reader
                self.messages.get(timeout=0.05)
        with contextlib.suppress(Exception):
            self.response.close()
