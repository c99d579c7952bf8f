"""The grader's pure parts: Dockerfile parsing, static rules, hints, lint, models, reports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _grader import EXERCISES
from course_grader import hints, lint, rules
from course_grader.container import parse_proc_net_tcp
from course_grader.dockerfile import ImageRef, exec_words, parse
from course_grader.errors import CheckFailed, ExerciseConfigError
from course_grader.exercise import CHECK_IDS, load_exercise
from course_grader.report import FAILED, NOT_GRADED, PASSED, Gradebook

MULTI = """\
# a comment
FROM python:3.11-slim-bookworm AS builder
RUN python -m venv /opt/venv && \\
    /opt/venv/bin/pip install --no-cache-dir -r requirements.txt
FROM builder AS test
RUN echo test
FROM python:3.11-slim-bookworm
COPY --from=builder --chown=app /opt/venv /opt/venv
USER app
CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "8000"]
"""


def failure(rule, *args) -> CheckFailed:
    with pytest.raises(CheckFailed) as caught:
        rule(*args)
    return caught.value


# -- parsing ----------------------------------------------------------------------------


def test_stages_have_their_base_alias_and_line():
    dockerfile = parse(MULTI)
    assert [(s.base, s.alias, s.line) for s in dockerfile.stages] == [
        ("python:3.11-slim-bookworm", "builder", 2),
        ("builder", "test", 5),
        ("python:3.11-slim-bookworm", None, 7),
    ]


def test_continuation_lines_join_into_one_instruction():
    run = parse(MULTI).stages[0].named("RUN")[0]
    assert run.line == 3
    assert "pip install --no-cache-dir -r requirements.txt" in run.args


def test_flags_are_split_from_arguments():
    copy = parse(MULTI).final.named("COPY")[0]
    assert copy.flags == {"from": "builder", "chown": "app"}
    assert copy.args == "/opt/venv /opt/venv"


def test_external_bases_skip_earlier_stages_and_scratch():
    text = MULTI + "FROM scratch\n"
    assert [str(ref) for _, ref in parse(text).external_bases()] == [
        "python:3.11-slim-bookworm",
        "python:3.11-slim-bookworm",
    ]


def test_base_of_final_stage_follows_aliases():
    assert parse(MULTI + "FROM test\n").base_image_of_final() == "python:3.11-slim-bookworm"


@pytest.mark.parametrize(
    ("ref", "name", "tag", "digest"),
    [
        ("python", "python", None, None),
        ("python:3.11-slim", "python", "3.11-slim", None),
        ("localhost:5000/team/python:3.11", "localhost:5000/team/python", "3.11", None),
        ("localhost:5000/python", "localhost:5000/python", None, None),
        ("python@sha256:abc", "python", None, "sha256:abc"),
    ],
)
def test_image_references_parse(ref, name, tag, digest):
    assert ImageRef.parse(ref) == ImageRef(name, tag, digest)


def test_exec_words_read_json_and_shell_forms():
    assert exec_words('["uvicorn", "app.main:app"]') == ["uvicorn", "app.main:app"]
    assert exec_words("uvicorn app.main:app --port 8000") == [
        "uvicorn",
        "app.main:app",
        "--port",
        "8000",
    ]


# -- static rules -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "base", ["python", "python:latest", "python:3", "python:slim", "python:3.11-slim"]
)
def test_pinned_base_fails_without_a_version_tag(base):
    error = failure(rules.pinned_base, parse(f"FROM {base}\n"), {})
    assert error.check == "pinned-base"
    assert base in error.found
    assert any(h.startswith("unpinned-base:") for h in error.hints)


@pytest.mark.parametrize(
    "base", ["python:3.11-slim-bookworm", "python:3.11.9", "python@sha256:0f", "ubuntu:22.04"]
)
def test_pinned_base_passes_with_a_version_or_digest(base):
    assert rules.pinned_base(parse(f"FROM {base}\n"), {})


def test_pinned_base_ignores_references_to_earlier_stages():
    assert rules.pinned_base(parse(MULTI), {})


def test_multi_stage_fails_with_one_stage():
    error = failure(rules.multi_stage, parse("FROM python:3.11-slim\nCMD python\n"), {})
    assert error.found == "1 stage(s)"


def test_multi_stage_fails_when_final_stage_copies_nothing_from_earlier_stages():
    text = "FROM python:3.11-slim AS builder\nRUN true\nFROM python:3.11-slim\nCOPY . .\n"
    error = failure(rules.multi_stage, parse(text), {})
    assert "does not copy" in error.problem


@pytest.mark.parametrize("source", ["builder", "0", "BUILDER"])
def test_multi_stage_passes_when_final_stage_copies_from_a_stage(source):
    text = f"FROM python:3.11-slim AS builder\nFROM python:3.11-slim\nCOPY --from={source} /a /a\n"
    assert rules.multi_stage(parse(text), {})


@pytest.mark.parametrize("user", [None, "root", "0", "0:0", "root:root"])
def test_non_root_fails_without_an_unprivileged_user(user):
    text = "FROM python:3.11-slim\n" + (f"USER {user}\n" if user else "")
    error = failure(rules.non_root, parse(text), {})
    assert any(h.startswith("root:") for h in error.hints)


def test_non_root_looks_at_the_final_stage_only():
    text = "FROM python:3.11-slim AS builder\nUSER app\nFROM python:3.11-slim\n"
    assert failure(rules.non_root, parse(text), {}).found == "no USER in the final stage"


def test_non_root_passes_with_a_named_user():
    assert "app" in rules.non_root(parse(MULTI), {})


def test_healthcheck_declared_fails_without_one_or_with_none():
    failure(rules.healthcheck_declared, parse("FROM python:3.11-slim\n"), {})
    failure(rules.healthcheck_declared, parse("FROM python:3.11-slim\nHEALTHCHECK NONE\n"), {})


def test_healthcheck_declared_warns_about_curl():
    text = "FROM python:3.11-slim\nHEALTHCHECK CMD curl -f http://127.0.0.1:8000/health\n"
    assert "curl" in rules.healthcheck_declared(parse(text), {})


DOCKERIGNORE = {
    "must_exclude": [".git/HEAD", "app/__pycache__/x.pyc", ".env"],
    "must_keep": ["requirements.txt", "app/main.py"],
}


def test_dockerignore_fails_when_missing(tmp_path):
    assert failure(rules.dockerignore, tmp_path, DOCKERIGNORE).found == "no .dockerignore"


def test_dockerignore_names_what_is_still_sent(tmp_path):
    (tmp_path / ".dockerignore").write_text(".git\n__pycache__\n")
    error = failure(rules.dockerignore, tmp_path, DOCKERIGNORE)
    assert "app/__pycache__/x.pyc" in error.found and ".env" in error.found


def test_dockerignore_names_what_the_build_needs_but_is_left_out(tmp_path):
    (tmp_path / ".dockerignore").write_text(".git\n**/__pycache__\n.env\n*.txt\n")
    assert "requirements.txt" in failure(rules.dockerignore, tmp_path, DOCKERIGNORE).found


def test_dockerignore_passes_with_the_solution(tmp_path):
    solution = EXERCISES / "02-production-image" / "solution" / ".dockerignore"
    (tmp_path / ".dockerignore").write_text(solution.read_text())
    params = load_exercise(EXERCISES / "02-production-image" / "exercise.yml").params(
        "dockerignore"
    )
    assert rules.dockerignore(tmp_path, params)


# -- hints --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cmd", "bound"),
    [
        ('["uvicorn", "app.main:app", "--port", "8000"]', True),
        ('["uvicorn", "app.main:app", "--host", "127.0.0.1"]', True),
        ("uvicorn app.main:app --host=localhost", True),
        ('["uvicorn", "app.main:app", "--host", "0.0.0.0"]', False),
    ],
)
def test_loopback_binding_is_detected_from_the_command(cmd, bound):
    assert hints.loopback_bound(parse(f"FROM python:3.11-slim\nCMD {cmd}\n")) is bound


@pytest.mark.parametrize(
    ("expose", "port", "mismatch"),
    [("8000", "8000", False), ("8000", "8080", True), ("8080", "8080", True), ("", "8000", False)],
)
def test_port_mismatch_compares_expose_cmd_and_the_exercise_port(expose, port, mismatch):
    text = "FROM python:3.11-slim\n" + (f"EXPOSE {expose}\n" if expose else "")
    text += f'CMD ["uvicorn", "app.main:app", "--port", "{port}"]\n'
    assert hints.port_mismatch(parse(text), 8000) is mismatch


@pytest.mark.parametrize(
    ("check", "tool"),
    [
        ("CMD curl -f http://127.0.0.1:8000/health || exit 1", "curl"),
        ('CMD ["/usr/bin/wget", "-q", "http://127.0.0.1:8000/health"]', "wget"),
        ('CMD python -c "import urllib.request"', None),
    ],
)
def test_healthcheck_tool_is_found_in_the_final_stage(check, tool):
    assert hints.healthcheck_tool(parse(f"FROM python:3.11-slim\nHEALTHCHECK {check}\n")) == tool


def test_requirements_after_code_names_the_copy_that_comes_first():
    text = "FROM python:3.11-slim\nCOPY . .\nRUN pip install --no-cache-dir -r requirements.txt\n"
    found = hints.requirements_after_code(parse(text))
    assert found is not None and found.line == 2


def test_requirements_before_code_is_fine():
    solution = (EXERCISES / "01-containerize-api" / "solution" / "Dockerfile").read_text()
    assert hints.requirements_after_code(parse(solution)) is None
    assert len(hints.dependency_installs(parse(solution))) == 1


def test_buildkit_only_syntax_is_recognised():
    text = (
        "# syntax=docker/dockerfile:1\nFROM python:3.11-slim\n"
        "RUN --mount=type=cache,target=/root/.cache/pip pip install -r requirements.txt\n"
        "COPY --chmod=755 run.sh /run.sh\nCOPY --link . .\n"
        "RUN <<EOF\necho hi\nEOF\n"
    )
    found = " ".join(hints.buildkit_syntax(parse(text)))
    for expected in ("syntax=", "RUN --mount", "COPY --chmod", "COPY --link", "heredoc"):
        assert expected in found


def test_classic_syntax_is_not_flagged_and_exercise_02_uses_a_cache_mount():
    solution = (EXERCISES / "01-containerize-api" / "solution" / "Dockerfile").read_text()
    assert hints.buildkit_syntax(parse(solution)) == []
    solution = (EXERCISES / "02-production-image" / "solution" / "Dockerfile").read_text()
    assert [f for f in hints.buildkit_syntax(parse(solution))] == ["`RUN --mount` (line 19)"]


def test_proc_net_tcp_lists_listening_sockets():
    text = (
        "  sl  local_address rem_address   st\n"
        "   0: 0100007F:1F40 00000000:0000 0A 0\n"
        "   1: 00000000:1F90 00000000:0000 0A 0\n"
        "   2: 0100007F:1F40 0100007F:9C40 01 0\n"
        "   0: 00000000000000000000000000000000:1F40 00000000000000000000000000000000:0000 0A\n"
        "   1: 00000000000000000000000001000000:1F41 00000000000000000000000000000000:0000 0A\n"
    )
    assert parse_proc_net_tcp(text) == [
        ("127.0.0.1", 8000),
        ("0.0.0.0", 8080),
        ("::", 8000),
        ("::1", 8001),
    ]


# -- lint -------------------------------------------------------------------------------------


def test_lint_reports_hadolint_findings_with_line_and_rule(tmp_path):
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text("FROM python:3.11-slim\nRUN pip install -r requirements.txt\n")
    error = failure(lint.lint, dockerfile, {}, {"lint"})
    assert "line 2: DL3042" in error.found


def test_lint_ignores_ignore_pragmas_and_local_config(tmp_path):
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(
        "FROM python:3.11-slim\n# hadolint ignore=DL3042\nRUN pip install -r requirements.txt\n"
    )
    (tmp_path / ".hadolint.yaml").write_text("ignored: [DL3042]\n")
    assert "DL3042" in failure(lint.lint, dockerfile, {}, {"lint"}).found


def test_lint_does_not_charge_what_another_check_grades(tmp_path):
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text("FROM python:latest\nUSER root\n")
    assert "DL3007" in failure(lint.lint, dockerfile, {}, {"lint"}).found
    assert lint.lint(dockerfile, {}, {"lint", "pinned-base", "non-root"})


def test_solutions_lint_clean():
    for name in ("01-containerize-api", "02-production-image"):
        assert lint.lint(EXERCISES / name / "solution" / "Dockerfile", {}, set())


# -- exercise.yml and reports ----------------------------------------------------------------


def test_exercise_files_load_with_known_checks_in_run_order():
    for name in ("01-containerize-api", "02-production-image"):
        exercise = load_exercise(EXERCISES / name / "exercise.yml")
        ids = [c.id for c in exercise.checks]
        assert ids == sorted(ids, key=CHECK_IDS.index)
        assert exercise.slug == name and exercise.max_points > 0


def test_unknown_check_id_is_named_with_the_file(tmp_path):
    path = tmp_path / "exercise.yml"
    path.write_text("checks:\n  helth: {points: 1}\n")
    with pytest.raises(ExerciseConfigError, match=r"exercise.yml: checks.helth: unknown check"):
        load_exercise(path)


def test_negative_points_are_refused(tmp_path):
    path = tmp_path / "exercise.yml"
    path.write_text("checks:\n  build: {points: -1}\n")
    with pytest.raises(ExerciseConfigError, match=r"checks.build.points"):
        load_exercise(path)


def test_gradebook_writes_the_gradescope_shape(tmp_path):
    book = Gradebook()
    for check, points, outcome in (
        ("lint", 1, PASSED),
        ("build", 2, FAILED),
        ("health", 2, NOT_GRADED),
    ):
        grade = book.add("01", check, points)
        grade.outcome, grade.output = outcome, f"{check} output"
    path = tmp_path / "results.json"
    book.write_json(path, execution_time=1.234)
    data = json.loads(path.read_text())
    assert (data["score"], data["max_score"], data["execution_time"]) == (1, 5, 1.23)
    assert {
        "name": "01: build",
        "score": 0,
        "max_score": 2,
        "status": "failed",
        "output": "build output",
    }.items() <= data["tests"][1].items()


def test_every_hint_renders_without_placeholders():
    values = {"port": 8000, "tool": "curl", "what": "`RUN --mount`", "image": "python:3.11"}
    for hint_id in hints.HINTS:
        text = hints.hint(hint_id, **values)
        assert text.startswith(f"{hint_id}: ") and "{" not in text.replace('{"', "")


def test_check_failed_renders_expected_found_hints_and_log():
    text = CheckFailed(
        "health",
        "no answer",
        expected="200",
        found="reset",
        hints=["loopback: fix"],
        log_title="container log",
        log_tail=["a", "b"],
    ).render()
    assert text.splitlines() == [
        "[health] no answer",
        "  expected: 200",
        "  found:    reset",
        "  hint: loopback: fix",
        "  --- container log (last 2 lines) ---",
        "  | a",
        "  | b",
    ]


def test_exercise_folders_are_complete():
    for name in ("01-containerize-api", "02-production-image"):
        folder = EXERCISES / name
        for needed in (
            "README.md",
            "Dockerfile",
            "exercise.yml",
            "requirements.txt",
            "train.py",
            "app/main.py",
            "solution/Dockerfile",
        ):
            assert (folder / needed).is_file(), f"{name}/{needed}"
        assert "TODO" in (folder / "Dockerfile").read_text()
        assert f"pytest exercises/{name}" in (folder / "README.md").read_text()
    assert Path(EXERCISES / "02-production-image" / "solution" / ".dockerignore").is_file()


# -- build log reading (pure parts of the engine adapter) ------------------------------------


def read_steps(log: str, running: list | None = None) -> list:
    from course_grader.build.classic import read_step

    steps: list = []
    for line in log.splitlines():
        read_step(line, steps, running if running is not None else [])
    return steps


BUILD_LOG = """\
Step 1/6 : FROM python:3.11-slim-bookworm AS builder
 ---> 36c17410ea7b
