"""`course-site generate`: the course step Zensical needs, judged against the real MkDocs
build (same rules, same messages) and the real Zensical build (its files are enough)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from _bad_input import SECTIONS, TABLE
from _site import build_config, lesson, write_site
from _zensical import generate, project_copy, zensical_build
from course_site.front_matter import read_page
from course_site.zensical_support import PIN, installed_zensical, version_problem

GENERATED = (
    "zensical.yml",
    "docs/assets/course/course.json",
    "docs/assets/course/quiz.js",
    "docs/assets/course/quiz.css",
    "docs/deployment/index.md",
    "docs/operations/index.md",
    "docs/exercises/index.md",
)


def _generated(root: Path) -> dict[str, bytes]:
    return {path: (root / path).read_bytes() for path in GENERATED}


def _errors(capsys: pytest.CaptureFixture[str]) -> list[str]:
    """The command's error lines, without its `course-site: error: ` prefix."""
    lines = capsys.readouterr().err.splitlines()
    return [line.removeprefix("course-site: error: ") for line in lines if ": error: " in line]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the real course with its generated files."""
    root = project_copy(tmp_path_factory.mktemp("generated"))
    assert generate(root) == 0
    return root


def test_the_same_docs_give_the_same_bytes_and_a_second_run_writes_nothing(
    project: Path, tmp_path: Path
) -> None:
    other = project_copy(tmp_path / "again")
    assert generate(other) == 0
    assert _generated(other) == _generated(project)
    mtimes = {path: (other / path).stat().st_mtime_ns for path in GENERATED}
    assert generate(other) == 0
    assert {path: (other / path).stat().st_mtime_ns for path in GENERATED} == mtimes
    assert generate(other, "--check") == 0


@pytest.mark.parametrize("case", list(TABLE))
def test_what_mkdocs_rejects_the_generator_rejects_with_the_same_message(
    tmp_path: Path, case: str, capsys: pytest.CaptureFixture[str]
) -> None:
    config_file = write_site(tmp_path, TABLE[case], options=SECTIONS)
    built = build_config(config_file)
    mkdocs_says = [message.removeprefix("course_site: ") for message in built.warnings]
    assert mkdocs_says, f"{case}: MkDocs accepted it"
    capsys.readouterr()
    assert generate(tmp_path) == 1
    assert sorted(_errors(capsys)) == sorted(mkdocs_says)
    assert not (tmp_path / "zensical.yml").exists()  # nothing written


def test_an_impossible_date_names_the_field_and_value_and_says_to_quote_it() -> None:
    text = lesson("b", 2, "basics").replace("order: 2", "order: 2\nupdated: 2024-02-30")
    problem = str(read_page(text, "basics/b.md").problem)
    assert "basics/b.md:7: field 'updated'" in problem
    assert "2024-02-30" in problem
    assert 'quote it to keep it as text: updated: "2024-02-30"' in problem
    assert "Error" not in problem and "ValueError" not in problem


@pytest.mark.parametrize(
    "broken",
    [b"---\njust words\n---\n\n# B\n", b"---\nid: caf\xe9\ntitle: B\n---\n\n# B\n"],
    ids=["scalar", "not UTF-8 on the id line"],
)
def test_an_unreadable_lesson_gives_one_message_not_its_neighbours_links(
    tmp_path: Path, broken: bytes
) -> None:
    config_file = write_site(tmp_path, TABLE["links not mutual"], options=SECTIONS)
    write_site(tmp_path, {"basics/a.md": lesson("a", 1, "basics", next="b")}, options=SECTIONS)
    (tmp_path / "docs/basics/b.md").write_bytes(broken)
    built = build_config(config_file)
    assert len(built.warnings) == 1, built.warnings
    assert built.warnings[0].startswith("course_site: basics/b.md")


def test_a_generated_file_edited_by_hand_is_kept_until_forced(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = project_copy(tmp_path / "edited")
    assert generate(root) == 0
    config = root / "zensical.yml"
    config.write_text(config.read_text() + "extra: {mine: 1}\n")
    capsys.readouterr()
    assert generate(root) == 1
    (message,) = _errors(capsys)
    assert message.startswith("zensical.yml was edited by hand")
    assert "run `course-site generate --force`" in message
    assert "mine" in config.read_text()
    assert generate(root, "--check") == 1
    assert generate(root, "--force") == 0
    assert config.read_bytes() == (project / "zensical.yml").read_bytes()


def test_a_lesson_added_without_regenerating_is_named_with_what_to_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = project_copy(tmp_path / "added")
    assert generate(root) == 0
    intro = (root / "docs/deployment/mlops-intro.md").read_text()
    # Linked in properly between the last deployment lesson and the first operations one.
    (root / "docs/deployment/new-lesson.md").write_text(
        lesson(
            "new-lesson",
            4,
            "deployment",
            prev="mlops-model-serving",
            next="ops-monitoring",
            title="New",
            duration="1 min",
        )
    )
    for page, field in (
        ("deployment/mlops-model-serving.md", "nextLessonId"),
        ("operations/monitoring-models.md", "prevLessonId"),
    ):
        path = root / "docs" / page
        text = path.read_text()
        old = next(line for line in text.splitlines() if line.startswith(f"{field}:"))
        path.write_text(text.replace(old, f"{field}: new-lesson", 1))
    capsys.readouterr()
    assert generate(root, "--check") == 1
    stale = _errors(capsys)
    assert "zensical.yml is out of date with docs/ and mkdocs.yml: run `course-site generate`." in (
        stale
    )
    done = zensical_build(root)
    assert (
        "deployment/new-lesson.md: a lesson that `course-site generate` has not seen" in done.stderr
    )
    # ZENSICAL_STRICT_IGNORES_COURSE_WARNINGS (README, "Front ends"): `zensical build
    # --strict` shows the warning but still succeeds; `make zensical-build` and
    # `course-site generate --check` are what fail on a stale course.
    assert done.returncode == 0, done.stderr
    assert "run `course-site generate` (then build again)" in done.stderr
    assert "mlops-intro" in intro  # the copy is the real course


def test_a_zensical_outside_the_pinned_range_is_told_what_to_install() -> None:
    assert version_problem(installed_zensical()) is None
    for version in ("0.0.72", "0.0.80", "0.1.0"):
        message = version_problem(version)
        assert message is not None
        assert f"Zensical {version} is outside the range" in message
        assert f"run `pip install '{PIN}'`" in message
    assert "pyproject" not in PIN and PIN == "zensical==0.0.73"
    pyproject = (Path(__file__).parents[1] / "pyproject.toml").read_text()
    assert f'"{PIN}"' in pyproject


def test_the_command_fails_cleanly_without_a_traceback(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "course_site.cli", "generate", "-f", str(tmp_path / "none.yml")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert re.match(r"course-site: error: .*none\.yml: cannot be read", done.stderr)
