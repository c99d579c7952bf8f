"""Every static rule on every Dockerfile of tests/corpus/, against tests/corpus/expected.yml.

The corpus is real-world-shaped Dockerfiles written for this course; `image` means only
the built image can tell, so the static rule must not claim a verdict (rules.UNKNOWN).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from course_grader import lint, rules
from course_grader.dockerfile import parse
from course_grader.errors import CheckFailed

CORPUS = Path(__file__).parent / "corpus"
EXPECTED = yaml.safe_load((CORPUS / "expected.yml").read_text(encoding="utf-8"))
RULES = {
    "pinned-base": rules.pinned_base,
    "multi-stage": rules.multi_stage,
    "non-root": rules.non_root,
    "healthcheck-declared": rules.healthcheck_declared,
}


def verdict(rule, text: str) -> str:
    """pass, fail or image: what the static reading says about *text*."""
    try:
        note = rule(parse(text), {})
    except (CheckFailed, ValueError):
        return "fail"
    return "image" if note.startswith(rules.UNKNOWN) else "pass"


def lint_verdict(path: Path) -> str:
    try:
        lint.lint(path, {"failure_threshold": "warning"}, set(RULES))
    except CheckFailed:
        return "fail"
    return "pass"


def test_the_corpus_is_large_enough_and_fully_expected():
    names = sorted(p.name.removesuffix(".Dockerfile") for p in CORPUS.glob("*.Dockerfile"))
    assert len(names) >= 22
    assert names == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_static_verdicts_match_the_corpus(name):
    path = CORPUS / f"{name}.Dockerfile"
    text = path.read_bytes().decode("utf-8")
    found = {check: verdict(rule, text) for check, rule in RULES.items()}
    found["lint"] = lint_verdict(path)
    expected = {k: v for k, v in EXPECTED[name].items() if k != "buildable"}
    assert found == expected


def test_the_crlf_file_really_has_crlf():
    assert b"\r\n" in (CORPUS / "crlf-root.Dockerfile").read_bytes()
