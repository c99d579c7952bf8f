"""Batch progress on stderr: a live status line on a terminal, one line per student otherwise."""

from __future__ import annotations

import time
from typing import TextIO

from course_grader.report import points

from .gradebook import GRADED, Row


def _duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


class Progress:
    def __init__(self, stream: TextIO, total: int, jobs: int, tty: bool | None = None):
        self.stream = stream
        self.total = total
        self.jobs = max(1, jobs)
        self.tty = stream.isatty() if tty is None else tty
        self.done = 0
        self.running: list[str] = []
        self.times: list[float] = []
        self.started = time.monotonic()

    def eta(self) -> str:
        if not self.times:
            return "?"
        mean = sum(self.times) / len(self.times)
        remaining = self.total - self.done
        return _duration(mean * remaining / min(self.jobs, max(1, remaining)))

    def _status(self) -> None:
        if self.tty:
            current = ", ".join(self.running) or "-"
            self.stream.write(
                f"\r\x1b[K[{self.done}/{self.total}] grading {current} · ETA {self.eta()}"
            )
            self.stream.flush()

    def start(self, student: str) -> None:
        self.running.append(student)
        self._status()

    def finish(self, row: Row, seconds: float) -> None:
        if row.student in self.running:
            self.running.remove(row.student)
        self.done += 1
        self.times.append(seconds)
        result = (
            f"{points(row.score)}/{points(row.max_score)} points"
            if row.status == GRADED
            else row.status
        )
        line = f"[{self.done}/{self.total}] {row.student}: {result} ({seconds:.1f} s)"
        if self.tty:
            self.stream.write(f"\r\x1b[K{line}\n")
            self._status()
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self.tty:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