Step 2/6 : RUN pip install --no-cache-dir -r requirements.txt
 ---> Using cache
 ---> 1111111111aa
Step 3/6 : COPY train.py .
 ---> Running in 9999999999ff
 ---> 2222222222bb
Step 4/6 : FROM python:3.11-slim-bookworm
 ---> 36c17410ea7b
Step 5/6 : COPY --from=builder /opt/venv /opt/venv
 ---> 3333333333cc
Step 6/6 : USER app
"""


def test_build_log_steps_record_cache_hits_and_images():
    steps = read_steps(BUILD_LOG)
    assert [(s.number, s.cached, s.image_id) for s in steps] == [
        (1, False, "36c17410ea7b"),
        (2, True, "1111111111aa"),
        (3, False, "2222222222bb"),
        (4, False, "36c17410ea7b"),
        (5, False, "3333333333cc"),
        (6, False, None),
    ]
    assert steps[1].instruction == "RUN pip install --no-cache-dir -r requirements.txt"


def test_stage_ends_are_the_images_left_outside_the_final_chain():
    from course_grader.build.classic import stage_ends

    running: list = []
    steps = read_steps(BUILD_LOG, running)
    assert stage_ends(steps, failed=False) == ["2222222222bb"]
    assert stage_ends(steps, failed=True) == ["2222222222bb", "3333333333cc"]
    assert running == ["9999999999ff"], "the RUN containers a stopped build must remove"


def test_requirement_installs_are_recognised_in_their_usual_spellings():
    for command in (
        "pip install -r requirements.txt",
        "pip3 install --no-cache-dir -r req/requirements.txt",
        "python -m pip install --requirement=requirements.txt",
        "/opt/venv/bin/pip install -r requirements-prod.txt",
    ):
        assert hints.installs_requirements(command), command
    assert not hints.installs_requirements("pip install fastapi")
