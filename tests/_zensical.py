"""The project's course built by each front end once per test process, from one docs/ tree.

`project_copy(dest)` copies what a build reads (mkdocs.yml, docs/, overrides/, exercises/)
so `course-site generate` writes its files into the copy, never into the checkout others
work in. `served_course(front_end)` builds the real course with MkDocs + Material or with
`course-site generate` + Zensical, serves it on 127.0.0.1 and returns (base URL, site
folder); each is built once per process and shared by every test module that asks.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from _browser import PROJECT, serve
from _site import build_loaded
from course_site.cli import main as course_site
from course_site.generate import ZENSICAL_SITE_DIR
from mkdocs.config import load_config

COPIED = ("mkdocs.yml", "docs", "overrides", "exercises")
ZENSICAL = [sys.executable, "-m", "zensical"]
_SERVERS = contextlib.ExitStack()
atexit.register(_SERVERS.close)


def project_copy(dest: Path) -> Path:
    """A copy of the course project at dest (without anything generated or built)."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in COPIED:
        source = PROJECT / name
        if source.is_dir():
            ignore = shutil.ignore_patterns("site", "model", "__pycache__")
            shutil.copytree(source, dest / name, ignore=ignore)
        else:
            shutil.copy2(source, dest / name)
    return dest


def zensical_build(root: Path, *, site_url: str | None = None) -> subprocess.CompletedProcess:
    """`zensical build --strict` of root's generated zensical.yml (with `site_url` set by a
    config that inherits it, as a deployment would), from root as the README says."""
    config = "zensical.yml"
    if site_url:
        config = "zensical.test.yml"
        (root / config).write_text(f"INHERIT: zensical.yml\nsite_url: {site_url}\n")
    return subprocess.run(
        [*ZENSICAL, "build", "--strict", "--clean", "-f", config],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
    )


def generate(root: Path, *args: str) -> int:
    """`course-site generate` run on root's mkdocs.yml (in-process: same code as the CLI)."""
    return course_site(["generate", "-f", str(root / "mkdocs.yml"), *args])


@functools.cache
def served_course(front_end: str) -> tuple[str, Path]:
    """(base URL, site folder) of the real course built by `front_end` and served."""
    root = project_copy(Path(tempfile.mkdtemp(prefix=f"course-{front_end}-")))
    _SERVERS.callback(shutil.rmtree, root, ignore_errors=True)
    site = root / ("site" if front_end == "mkdocs" else ZENSICAL_SITE_DIR)
    url = _SERVERS.enter_context(serve(site))
    if front_end == "mkdocs":
        with contextlib.chdir(root):
            config = load_config("mkdocs.yml", strict=True, site_dir=str(site), site_url=url)
            built = build_loaded(config)
        if built.aborted or built.warnings:
            pytest.fail(f"mkdocs build of the course failed: {built.warnings}")
    else:
        if generate(root) != 0:
            pytest.fail("`course-site generate` failed on the project's course")
        done = zensical_build(root, site_url=url)
        if done.returncode != 0 or "Traceback" in done.stderr:
            pytest.fail(f"zensical build of the course failed:\n{done.stdout}\n{done.stderr}")
    return url, site
