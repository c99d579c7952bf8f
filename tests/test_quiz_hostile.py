"""Hostile quiz text: nothing that runs script reaches the page, nothing breaks scoring silently.

The sanitizer is checked on what a browser would see: every tag and attribute of the
rendered HTML is parsed back with html.parser (which decodes entities like a browser),
and every URL is normalised the way the URL standard does before it looks at the scheme.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from _site import MARKDOWN_EXTENSIONS, build_site, lesson
from course_site.quiz.inline import InlineMarkdown
from course_site.quiz.parser import QuizError, parse_quizzes
from course_site.quiz.sanitize import ATTRIBUTES, TAGS
from hypothesis import given
from hypothesis import strategies as st

EXTENSIONS = [
    "attr_list",
    "md_in_html",
    "toc",
    "admonition",
    "pymdownx.highlight",
    "pymdownx.inlinehilite",
    "pymdownx.superfences",
    "pymdownx.magiclink",
    "pymdownx.tabbed",
    "pymdownx.details",
]
RENDER = InlineMarkdown(EXTENSIONS)

HOSTILE = [
    "[click](java&#115;cript:alert(1))",
    "[click](&#x6A;avascript:alert(1))",
    "[click](&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1))",
    "[click](javascript&colon;alert(1))",
    "[click](\x01javascript:alert(1))",
    "[click](\x00javascript:alert(1))",
    "[click]( JaVaScRiPt:alert(1))",
    "[click](java\tscript:alert(1))",
    "[click](jav&#x09;ascript:alert(1))",
    "[click](jav&NewLine;ascript:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[click](DATA:text/html,<script>alert(1)</script>)",
    "[click](vbscript:msgbox(1))",
    "[click](VBScript:msgbox(1))",
    "![img](javascript:alert(1))",
    "![img](x.png){onerror=alert(1)}",
    "[click](#top){onclick=alert(1)}",
    "[click](#top){onmouseover='alert(1)' style='x'}",
    "[click](#top){ONCLICK=alert(1)}",
    "<script>alert(1)</script>",
    "<iframe src=javascript:alert(1)></iframe>",
    "<object data=javascript:alert(1)></object>",
    "<embed src=javascript:alert(1)>",
    "<form action=javascript:alert(1)><button>x</button></form>",
    "<style>*{x:expression(alert(1))}</style>",
    '<a href="javascript:alert(1)">raw</a>',
    "<svg onload=alert(1)>",
    '<div markdown="1" onclick="alert(1)">*x*</div>',
    "`<script>alert(1)</script>`",
    "[x](<javascript:alert(1)>)",
    "<javascript:alert(1)>",
]
BANNED_TAGS = {"script", "iframe", "object", "embed", "form", "style", "svg", "math", "base"}
_URL_ATTRS = {"href", "src", "action", "formaction", "data", "xlink:href", "poster"}


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, attrs))


def browser_scheme(url: str) -> str | None:
    """The scheme a browser would use: leading C0/space stripped, tab/newline removed."""
    url = re.sub(r"[\t\n\r]", "", url.lstrip("".join(map(chr, range(0x21)))))
    match = re.match(r"([a-zA-Z][a-zA-Z0-9+.-]*):", url)
    return match.group(1).lower() if match else None


def assert_safe(html: str) -> None:
    parser = _Elements()
    parser.feed(html)
    parser.close()
    allowed_attrs = ATTRIBUTES["*"]
    for tag, attrs in parser.found:
        assert tag in TAGS and tag not in BANNED_TAGS, (tag, html)
        for name, value in attrs:
            assert not name.startswith("on"), html
            assert name in allowed_attrs | ATTRIBUTES.get(tag, set()), (name, html)
            if name in _URL_ATTRS and value is not None:
                assert browser_scheme(value) in (None, "http", "https", "mailto"), html


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_quiz_text_renders_without_script(text: str) -> None:
    assert_safe(RENDER(text))


def test_safe_links_and_formatting_are_kept() -> None:
    html = RENDER("See [docs](https://docs.docker.com), [mail](mailto:a@b.org), `code`, *em*")
    assert '<a href="https://docs.docker.com">docs</a>' in html
    assert '<a href="mailto:a@b.org">mail</a>' in html
    assert "<code>code</code>" in html and "<em>em</em>" in html
    assert RENDER("[next](other.md)") == '<a href="other.md">next</a>'


_PIECES = [
    "[x](",
    ")",
    "javascript:",
    "JaVaScRiPt:",
    "java",
    "script:",
    "data:",
    "vbscript:",
    "&#",
    "&#x",
    "115;",
    "6A;",
    "&colon;",
    "&Tab;",
    "\x01",
    "\t",
    " ",
    "{",
    "}",
    "onclick=",
    "onerror=",
    "alert(1)",
    "<",
    ">",
    "script",
    "iframe",
    '"',
    "'",
    "![i](",
    "`",
    "*",
    "<a href=",
    "https://x.org",
    "#top",
]
hostile_text = st.lists(st.sampled_from(_PIECES), min_size=1, max_size=12).map("".join)


@given(hostile_text)
def test_no_mix_of_hostile_pieces_gets_script_onto_the_page(text: str) -> None:
    assert_safe(RENDER(text))


# Blocks inside a question or option: refused with the line, never silently mis-scored.

BLOCKS = {
    "fence in option": ("1. Q?\n   - A\n   ```\n   - not an option\n   ```\n   - B\n", 3),
    "tilde fence": ("1. Q?\n   - A\n   ~~~python\n   x = 1\n   ~~~\n   - B\n", 3),
    "admonition": ("1. Q?\n   !!! note\n       - inside\n   - A\n   - B\n", 2),
    "details": ("1. Q?\n   - A\n   ???+ tip\n       text\n   - B\n", 3),
    "tab in option": ('1. Q?\n   - A\n   === "Tab"\n       - x\n   - B\n', 3),
    "tab at the margin": ('1. Q?\n   - A\n=== "Tab"\n   - B\n', 3),
    "blocks syntax": ("1. Q?\n   - A\n   /// details | x\n   ///\n   - B\n", 3),
    "fence as option": ("1. Q?\n   - ```\n   - B\n", 2),
}


@pytest.mark.parametrize("case", list(BLOCKS))
def test_a_block_inside_a_question_or_option_is_refused_with_its_line(case: str) -> None:
    body, line = BLOCKS[case]
    with pytest.raises(QuizError) as raised:
        parse_quizzes("# L\n\n## Knowledge Check\n\n" + body)
    assert raised.value.line == line + 4
    assert "not supported" in raised.value.message


def test_inline_code_with_backticks_in_an_option_is_still_an_option() -> None:
    [quiz] = parse_quizzes("## Knowledge Check\n\n1. Q?\n   - ```x``` yes\n   - `===` no\n")
    assert quiz.questions[0].options == ("```x``` yes", "`===` no")


def test_a_refused_block_warns_once_and_the_page_still_builds(tmp_path: Path) -> None:
    body = '## Knowledge Check\n\n1. Q?\n   - A\n   === "Tab"\n       - x\n   - B\n'
    pages = {"index.md": "# Home\n", "basics/a.md": lesson("a", 1, "basics", body=body)}
    built = build_site(tmp_path, pages)
    assert not built.aborted
    [warning] = built.warnings
    assert warning.startswith("course_site: basics/a.md:")
    assert "content tab inside a question or option is not supported" in warning
    assert len(warning) <= 300
    assert "course-quiz" not in built.html("basics/a/").split("<article", 1)[1]


def test_long_question_text_keeps_the_message_short() -> None:
    text = "Why " + "very " * 200 + "long?"
    with pytest.raises(QuizError) as raised:
        parse_quizzes(f"## Knowledge Check\n\n1. {text}\n   - only one\n")
    message = f"basics/a.md:3: Knowledge Check is not a quiz: {raised.value.message}"
    assert len(message) <= 300


_LINES = [
    "## Knowledge Check",
    "1. Question?",
    "2) Other?",
    "   - option",
    "   - option",
    "  * star",
    "    + plus",
    "   ```",
    "```",
    "   !!! note",
    '   === "Tab"',
    "   ///",
    "       deep",
    "        - deeper",
    "text",
    "",
    "# H" + " " * 50 + "x",
    "---",
    "===",
]


@given(st.lists(st.one_of(st.sampled_from(_LINES), st.text(max_size=10)), max_size=30))
def test_any_quiz_body_parses_or_gives_one_short_quiz_error(lines: list[str]) -> None:
    source = "\n".join(lines)
    try:
        quizzes = parse_quizzes(source)
    except QuizError as error:
        assert 1 <= error.line <= source.count("\n") + 1
        assert len(error.message) <= 240
    else:
        for quiz in quizzes:
            for question in quiz.questions:
                assert len(question.options) >= 2
                assert len(set(question.options)) == len(question.options)
                for text in (question.text, *question.options):
                    assert not re.match(r"\s*(```|~~~|!!!|===)", text)


def test_markdown_extensions_used_here_match_the_site_helpers() -> None:
    names = {e if isinstance(e, str) else next(iter(e)) for e in MARKDOWN_EXTENSIONS}
    assert names <= set(EXTENSIONS)


@pytest.mark.parametrize(
    "html",
    [
        '<a href="java&#115;cript:alert(1)">x</a>',
        '<a href="\x01javascript:alert(1)">x</a>',
        '<a href="jav&#x09;ascript:alert(1)">x</a>',
        '<img src="data:image/svg+xml,x">',
        '<span onclick="x">x</span>',
        "<script>x</script>",
    ],
)
def test_the_safety_check_itself_catches_unsafe_html(html: str) -> None:
    with pytest.raises(AssertionError):
        assert_safe(html)
