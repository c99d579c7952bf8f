"""ARG and ENV substitution as the builder does it, so `ARG U=0` + `USER $U` reads as root.

Pure. Supports `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR:+word}`; global ARGs (before
the first FROM) reach FROM lines, and reach a stage only where it re-declares `ARG NAME`.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .dockerfile import Instruction, Stage

_REF = re.compile(
    r"\$(?:\{(?P<braced>[A-Za-z_]\w*)(?::(?P<op>[-+])(?P<word>[^}]*))?\}|(?P<bare>[A-Za-z_]\w*))"
)


class UnresolvedArg(ValueError):
    """A `$NAME` the builder could not give a value (undefined, or defined by a cycle)."""


def expand(text: str, scope: dict[str, str | None], line: int) -> str:
    """*text* with every reference replaced from *scope* (None: declared without value)."""

    def one(match: re.Match[str]) -> str:
        name = match.group("braced") or match.group("bare")
        value = scope.get(name)
        op, word = match.group("op"), match.group("word") or ""
        if op == "-":
            return value if value else expand(word, scope, line)
        if op == "+":
            return expand(word, scope, line) if value else ""
        if value is None:
            raise UnresolvedArg(
                f"line {line}: ${{{name}}} has no value (no ARG {name}=… default before it, "
                "or it is defined through itself)"
            )
        return value

    return _REF.sub(one, text)


def _declare(
    scope: dict[str, str | None], instruction: Instruction, outer: dict[str, str | None]
) -> None:
    """Apply one `ARG a=1 b` or `ENV k=v` line to *scope*."""
    for word in instruction.args.split():
        name, sep, default = word.partition("=")
        if instruction.keyword == "ENV" and not sep:
            continue
        default = default.strip("\"'")
        if sep:
            try:
                scope[name] = expand(default, scope, instruction.line)
            except UnresolvedArg:
                scope[name] = None  # a cycle or an undefined name: fails where it is used
        elif name not in scope:
            scope[name] = outer.get(name)


def global_scope(
    args: list[Instruction], build_args: dict[str, str] | None = None
) -> dict[str, str | None]:
    """Global ARGs with their defaults, overridden by the grader's own build args."""
    scope: dict[str, str | None] = {}
    _declare_all(scope, args, {})
    for name, value in (build_args or {}).items():
        if name in scope:
            scope[name] = value
    return scope


def _declare_all(
    scope: dict[str, str | None], lines: list[Instruction], outer: dict[str, str | None]
) -> None:
    for instruction in lines:
        if instruction.keyword in {"ARG", "ENV"}:
            _declare(scope, instruction, outer)


def resolved_user(stage: Stage, user: Instruction, globals_: dict[str, str | None]) -> str:
    """The USER value with the stage's ARGs and ENVs up to that line substituted."""
    scope: dict[str, str | None] = {}
    _declare_all(scope, [i for i in stage.instructions if i.line < user.line], globals_)
    return expand(user.args, scope, user.line)
