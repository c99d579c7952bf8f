"""Benchmark: how much the `course` plugin and the project's site configuration cost.

Generates courses of N lessons (~8 KB each, with a Knowledge Check, 10 per
section) in a temporary folder and builds each with several site
configurations, every build in its own subprocess so time and peak memory are
the build's own. Builds of the different configurations are interleaved and
repeated, so load from other processes on the machine hits them alike; the
table shows the median of the repeats.

    .venv/bin/python benchmarks/bench_build.py                      # issue 6 table
    .venv/bin/python benchmarks/bench_build.py --compare plugin     # issue 2: plugin on/off
    .venv/bin/python benchmarks/bench_build.py --sizes 1000 --repeat 3 --serve

Not a test: it prints a table (and exits 0) whatever the numbers are.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import re
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
PER_SECTION = 10

# --------------------------------------------------------------------------- corpus

_WORDS = [
    *[
        "model",
        "image",
        "container",
        "registry",
        "layer",
        "cache",
        "build",
        "deploy",
        "serve",
        "request",
        "latency",
    ],
    *[
        "health",
        "probe",
        "metric",
        "drift",
        "feature",
        "pipeline",
        "artefact",
        "version",
        "rollback",
        "canary",
    ],
    *[
        "dependency",
        "environment",
        "reproducible",
        "schedule",
        "batch",
        "stream",
        "endpoint",
        "payload",
    ],
    *[
        "monitor",
        "alert",
        "budget",
        "replica",
        "volume",
        "network",
        "port",
        "secret",
        "config",
        "release",
    ],
]


def _paragraph(seed: int, words: int = 85) -> str:
    text = " ".join(_WORDS[(seed * 7 + i * 13 + i * i) % len(_WORDS)] for i in range(words))
    return text.capitalize() + "."


def lesson_text(n: int, total: int) -> str:
    """One lesson of about 8 KB in the course's front-matter format, with a Knowledge Check."""
    section = n // PER_SECTION
    lesson_id = f"lesson-{n:04d}"
    front = [
        "---",
        f"id: {lesson_id}",
        f"title: Lesson {n + 1} on {_WORDS[n % len(_WORDS)]} handling",
        f"type: {'lab' if n % 5 == 4 else 'lesson'}",
        f"duration: {20 + n % 50} mins",
        f"order: {n % PER_SECTION + 1}",
        f"section: s{section:03d}",
    ]
    if n > 0:
        front.append(f"prevLessonId: lesson-{n - 1:04d}")
    if n + 1 < total:
        front.append(f"nextLessonId: lesson-{n + 1:04d}")
    body = [*front, "---", "", f"# Lesson {n + 1} on {_WORDS[n % len(_WORDS)]} handling", ""]
    for part in range(5):
        body += [f"## Part {part + 1}", "", _paragraph(n + part), "", _paragraph(n + part + 50), ""]
        body += [
            "```python",
            f"def step_{part}(payload: dict) -> dict:",
            f'    """Part {part + 1} of lesson {n + 1}."""',
            "    result = {key: value for key, value in payload.items() if value}",
            f"    result['step'] = {part}",
            "    return result",
            "```",
            "",
        ]
    body += ["```dockerfile", "FROM python:3.11-slim", "WORKDIR /srv", "COPY . .", "```", ""]
    body += ["## Knowledge Check", ""]
    for q in range(5):
        body.append(f"{q + 1}. Which {_WORDS[(n + q) % len(_WORDS)]} statement is right?")
        for o in range(4):
            body.append(f"   - Option {o + 1} about {_WORDS[(n + q + o) % len(_WORDS)]} use")
        body.append("")
    return "\n".join(body)


def generate_course(docs: Path, lessons: int) -> None:
    """Write docs/index.md and `lessons` lessons, 10 per section folder."""
    docs.mkdir(parents=True)
    (docs / "index.md").write_text(
        "# Generated course\n\n<!-- course-overview -->\n", encoding="utf-8"
    )
    for n in range(lessons):
        folder = docs / f"s{n // PER_SECTION:03d}"
        folder.mkdir(exist_ok=True)
        (folder / f"lesson-{n:04d}.md").write_text(lesson_text(n, lessons), encoding="utf-8")


# --------------------------------------------------------------------------- site configurations


