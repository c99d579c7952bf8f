"""Gzipped size of our quiz JS/CSS next to mkdocs-quiz's, both measured in this run.

Run: .venv/bin/python benchmarks/bench_quiz_assets.py
Installs the newest mkdocs-quiz with `pip install --target` into a temporary folder
(nothing touches the venv), finds its .js/.css files and gzips everything at level 9.
Our budget (issue 3, raised by issue 12 for reader progress in the same files): JS <= 4 KB
and CSS <= 2 KB gzipped; exits 1 if it is exceeded.
"""

from __future__ import annotations

import gzip
import subprocess
import sys
import tempfile
from pathlib import Path

OURS = Path(__file__).resolve().parents[1] / "plugins/course_site/quiz/assets"
BUDGET = {".js": 4 * 1024, ".css": 2 * 1024}


def gzipped(path: Path) -> int:
    return len(gzip.compress(path.read_bytes(), compresslevel=9, mtime=0))


def install_mkdocs_quiz(target: Path) -> str:
    """pip-install mkdocs-quiz (without dependencies) into target; return its version."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--target",
            str(target),
            "mkdocs-quiz",
        ],
        check=True,
    )
    dist = next(target.glob("mkdocs_quiz-*.dist-info"))
    return dist.name.removeprefix("mkdocs_quiz-").removesuffix(".dist-info")


def row(label: str, files: list[Path]) -> dict[str, int]:
    sizes = {ext: sum(gzipped(f) for f in files if f.suffix == ext) for ext in BUDGET}
    raw = {ext: sum(f.stat().st_size for f in files if f.suffix == ext) for ext in BUDGET}
    print(
        f"{label:<28} JS {sizes['.js']:>7,} B gz ({raw['.js']:>7,} B raw)"
        f"   CSS {sizes['.css']:>6,} B gz ({raw['.css']:>6,} B raw)"
    )
    return sizes


def main() -> int:
    ours = row("course quiz (ours)", sorted(OURS.glob("*.[jc]s*")))
    with tempfile.TemporaryDirectory() as tmp:
        version = install_mkdocs_quiz(Path(tmp))
        package = Path(tmp) / "mkdocs_quiz"
        theirs = sorted(p for p in package.rglob("*") if p.suffix in BUDGET)
        row(f"mkdocs-quiz {version}", theirs)
        for path in theirs:
            print(f"  {path.relative_to(package)}: {gzipped(path):,} B gz")
    over = [ext for ext, limit in BUDGET.items() if ours[ext] > limit]
    if over:
        print(f"over budget: {', '.join(over)}")
        return 1
    print("within budget: JS <= 4 KB gz, CSS <= 2 KB gz")
    return 0


if __name__ == "__main__":
    sys.exit(main())
