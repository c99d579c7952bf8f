"""What one build asks for and what it gives back, whichever builder ran it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING

from ..limits import BuildLimits, human_size

if TYPE_CHECKING:
    from ..cgroups import BuildCgroup
    from ..sandbox import Protection


@dataclass
class Step:
    """One Dockerfile instruction as the builder ran it (or took from its cache)."""

    number: int
    instruction: str
    cached: bool = False
    image_id: str | None = None
    #: BuildKit's name for it, e.g. "builder 3/6" (stage and position); "" for classic.
    label: str = ""

    def describe(self) -> str:
        where = f"[{self.label}]" if self.label else f"step {self.number}:"
        return f"{where} {self.instruction}"


@dataclass
class BuildRequest:
    """One build: a tar context (closed by the caller), its Dockerfile and the limits."""

    context: IO[bytes]
    dockerfile: str
    tag: str
    labels: dict[str, str]
    limits: BuildLimits
    nocache: bool = False
    buildargs: dict[str, str] = field(default_factory=dict)


@dataclass
class BuildResult:
    image_id: str
    tag: str
    log: list[str]
    steps: list[Step]
    seconds: float
    #: MB of build output dropped past build.output_mb (0 when all was kept).
    dropped_mb: float = 0.0
    protections: list[Protection] = field(default_factory=list)
    #: BuildKit's note when it clipped a step's output at its own log limit.
    clipped: str = ""
    #: Which builder built it, for the report ("BuildKit v0.12 (buildx 0.13.1)", …).
    builder: str = ""


#: What a shell or Python prints when fork() fails (EAGAIN: the pids limit).
FORK_FAILED = ("cannot fork", "can't fork", "resource temporarily unavailable", "fork: retry")


def fork_failed(lines: list[str]) -> bool:
    return any(word in line.lower() for line in lines for word in FORK_FAILED)


def limit_hit(
    error: str,
    limits: BuildLimits,
    cgroup: BuildCgroup | None,
    killed: bool,
    forks_failed: bool = False,
) -> tuple[str, str] | None:
    """The sandbox limit a failed RUN step ran into, if it was one: (field, message).
    *forks_failed*: the step's output says fork() failed (under our pids limit, the one
    sign left when the kernel counted the event in the step's own, removed, cgroup)."""
    memory = human_size(limits.memory)
    if cgroup is not None:
        if cgroup.pids_limit_hit(limits.pids) or forks_failed:
            return "build.pids", (
                f"a RUN step hit the build's process limit (build.pids: {limits.pids}): "
                "it could not start more processes"
            )
        if killed and cgroup.memory_limit_hit(limits.memory):
            return "build.memory", (
                f"a RUN step was killed by the build's memory limit (build.memory: {memory})"
            )
    elif killed:
        return "build.memory", (
            f"a RUN step was killed (exit 137), most likely by the build's memory limit "
            f"(build.memory: {memory})"
        )
    return None


def timeout_message(limits: BuildLimits, what: str) -> str:
    return (
        f"timeout: the build took longer than build.timeout ({limits.timeout:g} s); "
        f"it was stopped and {what}"
    )
