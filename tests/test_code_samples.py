"""Every code sample in the lessons works as the lesson says it does.

Static checks (no engine): fences render, Dockerfiles lint clean with hadolint,
stage names and health checks follow what the lessons teach, Compose files
validate against the Compose Specification, YAML parses and Python compiles.
Engine checks (``-m docker``): each Dockerfile marked ``.verify`` is built with
its named build context, its container answers ``/health`` and reaches Docker's
``healthy`` status, and each service a Compose sample builds has a healthcheck
whose program exists in that image.
"""

from __future__ import annotations

import ast
import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from _samples import (
    DOCS,
    LABEL,
    LABEL_VALUE,
    ROOT,
    CodeBlock,
    SampleError,
    assembled_files,
    build_image,
    compose_healthcheck_executable,
    compose_problems,
    docker_client,
    docs_blocks,
    expanded_lines,
    extract_blocks,
    final_base,
    from_lines,
    hadolint,
    healthcheck_executable,
    host_port,
    http,
    is_compose,
    load_measure_script,
    parse_fence_info,
    remove_labelled,
    running,
    shellcheck,
    stated_numbers,
    tolerance,
    wait_for,
)

DOCKERFILES = docs_blocks("dockerfile")
VERIFIED = [b for b in DOCKERFILES if b.verify]
YAML_BLOCKS = docs_blocks("yaml", "yml")
COMPOSE_BLOCKS = [b for b in YAML_BLOCKS if is_compose(yaml.safe_load(b.text))]
PYTHON_BLOCKS = docs_blocks("python", "py")
LESSONS = sorted(DOCS.rglob("*.md"))
STATED = {md: stated_numbers(md) for md in LESSONS if stated_numbers(md)}
ASSEMBLED = [
    (md, name, image, source)
    for md in LESSONS
    for name, (image, source) in assembled_files(md).items()
]
# Tools that slim and alpine base images do not ship: a HEALTHCHECK calling them
# fails on every probe and the container is reported unhealthy.
MISSING_IN_SLIM = {"curl", "wget"}


def ids(blocks: list[CodeBlock]) -> list[str]:
    """Test ids that point at the block's source: `docs/deployment/mlops-docker.md:123`."""
    return [b.where for b in blocks]


def built_services(block: CodeBlock) -> list[tuple[str, dict[str, Any]]]:
    """The services of a Compose sample that the course builds itself (`build:`)."""
    services = yaml.safe_load(block.text)["services"]
    return [(name, spec) for name, spec in services.items() if "build" in spec]


COMPOSE_BUILT = [
    (block, name, spec) for block in COMPOSE_BLOCKS for name, spec in built_services(block)
]


# --- the extraction itself ---------------------------------------------------


def test_the_lessons_have_samples_of_every_kind() -> None:
    """Guards the extraction: if the fences stop matching, nothing would be checked."""
    assert len(DOCKERFILES) >= 3, [b.where for b in DOCKERFILES]
    assert len(VERIFIED) >= 2, [b.where for b in VERIFIED]
    assert len(COMPOSE_BLOCKS) >= 2, [b.where for b in COMPOSE_BLOCKS]
    assert COMPOSE_BUILT, "no Compose sample builds a service; the healthcheck check is idle"
    assert len(PYTHON_BLOCKS) >= 3, [b.where for b in PYTHON_BLOCKS]


@pytest.mark.parametrize("md", sorted(DOCS.rglob("*.md")), ids=lambda p: str(p.relative_to(DOCS)))
def test_every_fence_renders_and_every_snippet_exists(md: Path) -> None:
    extract_blocks(md)  # raises SampleError naming file:line otherwise


def test_fence_info_in_attribute_list_form_gives_classes_and_attributes() -> None:
    lang, classes, attrs = parse_fence_info(
        '{.dockerfile .verify title="Dockerfile" data-context="exercises/x"}', "t.md:1"
    )
    assert (lang, classes) == ("dockerfile", ("verify",))
    assert attrs == {"title": "Dockerfile", "data-context": "exercises/x"}


def test_data_attributes_without_braces_are_rejected() -> None:
    with pytest.raises(SampleError, match="attribute-list form"):
        parse_fence_info('dockerfile data-context="exercises/x"', "t.md:1")


def test_a_fragment_is_linted_as_the_tail_of_a_dockerfile() -> None:
    excerpt = extract_blocks(DOCS / "exercises" / "02-production-image.md")
    fragments = [b for b in excerpt if b.lang == "dockerfile" and b.fragment]
    assert fragments, "exercise 02's README shows a HEALTHCHECK excerpt"
    assert fragments[0].where.startswith("exercises/02-production-image/README.md:")