class _ConfigLoader(yaml.SafeLoader):
    """Reads mkdocs.yml's `!relative` (and other `!tags`) as plain paths under the repo."""


def _tagged_path(loader: yaml.SafeLoader, tag: str, node: yaml.Node) -> str:
    return str(ROOT / loader.construct_scalar(node).replace("$config_dir", "."))


_ConfigLoader.add_multi_constructor("!", _tagged_path)


def project_config() -> dict[str, Any]:
    """The project's own mkdocs.yml (theme, extensions, plugins), as checked in."""
    with open(ROOT / "mkdocs.yml", encoding="utf-8") as f:
        config = yaml.load(f, _ConfigLoader)
    for key in ("docs_dir", "site_dir", "strict", "nav", "watch"):
        config.pop(key, None)
    # The theme overrides stay the repository's wherever the benchmark writes its config.
    if "custom_dir" in config.get("theme", {}):
        config["theme"]["custom_dir"] = str(ROOT / config["theme"]["custom_dir"])
    # The course's own section list names the real sections; generated ones use the default.
    plugins = []
    for plugin in config.get("plugins", []):
        if isinstance(plugin, dict) and "course" in plugin:
            options = {k: v for k, v in plugin["course"].items() if k != "sections"}
            plugin = {"course": options} if options else "course"
        plugins.append(plugin)
    config["plugins"] = plugins
    return config


def without_plugin(config: dict[str, Any]) -> dict[str, Any]:
    """The same configuration with the `course` plugin removed."""
    copy = json.loads(json.dumps(config))
    copy["plugins"] = [
        p for p in copy["plugins"] if p != "course" and not (isinstance(p, dict) and "course" in p)
    ]
    return copy


def naive_config() -> dict[str, Any]:
    """Plain Material with navigation.sections and no course plugin: the naive baseline."""
    config = without_plugin(project_config())
    config["theme"]["features"] = ["navigation.footer", "navigation.sections"]
    return config


NO_QUIZ_KEY = "_bench_no_quiz"
NO_QUIZ_ENV = "COURSE_BENCH_NO_QUIZ"


def project_without_quiz_rendering() -> dict[str, Any]:
    """(b) with the Knowledge Check -> widget step skipped: isolates the quiz's share."""
    return {**project_config(), NO_QUIZ_KEY: True}


VARIANTS: dict[str, dict[str, Callable[[], dict[str, Any]]]] = {
    # issue 6: (a) naive baseline vs (b) the project's configuration with the plugin
    "site": {"a": naive_config, "b": project_config},
    # issue 2: the project's configuration without vs with the plugin
    "plugin": {"a": lambda: without_plugin(project_config()), "b": project_config},
}
LABELS = {
    "site": {"a": "(a) naive Material", "b": "(b) project + course"},
    "plugin": {"a": "(a) no plugin", "b": "(b) with plugin"},
}

# --------------------------------------------------------------------------- measuring


@dataclass
class Result:
    seconds: float
    course_seconds: float
    compact_seconds: float
    quiz_seconds: float
    peak_mib: float
    site_mib: float
    page_kib: float
    assets_kib: float


