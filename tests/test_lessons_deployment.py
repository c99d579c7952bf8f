"""The deployment section's lessons are complete, in the seed's format, and build.

Checks what a reader and the course plugin rely on: the seed's exact front
matter shape, one prev/next chain mlops-intro -> mlops-docker ->
mlops-model-serving that agrees with the neighbouring sections, a five-question
Knowledge Check in the seed's layout, the modern Docker idioms the lessons
promise, and a strict build of the real course from any working directory.
"""

from __future__ import annotations

import re
from itertools import pairwise
from pathlib import Path

import pytest
import yaml
from _samples import DOCS, ROOT, docs_blocks
from _site import build_loaded
from mkdocs.config import load_config

LESSONS = ["mlops-intro", "mlops-docker", "mlops-model-serving"]
SEED_KEYS = ["id", "title", "type", "duration", "order", "section", "prevLessonId", "nextLessonId"]
QUESTION = re.compile(r"^(\d+)\. \S")
OPTION = re.compile(r"^ {3}- \S")


def front_matter(path: Path) -> dict[str, object]:
    """The YAML between the first two `---` lines."""
    text = path.read_text()
    assert text.startswith("---\n"), f"{path}: no front matter"
    return yaml.safe_load(text.split("---\n", 2)[1])


def all_lessons() -> dict[str, tuple[Path, dict[str, object]]]:
    """Every page with an `id`, by id (the course plugin's notion of a lesson)."""
    found = {}
    for md in DOCS.rglob("*.md"):
        if md.read_text().startswith("---\n"):
            meta = front_matter(md)
            if meta and "id" in meta:
                found[str(meta["id"])] = (md, meta)
    return found


def knowledge_check(path: Path) -> list[tuple[str, list[str]]]:
    """The questions and options after `## Knowledge Check`, from the source."""
    lines = path.read_text().split("## Knowledge Check", 1)[1].splitlines()
    quiz: list[tuple[str, list[str]]] = []
    for line in lines:
        if QUESTION.match(line):
            quiz.append((line, []))
        elif OPTION.match(line):
            assert quiz, f"{path}: option before the first question: {line!r}"
            quiz[-1][1].append(line.strip()[2:])
        elif line.strip() and not line.startswith("   "):
            pytest.fail(f"{path}: unexpected line in the Knowledge Check: {line!r}")
    return quiz


def prose_words(path: Path) -> int:
    """Words a reader reads: the body without front matter and code blocks."""
    body = path.read_text().split("---\n", 2)[2]
    return len(re.sub(r"```.*?```", " ", body, flags=re.S).split())


@pytest.mark.parametrize("lesson_id", LESSONS)
def test_front_matter_has_the_seed_shape(lesson_id: str) -> None:
    path = DOCS / "deployment" / f"{lesson_id}.md"
    meta = front_matter(path)
    keys = [k for k in SEED_KEYS if k in meta]
    assert list(meta) == keys, f"{path.name}: keys {list(meta)} not in the seed's order {SEED_KEYS}"
    assert meta["id"] == lesson_id
    assert meta["type"] == "lesson"
    assert meta["section"] == "deployment"
    assert meta["order"] == LESSONS.index(lesson_id) + 1
    assert re.fullmatch(r"\d+ mins", str(meta["duration"])), meta["duration"]
    assert 20 <= int(str(meta["duration"]).split()[0]) <= 90, "unrealistic duration"


def test_the_lessons_form_one_chain_that_joins_the_other_sections() -> None:
    lessons = all_lessons()
    metas = [lessons[i][1] for i in LESSONS]
    for before, after in pairwise(LESSONS):
        assert lessons[before][1]["nextLessonId"] == after
        assert lessons[after][1]["prevLessonId"] == before
    # The ends are mutual with whatever lessons the neighbouring sections add.
    for meta, field, back in (
        (metas[0], "prevLessonId", "nextLessonId"),
        (metas[-1], "nextLessonId", "prevLessonId"),
    ):
        neighbour = meta.get(field)
        pointing = [i for i, (_, m) in lessons.items() if m.get(back) == meta["id"]]
        if neighbour is None:
            assert not pointing, f"{meta['id']}: {pointing} link to it, it has no {field}"
        else:
            assert lessons[str(neighbour)][1][back] == meta["id"], f"{meta['id']}.{field}"


@pytest.mark.parametrize("lesson_id", LESSONS)
def test_knowledge_check_has_five_questions_in_the_seed_layout(lesson_id: str) -> None:
    quiz = knowledge_check(DOCS / "deployment" / f"{lesson_id}.md")
    assert [int(QUESTION.match(q)[1]) for q, _ in quiz] == [1, 2, 3, 4, 5]
    for question, options in quiz:
        assert len(options) == 4, f"{question!r}: {len(options)} options, expected 4"
        assert len(set(options)) == 4, f"{question!r}: repeated option"


@pytest.mark.parametrize(
    ("lesson_id", "least"),
    [("mlops-intro", 900), ("mlops-docker", 1500), ("mlops-model-serving", 900)],
)
def test_lesson_is_substantial(lesson_id: str, least: int) -> None:
    assert prose_words(DOCS / "deployment" / f"{lesson_id}.md") >= least


def test_no_sample_uses_compose_v1_or_lowercase_stage_names() -> None:
    shell = docs_blocks("bash", "sh", "console", "shell")
    v1 = [b.where for b in shell if re.search(r"(^|\s)docker-compose\s", b.text, re.M)]
    assert not v1, f"use `docker compose` (v2), not `docker-compose`: {v1}"
    lower = [b.where for b in docs_blocks("dockerfile") if re.search(r"^FROM .* as ", b.text, re.M)]
    assert not lower, f"write `AS` in upper case: {lower}"


def test_docker_lesson_covers_every_seed_topic() -> None:
    text = (DOCS / "deployment" / "mlops-docker.md").read_text()
    for topic in (
        "## The environment problem",
        "Registry",
        "## Everyday commands",
        "## A first Dockerfile",
        "multi-stage",
        "FastAPI",
        "redis:",
        "prom/prometheus",
        "grafana/grafana",
        "## GPU images",
        "--gpus",
        ".dockerignore",
        "### Pin what you depend on",
        "### Order instructions",
    ):
        assert topic in text, f"mlops-docker.md does not cover {topic!r}"


def test_the_real_course_builds_strictly_from_any_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Snippet paths resolve against mkdocs.yml, not the working directory."""
    monkeypatch.chdir(tmp_path)
    config = load_config(str(ROOT / "mkdocs.yml"), strict=True, site_dir=str(tmp_path / "site"))
    built = build_loaded(config)
    assert not built.aborted and not built.warnings, built.warnings
    footer = {}
    for lesson_id in LESSONS:
        html = built.html(f"deployment/{lesson_id}")
        footer[lesson_id] = re.findall(r'<link rel="(prev|next)" href="([^"]+)"', html)
    assert ("next", "../mlops-docker/") in footer["mlops-intro"]
    assert ("prev", "../mlops-intro/") in footer["mlops-docker"]
    assert ("next", "../mlops-model-serving/") in footer["mlops-docker"]
    assert ("prev", "../mlops-docker/") in footer["mlops-model-serving"]
    for page in ("exercises/01-containerize-api", "exercises/02-production-image"):
        html = built.html(page)
        assert "pytest exercises/" in html and "TODO" in html, f"{page}: README or starter missing"
