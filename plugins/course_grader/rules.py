"""Static checks: rules over the Dockerfile and `.dockerignore`, no engine needed.

Each rule returns a short success note or raises `CheckFailed`. Pure.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from docker.utils.build import PatternMatcher

from . import hints, pinning
from .dockerfile import Dockerfile
from .dockerfile_args import UnresolvedArg
from .errors import CheckFailed

#: How a static rule starts its note when only the built image can tell (see checks_image).
UNKNOWN = "unknown from the Dockerfile, judged from the image: "


def pinned_base(dockerfile: Dockerfile, params: dict[str, Any]) -> str:
    broken = [s.base_error for s in dockerfile.stages if s.base_error]
    if broken:
        raise CheckFailed("pinned-base", "cannot tell the base image: " + "; ".join(broken))
    bases = dockerfile.external_bases()
    if not bases:
        raise CheckFailed("pinned-base", "the Dockerfile has no FROM line naming a base image")
    unpinned = hints.unpinned_bases(dockerfile, params.get("level", "patch"))
    if unpinned:
        raise CheckFailed(
            "pinned-base",
            "the base image is not pinned to a version",
            expected=pinning.DEFINITION,
            found="; ".join(f"line {line}: FROM {ref}" for line, ref in unpinned),
            hints=[hints.hint("unpinned-base")],
        )
    return "pinned: " + ", ".join(str(ref) for _, ref in bases)


def multi_stage(dockerfile: Dockerfile, params: dict[str, Any]) -> str:
    final = dockerfile.final
    if final is None or len(dockerfile.stages) < 2:
        raise CheckFailed(
            "multi-stage",
            "the Dockerfile has a single stage",
            expected="a build stage (FROM … AS builder) and a final stage that COPY --from=builder",
            found=f"{len(dockerfile.stages)} stage(s)",
            hints=[
                "install the dependencies in a builder stage (e.g. a virtualenv in /opt/venv), "
                "then start the final stage FROM the slim base and COPY --from=builder only what "
                "the app needs at run time"
            ],
        )
    earlier = {str(s.index) for s in dockerfile.stages[:-1]}
    earlier |= {s.alias.lower() for s in dockerfile.stages[:-1] if s.alias}
    copies = [i for i in final.named("COPY") if i.flags.get("from", "").lower() in earlier]
    if not copies:
        raise CheckFailed(
            "multi-stage",
            "the final stage does not copy anything from an earlier stage",
            expected="COPY --from=<earlier stage> … in the last stage",
            found=f"the last stage (line {final.line}, FROM {final.base}) has no such COPY",
            hints=["a stage nobody copies from is wasted work; copy the built dependencies"],
        )
    return f"{len(dockerfile.stages)} stages; final copies from " + ", ".join(
        i.flags["from"] for i in copies
    )


def non_root(dockerfile: Dockerfile, params: dict[str, Any]) -> str:
    try:
        found = hints.final_user_value(dockerfile)
    except UnresolvedArg as error:
        raise CheckFailed("non-root", f"cannot tell the user: {error}") from error
    user, value = found if found else (None, "")
    if user is None and hints.base_decides(dockerfile):
        return UNKNOWN + f"no USER; the base {hints.base_decides(dockerfile)} sets its own"
    if user is None or hints.is_root_user(value):
        raise CheckFailed(
            "non-root",
            "the container would run as root",
            expected="a USER instruction naming an unprivileged user in the final stage",
            found=(
                "no USER in the final stage"
                if user is None
                else f"line {user.line}: USER {user.args} (= {value})"
            ),
            hints=[hints.hint("root")],
        )
    return f"runs as {value} (line {user.line})"


def healthcheck_declared(dockerfile: Dockerfile, params: dict[str, Any]) -> str:
    final = dockerfile.final
    found = dockerfile.inherited(final, "HEALTHCHECK") if final else None
    check = found[1] if found else None
    if check is None and hints.base_decides(dockerfile):
        return (
            UNKNOWN + f"no HEALTHCHECK; the base {hints.base_decides(dockerfile)} may declare one"
        )
    if check is None or check.args.strip().upper() == "NONE":
        raise CheckFailed(
            "healthcheck-declared",
            "the final stage declares no HEALTHCHECK",
            expected="HEALTHCHECK CMD <command that exits 0 when /health answers>",
            found="no HEALTHCHECK" if check is None else f"line {check.line}: HEALTHCHECK NONE",
            hints=[
                "slim images have no curl; Python is there: HEALTHCHECK CMD python -c "
                "\"import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health', "
                'timeout=2)"'
            ],
        )
    notes = [f"line {check.line}"]
    tool = hints.healthcheck_tool(dockerfile)
    if tool:
        notes.append(f"warning: it calls {tool}; see healthcheck-healthy")
    return "HEALTHCHECK declared (" + "; ".join(notes) + ")"


def read_dockerignore(root: Path) -> list[str] | None:
    path = root / ".dockerignore"
    if not path.is_file():
        return None
    patterns = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            patterns.append(line)
    return patterns


def dockerignore(root: Path, params: dict[str, Any]) -> str:
    patterns = read_dockerignore(root)
    must_exclude = list(params.get("must_exclude", []))
    must_keep = list(params.get("must_keep", []))
    if patterns is None:
        raise CheckFailed(
            "dockerignore",
            "there is no .dockerignore next to the Dockerfile",
            expected=".dockerignore that leaves out: " + ", ".join(must_exclude),
            found="no .dockerignore",
            hints=[
                "everything in the folder is sent to the engine and `COPY . .` bakes it into "
                "the image: caches, virtualenvs, git history, secrets. List them in .dockerignore"
            ],
        )
    matcher = PatternMatcher(patterns)
    sent = [p for p in must_exclude if not matcher.matches(p)]
    dropped = [p for p in must_keep if matcher.matches(p)]
    if sent or dropped:
        found = []
        if sent:
            found.append("still sent to the build: " + ", ".join(sent))
        if dropped:
            found.append("left out but the build needs it: " + ", ".join(dropped))
        raise CheckFailed(
            "dockerignore",
            ".dockerignore does not leave out the right files",
            expected="left out: " + ", ".join(must_exclude) + "; kept: " + ", ".join(must_keep),
            found="; ".join(found),
            hints=["a pattern like `**/__pycache__` matches at any depth; `!name` re-includes"],
        )
    return f"{len(patterns)} patterns; leaves out " + ", ".join(must_exclude)
