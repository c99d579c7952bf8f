"""The pure side of the service checks (`graceful-stop`, `oci-labels`, `env-config`).

What a passing service looks like, and which common mistake a failure points at,
read from the parsed Dockerfile and from facts the engine reported (exit code,
labels, build log). No Docker import: `service_checks.py` gathers the facts.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from .dockerfile import Dockerfile, Instruction, exec_words
from .hints import format_hint

OCI = "org.opencontainers.image."
SHELLS = {"sh", "/bin/sh", "bash", "/bin/bash", "dash", "/bin/dash"}

SERVICE_HINTS = {
    "shell-form": (
        "{where} is in shell form, so /bin/sh is process 1; sh does not pass docker stop's "
        "SIGTERM on, and Docker kills the container after the grace period (exit 137). "
        'Use the exec form: CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", ...], or '
        '["sh", "-c", "exec uvicorn …"] when you need the shell to expand a variable'
    ),
    "shell-without-exec": (
        "{where} starts the server through `sh -c` without `exec`, so sh stays process 1 and "
        "swallows SIGTERM; begin the command with `exec` so the server replaces the shell"
    ),
    "killed": (
        "the server did not stop on SIGTERM and Docker killed it: make the server process 1 "
        "(exec form, or `exec` in a shell command) and let it finish the requests in flight"
    ),
    "dropped-request": (
        "the container stopped but the request in flight got no answer: let the server "
        "finish open requests on SIGTERM (uvicorn does by default; do not set "
        "--timeout-graceful-shutdown to 0 or stop it with SIGKILL)"
    ),
    "label-missing": (
        "declare the build arguments in the final stage and copy them into labels, after the "
        "slow steps so a new version rebuilds nothing above them:\n"
        "      ARG {version_arg}=dev\n      ARG {revision_arg}=unknown\n"
        '      LABEL org.opencontainers.image.source="https://github.com/you/your-repo" \\\n'
        '            org.opencontainers.image.version="${version_arg}" \\\n'
        '            org.opencontainers.image.revision="${revision_arg}"'
    ),
    "arg-not-in-final": (
        "ARG {names} is declared only before the final FROM (or in another stage): an ARG "
        "is visible only in the stage that declares it; declare it again after the last FROM"
    ),
    "arg-not-consumed": (
        "the engine reported that build arguments {names} were not consumed: the Dockerfile "
        "has no ARG with these names in the stage that builds the image"
    ),
    "hard-coded-port": (
        "the CMD hard-codes port {port}; read it from the environment instead: "
        "ENV PORT={default} and "
        'CMD ["sh", "-c", "exec uvicorn app.main:app --host 0.0.0.0 --port \\"$PORT\\""]'
    ),
    "exec-form-variable": (
        "{where} is in exec form, which runs no shell, so ${var} reaches the program "
        'literally; wrap it: ["sh", "-c", "exec uvicorn … --port \\"$PORT\\""]'
    ),
}


def service_hint(hint_id: str, **values: object) -> str:
    """A service check's hint, shown like every other hint."""
    return format_hint(SERVICE_HINTS, hint_id, **values)


# -- graceful-stop -------------------------------------------------------------------


def start_instruction(dockerfile: Dockerfile) -> Instruction | None:
    """The final stage's ENTRYPOINT if any, else its CMD: what becomes process 1."""
    final = dockerfile.final
    if final is None:
        return None
    return final.last("ENTRYPOINT") or final.last("CMD")


def process_one_hints(dockerfile: Dockerfile) -> list[str]:
    """Why the server would not be process 1 (and so never see SIGTERM)."""
    instruction = start_instruction(dockerfile)
    if instruction is None:
        return []
    where = f"line {instruction.line}: {instruction.keyword}"
    if not instruction.args.strip().startswith("["):
        return [service_hint("shell-form", where=where)]
    words = exec_words(instruction.args)
    wrapped = len(words) >= 3 and words[0] in SHELLS and words[1] == "-c"
    if wrapped and not re.match(r"\s*exec\s", words[2]):
        return [service_hint("shell-without-exec", where=where)]
    return []


@dataclass(frozen=True)
class StopOutcome:
    """What happened when the grader stopped the container with a request in flight."""

    exit_code: int | None
    seconds: float
    request_status: int | None  # None: the request got no answer
    grace: float = 10.0

    def problems(self) -> list[str]:
        """Empty when the stop was graceful; otherwise each thing that went wrong."""
        found = []
        if self.exit_code != 0:
            killed = self.exit_code == 137 or self.seconds >= self.grace
            found.append(
                f"exit code {self.exit_code} after {self.seconds:.1f} s"
                + (" (killed at the end of the grace period)" if killed else "")
            )
        elif self.seconds > self.grace + 1:
            found.append(f"took {self.seconds:.1f} s to stop (grace period {self.grace:.0f} s)")
        if self.request_status != 200:
            found.append(
                "the request in flight got no answer"
                if self.request_status is None
                else f"the request in flight was answered {self.request_status}"
            )
        return found


