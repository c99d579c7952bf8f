"""Benchmark: does the build stay linear as a course grows (issue 14)?

Builds generated courses (bench_build's generator: ~8 KB lessons with code and a
Knowledge Check, 10 per section) in separate subprocesses, interleaved and in
alternating order, and prints every figure as a ratio measured in this run:

- (b) the project's configuration at 1,000 and at 4,000 lessons: per-lesson
  time at 4,000 over per-lesson time at 1,000 (target <= 1.15);
- (a) naive Material at 1,000: (b) / (a) for time (<= 0.40), peak memory
  (<= 1.10), lesson page and site size;
- (p) the project's configuration with `fast_build: false` at 1,000: how much
  the build-speed work saves, and the plain build the equivalence test compares with;
- with `--huge N`: one build of an N-lesson course (time, per-lesson ratio, peak);
- with `--serve`: `mkdocs serve --dirty` at 1,000 lessons, an edited lesson
  rebuilt (MkDocs' own "Documentation built in" figure, and edit to rebuilt),
  for (b) and for (p).

    .venv/bin/python benchmarks/bench_scale.py --repeat 3 --huge 10000 --serve

Not a test: it prints tables (and exits 0) whatever the numbers are.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from bench_build import (
    Result,
    _free_port,
    generate_course,
    median,
    naive_config,
    project_config,
    run_build,
)

SMALL, LARGE = 1000, 4000
"""The issue's sizes; `--small`/`--large` change them for a quick look."""


def plain_config() -> dict[str, Any]:
    """The project's configuration with the build-speed work off (`fast_build: false`)."""
    config = project_config()
    plugins = []
    for plugin in config["plugins"]:
        if plugin == "course" or (isinstance(plugin, dict) and "course" in plugin):
            options = plugin["course"] if isinstance(plugin, dict) else {}
            plugin = {"course": {**(options or {}), "fast_build": False}}
        plugins.append(plugin)
    return {**config, "plugins": plugins}


Run = tuple[str, int, Callable[[], dict[str, Any]]]


def runs_for(small: int, large: int) -> dict[str, Run]:
    return {
        "a": ("(a) naive Material", small, naive_config),
        "p": ("(p) project, fast_build off", small, plain_config),
        "b": ("(b) project", small, project_config),
        "b4": ("(b) project", large, project_config),
    }


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def table(runs: dict[str, Run], results: dict[str, Result], repeat: int) -> list[str]:
    lines = [
        f"### Builds (median of {repeat} interleaved builds each)",
        "",
        _row(["", "lessons", "build s", "ms / lesson", "peak MiB", "site MiB", "lesson KiB"]),
        _row(["---"] * 7),
    ]
    for key, r in results.items():
        label, size, _ = runs[key]
        cells = [label, str(size), f"{r.seconds:.2f}", f"{1000 * r.seconds / size:.2f}"]
        cells += [f"{r.peak_mib:.0f}", f"{r.site_mib:.1f}", f"{r.page_kib:.1f}"]
        lines.append(_row(cells))
    return [*lines, ""]


def targets(runs: dict[str, Run], results: dict[str, Result]) -> list[str]:
    a, p, b, b4 = (results[k] for k in ("a", "p", "b", "b4"))
    small, large = runs["b"][1], runs["b4"][1]
    per_lesson = (b4.seconds / large) / (b.seconds / small)
    rows = [
        (f"per-lesson time, {large} / {small} lessons (b)", per_lesson, "<= 1.15"),
        (f"build time (b) / (a), {small} lessons", b.seconds / a.seconds, "<= 0.40"),
        ("peak memory (b) / (a)", b.peak_mib / a.peak_mib, "<= 1.10"),
        ("lesson page (b) / (a)", b.page_kib / a.page_kib, "<= 0.13 (before)"),
        ("site size (b) / (a)", b.site_mib / a.site_mib, "<= 0.16 (before)"),
        ("build time (b) / (p): fast_build on / off", b.seconds / p.seconds, ""),
        ("peak memory (b) / (p)", b.peak_mib / p.peak_mib, ""),
    ]
    lines = ["### Against the targets (issue 14)", "", _row(["", "ratio", "target"])]
    lines.append(_row(["---"] * 3))
    lines += [_row([name, f"{value:.2f}", target]) for name, value, target in rows]
    return [*lines, ""]


def huge(tmp: Path, lessons: int, small_size: int, small: Result) -> list[str]:
    work = tmp / f"n{lessons}"
    generate_course(work / "docs", lessons)
    r = run_build(work, "b", project_config(), lessons)
    ratio = (r.seconds / lessons) / (small.seconds / small_size)
    return [
        f"### {lessons} lessons, (b), one build",
        "",
        _row(["build s", "ms / lesson", f"per-lesson / {small_size}'s", "peak MiB", "site MiB"]),
        _row(["---"] * 5),
        _row(
            [
                f"{r.seconds:.1f}",
                f"{1000 * r.seconds / lessons:.2f}",
                f"{ratio:.2f}",
                f"{r.peak_mib:.0f}",
                f"{r.site_mib:.0f}",
            ]
        ),
        "",
    ]


