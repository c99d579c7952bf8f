"""Progress markup in real builds: bars, Start link, Mark as complete, exercises in the course."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from _site import Built, article, build_config, build_loaded, chain, lesson, write_site
from mkdocs.config import load_config

ROOT = Path(__file__).resolve().parents[1]
QUIZ = "## Knowledge Check\n\n1. Q?\n   - yes\n   - no, not this one\n"


def _pages() -> dict[str, str]:
    pages = {"index.md": "# Home\n\n<!-- course-overview -->\n"}
    pages.update(chain("basics", ["b-one", "b-two"], after="ex-one"))
    pages["basics/b-one.md"] = lesson("b-one", 1, "basics", next="b-two", body=QUIZ)
    pages["practice/ex-one.md"] = (
        "---\nid: ex-one\ntitle: Exercise One\ntype: exercise\nduration: 1 hour\norder: 1\n"
        'section: practice\nprevLessonId: b-two\n---\n\n--8<-- "snippets/ex.md"\n'
    )
    return pages


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """The course above, with the exercise's title brought in by a snippet (as in docs/)."""
    root = tmp_path_factory.mktemp("progress")
    (root / "snippets").mkdir()
    (root / "snippets/ex.md").write_text("# Exercise One\n\nDo the thing.\n")
    config_file = write_site(root, _pages())
    config = yaml.safe_load(config_file.read_text())
    config["markdown_extensions"].append(
        {"pymdownx.snippets": {"base_path": [str(root)], "check_paths": True}}
    )
    config_file.write_text(yaml.safe_dump(config))
    result = build_config(config_file, strict=True)
    assert not result.aborted and result.warnings == [], result.warnings
    return result


def test_home_has_a_course_bar_section_bars_and_a_start_link(built: Built) -> None:
    html = article(built.html(""))
    bars = re.findall(r'<div class="course-progress" data-lessons="([^"]*)" hidden>', html)
    assert bars == ["b-one b-two ex-one", "b-one b-two", "ex-one"]
    assert html.count('role="progressbar"') == 3
    assert (
        'aria-label="Course progress" aria-valuemin="0" aria-valuemax="3" aria-valuenow="0"' in html
    )
    assert '<p class="course-progress__text">0 of 3 lessons done</p>' in html
    assert 'class="md-button md-button--primary course-start__link" href="basics/b-one/"' in html
    assert "Reset progress</button>" in html
    assert "3 lessons · 2 h in total" in html  # the exercise counts in the totals


def test_section_pages_show_the_sections_bar_and_a_progress_column(built: Built) -> None:
    html = article(built.html("basics"))
    assert 'aria-label="Basics progress"' in html and "0 of 2 lessons done" in html
    assert "<th>Progress</th>" in html or ">Progress</th>" in html
    assert html.count('class="course-quiz-status"') == 2


def test_only_lessons_without_a_quiz_get_the_mark_as_complete_toggle(built: Built) -> None:
    toggle = 'aria-pressed="false" data-lesson-id="{}" hidden>Mark as complete</button>'
    assert toggle.format("b-one") not in built.html("basics/b-one")
    assert toggle.format("b-two") in built.html("basics/b-two")
    assert toggle.format("ex-one") in built.html("practice/ex-one")


def test_an_exercise_whose_title_comes_from_a_snippet_shows_its_meta_under_it(built: Built) -> None:
    html = article(built.html("practice/ex-one"))
    meta = '<p class="course-lesson-meta"><strong>Exercise</strong> · 1 h</p>'
    assert html.index("Exercise One</h1>") < html.index(meta) < html.index("Do the thing.")


def test_the_real_course_chains_the_exercises_after_the_last_operations_lesson(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    config = load_config("mkdocs.yml", strict=True, site_dir=str(tmp_path / "site"))
    result = build_loaded(config)
    assert not result.aborted and result.warnings == [], result.warnings
    rollouts = result.html("operations/safe-rollouts")
    assert '<link rel="next" href="../../exercises/01-containerize-api/">' in rollouts
    first = result.html("exercises/01-containerize-api")
    assert '<link rel="next" href="../02-production-image/">' in first
    assert "<strong>Exercise</strong> · 45 min" in first
    second = result.html("exercises/02-production-image")
    assert '<link rel="next" href="../03-ship-it/">' in second
    index = article(result.html("exercises"))
    assert "3 lessons · 2 h 45 min in total" in index
    home = article(result.html(""))
    assert "3. [Exercises]" not in home and "Exercises</a> · 2 h 45 min" in home
