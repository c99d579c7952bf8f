"""`course-grade handout`: an exercise folder as a ready-to-push student repository.

Everything in the exercise but its solution, a README with the task and the
command that self-grades, a pinned install of the grader and the feedback
workflow `.github/workflows/grade.yml`. Refuses, writing nothing, when a file it
would hand out holds a solution file's content (normalized: line endings,
trailing spaces, blank lines and `#` comment lines do not count).
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import tempfile
from importlib import resources
from pathlib import Path

from course_grader.exercise import Exercise

from .submission import CLUTTER, PRIVATE

GRADER_REQUIREMENTS = "grader-requirements.txt"
WORKFLOW = Path(".github") / "workflows" / "grade.yml"
SELF_GRADE = "python -m pytest ."
GITIGNORE = "results.json\nresult.json\nfeedback.md\n__pycache__/\n.pytest_cache/\nmodel/\n"


class HandoutError(Exception):
    """The handout cannot be written (names the file and what to do)."""


def normalized(data: bytes) -> str:
    """Content that survives cosmetic edits: no blank lines, no `#` comment lines, no
    trailing spaces, one kind of line ending, runs of spaces as one."""
    text = data.decode("utf-8", errors="replace").replace("\r\n", "\n").replace("\r", "\n")
    kept = []
    for line in text.split("\n"):
        line = re.sub(r"[ \t]+", " ", line).strip()
        if line and not line.startswith("#"):
            kept.append(line)
    return "\n".join(kept)


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


def solution_leaks(exercise_dir: Path, handout: Path) -> list[str]:
    """'handed-out file: solution file' for each handed-out file that holds a solution file."""
    solution = exercise_dir / "solution"
    if not solution.is_dir():
        return []
    answers = {}
    for path in _files(solution):
        text = normalized(path.read_bytes())
        if text:  # an empty file (an __init__.py) gives nothing away
            answers[path.relative_to(exercise_dir).as_posix()] = text
    leaks = []
    for path in _files(handout):
        text = normalized(path.read_bytes())
        digest = hashlib.sha256(text.encode()).hexdigest()
        for name, answer in answers.items():
            if digest == hashlib.sha256(answer.encode()).hexdigest() or (
                answer.count("\n") >= 2 and answer in text
            ):
                leaks.append(f"{path.relative_to(handout).as_posix()}: holds {name}")
    return leaks


def default_grader_spec() -> str:
    """`mlops-course @ git+<origin>@<commit>` of the course checkout this package runs from."""
    root = Path(__file__).resolve().parents[2]

    def git(*args: str) -> str:
        answer = subprocess.run(
            ["git", "-C", str(root), *args], capture_output=True, text=True, check=False
        )
        return answer.stdout.strip() if answer.returncode == 0 else ""

    url, commit = git("remote", "get-url", "origin"), git("rev-parse", "HEAD")
    if not url or not commit or url.startswith(("/", "file:")):
        raise HandoutError(
            "cannot tell where students install the grader from (this course checkout has no "
            "'origin' remote on a server): pass --grader 'mlops-course @ "
            "git+https://github.com/OWNER/REPO@COMMIT' (or a version on your package index)"
        )
    if url.startswith("git@"):
        url = "https://" + url.removeprefix("git@").replace(":", "/", 1)
    return f"mlops-course @ git+{url}@{commit}"


def _task(exercise_dir: Path) -> str:
    """The exercise README without its own grading section and solution mentions."""
    path = exercise_dir / "README.md"
    if not path.is_file():
        return ""
    sections = re.split(r"(?m)^(?=## )", path.read_text(encoding="utf-8"))
    kept = [s for s in sections if not re.match(r"## Grade your work", s)]
    lines = [line for line in "".join(kept).splitlines() if "solution" not in line.lower()]
    return "\n".join(lines).strip() + "\n"


def readme(exercise: Exercise, exercise_dir: Path) -> str:
    task = _task(exercise_dir)
    checks = ", ".join(f"`{c.id}` ({c.points:g})" for c in exercise.checks)
    head = [
        f"# {exercise.title}",
        "",
        "## Grade your work",
        "",
        f"With Docker running, install the grader once (`python -m pip install -r "
        f"{GRADER_REQUIREMENTS}`), then, in this folder:",
        "",
        "```bash",
        f"{SELF_GRADE} --grade-report results.json",
        "```",
        "",
        f"Checks and points: {checks}; {exercise.max_points:g} points in all.",
        "",
        "Every push runs the same command in GitHub Actions (`.github/workflows/grade.yml`):",
        "the run's summary lists each check with its points and a hint, and the lines of your",
        "Dockerfile that a check points at are marked. That is feedback only: your official",
        "grade comes from your instructor's run on the commit you submit, which takes only",
        f"{', '.join(f'`{p}`' for p in exercise.submission)} from your repository.",
        "",
    ]
    if task:
        head += ["## The task", "", re.sub(r"(?m)^# .*\n+", "", task, count=1)]
    return "\n".join(head)


def workflow() -> str:
    return resources.files("course_classroom").joinpath("templates/grade.yml").read_text("utf-8")


def write_handout(exercise: Exercise, dest: Path, grader_spec: str) -> list[str]:
    """Write the student repository at *dest* (absent or empty); returns the files written."""
    source = exercise.root
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise HandoutError(f"{dest}: exists and is not empty; choose a new folder")
    if "\n" in grader_spec or not grader_spec.strip():
        raise HandoutError(f"--grader: expected one requirement line, found {grader_spec!r}")
    with tempfile.TemporaryDirectory(prefix="course-handout-") as scratch:
        staged = Path(scratch) / "repo"
        shutil.copytree(
            source, staged, ignore=shutil.ignore_patterns(*PRIVATE, *CLUTTER), symlinks=False
        )
        (staged / "README.md").write_text(readme(exercise, source), encoding="utf-8")
        dockerfile = staged / exercise.dockerfile
        if dockerfile.is_file():  # the starter names the course repo's path; here it is `.`
            text = dockerfile.read_text(encoding="utf-8")
            dockerfile.write_text(re.sub(r"pytest exercises/[\w.-]+", SELF_GRADE, text), "utf-8")
        (staged / GRADER_REQUIREMENTS).write_text(
            "# The course's grader, pinned: the same checks your instructor runs.\n"
            f"{grader_spec.strip()}\n",
            encoding="utf-8",
        )
        (staged / ".gitignore").write_text(GITIGNORE, encoding="utf-8")
        (staged / WORKFLOW).parent.mkdir(parents=True)
        (staged / WORKFLOW).write_text(workflow(), encoding="utf-8")
        leaks = solution_leaks(source, staged)
        if leaks:
            raise HandoutError(
                f"{source}: refusing to hand out the solution, nothing written: "
                + "; ".join(leaks)
                + ". Replace these files with the starter version"
            )
        dest.parent.mkdir(parents=True, exist_ok=True)
        if dest.exists():
            dest.rmdir()
        shutil.copytree(staged, dest)
    return [p.relative_to(dest).as_posix() for p in _files(dest)]