def serve_dirty(work: Path, config: dict[str, Any], edits: int) -> tuple[float, float]:
    """Median (MkDocs' own rebuild seconds, edit-to-rebuilt seconds) over `edits` edits."""
    config_file = work / "mkdocs-serve.yml"
    full = {**config, "docs_dir": str(work / "docs")}
    config_file.write_text(yaml.safe_dump(full, sort_keys=False), encoding="utf-8")
    args = [sys.executable, "-m", "mkdocs", "serve", "-f", str(config_file), "--dirty"]
    args += ["-a", f"127.0.0.1:{_free_port()}"]
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(args, stderr=subprocess.PIPE, text=True, env=env)
    built, walls = [], []
    try:
        _lines_until(proc, "Serving on")
        lesson = work / "docs" / "s000" / "lesson-0001.md"
        for n in range(edits):
            time.sleep(1.5)  # let the watcher settle
            start = time.perf_counter()
            with lesson.open("a", encoding="utf-8") as f:
                f.write(f"\nEdit {n}.\n")
            lines = _lines_until(proc, "Reloading browsers")
            walls.append(time.perf_counter() - start)
            # MkDocs drops a "built in" line equal to the one before (DuplicateFilter).
            figures = [float(f) for line in lines for f in re.findall(r"built in ([0-9.]+)", line)]
            built.append(figures[-1] if figures else built[-1])
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return statistics.median(built), statistics.median(walls)


def _lines_until(proc: subprocess.Popen[str], text: str) -> list[str]:
    """What `mkdocs serve` logs up to and including the first line containing `text`."""
    assert proc.stderr is not None
    lines = []
    for line in proc.stderr:
        lines.append(line)
        if text in line:
            return lines
    raise RuntimeError(f"mkdocs serve ended before printing {text!r}")


def serve_table(work: Path, edits: int, full_build: float | None) -> list[str]:
    b_built, b_wall = serve_dirty(work, project_config(), edits)
    p_built, p_wall = serve_dirty(work, plain_config(), edits)
    return [
        f"### `mkdocs serve --dirty`, {work.name[1:]} lessons, an edited lesson "
        f"(median of {edits})",
        "",
        _row(["", "rebuilt in s (MkDocs)", "edit to rebuilt s", "target"]),
        _row(["---"] * 4),
        _row(["(b) project", f"{b_built:.2f}", f"{b_wall:.2f}", "<= 0.5 s"]),
        _row(["(p) fast_build off", f"{p_built:.2f}", f"{p_wall:.2f}", ""]),
        _row(["(b) / (p)", f"{b_built / p_built:.2f}", f"{b_wall / p_wall:.2f}", ""]),
        *(
            [_row(["(b) rebuild / (b) full build", f"{b_built / full_build:.3f}", "", ""])]
            if full_build
            else []
        ),
        "",
        "Edit to rebuilt adds MkDocs' file watcher: it polls every 0.5 s, then waits 0.1 s.",
        "",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="builds per configuration")
    parser.add_argument("--huge", type=int, default=0, help="also build this many lessons once")
    parser.add_argument("--serve", action="store_true", help="also time mkdocs serve --dirty")
    parser.add_argument("--edits", type=int, default=5, help="edits timed per serve run")
    parser.add_argument("--small", type=int, default=SMALL, help=argparse.SUPPRESS)
    parser.add_argument("--large", type=int, default=LARGE, help=argparse.SUPPRESS)
    args = parser.parse_args()
    runs = runs_for(args.small, args.large)
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs\n", flush=True)
    with tempfile.TemporaryDirectory(prefix="course-scale-") as tmp_name:
        tmp = Path(tmp_name)
        for size in {args.small, args.large}:
            generate_course(tmp / f"n{size}" / "docs", size)
        measured: dict[str, list[Result]] = {key: [] for key in runs}
        for rep in range(args.repeat):
            order = list(runs) if rep % 2 == 0 else list(reversed(runs))
            for key in order:
                _, size, make = runs[key]
                measured[key].append(run_build(tmp / f"n{size}", key, make(), size))
        results = {key: median(v) for key, v in measured.items()} if args.repeat else {}
        if args.repeat:  # --repeat 0: only the serve and huge parts
            lines = table(runs, results, args.repeat) + targets(runs, results)
            print("\n".join(lines), flush=True)
        full_build = results["b"].seconds if args.repeat else None
        if args.serve:
            lines = serve_table(tmp / f"n{args.small}", args.edits, full_build)
            print("\n".join(lines), flush=True)
        if args.huge and args.repeat:
            print("\n".join(huge(tmp, args.huge, args.small, results["b"])), flush=True)


if __name__ == "__main__":
    main()
