"""BuildKit's rawjson progress read into steps, cache hits, logs and errors (pure code);
the failure messages of build/diagnose.py; the builder choice."""

from __future__ import annotations

import base64
import io
import json
import tarfile

import pytest
from course_grader.build import BuilderUnavailable, choose, diagnose
from course_grader.build.progress import Progress, RawJsonSplitter
from course_grader.build.result import BuildRequest
from course_grader.limits import BuildLimits
from hypothesis import given
from hypothesis import strategies as st


def document(**fields) -> str:
    """One status document as buildx writes it: indented JSON, `}` alone on its last line."""
    return json.dumps(fields, indent=2) + "\n"


def vertex(digest: str, name: str, **state) -> dict:
    return {"digest": digest, "name": name, **state}


def log(digest: str, text: str) -> dict:
    return {"vertex": digest, "stream": 1, "data": base64.b64encode(text.encode()).decode()}


T = "2026-12-03T17:25:08Z"
BUILD = [
    document(vertexes=[vertex("sha256:a", "[internal] load build definition from Dockerfile")]),
    document(vertexes=[vertex("sha256:b", "[builder 1/3] FROM docker.io/library/python:3.11")]),
    document(
        vertexes=[
            vertex(
                "sha256:c",
                "[builder 2/3] RUN pip install -r requirements.txt",
                started=T,
                cached=True,
                completed=T,
            )
        ]
    ),
    document(vertexes=[vertex("sha256:d", "[stage-1 3/3] RUN python train.py", started=T)]),
    document(logs=[log("sha256:d", "epoch 1\nepo")]),
    document(logs=[log("sha256:d", "ch 2\n")]),
    document(
        vertexes=[
            vertex(
                "sha256:d",
                "[stage-1 3/3] RUN python train.py",
                started=T,
                completed=T,
                error='process "/bin/sh -c python train.py" did not complete successfully: '
                "exit code: 1",
            )
        ]
    ),
    "ERROR: failed to solve: process did not complete successfully: exit code: 1\n",
]


def read(chunks: list[str]) -> tuple[Progress, list[str]]:
    splitter, progress, lines = RawJsonSplitter(), Progress(), []
    items = [item for chunk in chunks for item in splitter.feed(chunk)]
    for item in [*items, *splitter.close()]:
        lines += progress.add(item) if isinstance(item, dict) else [item]
    return progress, lines


def test_steps_come_from_the_dockerfile_vertexes_with_their_cache_hits():
    progress, _lines = read(BUILD)
    steps = [(s.label, s.instruction, s.cached) for s in progress.steps()]
    assert steps == [
        ("builder 1/3", "FROM docker.io/library/python:3.11", False),
        ("builder 2/3", "RUN pip install -r requirements.txt", True),
        ("stage-1 3/3", "RUN python train.py", False),
    ]
    assert progress.ran_a_run_step()
    assert [v.name for v in progress.failed_steps()] == ["[stage-1 3/3] RUN python train.py"]


def test_the_log_reads_like_plain_progress_and_joins_split_lines():
    _progress, lines = read(BUILD)
    assert "#3 CACHED" in lines
    assert lines[lines.index("#4 [stage-1 3/3] RUN python train.py") + 1 :][:2] == [
        "#4 epoch 1",
        "#4 epoch 2",
    ]
    assert lines[-1].startswith("ERROR: failed to solve")


@given(st.lists(st.integers(min_value=1, max_value=400), max_size=30))
def test_the_stream_reads_the_same_however_the_pipe_cuts_it(cuts):
    text = "".join(BUILD)
    chunks, start = [], 0
    for cut in sorted(set(cuts)):
        chunks.append(text[start:cut])
        start = cut
    chunks.append(text[start:])
    assert read(chunks)[1] == read([text])[1]


def test_a_document_over_the_bound_is_dropped_and_counted():
    splitter = RawJsonSplitter(max_document=200)
    huge = document(logs=[log("sha256:x", "y" * 1000)])
    items = list(splitter.feed(huge + BUILD[1])) + list(splitter.close())
    assert splitter.dropped > 1000
    assert len(items) == 1 and items[0]["vertexes"][0]["digest"] == "sha256:b"


def test_buildkit_clipping_its_own_log_is_noticed():
    progress, _ = read(
        [
            document(vertexes=[vertex("sha256:e", "[1/2] RUN yes", started=T)]),
            document(logs=[log("sha256:e", "y\n[output clipped, log limit 2MiB reached]\n")]),
        ]
    )
    assert progress.clipped == "output clipped, log limit 2MiB reached"


