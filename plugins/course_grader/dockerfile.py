"""A Dockerfile as stages of instructions, parsed by BuildKit's own parser (PyPI `dockerfile`).

BuildKit's parser knows heredocs, `# escape=`, comments inside continuations, lower case
and CRLF, so a heredoc body line such as `USER root` is never read as an instruction.

Pure: no Docker engine involved. Line numbers are 1-based, as editors show them.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

import dockerfile as buildkit

from .dockerfile_args import UnresolvedArg, expand, global_scope

_FLAG = re.compile(r"--([a-z-]+)(?:=(\S*))?")


@dataclass(frozen=True)
class Instruction:
    keyword: str
    value: str
    line: int
    flags: dict[str, str] = field(default_factory=dict)
    args: str = ""

    def __str__(self) -> str:
        return f"line {self.line}: {self.keyword} {self.value}"


@dataclass(frozen=True)
class ImageRef:
    name: str
    tag: str | None
    digest: str | None

    @classmethod
    def parse(cls, ref: str) -> ImageRef:
        digest = None
        if "@" in ref:
            ref, digest = ref.split("@", 1)
        name, tag = ref, None
        last = ref.rsplit("/", 1)[-1]
        if ":" in last:
            name, tag = ref.rsplit(":", 1)
        return cls(name, tag, digest)

    def __str__(self) -> str:
        text = self.name + (f":{self.tag}" if self.tag else "")
        return text + (f"@{self.digest}" if self.digest else "")


@dataclass
class Stage:
    index: int
    base: str
    alias: str | None
    line: int
    instructions: list[Instruction] = field(default_factory=list)
    #: Why the FROM line's `$ARG` could not be resolved (then `base` is the raw text).
    base_error: str | None = None

    def named(self, keyword: str) -> list[Instruction]:
        return [i for i in self.instructions if i.keyword == keyword]

    def last(self, keyword: str) -> Instruction | None:
        found = self.named(keyword)
        return found[-1] if found else None


@dataclass
class Dockerfile:
    text: str
    stages: list[Stage]
    directives: dict[str, str] = field(default_factory=dict)
    #: ARG lines before the first FROM: the build's global arguments.
    global_args: list[Instruction] = field(default_factory=list)

    @property
    def final(self) -> Stage | None:
        return self.stages[-1] if self.stages else None

    @property
    def instructions(self) -> list[Instruction]:
        return [i for stage in self.stages for i in stage.instructions]

    def stage_named(self, name: str) -> Stage | None:
        for stage in self.stages:
            if stage.alias and stage.alias.lower() == name.lower():
                return stage
        if name.isdigit() and int(name) < len(self.stages):
            return self.stages[int(name)]
        return None

    def external_bases(self) -> list[tuple[Stage, ImageRef]]:
        """FROM lines that name an image (not an earlier stage, not `scratch`)."""
        result = []
        for stage in self.stages:
            earlier = {s.alias.lower() for s in self.stages[: stage.index] if s.alias}
            if stage.base.lower() in earlier or stage.base == "scratch":
                continue
            result.append((stage, ImageRef.parse(stage.base)))
        return result

    def parent(self, stage: Stage) -> Stage | None:
        """The earlier stage *stage* starts FROM, if it starts from one."""
        earlier = self.stage_named(stage.base)
        return earlier if earlier is not None and earlier.index < stage.index else None

    def inherited(self, stage: Stage, keyword: str) -> tuple[Stage, Instruction] | None:
        """The last *keyword* in *stage*, or in the stages it is built FROM (as the builder)."""
        current: Stage | None = stage
        while current is not None:
            found = current.last(keyword)
            if found is not None:
                return current, found
            current = self.parent(current)
        return None

    def base_image_of_final(self) -> str | None:
        """The image the final stage starts from, following stage aliases."""
        stage = self.final
        seen = set()
        while stage is not None and stage.index not in seen:
            seen.add(stage.index)
            earlier = self.stage_named(stage.base)
            if earlier is None or earlier.index >= stage.index:
                return stage.base
            stage = earlier
        return None


def split_flags(value: str) -> tuple[dict[str, str], str]:
    """`--from=builder --chown=app /a /b` -> ({"from": "builder", "chown": "app"}, "/a /b")."""
    flags: dict[str, str] = {}
    rest = value.strip()
    while rest.startswith("--"):
        match = _FLAG.match(rest)
        if not match:
            break
        flags[match.group(1)] = match.group(2) or ""
        rest = rest[match.end() :].lstrip()
    return flags, rest


def exec_words(args: str) -> list[str]:
    """The words of a CMD/ENTRYPOINT/HEALTHCHECK command, JSON (exec) or shell form."""
    text = args.strip()
    if text.startswith("["):
        try:
            words = json.loads(text)
            if isinstance(words, list):
                return [str(w) for w in words]
        except json.JSONDecodeError:
            pass
    try:
        return shlex.split(text)
    except ValueError:
        return text.split()


#: The instructions BuildKit knows; anything else is a parse error there, so here too.
KEYWORDS = frozenset(
    [
        "ADD",
        "ARG",
        "CMD",
        "COPY",
        "ENTRYPOINT",
        "ENV",
        "EXPOSE",
        "FROM",
        "HEALTHCHECK",
        "LABEL",
        "MAINTAINER",
        "ONBUILD",
        "RUN",
        "SHELL",
        "STOPSIGNAL",
        "USER",
        "VOLUME",
        "WORKDIR",
    ]
)


def _directives(text: str) -> dict[str, str]:
    directives: dict[str, str] = {}
    for line in text.splitlines():
        match = re.match(r"#\s*(syntax|escape|check)\s*=\s*(.+)", line.strip(), re.I)
        if not match:
            break
        directives[match.group(1).lower()] = match.group(2).strip()
    return directives


def parse(text: str) -> Dockerfile:
    """Stages of instructions; a ValueError names the line BuildKit would reject."""
    try:
        commands = buildkit.parse_string(text)
    except buildkit.GoParseError as error:
        raise ValueError(f"the Dockerfile does not parse: {error}") from error
    stages: list[Stage] = []
    global_args: list[Instruction] = []
    for command in commands:
        keyword = command.cmd.upper()
        line = command.start_line
        if keyword not in KEYWORDS:
            raise ValueError(
                f"line {line}: unknown instruction {command.cmd!r} (BuildKit rejects it; "
                "a heredoc `<<EOF` works only after RUN, COPY and ADD)"
            )
        value = command.original.strip()[len(command.cmd) :].strip()
        flags, args = split_flags(value)
        instruction = Instruction(keyword, value, line, flags, args)
        if keyword == "FROM":
            words = [w for w in command.value if w]
            base = words[0] if words else ""
            alias = words[2] if len(words) >= 3 and words[1].lower() == "as" else None
            stages.append(Stage(len(stages), base, alias, line))
        elif not stages and keyword != "ARG":
            raise ValueError(f"line {line}: {keyword} before the first FROM (only ARG may be)")
        if stages:
            stages[-1].instructions.append(instruction)
        else:
            global_args.append(instruction)
    scope = global_scope(global_args)
    for stage in stages:
        try:
            stage.base = expand(stage.base, scope, stage.line)
        except UnresolvedArg as error:
            stage.base_error = str(error)
    return Dockerfile(text, stages, _directives(text), global_args)


def read(path: Path) -> Dockerfile:
    return parse(path.read_text(encoding="utf-8"))