def child_build(config_file: str) -> None:
    """Run in the subprocess: build, then report this process's own time and peak RSS."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    spent = {"course": 0.0, "compact": 0.0, "quiz": 0.0, "quiz_post": 0.0}
    with open(config_file, encoding="utf-8") as f:
        plugins = yaml.safe_load(f).get("plugins", [])
    if any(p == "course" or (isinstance(p, dict) and "course" in p) for p in plugins):
        _time_plugin_events(spent)
    if os.environ.get(NO_QUIZ_ENV):  # diagnostic only: where does (b)'s time go?
        import course_site.plugin

        course_site.plugin.quizzes_to_html = lambda markdown, *args, **kwargs: markdown

    start = time.perf_counter()
    build(load_config(config_file))
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    # Quiz work runs inside on_page_markdown (parsing) and on_post_page (widget HTML).
    spent["course"] -= spent["quiz"]
    spent["compact"] -= spent["quiz_post"]
    spent["quiz"] += spent.pop("quiz_post")
    print(json.dumps({"seconds": seconds, "peak_kib": peak, **spent}))


def _time_plugin_events(spent: dict[str, float]) -> None:
    """Add up the time the course plugin spends: course work, HTML compaction, quiz rendering."""
    import course_site.plugin as course_plugin
    from mkdocs.plugins import CombinedEvent

    def timed(function: Callable[..., Any], key: str) -> Callable[..., Any]:
        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spent[key] += time.perf_counter() - start

        return wrapper

    for event in ("on_config", "on_files", "on_nav", "on_page_markdown", "on_post_page"):
        method = getattr(course_plugin.CoursePlugin, event)
        key = "compact" if event == "on_post_page" else "course"
        if isinstance(method, CombinedEvent):  # one event, handled at several priorities
            method = CombinedEvent(*(timed(part, key) for part in method.methods))
        else:
            method = timed(method, key)
        setattr(course_plugin.CoursePlugin, event, method)
    course_plugin.quizzes_to_html = timed(course_plugin.quizzes_to_html, "quiz")
    course_plugin.insert_quizzes = timed(course_plugin.insert_quizzes, "quiz_post")


def dir_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def page_assets(html_file: Path, site: Path) -> int:
    """Bytes of the local JS and CSS files the page loads."""
    html = html_file.read_text(encoding="utf-8")
    refs = re.findall(r'<script src="([^"]+)"', html)
    refs += re.findall(r'<link rel="stylesheet" href="([^"]+)"', html)
    total = 0
    for ref in refs:
        if "://" in ref or ref.startswith("//"):
            continue
        target = (html_file.parent / ref.split("?")[0]).resolve()
        if target.is_file() and site.resolve() in target.parents:
            total += target.stat().st_size
    return total


def run_build(work: Path, name: str, config: dict[str, Any], lessons: int) -> Result:
    """Build the course in work/docs with `config` in a fresh subprocess."""
    config = dict(config)
    no_quiz = config.pop(NO_QUIZ_KEY, False)
    site = work / f"site-{name}"
    shutil.rmtree(site, ignore_errors=True)
    config_file = work / f"mkdocs-{name}.yml"
    full = {**config, "docs_dir": str(work / "docs"), "site_dir": str(site)}
    config_file.write_text(yaml.safe_dump(full, sort_keys=False), encoding="utf-8")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", NO_QUIZ_ENV: "1" if no_quiz else ""}
    done = subprocess.run(
        [sys.executable, __file__, "--child", str(config_file)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    measured = json.loads(done.stdout.strip().splitlines()[-1])
    middle = lessons // 2
    page = site / f"s{middle // PER_SECTION:03d}" / f"lesson-{middle:04d}" / "index.html"
    result = Result(
        seconds=measured["seconds"],
        course_seconds=measured["course"],
        compact_seconds=measured["compact"],
        quiz_seconds=measured["quiz"],
        peak_mib=measured["peak_kib"] / 1024,
        site_mib=dir_size(site) / 2**20,
        page_kib=page.stat().st_size / 1024,
        assets_kib=page_assets(page, site) / 1024,
    )
    shutil.rmtree(site)
    return result


def median(results: list[Result]) -> Result:
    return Result(
        *(statistics.median(getattr(r, f) for r in results) for f in Result.__dataclass_fields__)
    )


# --------------------------------------------------------------------------- serve loop


def measure_serve(work: Path, config: dict[str, Any], dirty: bool, port: int) -> float:
    """Seconds from saving an edit to one lesson until `mkdocs serve` has rebuilt the site."""
    config_file = work / "mkdocs-serve.yml"
    full = {**config, "docs_dir": str(work / "docs")}
    config_file.write_text(yaml.safe_dump(full, sort_keys=False), encoding="utf-8")
    args = [sys.executable, "-m", "mkdocs", "serve", "-f", str(config_file)]
    args += ["-a", f"127.0.0.1:{port}"]
    args += ["--dirty"] if dirty else []
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(args, stderr=subprocess.PIPE, text=True, env=env)
    assert proc.stderr is not None
    try:
        _wait_for(proc, "Serving on")
        lesson = next((work / "docs").glob("s000/lesson-0001.md"))
        time.sleep(1.5)  # let the watcher settle
        start = time.perf_counter()
        with lesson.open("a", encoding="utf-8") as f:
            f.write(f"\nEdited at {start}.\n")
        # Not "Documentation built in": MkDocs drops that line when it repeats the last one.
        _wait_for(proc, "Reloading browsers")
        return time.perf_counter() - start
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _free_port() -> int:
    """A port nothing listens on now (a fixed one may be taken by another server)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_for(proc: subprocess.Popen[str], text: str) -> None:
    assert proc.stderr is not None
    for line in proc.stderr:
        if text in line:
            return
    raise RuntimeError(f"mkdocs serve ended before printing {text!r}")


