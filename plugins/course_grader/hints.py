"""The common mistakes a failing check points at, each with a short fix.

Detectors read the parsed Dockerfile (pure) or facts the Docker adapter observed.
A hint renders as "<id>: <text>"; tests and students can rely on the id.
"""

from __future__ import annotations

import re

from . import pinning
from .dockerfile import Dockerfile, ImageRef, Instruction, exec_words
from .dockerfile_args import global_scope, resolved_user

HINTS = {
    "loopback": (
        "the app listens on 127.0.0.1 inside the container, which only the container itself "
        "can reach; start it on all interfaces, e.g. "
        'CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "{port}"]'
    ),
    "port-mismatch": (
        "the port the app listens on must be the one the exercise expects ({port}) and the one "
        "you EXPOSE; make EXPOSE and the --port in CMD agree on {port}"
    ),
    "healthcheck-tool": (
        "your HEALTHCHECK calls {tool}, which slim images do not have; use Python, which the "
        'image has: HEALTHCHECK CMD python -c "import urllib.request; '
        "urllib.request.urlopen('http://127.0.0.1:{port}/health', timeout=2)\""
    ),
    "root": (
        "the container runs as root; create an unprivileged user (e.g. "
        "`RUN useradd --system --uid 10001 app`) and switch to it by number with "
        "`USER 10001` before CMD, after the steps that need root"
    ),
    "requirements-after-code": (
        "requirements are installed after the code is copied, so every code change reinstalls "
        "every package; COPY requirements.txt and RUN pip install first, then COPY the code"
    ),
    "unpinned-base": (
        "the base image is not pinned, so it changes under you. "
        + pinning.DEFINITION
        + " E.g. FROM python:3.11-slim-bookworm"
    ),
    "buildkit-syntax": (
        "{what} needs BuildKit, but this grader fell back to the classic builder (no "
        "`docker buildx` client here: install docker-buildx); or use plain RUN/COPY "
        "instructions"
    ),
    "base-missing": (
        "the base image {image} is not in the local engine and the registry is unreachable; "
        "run `bash scripts/ensure-base-image.sh` (or `docker pull {image}`) and grade again"
    ),
}


def format_hint(table: dict[str, str], hint_id: str, **values: object) -> str:
    """A hint from *table* as the grader shows every hint: "<id>: <text>" with its
    {placeholders} filled (plain replace: hint texts hold literal braces)."""
    text = table[hint_id]
    for key, value in values.items():
        text = text.replace("{" + key + "}", str(value))
    return f"{hint_id}: {text}"


def hint(hint_id: str, **values: object) -> str:
    return format_hint(HINTS, hint_id, **values)


def _start_command(dockerfile: Dockerfile) -> list[str]:
    final = dockerfile.final
    if final is None:
        return []
    words: list[str] = []
    for keyword in ("ENTRYPOINT", "CMD"):
        instruction = final.last(keyword)
        if instruction is not None:
            words += exec_words(instruction.args)
    return words


def _option(words: list[str], name: str) -> str | None:
    for index, word in enumerate(words):
        if word == name and index + 1 < len(words):
            return words[index + 1]
        if word.startswith(name + "="):
            return word.split("=", 1)[1]
    return None


def command_host(dockerfile: Dockerfile) -> str | None:
    """The host the start command binds (uvicorn's default is 127.0.0.1)."""
    words = _start_command(dockerfile)
    host = _option(words, "--host")
    if host is None and any(w.endswith("uvicorn") for w in words):
        return "127.0.0.1"
    return host


def command_port(dockerfile: Dockerfile) -> int | None:
    port = _option(_start_command(dockerfile), "--port")
    return int(port) if port and port.isdigit() else None


def exposed_ports(dockerfile: Dockerfile) -> list[int]:
    final = dockerfile.final
    ports = []
    for instruction in final.named("EXPOSE") if final else []:
        for word in instruction.args.split():
            number = word.split("/")[0]
            if number.isdigit():
                ports.append(int(number))
    return ports


def loopback_bound(dockerfile: Dockerfile) -> bool:
    return command_host(dockerfile) in {"127.0.0.1", "localhost", "::1"}


def port_mismatch(dockerfile: Dockerfile, port: int) -> bool:
    cmd_port = command_port(dockerfile)
    exposed = exposed_ports(dockerfile)
    if cmd_port is not None and cmd_port != port:
        return True
    return bool(exposed) and port not in exposed


