"""What the test host VM guarantees, checked from inside it for both image stores.

Runs only inside the VM (tests/test_testhost.py starts it there):

    scripts/testhost/run -- pytest tests/test_testhost_guest.py
"""

from __future__ import annotations

import json
import re
import subprocess
from importlib.metadata import entry_points
from pathlib import Path

import pytest
from _testhost import STORES

# Collected only inside the VM (tests/conftest.py leaves this file out elsewhere).
pytestmark = pytest.mark.testhost

COPY = Path("/srv/course")
STAND_IN_LABEL = "org.mlops-course.base-image"


def sh(*command: str) -> str:
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


@pytest.fixture(scope="module", params=STORES)
def store(request) -> str:
    # Module scope: pytest runs every test of one store before switching to the next.
    subprocess.run(["testhost-store", request.param], check=True)
    return request.param


def test_systemd_is_pid_1():
    assert Path("/proc/1/comm").read_text().strip() == "systemd"


def test_cgroup_v2_is_mounted():
    assert sh("stat", "-fc", "%T", "/sys/fs/cgroup").strip() == "cgroup2fs"


def test_the_current_code_is_what_runs():
    # Entry points come from the venv's editable install; the code from the copy.
    (plugin,) = entry_points(group="pytest11", name="course_grader")
    assert plugin.load().__file__.startswith(str(COPY / "plugins"))
    (script,) = entry_points(group="console_scripts", name="course-grade")
    assert script.load().__module__ == "course_classroom.cli"
    assert sh("which", "course-grade").strip() == "/opt/course-venv/bin/course-grade"
    help_text = sh("course-grade", "--help")
    assert "usage" in help_text.lower()


def test_docker_uses_systemd_and_cgroup_v2(store):
    info = json.loads(sh("docker", "info", "--format", "{{json .}}"))
    assert info["CgroupVersion"] == "2"
    assert info["CgroupDriver"] == "systemd"
    assert info["ServerVersion"].startswith("26.")
    expected_driver = {"overlay2": "overlay2", "containerd": "overlayfs"}[store]
    assert info["Driver"] == expected_driver


def test_buildx_is_there(store):
    # Debian's build says "github.com/docker/buildx 0.13.1+ds1 0.13.1+ds1-3".
    assert re.match(r"github\.com/docker/buildx v?0\.13\.", sh("docker", "buildx", "version"))


def test_the_base_image_is_loaded(store):
    labels = json.loads(
        sh(
            "docker",
            "image",
            "inspect",
            "-f",
            "{{json .Config.Labels}}",
            "python:3.11-slim-bookworm",
        )
    )
    assert labels.get(STAND_IN_LABEL) == "debootstrap-standin"


def test_a_run_step_builds(store, tmp_path):
    (tmp_path / "Dockerfile").write_text("FROM python:3.11-slim\nRUN python3 -c 'print(6 * 7)'\n")
    result = subprocess.run(
        ["docker", "buildx", "build", "--progress=plain", "--no-cache", str(tmp_path)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "42" in result.stderr