def request_for(dockerfile: str, network: bool = True) -> BuildRequest:
    data = io.BytesIO()
    with tarfile.open(fileobj=data, mode="w") as tar:
        body = dockerfile.encode()
        info = tarfile.TarInfo("Dockerfile")
        info.size = len(body)
        tar.addfile(info, io.BytesIO(body))
    data.seek(0)
    return BuildRequest(data, "Dockerfile", "t:1", {}, BuildLimits(network=network))


def failed(name: str, error: str, plain: str = "") -> tuple[Progress, list[str]]:
    chunks = [document(vertexes=[vertex("sha256:f", name, started=T, error=error)])]
    return read(chunks + ([plain + "\n"] if plain else []))


HEREDOC = "FROM python:3.11-slim\nRUN <<EOF\npip install numpy\nEOF\n"


def test_a_heredoc_on_an_engine_before_23_says_which_engine_and_what_to_write():
    progress, plain = failed(
        "[internal] load build definition from Dockerfile",
        "dockerfile parse error line 3: unknown instruction: PIP",
    )
    message = diagnose.explain(request_for(HEREDOC), progress, plain, "20.10.24+dfsg1")
    assert message.startswith("Dockerfile line 2 uses a heredoc (`RUN <<EOF`)"), message
    assert "20.10.24" in message and "Engine 23 or later" in message
    assert "RUN a && b" in message


def test_a_syntax_directive_that_needs_a_registry_says_to_delete_it():
    text = "# syntax=docker/dockerfile:1.7\nFROM python:3.11-slim\n"
    progress, plain = failed(
        "resolve image config for docker/dockerfile:1.7",
        "failed to resolve source metadata for docker.io/docker/dockerfile:1.7: dial tcp: "
        "lookup registry-1.docker.io: no such host",
    )
    message = diagnose.explain(request_for(text), progress, plain, "26.1.5")
    assert message.startswith("Dockerfile line 1: `# syntax=docker/dockerfile:1.7`"), message
    assert "Delete the line" in message


@pytest.mark.parametrize(
    ("mount", "error", "says"),
    [
        ("type=secret,id=token,required=true", "secret token: not found", "build secret"),
        ("type=ssh", 'no SSH key "default" forwarded from the client', "SSH agent"),
    ],
)
def test_a_secret_or_ssh_mount_names_its_line(mount, error, says):
    text = f"FROM python:3.11-slim\nRUN --mount={mount} pip install x\n"
    progress, plain = failed(f"[2/2] RUN --mount={mount} pip install x", error)
    message = diagnose.explain(request_for(text), progress, plain, "26.1.5")
    assert message.startswith("Dockerfile line 2:") and says in message, message


def test_a_download_with_the_network_off_says_build_network():
    text = "FROM python:3.11-slim\nCOPY . .\nRUN pip install numpy\n"
    progress, plain = failed(
        "[3/3] RUN pip install numpy",
        "exit code: 1",
    )
    progress.add(
        json.loads(document(logs=[log("sha256:f", "Temporary failure in name resolution\n")]))
    )
    progress.vertices["sha256:f"].error += " (Temporary failure in name resolution)"
    message = diagnose.explain(request_for(text, network=False), progress, plain, "26.1.5")
    assert message.startswith("Dockerfile line 3: a RUN step needs the network"), message
    assert "build.network: false" in message


def test_a_syntax_error_names_the_line_and_shows_it():
    text = "FROM python:3.11-slim\nRUNN pip install x\n"
    progress, plain = failed(
        "[internal] load build definition from Dockerfile",
        "dockerfile parse error line 2: unknown instruction: RUNN",
    )
    message = diagnose.explain(request_for(text), progress, plain, "26.1.5")
    assert message.startswith("Dockerfile line 2 (`RUNN pip install x`) cannot be read"), message


def test_a_failing_run_step_is_found_by_its_text():
    text = "FROM python:3.11-slim\n\nRUN python  train.py\n"
    progress, plain = failed("[2/2] RUN python train.py", "exit code: 2")
    message = diagnose.explain(request_for(text), progress, plain, "26.1.5")
    assert message == "Dockerfile line 3 failed: `RUN python train.py`: exit code: 2"


def test_classic_is_chosen_by_name_and_an_unknown_builder_is_an_error():
    assert choose("20.10", "classic").kind == "classic"
    assert "COURSE_GRADER_BUILDER" in choose("20.10", "classic").describe()
    with pytest.raises(BuilderUnavailable, match="expected one of auto, buildkit, classic"):
        choose("20.10", "kaniko")


def test_without_buildx_the_fallback_says_how_to_get_it(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # no docker client at all
    fallback = choose("26.1.5", "auto")
    assert fallback.kind == "classic" and "BuildKit is not available" in fallback.reason
    with pytest.raises(BuilderUnavailable, match="COURSE_GRADER_BUILDER=buildkit"):
        choose("26.1.5", "buildkit")