# --- exercise pages ----------------------------------------------------------

EXERCISES = sorted(p.parent for p in (ROOT / "exercises").glob("*/exercise.yml"))


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda p: p.name)
def test_exercise_page_is_generated_from_its_folder(exercise: Path) -> None:
    """The page includes the README and the starter, so it cannot drift from them."""
    page = DOCS / "exercises" / f"{exercise.name}.md"
    assert page.is_file(), f"no page for {exercise.name}: add {page.relative_to(ROOT)}"
    source = page.read_text()
    for part in ("README.md", "Dockerfile"):
        include = f'--8<-- "exercises/{exercise.name}/{part}"'
        assert include in source, f"{page.relative_to(ROOT)} must include {include}"
    shown = "\n".join(text for text, _ in expanded_lines(page))
    assert "pytest exercises/" + exercise.name in shown, "the grading command is not shown"
    assert "## The checks" in shown, "the README's table of checks is not shown"


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda p: p.name)
def test_a_lesson_links_to_the_exercise_page(exercise: Path) -> None:
    target = f"../exercises/{exercise.name}.md"
    linking = [md for md in LESSONS if target in md.read_text()]
    assert linking, f"no lesson links to {target}: link it where the lesson introduces it"


# --- Dockerfiles: static -----------------------------------------------------


@pytest.mark.parametrize("block", DOCKERFILES, ids=ids(DOCKERFILES))
def test_dockerfile_lints_without_errors(block: CodeBlock) -> None:
    # An excerpt (no FROM) is linted as the tail of a Dockerfile.
    findings = hadolint("FROM scratch\n" + block.text if block.fragment else block.text)
    # Complete examples are held to a higher bar: no warnings either.
    failing = {"error", "warning"} if block.verify else {"error"}
    bad = [
        f"line {f['line']}: {f['code']} {f['message']}" for f in findings if f["level"] in failing
    ]
    assert not bad, f"{block.where}: hadolint {sorted(failing)}:\n" + "\n".join(bad)


def test_hadolint_reports_errors_it_should() -> None:
    """The lint check is not vacuous: a deprecated instruction is an error."""
    findings = hadolint("FROM python:3.11-slim\nMAINTAINER someone@example.com\n")
    assert any(f["code"] == "DL4000" and f["level"] == "error" for f in findings), findings


@pytest.mark.parametrize("block", DOCKERFILES, ids=ids(DOCKERFILES))
def test_stage_names_use_uppercase_as(block: CodeBlock) -> None:
    lowercase = [line for line in from_lines(block.text) if " as " in f" {line} "]
    assert not lowercase, f"{block.where}: write `FROM … AS name` in upper case: {lowercase}"


@pytest.mark.parametrize("block", DOCKERFILES, ids=ids(DOCKERFILES))
def test_healthcheck_uses_a_tool_the_base_image_has(block: CodeBlock) -> None:
    # An excerpt (no FROM) belongs to the course's images, which are all slim.
    text = "FROM python:3.11-slim\n" + block.text if block.fragment else block.text
    tool = healthcheck_executable(text)
    base = final_base(text)
    if tool is None:
        assert not block.verify, f"{block.where}: a verified example must declare a HEALTHCHECK"
        return
    slim = "slim" in base or "alpine" in base
    assert not (slim and tool in MISSING_IN_SLIM), (
        f"{block.where}: HEALTHCHECK runs {tool!r} but {base} has no {tool}; "
        "use python -c 'import urllib.request; …' instead"
    )


@pytest.mark.parametrize("block", VERIFIED, ids=ids(VERIFIED))
def test_verified_example_names_an_existing_build_context(block: CodeBlock) -> None:
    context = block.attrs.get("data-context")
    name = block.attrs.get("data-name")
    assert context and name, f'{block.where}: .verify needs data-name="…" and data-context="…"'
    assert (ROOT / context).is_dir(), f"{block.where}: build context {context!r} is not a folder"
    names = [b.attrs.get("data-name") for b in VERIFIED]
    assert names.count(name) == 1, f"{block.where}: data-name {name!r} is not unique"


# --- shell ------------------------------------------------------------------

SHELL_BLOCKS = docs_blocks("bash", "sh", "shell")


