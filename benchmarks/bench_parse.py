"""Parsing time of an adversarial lesson, and how it grows when the lesson doubles (issue 11).

Run: .venv/bin/python benchmarks/bench_parse.py [--repeat 5] [--build]

The lesson (about 1 MB at scale 1) holds what once made the plugin quadratic: heading
lines of 20,000 spaces (ATX with text after the spaces, setext, closing hashes), one
question with 10,000 options (duplicate check), 5,000 questions and 200 Knowledge
Check sections (each once re-split the page). Timed per scale: reading the front
matter and parsing + replacing every quiz, exactly what the plugin does per page.
Printed: seconds at scale 1 and 2 (fastest of --repeat), the doubling ratio
(linear: about 2, quadratic: about 4), and the ratio to a plain-prose lesson of the
same size parsed in the same run. Exits 1 if scale 1 takes a second or more or the
doubling ratio exceeds 3 (quadratic: 4). `--build` also times a whole `mkdocs build` of the lesson.
"""

from __future__ import annotations

import argparse
import gc
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from course_site.front_matter import read_page
from course_site.quiz.replace import replace_quizzes

FRONT = "---\nid: hostile\ntitle: Hostile\ntype: lesson\nduration: 10 mins\norder: 1\n"
FRONT += "section: basics\n---\n\n# Hostile\n\n"
SPACES = " " * 20_000


def adversarial(scale: int) -> str:
    """The hostile lesson; every count grows with `scale`."""
    parts = [FRONT]
    for n in range(10 * scale):  # ~0.6 MB of spaces in headings at scale 1
        parts.append(f"## Title {n}{SPACES}x ## {{#id{n}}}\n\n")
        parts.append(f"Setext {n}{SPACES}\n---\n\n")
        parts.append(f"#{SPACES}#\n\n")
    parts.append("## Knowledge Check\n\n1. Which option?\n")
    parts += [f"   - option {i}\n" for i in range(10_000 * scale)]
    for q in range(5_000 * scale):
        if q % 25 == 0:  # many sections: each used to split the whole page again
            parts.append(f"\n## Knowledge Check{SPACES[: 100 * scale]}\n\n")
        parts.append(f"{q + 1}. Question {q}?\n   - yes\n   - no\n")
    return "".join(parts)


def plain(size: int) -> str:
    """Ordinary prose of about `size` characters: the baseline."""
    line = "Some ordinary teaching text about containers, images and layers.\n"
    return FRONT + line * (size // len(line))


def parse(text: str) -> int:
    """What the plugin does with one page's text; returns the number of quiz slots."""
    page = read_page(text, "basics/hostile.md")
    result, errors = replace_quizzes(page.text, lambda quiz, index: f"<quiz {index}>")
    if errors:
        raise SystemExit(f"the benchmark lesson should parse: {errors[0]}")
    return result.count("<quiz ")


def timed(works: list[Callable[[], object]], repeat: int) -> list[float]:
    """Fastest of `repeat` runs of each, interleaved so that load from other processes
    on a shared machine falls on all of them alike."""
    times: list[list[float]] = [[] for _ in works]
    for _ in range(repeat):
        for work, into in zip(works, times, strict=True):
            gc.collect()
            start = time.perf_counter()
            work()
            into.append(time.perf_counter() - start)
    return [min(each) for each in times]


def build_seconds(text: str) -> float:
    """A whole in-process `mkdocs build` of a site with this one lesson."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from _site import build_site

    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        built = build_site(Path(tmp), {"index.md": "# Home\n", "basics/hostile.md": text})
        seconds = time.perf_counter() - start
    if built.aborted:
        raise SystemExit(f"the build failed: {built.warnings[:3]}")
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--build", action="store_true", help="also time whole mkdocs builds")
    args = parser.parse_args()

    one, two = adversarial(1), adversarial(2)
    base = plain(len(one))
    quizzes = parse(one)
    t_base, t_one, t_two = timed(
        [lambda: parse(base), lambda: parse(one), lambda: parse(two)], args.repeat
    )
    print(f"adversarial lesson: {len(one) / 1e6:.2f} MB, {quizzes} Knowledge Checks")
    print(f"plain prose, same size (baseline): {t_base:.3f} s")
    print(f"adversarial, scale 1: {t_one:.3f} s  ({t_one / max(t_base, 1e-9):.1f} x baseline)")
    print(f"adversarial, scale 2: {t_two:.3f} s  ({len(two) / 1e6:.2f} MB)")
    ratio = t_two / t_one
    print(f"doubling ratio: {ratio:.2f}  (linear ~2, quadratic ~4)")
    if args.build:
        b_one, b_two = build_seconds(one), build_seconds(two)
        print(
            f"mkdocs build, scale 1: {b_one:.1f} s; scale 2: {b_two:.1f} s; "
            f"ratio {b_two / b_one:.2f}"
        )
    ok = t_one < 1.0 and ratio <= 3.0
    print("OK" if ok else "FAIL: scale 1 must take under 1 s and doubling at most ~2x")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
