"""What hadolint reads and which of its findings stand: fitted to ML images.

Pure. hadolint 2.x needs an empty line after a heredoc's terminator (else DL1000 on the
next instruction), and its secret rule DL3064 flags `TOKENIZERS_PARALLELISM` for the
word TOKEN; both are hadolint's misreadings, not the student's mistakes.
"""

from __future__ import annotations

import re

from .dockerfile import Dockerfile

#: Settings that look like secrets to DL3064 but are plain configuration.
NOT_SECRETS = frozenset(
    (
        "TOKENIZERS_PARALLELISM",
        "PYTHONUNBUFFERED",
        "PYTHONDONTWRITEBYTECODE",
        "PIP_NO_CACHE_DIR",
        "PIP_DISABLE_PIP_VERSION_CHECK",
        "HF_HUB_DISABLE_TELEMETRY",
        "HF_HUB_OFFLINE",
        "TRANSFORMERS_OFFLINE",
    )
)
_SECRET_WORDS = re.compile(r"SECRET|TOKEN|PASS|KEY|AUTH|CREDENTIAL|PRIVATE", re.I)


def for_hadolint(dockerfile: Dockerfile) -> tuple[str, list[int]]:
    """The text hadolint reads, and for each of its lines the original line number."""
    heredoc_ends = {
        i.line + i.value.count("\n") for i in dockerfile.instructions if "\n" in i.value
    }
    lines, origin = [], []
    for number, line in enumerate(dockerfile.text.splitlines(), start=1):
        lines.append(line)
        origin.append(number)
        if number in heredoc_ends:
            lines.append("")
            origin.append(number)
    return "\n".join(lines) + "\n", origin


def names_on(dockerfile: Dockerfile, line: int) -> list[str]:
    """The variable names an ARG or ENV at *line* sets."""
    for instruction in [*dockerfile.global_args, *dockerfile.instructions]:
        if instruction.line == line and instruction.keyword in {"ARG", "ENV"}:
            words = instruction.args.split()
            if instruction.keyword == "ENV" and len(words) >= 2 and "=" not in words[0]:
                return [words[0]]
            return [w.split("=", 1)[0] for w in words if w.split("=", 1)[0]]
    return []


def is_false_secret(dockerfile: Dockerfile, line: int, allowed: set[str]) -> bool:
    """Whether a DL3064 at *line* only names settings listed as not secret."""
    names = names_on(dockerfile, line)
    suspects = [n for n in names if _SECRET_WORDS.search(n)]
    return bool(names) and all(n.upper() in allowed for n in suspects)