@pytest.mark.parametrize("block", SHELL_BLOCKS, ids=ids(SHELL_BLOCKS))
def test_shell_sample_passes_shellcheck(block: CodeBlock) -> None:
    findings = shellcheck(block.text)
    assert not findings, f"{block.where}: shellcheck:\n" + "\n".join(findings)


def test_shellcheck_reports_what_it_should() -> None:
    """The shell check is not vacuous: an unquoted variable is a finding."""
    assert any("SC2086" in f for f in shellcheck("docker stop $NAME\n"))


# --- Compose, YAML, Python: static -------------------------------------------


@pytest.mark.parametrize("block", COMPOSE_BLOCKS, ids=ids(COMPOSE_BLOCKS))
def test_compose_file_follows_the_compose_specification(block: CodeBlock, tmp_path: Path) -> None:
    problems = compose_problems(block.text, tmp_path)
    assert not problems, f"{block.where}:\n" + "\n".join(problems)


def test_compose_validation_catches_mistakes(tmp_path: Path) -> None:
    """The schema check is not vacuous: an obsolete key and a wrong type are reported."""
    bad = "version: '3.8'\nservices:\n  api:\n    image: x\n    ports: 8000\n    restart: 5\n"
    problems = compose_problems(bad, tmp_path)
    assert any("version" in p for p in problems), problems
    assert len(problems) >= 2, problems


@pytest.mark.parametrize("block", YAML_BLOCKS, ids=ids(YAML_BLOCKS))
def test_yaml_sample_parses(block: CodeBlock) -> None:
    assert yaml.safe_load(block.text) is not None, f"{block.where}: empty YAML sample"


@pytest.mark.parametrize("block", PYTHON_BLOCKS, ids=ids(PYTHON_BLOCKS))
def test_python_sample_compiles(block: CodeBlock) -> None:
    ast.parse(block.text, filename=block.where)


@pytest.mark.parametrize(
    ("md", "name", "image", "source"),
    ASSEMBLED,
    ids=[f"{md.relative_to(DOCS)}:{name}" for md, name, _, _ in ASSEMBLED],
)
def test_assembled_python_file_compiles_and_names_its_image(
    md: Path, name: str, image: str, source: str
) -> None:
    compile(source, f"{md.relative_to(ROOT)}:{name}", "exec")
    names = {b.attrs.get("data-name") for b in VERIFIED}
    assert image in names, f'{md.relative_to(ROOT)}: {name} needs data-image="<verified name>"'


@pytest.mark.parametrize(
    ("block", "service", "spec"),
    COMPOSE_BUILT,
    ids=[f"{b.where}:{s}" for b, s, _ in COMPOSE_BUILT],
)
def test_built_compose_service_declares_a_healthcheck_and_its_image(
    block: CodeBlock, service: str, spec: dict[str, Any]
) -> None:
    assert compose_healthcheck_executable(spec), (
        f"{block.where}: service {service!r} has no healthcheck"
    )
    name = block.attrs.get("data-dockerfile")
    names = {b.attrs.get("data-name") for b in VERIFIED}
    assert name in names, (
        f"{block.where}: a Compose sample that builds {service!r} must name the verified "
        f'Dockerfile it builds with data-dockerfile="…" (one of {sorted(n for n in names if n)})'
    )


# --- the real engine ---------------------------------------------------------


class ImageCache:
    """Builds each verified Dockerfile once per session, on first use.

    Connecting lazily keeps a missing engine a test *failure* with the how-to
    text, not a fixture error or a skip.
    """

    def __init__(self) -> None:
        self.client: Any = None
        self.images: dict[str, Any] = {}

    def engine(self) -> Any:
        if self.client is None:
            self.client = docker_client()
            remove_labelled(self.client)  # leftovers of an interrupted run
        return self.client

    def image(self, block: CodeBlock) -> Any:
        name = block.attrs["data-name"]
        if name not in self.images:
            tag = f"mlops-course-sample-{name}:test"
            self.images[name] = build_image(
                self.engine(), ROOT / block.attrs["data-context"], block.text, tag
            )
        return self.images[name]

    def by_name(self, name: str) -> Any:
        block = next(b for b in VERIFIED if b.attrs.get("data-name") == name)
        return self.image(block)


@pytest.fixture(scope="session")
def sample_images() -> Iterator[ImageCache]:
    cache = ImageCache()
    try:
        yield cache
    finally:
        if cache.client is not None:
            remove_labelled(cache.client)


