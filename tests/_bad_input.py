"""The shared table of broken courses: what the MkDocs build rejects, `course-site
generate` must reject with the same message (tests/test_generate.py runs both).

Each case is the three-lesson chain a -> b -> c of tests/test_course_hostile.py with
`basics/b.md` (or another page) replaced; the hostile front matter cases are reused.
"""

from __future__ import annotations

from _site import chain, lesson
from test_course_hostile import CASES as HOSTILE
from test_course_hostile import GOOD_B, replace_line

SECTIONS = {"sections": [{"id": "basics", "title": "Basics"}]}

BAD_QUIZ = GOOD_B + "\n## Knowledge Check\n\n1. A question without options\n"


def course(src: str, text: str) -> dict[str, str]:
    """The good course with the page at `src` (under docs/) replaced by `text`."""
    pages = {"index.md": "# Home\n\n<!-- course-overview -->\n"}
    pages.update(chain("basics", ["a", "b", "c"]))
    pages[src] = text
    return pages


TABLE: dict[str, dict[str, str]] = {
    "impossible date": course(
        "basics/b.md", replace_line("order:", "order: 2\nupdated: 2024-02-30")
    ),
    "front matter is a scalar": course("basics/b.md", "---\njust words\n---\n\n# B\n"),
    "duplicate id": course("basics/c.md", lesson("b", 3, "basics", prev="b")),
    "unknown next id": course("basics/c.md", lesson("c", 3, "basics", prev="b", next="zz")),
    "links not mutual": course("basics/a.md", lesson("a", 1, "basics")),
    "order used twice": course("basics/c.md", lesson("c", 2, "basics", prev="b")),
    "unknown section": course("basics/c.md", lesson("c", 3, "advanced", prev="b")),
    "malformed quiz": course("basics/b.md", BAD_QUIZ),
    **{f"hostile: {name}": course("basics/b.md", text) for name, (text, _) in HOSTILE.items()},
}
"""Case name -> the pages of docs/."""
