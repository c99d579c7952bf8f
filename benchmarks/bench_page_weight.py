"""What the MkDocs build weighs for readers, now against a baseline commit, in one run.

    .venv/bin/python benchmarks/bench_page_weight.py [--baseline 42ccec7]

Why: issue 23 (the course builds on Zensical too) allows the MkDocs build at most 5 %
more page weight than before the Zensical work (42ccec7). Both trees (the baseline from
`git archive`, the working tree's tracked files as they are now) are built with
`mkdocs build --strict`, each with its own plugin code, and compared per page: its HTML
plus the local JS and CSS it loads, and the whole site without the search index.
Exits 1 when a ratio is over 1.05.
"""

from __future__ import annotations

import argparse
import logging
import os
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path

from bench_build import dir_size, page_assets

ROOT = Path(__file__).resolve().parent.parent
PATHS = ("mkdocs.yml", "docs", "overrides", "exercises", "plugins")
LIMIT = 1.05
log = logging.getLogger("bench_page_weight")


def export_baseline(revision: str, dest: Path) -> None:
    archive = subprocess.run(
        ["git", "archive", revision, *PATHS], cwd=ROOT, capture_output=True, check=True
    ).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(dest, filter="data")


def export_work_tree(dest: Path) -> None:
    """Tracked files only: what `course-site generate` wrote stays out of the MkDocs build."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", *PATHS], cwd=ROOT, capture_output=True, check=True
    ).stdout
    for name in filter(None, listed.decode().split("\0")):
        source, target = ROOT / name, dest / name
        if source.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(source.read_bytes())


def build(tree: Path, site: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(tree / "plugins"), "NO_MKDOCS_2_WARNING": "1"}
    command = [sys.executable, "-m", "mkdocs", "build", "-q", "--strict", "-d", str(site)]
    subprocess.run(command, cwd=tree, env=env, check=True)


def weights(site: Path) -> dict[str, int]:
    """Every page's HTML + the JS/CSS it loads; '(site)' the site minus its search index."""
    found = {
        page.relative_to(site).as_posix(): page.stat().st_size + page_assets(page, site)
        for page in sorted(site.rglob("*.html"))
    }
    found["(site)"] = dir_size(site) - dir_size(site / "search")
    return found


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stdout)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default="42ccec7", help="git revision to compare with")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base, now = Path(tmp, "base"), Path(tmp, "now")
        export_baseline(args.baseline, base)
        export_work_tree(now)
        build(base, base / "site")
        build(now, now / "site")
        before, after = weights(base / "site"), weights(now / "site")
    log.info("| page (HTML + its JS/CSS) | %s B | now B | ratio |", args.baseline)
    log.info("| --- | --- | --- | --- |")
    worst = 0.0
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name, 0), after.get(name, 0)
        ratio = new / old if old else float("inf")
        worst = max(worst, ratio)
        log.info("| %s | %s | %s | %.4f |", name, f"{old:,}", f"{new:,}", ratio)
    log.info("worst ratio %.4f (limit %.2f)", worst, LIMIT)
    return 0 if worst <= LIMIT else 1


if __name__ == "__main__":
    sys.exit(main())
