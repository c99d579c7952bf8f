"""Helpers for the class-workflow tests: student checkouts and the course-grade CLI."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from _grader import EXERCISES

EX01 = EXERCISES / "01-containerize-api"
SOLUTION01 = (EX01 / "solution" / "Dockerfile").read_text(encoding="utf-8")
STARTER01 = (EX01 / "Dockerfile").read_text(encoding="utf-8")
COURSE_GRADE = [sys.executable, "-m", "course_classroom.cli"]


def student_repo(root: Path, name: str, files: dict[str, str], git: bool = False) -> Path:
    """A student's checkout: a handout-like copy of exercise 01 with *files* written over it."""
    folder = root / name
    shutil.copytree(EX01, folder, ignore=shutil.ignore_patterns("solution", "__pycache__", "model"))
    (folder / "Dockerfile").unlink()
    for relative, text in files.items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    if git:
        commit(folder, "hand in")
    return folder


def commit(folder: Path, message: str) -> str:
    def run(*args: str) -> str:
        return subprocess.run(
            ["git", "-C", str(folder), *args], check=True, capture_output=True, text=True
        ).stdout.strip()

    if not (folder / ".git").exists():
        run("init", "-q")
    run("add", "-A")
    run("-c", "user.name=student", "-c", "user.email=s@example.org", "commit", "-qm", message)
    return run("rev-parse", "HEAD")


def course_grade(*args: str, cwd: Path | None = None, timeout: float = 900):
    return subprocess.run(
        [*COURSE_GRADE, *args], capture_output=True, text=True, cwd=cwd, timeout=timeout
    )


CHECKS = ["lint", "build", "health", "predict", "layer-cache"]
MAXIMA = {"lint": 1, "build": 2, "health": 2, "predict": 3, "layer-cache": 2}


def report(scores: dict[str, float], maxima: dict[str, float]) -> dict:
    """A Gradescope report of exercise 01 as the grader writes it."""
    return {
        "score": sum(scores.values()),
        "max_score": sum(maxima.values()),
        "tests": [
            {
                "name": f"01-containerize-api: {c}",
                "score": scores[c],
                "max_score": maxima[c],
                "status": "passed" if scores[c] == maxima[c] else "failed",
                "output": "",
            }
            for c in CHECKS
        ],
    }
