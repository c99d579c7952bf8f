"""Every workflow of the project, and the grade.yml a handout carries, is a valid GitHub
workflow (check-jsonschema's vendored schema), has no zizmor finding, and uses only
actions whose majors run on Node 24."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from _grader import REPO

VENV_BIN = Path(sys.executable).parent
WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml"))
ZIZMOR_POLICY = REPO / ".github" / "zizmor.yml"
# The first major of each action that runs on Node 24 (`runs.using: node24` in its action.yml,
# per the actions' release notes).
NODE24_MAJORS = {
    "actions/checkout": 5,
    "actions/setup-python": 6,
    "actions/configure-pages": 6,
    "actions/upload-pages-artifact": 5,  # composite: upload-artifact v7
    "actions/deploy-pages": 5,
    "actions/upload-artifact": 6,
    "actions/download-artifact": 7,
}


@pytest.fixture(scope="module")
def handout_workflow(tmp_path_factory) -> Path:
    dest = tmp_path_factory.mktemp("handout") / "repo"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "course_classroom.cli",
            "handout",
            str(REPO / "exercises" / "01-containerize-api"),
            str(dest),
            "--grader",
            "x",
        ],
        check=True,
        capture_output=True,
    )
    return dest / ".github" / "workflows" / "grade.yml"


def _all(handout_workflow: Path) -> list[Path]:
    return [*WORKFLOWS, handout_workflow]


def test_the_project_has_its_workflows():
    assert {p.name for p in WORKFLOWS} >= {"pages.yml", "regrade.yml"}


def test_every_workflow_is_valid_for_github(handout_workflow):
    result = subprocess.run(
        [str(VENV_BIN / "check-jsonschema"), "--builtin-schema", "vendor.github-workflows"]
        + [str(p) for p in _all(handout_workflow)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_zizmor_finds_nothing_in_any_workflow(handout_workflow):
    result = subprocess.run(
        [str(VENV_BIN / "zizmor"), "--offline", "--no-progress", "--config", str(ZIZMOR_POLICY)]
        + [str(p) for p in _all(handout_workflow)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings to report" in result.stdout, result.stdout


def test_every_action_is_a_node24_major(handout_workflow):
    used = set()
    for path in _all(handout_workflow):
        for match in re.finditer(r"uses:\s*([\w.-]+/[\w.-]+)@v(\d+)", path.read_text()):
            action, major = match.group(1), int(match.group(2))
            assert action in NODE24_MAJORS, f"{path.name}: {action} is not a verified action"
            assert major >= NODE24_MAJORS[action], f"{path.name}: {action}@v{major} runs on Node 20"
            used.add(action)
    assert used == set(NODE24_MAJORS)


def test_pages_workflow_parses_and_names_its_strict_build_step():
    steps = yaml.safe_load((REPO / ".github/workflows/pages.yml").read_text())["jobs"]["build"][
        "steps"
    ]
    assert any(str(s.get("name", "")).startswith("Build (strict:") for s in steps)


def test_the_zizmor_policy_allows_tag_pins_for_github_actions_only():
    policies = yaml.safe_load(ZIZMOR_POLICY.read_text())["rules"]["unpinned-uses"]["config"]
    assert policies["policies"] == {"actions/*": "ref-pin", "*": "hash-pin"}
