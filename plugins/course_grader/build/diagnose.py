"""Why a BuildKit build failed, said so a student can act: the line, the cause, the fix.

Pure: reads the request's Dockerfile (from its tar) and the errors BuildKit and buildx
reported. Each cause the grader knows (a heredoc on an engine too old for it, a
`# syntax=` frontend that needs a registry, a secret or SSH mount, a download with
the network off, a syntax error, a failing RUN) gets its own message; anything
else is BuildKit's own error text.
"""

from __future__ import annotations

import contextlib
import re
import tarfile
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .progress import Progress
    from .result import BuildRequest

#: Docker Engine 23 made BuildKit the default; its built-in Dockerfile frontend reads heredocs.
HEREDOC_ENGINE = 23
_HEREDOC = re.compile(r"^\s*(RUN|COPY|ADD)\b.*<<-?\s*([\"']?)[A-Za-z_][A-Za-z0-9_]*\2", re.I)
_SYNTAX = re.compile(r"^#\s*syntax\s*=\s*(\S+)", re.I)
_PARSE_LINE = re.compile(r"(?:parse error (?:on )?line|Dockerfile:)\s*(\d+)", re.I)
_NETWORK = (
    "temporary failure in name resolution",
    "network is unreachable",
    "could not resolve",
    "failed to establish a new connection",
    "name or service not known",
    "no matching distribution found",
    "connection refused",
)
_REGISTRY = (
    "failed to resolve source metadata",
    "pull access denied",
    "failed to do request",
    "dial tcp",
    "no such host",
    "i/o timeout",
    "failed to authorize",
)


def dockerfile_text(request: BuildRequest) -> str:
    """The Dockerfile as sent in the request's context tar ('' if it cannot be read)."""
    with contextlib.suppress(OSError, tarfile.TarError, KeyError, AttributeError):
        position = request.context.tell()
        request.context.seek(0)
        try:
            with tarfile.open(fileobj=request.context, mode="r:") as tar:
                member = tar.extractfile(request.dockerfile)
                if member is not None:
                    return member.read(1 << 20).decode("utf-8", "replace")
        finally:
            request.context.seek(position)
    return ""


def engine_major(version: str) -> int:
    match = re.match(r"(\d+)", version or "")
    return int(match.group(1)) if match else 0


def _first_line(lines: list[str], pattern: re.Pattern[str]) -> tuple[int, str] | None:
    for number, line in enumerate(lines, 1):
        if pattern.search(line):
            return number, line.strip()
    return None


def _line_of(lines: list[str], needle: str) -> int:
    """The line where an instruction starts, found by its first words."""
    head = " ".join(needle.split()[:6]).lower()
    for number, line in enumerate(lines, 1):
        if head and " ".join(line.split()[:6]).lower() == head:
            return number
    return 0


def _mount_line(lines: list[str], kind: str) -> tuple[int, str]:
    found = _first_line(lines, re.compile(rf"--mount=[^\s]*type={kind}", re.I))
    return found or (0, "")


def explain(request: BuildRequest, progress: Progress, plain: list[str], engine: str) -> str:
    """One message: where the build failed, why, and what to do."""
    lines = dockerfile_text(request).splitlines()
    errors = [v.error for v in progress.failed_steps()]
    errors += [line.removeprefix("ERROR: ") for line in plain if line.startswith("ERROR")]
    joined = "\n".join(errors).lower()
    first = errors[0] if errors else "the build stopped without an error message"

    heredoc = _first_line(lines, _HEREDOC)
    if heredoc and engine_major(engine) < HEREDOC_ENGINE:
        number, text = heredoc
        return (
            f"Dockerfile line {number} uses a heredoc (`{text[:60]}`): this Docker Engine "
            f"({engine}) has a built-in Dockerfile frontend older than heredocs, which need "
            f"Engine {HEREDOC_ENGINE} or later (the grader fetches no `# syntax=` frontend "
            "from a registry). Write the commands as one `RUN a && b`, or grade on a newer "
            f"engine. BuildKit said: {first}"
        )
    syntax = _first_line(lines[:5], _SYNTAX)
    if syntax and any(word in joined for word in _REGISTRY):
        number, text = syntax
        return (
            f"Dockerfile line {number}: `{text}` asks BuildKit to fetch that Dockerfile "
            "frontend image from a registry, which the grader cannot reach. Delete the line: "
            f"the engine's built-in frontend reads the same file. BuildKit said: {first}"
        )
    if "secret" in joined and ("not found" in joined or "required" in joined):
        number, text = _mount_line(lines, "secret")
        return (
            f"Dockerfile line {number}: `{text[:80]}` mounts a build secret, and the grader "
            "gives student builds no secrets. Remove the mount (a public package needs "
            f"none). BuildKit said: {first}"
        )
    if "ssh" in joined and ("forwarded" in joined or "agent" in joined):
        number, text = _mount_line(lines, "ssh")
        return (
            f"Dockerfile line {number}: `{text[:80]}` mounts an SSH agent, which the grader "
            "never forwards to student builds. Download over HTTPS from a public URL, or put "
            f"the files in the build context. BuildKit said: {first}"
        )
    if not request.limits.network and any(word in joined for word in _NETWORK):
        failed = progress.failed_steps()
        number = _line_of(lines, failed[0].step["text"]) if failed and failed[0].step else 0
        return (
            f"Dockerfile line {number}: a RUN step needs the network, but this exercise "
            "builds without it (build.network: false in exercise.yml). Put what it downloads "
            f"into the build context and install from there. BuildKit said: {first}"
        )
    parse = _PARSE_LINE.search("\n".join(errors))
    if parse and ("parse" in joined or "unknown instruction" in joined or "syntax" in joined):
        number = int(parse.group(1))
        shown = lines[number - 1].strip() if 0 < number <= len(lines) else ""
        return (
            f"Dockerfile line {number} (`{shown[:80]}`) cannot be read: {first}. Fix that "
            "line; `docker build` on your machine reports the same error."
        )
    for vertex in progress.failed_steps():
        match = vertex.step
        if match:
            number = _line_of(lines, match["text"])
            where = f"Dockerfile line {number}" if number else f"step [{match['stage']}]"
            return f"{where} failed: `{match['text'][:100]}`: {vertex.error}"
    return first