def get_health(port: int) -> tuple[int, object] | None:
    """GET /health on loopback; (status, JSON body) or None while not answering."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as reply:
            return reply.status, json.loads(reply.read())
    except (urllib.error.URLError, ConnectionError, TimeoutError, json.JSONDecodeError):
        return None


@pytest.mark.docker
@pytest.mark.parametrize("block", VERIFIED, ids=ids(VERIFIED))
def test_verified_dockerfile_builds_and_runs_healthy(
    block: CodeBlock, sample_images: ImageCache
) -> None:
    image = sample_images.image(block)
    client = sample_images.engine()
    with running(client, image) as container:
        port = host_port(container)
        status, body = wait_for(container, "answer on /health", lambda: get_health(port), 90)
        assert (status, body) == (200, {"status": "healthy"})

        def health_status() -> str | None:
            state = container.attrs["State"].get("Health") or {}
            if state.get("Status") == "unhealthy":
                log = state.get("Log", [])[-1:] or [{}]
                raise AssertionError(
                    f"{block.where}: Docker reports the container unhealthy: "
                    f"{log[0].get('Output', '').strip()}"
                )
            return state.get("Status") if state.get("Status") == "healthy" else None

        assert wait_for(container, "healthy status", health_status, 90) == "healthy"


@pytest.mark.docker
@pytest.mark.parametrize(
    ("block", "service", "spec"),
    COMPOSE_BUILT,
    ids=[f"{b.where}:{s}" for b, s, _ in COMPOSE_BUILT],
)
def test_compose_healthcheck_program_exists_in_the_built_image(
    block: CodeBlock, service: str, spec: dict[str, Any], sample_images: ImageCache
) -> None:
    tool = compose_healthcheck_executable(spec)
    assert tool, f"{block.where}: service {service!r} has no healthcheck"
    image = sample_images.by_name(block.attrs["data-dockerfile"])
    client = sample_images.engine()

    output = client.containers.run(
        image.id,
        entrypoint=["sh", "-c", f'command -v "{tool}" || echo MISSING'],
        labels={LABEL: LABEL_VALUE},
        remove=True,
    ).decode()
    assert "MISSING" not in output, (
        f"{block.where}: the healthcheck of {service!r} runs {tool!r}, "
        f"which the image built from {block.attrs['data-dockerfile']!r} does not have"
    )


MICRO_BATCH_SCRIPT = """
import asyncio
import serve

calls = []

def predict_many(rows):
    calls.append(len(rows))
    return [sum(row) for row in rows]

async def main():
    batcher = serve.MicroBatcher(predict_many, max_batch=8, max_wait=0.05)
    worker = asyncio.create_task(batcher.run())
    results = await asyncio.gather(*(batcher.submit([1.0, float(i)]) for i in range(20)))
    worker.cancel()
    assert results == [1.0 + i for i in range(20)], results
    print(calls, len(results))