def stop_hints(outcome: StopOutcome, dockerfile: Dockerfile) -> list[str]:
    """The usual mistake behind a failed graceful stop, most specific first."""
    found = process_one_hints(dockerfile)
    if outcome.exit_code != 0 and not found:
        found.append(service_hint("killed"))
    if outcome.exit_code == 0 and outcome.request_status != 200:
        found.append(service_hint("dropped-request"))
    return found


# -- oci-labels ----------------------------------------------------------------------


def build_arg_values(rng: random.Random | None = None) -> tuple[str, str]:
    """A version and a commit-like revision nobody can guess and hard-code."""
    rng = rng or random.Random()
    version = f"{rng.randint(1, 9)}.{rng.randint(0, 99)}.{rng.randint(0, 999)}"
    revision = "".join(rng.choice("0123456789abcdef") for _ in range(40))
    return version, revision


def label_problems(labels: dict[str, str] | None, version: str, revision: str) -> list[str]:
    """What the image's labels lack: a source, and the version and revision passed in."""
    labels = labels or {}
    found = []
    if not labels.get(OCI + "source", "").strip():
        found.append(f"{OCI}source is missing or empty")
    for key, wanted in (("version", version), ("revision", revision)):
        value = labels.get(OCI + key)
        if value is None:
            found.append(f"{OCI}{key} is missing")
        elif value != wanted:
            found.append(f"{OCI}{key} is {value!r}, not the build argument's {wanted!r}")
    return found


def args_declared(dockerfile: Dockerfile) -> tuple[set[str], set[str]]:
    """ARG names declared in the final stage, and those declared anywhere else."""
    final: set[str] = set()
    elsewhere: set[str] = set()
    for stage in dockerfile.stages:
        for instruction in stage.named("ARG"):
            name = instruction.args.split("=", 1)[0].strip()
            (final if stage is dockerfile.final else elsewhere).add(name)
    for line in dockerfile.text.splitlines():  # ARGs before the first FROM
        if re.match(r"\s*FROM\s", line, re.I):
            break
        match = re.match(r"\s*ARG\s+([A-Za-z_][A-Za-z0-9_]*)", line, re.I)
        if match:
            elsewhere.add(match.group(1))
    return final, elsewhere - final


def unconsumed_args(log: list[str]) -> list[str]:
    """Build-arg names the classic builder said were never consumed."""
    for line in log:
        match = re.search(r"build-args? \[([^\]]*)\] (?:were|was) not consumed", line)
        if match:
            return match.group(1).split()
    return []


def label_hints(dockerfile: Dockerfile, log: list[str], arg_names: dict[str, str]) -> list[str]:
    """The usual mistakes behind missing labels: ARG scope, no ARG, no LABEL."""
    found = []
    final, elsewhere = args_declared(dockerfile)
    wanted = set(arg_names.values())
    misplaced = sorted(wanted & elsewhere)
    if misplaced:
        found.append(service_hint("arg-not-in-final", names=", ".join(misplaced)))
    unused = unconsumed_args(log)
    if unused:
        found.append(service_hint("arg-not-consumed", names=", ".join(unused)))
    if not (wanted <= final) or not dockerfile.final or not dockerfile.final.named("LABEL"):
        found.append(
            service_hint(
                "label-missing",
                version_arg=arg_names["version"],
                revision_arg=arg_names["revision"],
            )
        )
    return found


# -- env-config ----------------------------------------------------------------------


def port_hints(dockerfile: Dockerfile, default_port: int, variable: str = "PORT") -> list[str]:
    """Why the server ignores $PORT: a literal port, or a variable in exec form."""
    instruction = start_instruction(dockerfile)
    if instruction is None:
        return []
    where = f"line {instruction.line}: {instruction.keyword}"
    words = exec_words(instruction.args)
    exec_form = instruction.args.strip().startswith("[")
    shell_wrapped = len(words) >= 3 and words[0] in SHELLS and words[1] == "-c"
    if exec_form and not shell_wrapped and any(f"${variable}" in w or "${" in w for w in words):
        return [service_hint("exec-form-variable", where=where, var=variable)]
    command = " ".join(words)
    if re.search(rf"(--port[= ]|:){default_port}\b", command) and f"${variable}" not in command:
        return [service_hint("hard-coded-port", port=default_port, default=default_port)]
    return []