# --------------------------------------------------------------------------- report


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def report(labels: dict[str, str], size: int, results: dict[str, Result], runs: int) -> list[str]:
    """A Markdown table: one row per configuration, then each one's ratios to (a)."""
    a = results["a"]
    lines = [
        f"### {size} lessons (median of {runs} interleaved builds each)",
        "",
        _row(
            [
                "",
                "build s",
                "ms / lesson",
                "plugin ms / lesson: course + compact + quiz",
                "peak MiB",
                "site MiB",
                "lesson HTML KiB",
                "page JS+CSS KiB",
            ]
        ),
        _row(["---"] * 8),
    ]
    for key, r in results.items():
        lines.append(
            _row(
                [
                    labels[key],
                    f"{r.seconds:.2f}",
                    f"{1000 * r.seconds / size:.1f}",
                    " + ".join(
                        f"{1000 * t / size:.2f}"
                        for t in (r.course_seconds, r.compact_seconds, r.quiz_seconds)
                    ),
                    f"{r.peak_mib:.0f}",
                    f"{r.site_mib:.1f}",
                    f"{r.page_kib:.1f}",
                    f"{r.assets_kib:.0f}",
                ]
            )
        )
    for key, r in results.items():
        if key == "a":
            continue
        ratios = [
            r.seconds / a.seconds,
            r.peak_mib / a.peak_mib,
            r.site_mib / a.site_mib,
            r.page_kib / a.page_kib,
            r.assets_kib / a.assets_kib if a.assets_kib else 0.0,
        ]
        cells = [f"{x:.2f}" for x in ratios]
        lines.append(_row([f"{labels[key].split()[0]} / (a)", cells[0], "", "", *cells[1:]]))
    return [*lines, ""]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 200, 1000])
    parser.add_argument("--repeat", type=int, default=3, help="builds per configuration and size")
    parser.add_argument(
        "--small-repeat",
        type=int,
        default=11,
        help="builds per configuration for courses under 100 lessons (they take under a second)",
    )
    parser.add_argument(
        "--compare",
        choices=sorted(VARIANTS),
        default="site",
        help="'site': naive Material vs the project's configuration (issue 6); "
        "'plugin': the project's configuration without vs with the plugin (issue 2)",
    )
    parser.add_argument(
        "--diagnose",
        action="store_true",
        help="add (c): (b) with quiz rendering skipped, to show the quiz widget's share",
    )
    parser.add_argument(
        "--serve", action="store_true", help="also time mkdocs serve edit-to-rebuild with (b)"
    )
    args = parser.parse_args()
    if args.child:
        child_build(args.child)
        return

    makers = dict(VARIANTS[args.compare])
    labels = dict(LABELS[args.compare])
    if args.diagnose:
        makers["c"] = project_without_quiz_rendering
        labels["c"] = "(c) (b) without quiz rendering"
    configs = {key: make() for key, make in makers.items()}
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, compare={args.compare}\n")
    with tempfile.TemporaryDirectory(prefix="course-bench-") as tmp:
        for size in args.sizes:
            work = Path(tmp) / f"n{size}"
            generate_course(work / "docs", size)
            repeat = args.small_repeat if size < 100 else args.repeat
            runs: dict[str, list[Result]] = {key: [] for key in configs}
            for rep in range(repeat):
                keys = list(configs) if rep % 2 == 0 else list(reversed(configs))
                for key in keys:
                    runs[key].append(run_build(work, key, configs[key], size))
            medians = {key: median(results) for key, results in runs.items()}
            print("\n".join(report(labels, size, medians, repeat)), flush=True)
            if args.serve:
                for dirty in (False, True):
                    seconds = measure_serve(work, configs["b"], dirty, port=_free_port())
                    flag = " --dirty" if dirty else ""
                    print(f"mkdocs serve{flag}: edit to rebuilt in {seconds:.1f} s", flush=True)
                print(flush=True)


if __name__ == "__main__":
    main()