asyncio.run(main())
"""


@pytest.mark.docker
def test_serving_lesson_code_behaves_as_the_lesson_says(sample_images: ImageCache) -> None:
    """The serving lesson's serve.py, assembled from its parts, runs in our image.

    Every claim the lesson makes about it is probed over HTTP: liveness,
    readiness, 422 for a wrong width, a NaN and an unknown field (never 500),
    the model version in body and header, and the batch endpoint.
    """
    page = DOCS / "deployment" / "mlops-model-serving.md"
    image_name, source = assembled_files(page)["serve.py"]
    image = sample_images.by_name(image_name)
    client = sample_images.engine()
    with running(
        client,
        image,
        command=[
            "uvicorn",
            "serve:app",
            "--host",
            "0.0.0.0",
            "--port",
            "8000",
            "--app-dir",
            "/opt/sample",
        ],
        environment={"MODEL_VERSION": "lesson-test"},
        files={"/opt/sample/serve.py": source},
    ) as container:
        port = host_port(container)

        def ready() -> bool:
            try:
                return http(port, "GET", "/ready")[0] == 200
            except OSError:
                return False

        wait_for(container, "200 from /ready", ready, 90)
        assert http(port, "GET", "/health")[::2] == (200, {"status": "healthy"})
        status, headers, body = http(
            port, "POST", "/v1/predict", b'{"features": [5.1, 3.5, 1.4, 0.2]}'
        )
        assert status == 200, body
        assert body["prediction"] == "setosa" and body["model_version"] == "lesson-test"
        assert headers["X-Model-Version"] == "lesson-test"
        status, _, body = http(port, "POST", "/v1/predict", b'{"features": [5.1, 3.5, 1.4]}')
        assert status == 422 and "expected 4 features" in body["detail"], body
        for bad in (
            b'{"features": [NaN, 3.5, 1.4, 0.2]}',
            b'{"feature": [1, 2, 3, 4]}',
            b'{"features": [1, 2, 3, 4], "extra": 1}',
        ):
            status, _, body = http(port, "POST", "/v1/predict", bad)
            assert status == 422, (bad, status, body)
            echoed = [e for e in body["detail"] if "input" in e]
            assert not echoed, f"the error echoes the client's input: {echoed}"
        status, _, body = http(
            port,
            "POST",
            "/v1/predict/batch",
            b'{"instances": [[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]]}',
        )
        assert status == 200 and body["predictions"] == ["setosa", "virginica"], body

        # "With max_batch=8, twenty requests that arrive together become three
        # model calls (8, 8 and 4 rows)": run the lesson's MicroBatcher as is.
        exit_code, output = container.exec_run(
            ["python", "-c", MICRO_BATCH_SCRIPT], workdir="/opt/sample"
        )
        assert exit_code == 0, output.decode()
        assert output.decode().split() == ["[8,", "8,", "4]", "20"], output.decode()
        assert "max_batch=8" in page.read_text() and "(8, 8 and 4 rows)" in page.read_text()


# --- numbers the lessons state about our images ------------------------------


def test_some_lesson_states_measured_numbers() -> None:
    """Guards the marker: if the spans stop matching, no number would be checked."""
    assert STATED, 'no lesson marks a number with <span data-measured="key">'


@pytest.mark.parametrize("md", list(STATED), ids=lambda p: str(p.relative_to(DOCS)))
def test_stated_numbers_are_measured_and_reproducible(md: Path) -> None:
    known = set(load_measure_script().KEYS)
    unknown = sorted(set(STATED[md]) - known)
    assert not unknown, (
        f"{md.relative_to(ROOT)}: no measurement produces {unknown}; known: {sorted(known)}"
    )
    assert "scripts/measure-images.py" in md.read_text(), (
        f"{md.relative_to(ROOT)} states measured numbers but does not say how to "
        "reproduce them (scripts/measure-images.py)"
    )


@pytest.mark.docker
def test_stated_numbers_match_a_fresh_measurement(sample_images: ImageCache) -> None:
    """Builds both exercise solutions and compares every stated number with the result.

    Runs after the verified samples so their layers (same base, same
    requirements) are still cached and the builds take seconds.
    """
    script = load_measure_script()
    client = sample_images.engine()
    try:
        measured = script.measure(client)
    finally:
        script.remove_measured(client)
    wrong = [
        f"{md.relative_to(ROOT)}: {key} states {stated}, measured {measured[key]} "
        f"(tolerance {tolerance(key, stated):.1f})"
        for md, numbers in STATED.items()
        for key, stated in numbers.items()
        if abs(measured[key] - stated) > tolerance(key, stated)
    ]
    assert not wrong, "update the lesson (run scripts/measure-images.py):\n" + "\n".join(wrong)


@pytest.mark.docker
def test_monitoring_lesson_metrics_come_out_of_the_app_as_shown(sample_images: ImageCache) -> None:
    """Every series the monitoring lesson prints is in the app's /metrics, and /ready answers.

    Runs the lesson's own verified image of exercise 03's app: a prediction, then
    a scrape; values differ run to run, so the series (name and labels) are compared.
    """
    page = DOCS / "operations" / "monitoring-models.md"
    shown = next(b for b in extract_blocks(page) if b.lang == "text" and "model_info" in b.text)
    series = [line.rsplit(" ", 1)[0] for line in shown.text.splitlines() if line[:1] not in "#"]
    image = sample_images.by_name("ship-it-basic")
    with running(sample_images.engine(), image) as container:
        port = host_port(container)

        def ready() -> bool:
            try:
                return http(port, "GET", "/ready")[::2] == (
                    200,
                    {"status": "ready", "model_version": "dev"},
                )
            except OSError:
                return False

        wait_for(container, "200 from /ready", ready, 90)
        status, _, body = http(port, "POST", "/predict", b'{"features": [5.1, 3.5, 1.4, 0.2]}')
        assert (status, body["prediction"]) == (200, "setosa"), body
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as reply:
            assert reply.headers["Content-Type"].startswith("text/plain"), reply.headers
            scraped = reply.read().decode()
    missing = [s for s in series if s not in scraped]
    assert series and not missing, f"{shown.where}: not in /metrics: {missing}"