def healthcheck_tool(dockerfile: Dockerfile) -> str | None:
    """curl or wget when the final stage's HEALTHCHECK calls one of them."""
    final = dockerfile.final
    check = final.last("HEALTHCHECK") if final else None
    if check is None:
        return None
    for word in re.split(r"[\s\"'\[\],;&|]+", check.args):
        if word.rsplit("/", 1)[-1] in {"curl", "wget"}:
            return word.rsplit("/", 1)[-1]
    return None


def final_user(dockerfile: Dockerfile) -> Instruction | None:
    """The USER the final stage runs as, inherited from the stage it is built FROM."""
    final = dockerfile.final
    found = dockerfile.inherited(final, "USER") if final else None
    return found[1] if found else None


def final_user_value(dockerfile: Dockerfile) -> tuple[Instruction, str] | None:
    """(USER line, its value with ARG/ENV resolved); UnresolvedArg names the variable."""
    final = dockerfile.final
    found = dockerfile.inherited(final, "USER") if final else None
    if found is None:
        return None
    stage, user = found
    return user, resolved_user(stage, user, global_scope(dockerfile.global_args))


def base_decides(dockerfile: Dockerfile) -> str | None:
    """The final stage's external base when it is not a Docker Official Image: such bases
    (distroless, Chainguard) may set their own USER and HEALTHCHECK, so only the built
    image can tell; official images (`python`, `ubuntu`) run as root and declare none."""
    base = dockerfile.base_image_of_final()
    if not base or base == "scratch":
        return None
    name = ImageRef.parse(base).name
    official = "/" not in name or name.startswith(("library/", "docker.io/library/"))
    return None if official else base


def is_root_user(user: str) -> bool:
    name = user.split(":", 1)[0].strip()
    return name in {"root", "0"}


def installs_requirements(command: str) -> bool:
    """Whether a RUN command installs the requirements file with pip."""
    return bool(
        re.search(r"\bpip3?\b.*\binstall\b.*(-r|--requirement)[\s=]*\S*requirements", command)
        or re.search(r"\bpip3?\b.*\binstall\b.*\brequirements\S*\.txt", command)
    )


def _is_requirements_install(instruction: Instruction) -> bool:
    return instruction.keyword == "RUN" and installs_requirements(instruction.args)


def dependency_installs(dockerfile: Dockerfile) -> list[Instruction]:
    """RUN steps that install the requirements file (the dependency layer)."""
    return [i for i in dockerfile.instructions if _is_requirements_install(i)]


def requirements_after_code(dockerfile: Dockerfile) -> Instruction | None:
    """The COPY that brings in the code before the requirements are installed, if any."""
    for stage in dockerfile.stages:
        copied_code: Instruction | None = None
        for instruction in stage.instructions:
            if instruction.keyword in {"COPY", "ADD"} and "from" not in instruction.flags:
                sources = instruction.args.split()[:-1]
                if any(s in {".", "./", "*"} or s.rstrip("/") in {"app", "./app"} for s in sources):
                    copied_code = copied_code or instruction
            if _is_requirements_install(instruction) and copied_code is not None:
                return copied_code
    return None


def unpinned_bases(dockerfile: Dockerfile, level: str = "patch") -> list[tuple[int, ImageRef]]:
    """(line, image) for each external FROM that `pinning.DEFINITION` does not call pinned."""
    return [
        (stage.line, ref)
        for stage, ref in dockerfile.external_bases()
        if not pinning.is_pinned(ref, level)
    ]


def buildkit_syntax(dockerfile: Dockerfile) -> list[str]:
    """Descriptions of BuildKit-only syntax the classic builder rejects."""
    found = []
    if "syntax" in dockerfile.directives:
        found.append(f"the `# syntax={dockerfile.directives['syntax']}` directive")
    for instruction in dockerfile.instructions:
        if instruction.keyword == "RUN":
            for flag in ("mount", "network", "security"):
                if flag in instruction.flags:
                    found.append(f"`RUN --{flag}` (line {instruction.line})")
        if instruction.keyword in {"COPY", "ADD"}:
            for flag in ("chmod", "link", "parents", "exclude", "checksum", "keep-git-dir"):
                if flag in instruction.flags:
                    found.append(f"`{instruction.keyword} --{flag}` (line {instruction.line})")
        if instruction.keyword in {"RUN", "COPY"} and re.search(
            r"<<-?\s*[\"']?[A-Za-z_]\w*", instruction.args
        ):
            found.append(f"a heredoc `{instruction.keyword} <<…` (line {instruction.line})")
    return found
