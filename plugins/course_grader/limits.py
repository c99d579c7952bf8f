"""The sandbox's limits as `exercise.yml` states them (`build:` and `run:` blocks).

Pure: reads the exercise's mappings, imports neither pytest nor Docker's client.
A wrong value is an `ExerciseConfigError` naming the file and the field.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import ExerciseConfigError

_SIZE = re.compile(r"(\d+(?:\.\d+)?)\s*([kmg]?)b?", re.IGNORECASE)
_UNITS = {"": 1, "k": 2**10, "m": 2**20, "g": 2**30}


def parse_size(value: Any) -> int:
    """`1g`, `768m`, `512k` or a number of bytes -> bytes (Docker's units, powers of 2)."""
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int | float):
        if value <= 0 or not math.isfinite(value):
            raise ValueError(value)
        return int(value)
    match = _SIZE.fullmatch(str(value).strip())
    if not match or float(match.group(1)) <= 0:
        raise ValueError(value)
    return int(float(match.group(1)) * _UNITS[match.group(2).lower()])


def human_size(size: int) -> str:
    for unit, factor in (("g", 2**30), ("m", 2**20), ("k", 2**10)):
        if size >= factor and size % factor == 0:
            return f"{size // factor}{unit}"
    return f"{size / 2**20:.0f}m" if size >= 2**20 else f"{size}b"


class _Reader:
    """Reads one block's fields with errors that name file and field."""

    def __init__(self, data: dict[str, Any], block: str, where: Path):
        self.data, self.block, self.where = data, block, where

    def fail(self, key: str, expected: str) -> ExerciseConfigError:
        return ExerciseConfigError(
            f"{self.where}: field '{self.block}.{key}' should be {expected}, "
            f"found {self.data[key]!r}"
        )

    def size(self, key: str, default: int) -> int:
        if key not in self.data:
            return default
        try:
            return parse_size(self.data[key])
        except ValueError:
            raise self.fail(key, "a size such as 1g, 768m or 512k") from None

    def number(self, key: str, default: float, integer: bool = False) -> Any:
        if key not in self.data:
            return default
        value = self.data[key]
        kind = int if integer else int | float
        if isinstance(value, bool) or not isinstance(value, kind) or not value > 0:
            raise self.fail(key, "a whole number > 0" if integer else "a number > 0")
        if not math.isfinite(value):
            raise self.fail(key, "a finite number > 0")
        return value

    def flag(self, key: str, default: bool) -> bool:
        if key not in self.data:
            return default
        if not isinstance(self.data[key], bool):
            raise self.fail(key, "true or false")
        return self.data[key]


@dataclass(frozen=True)
class BuildLimits:
    """What the RUN steps of one build may use (`build:` in exercise.yml)."""

    timeout: float = 900
    memory: int = 2**30
    cpus: float = 1.0
    pids: int = 512
    output_mb: float = 10
    context_mb: float = 50
    #: RUN steps reach the network (to download packages); false: `--network none`.
    network: bool = True

    KEYS = ("timeout", "memory", "cpus", "pids", "output_mb", "context_mb", "network")

    @classmethod
    def from_config(cls, build: Any, run: dict[str, Any], where: Path) -> BuildLimits:
        """`build:` with `run.build_timeout` as the old name of `build.timeout`."""
        if build is None:
            build = {}
        if not isinstance(build, dict):
            raise ExerciseConfigError(f"{where}: field 'build' should be a mapping of limits")
        unknown = sorted(set(build) - set(cls.KEYS))
        if unknown:
            raise ExerciseConfigError(
                f"{where}: build.{unknown[0]}: unknown field; known: {', '.join(cls.KEYS)}"
            )
        default = cls()
        timeout = _Reader(run, "run", where).number("build_timeout", default.timeout)
        if "timeout" in build and "build_timeout" in run and build["timeout"] != timeout:
            raise ExerciseConfigError(
                f"{where}: 'build.timeout' and its old name 'run.build_timeout' disagree; "
                "keep build.timeout only"
            )
        read = _Reader(build, "build", where)
        return cls(
            timeout=float(read.number("timeout", timeout)),
            memory=read.size("memory", default.memory),
            cpus=float(read.number("cpus", default.cpus)),
            pids=int(read.number("pids", default.pids, integer=True)),
            output_mb=float(read.number("output_mb", default.output_mb)),
            context_mb=float(read.number("context_mb", default.context_mb)),
            network=read.flag("network", default.network),
        )


@dataclass(frozen=True)
class RunLimits:
    """What the graded container may use (`run:` in exercise.yml)."""

    memory: int = 768 * 2**20
    cpus: float = 1.0
    pids: int = 256
    nofile: int = 1024
    read_only: bool = True
    tmp_mb: int = 64
    log_mb: int = 10

    @classmethod
    def from_config(cls, run: dict[str, Any], where: Path) -> RunLimits:
        default = cls()
        read = _Reader(run, "run", where)
        return cls(
            memory=read.size("memory", default.memory),
            cpus=float(read.number("cpus", default.cpus)),
            pids=int(read.number("pids", default.pids, integer=True)),
            nofile=int(read.number("nofile", default.nofile, integer=True)),
            read_only=read.flag("read_only", default.read_only),
            tmp_mb=int(read.number("tmp_mb", default.tmp_mb, integer=True)),
            log_mb=int(read.number("log_mb", default.log_mb, integer=True)),
        )
