"""Run axe-core (from npm, pinned in package-lock.json) in a Playwright page.

`axe_violations(page)` injects axe into the page once and returns the violations of
the WCAG 2.0/2.1 A and AA rules plus axe's best practices; `blocking()` keeps those
that fail the site (critical, serious, moderate); `report()` turns them into an
assertion message that names page, rule, impact, elements and the rule's help page.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

PROJECT = Path(__file__).resolve().parents[1]
AXE_JS = PROJECT / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
"""WCAG 2.1 level AA = the 2.0 and 2.1 rules of levels A and AA; plus axe's best practices."""
BLOCKING = ("critical", "serious", "moderate")
"""Impacts that fail a page. The site has none at all today, Material's own markup
included, so moderate ones fail wherever they come from; `minor` ones are reported as
pytest warnings only."""

#: Colours are judged once the page is still: a button focused a moment ago is mid-way
#: through its 125 ms colour transition (a contrast between the two palettes' values).
_SETTLE = """async () => {
  const finite = document.getAnimations().filter((a) => {
    const timing = a.effect && a.effect.getComputedTiming();
    return timing && timing.endTime !== Infinity;
  });
  const settled = Promise.all(finite.map((a) => a.finished.catch(() => null)));
  await Promise.race([settled, new Promise((done) => setTimeout(done, 2000))]);
}"""

_RUN = """async ([within, tags]) => {
  const result = await axe.run(within || document, {runOnly: {type: "tag", values: tags}});
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
    nodes: v.nodes.map((n) => ({
      target: n.target.map(String).join(" "),
      message: [...n.any, ...n.all, ...n.none].map((c) => c.message).filter(Boolean)[0] || "",
    })),
  }));
}"""


def axe_path() -> Path:
    """The installed axe-core script; fail (never skip) with install advice if absent."""
    if not AXE_JS.is_file():
        pytest.fail(
            f"{AXE_JS} not found. The accessibility tests need axe-core from npm: run "
            "`make provision` (it runs `npm ci` from package-lock.json), or `npm ci` in "
            f"{PROJECT}, then run the tests again."
        )
    return AXE_JS


def axe_version(page: Any) -> str:
    """The version of axe-core in the page (after `axe_violations` injected it)."""
    return str(page.evaluate("window.axe ? axe.version : ''"))


def inject_axe(page: Any) -> None:
    """Put axe-core into the page (window.axe) unless it is there already."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.add_script_tag(path=str(axe_path()))


def axe_violations(page: Any, where: str, within: str | None = None) -> list[dict[str, Any]]:
    """Run axe over the page as it is now (or only the elements matching the CSS
    selector `within`); each violation is tagged with `where`."""
    inject_axe(page)
    page.evaluate(_SETTLE)
    violations = page.evaluate(_RUN, [within, TAGS])
    for violation in violations:
        violation["where"] = where
    return violations


def blocking(violations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The violations that fail the site: impact critical, serious or moderate."""
    return [v for v in violations if v["impact"] in BLOCKING]


def report(violations: list[dict[str, Any]], *, nodes_shown: int = 5) -> str:
    """An assertion message: per violation the page, rule id, impact, help URL, elements."""
    lines = [f"{len(violations)} axe-core violation(s) of WCAG 2.1 AA / best practice:"]
    for v in violations:
        lines.append(f"- {v['where']}: {v['id']} ({v['impact']}): {v['help']}")
        lines.append(f"    help: {v['helpUrl']}")
        for node in v["nodes"][:nodes_shown]:
            lines.append(f"    {node['target']}: {node['message']}")
        if len(v["nodes"]) > nodes_shown:
            lines.append(f"    ... and {len(v['nodes']) - nodes_shown} more element(s)")
    return "\n".join(lines)
