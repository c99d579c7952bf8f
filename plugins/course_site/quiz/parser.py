"""Find `Knowledge Check` sections in a lesson's Markdown source and parse them into Quizzes.

Pure: no MkDocs or Markdown import, so the grammar is testable on its own. The quiz is
read from raw lines because authors indent options by 2, 3 or 4 spaces and
Python-Markdown only nests lists at 4.

Grammar of a section (everything up to the next heading or the end of the page):

    ## Knowledge Check            (ATX of any level, or setext)
    optional intro paragraphs     (stay ordinary Markdown)
    1. Question text              (numbered list, `1.` or `1)`; may wrap onto more lines)
       - correct option           (bullet `-`, `*` or `+`, indented 2-4 spaces; FIRST is correct)
       - wrong option             (may wrap onto more, deeper-indented lines)
       > explanation              (optional blockquote after the options: see `explanation`)
    trailing text                 (a line back at the margin ends the list; stays Markdown)

Quiz text is inline Markdown: a code block, admonition, tab or `///` block inside a
question or option is refused with a QuizError (its lines would otherwise be read as
more options or joined into one line, and scoring would break without a word).

Linear time on any input: no regular expression here can backtrack over a run of
spaces, headings are cleaned with string methods, and duplicates are found with sets.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

HEADING_TEXT = "knowledge check"

_ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t](.*))?$")
_SETEXT_UNDERLINE = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_QUESTION = re.compile(r"^ {0,3}[0-9]{1,9}[.)](?:[ \t]+(.*))?$")
_OPTION = re.compile(r"^(?: {2,4}|\t)[-*+](?:[ \t]+(.*))?$")
_DEEP_BULLET = re.compile(r"^(?: {5,}|\t[ \t]+)[-*+][ \t]")
_BLOCKS = (
    (re.compile(r"(`{3,}|~{3,})[^`~]*$"), "code block"),
    (re.compile(r"(!!!|\?{3}\+?)(?:[ \t]|$)"), "admonition"),
    (re.compile(r"===[+!]*(?:[ \t]|$)"), "content tab"),
    (re.compile(r"///"), "'///' block"),
)
_MAX_QUOTE = 50


class QuizError(ValueError):
    """A Knowledge Check section that cannot become a quiz; `line` is 1-based in the source."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line
        self.message = message


@dataclass(frozen=True)
class Question:
    """One question; `options` are in source order, so the correct one is `options[0]`."""

    text: str
    options: tuple[str, ...]
    line: int
    correct_index: int = 0
    explanation: str | None = None
    """Markdown shown after checking (see `explanation`), when the author wrote one."""


@dataclass(frozen=True)
class Quiz:
    """The questions of one Knowledge Check section, in source order."""

    questions: tuple[Question, ...]


@dataclass(frozen=True)
class QuizSection:
    """Where a Knowledge Check lives in the source (0-based, end exclusive).

    `body` spans the lines after the heading up to the next heading; the adapter
    replaces the list inside it and keeps the heading and any surrounding prose.
    """

    heading_line: int
    body_start: int
    body_end: int


def _heading_title(text: str) -> str:
    """'Knowledge Check: ## {#kc}' -> 'knowledge check' (string methods: linear time)."""
    text = text.strip()
    if text.endswith("}") and (brace := text.rfind("{")) >= 0 and "}" not in text[brace:-1]:
        text = text[:brace].rstrip()  # attr_list
    unclosed = text.rstrip("#")
    if unclosed != text and unclosed[-1:] in (" ", "\t"):
        text = unclosed  # closing hashes
    return text.strip().rstrip(":").strip().lower()


def _quote(text: str) -> str:
    """Question or option text for a message: quoted, at most _MAX_QUOTE characters."""
    if len(text) > _MAX_QUOTE:
        text = text[: _MAX_QUOTE - 1] + "…"
    return repr(text)


def _refuse_blocks(line: int, text: str) -> None:
    stripped = text.strip()
    for pattern, kind in _BLOCKS:
        if pattern.match(stripped):
            raise QuizError(
                line,
                f"a {kind} inside a question or option is not supported; keep quiz text "
                "inline (code spans, emphasis, links) and put the block above the heading",
            )


def _headings(lines: list[str]) -> Iterator[tuple[int, str, int]]:
    """Yield (index, title, number of lines the heading takes), skipping fenced code."""
    fence: str | None = None
    for i, line in enumerate(lines):
        fence_match = _FENCE.match(line)
        if fence is not None:
            if fence_match and fence_match.group(1).startswith(fence):
                fence = None
            continue
        if fence_match:
            fence = fence_match.group(1)
            continue
        if atx := _ATX.match(line):
            yield i, _heading_title(atx.group(2) or ""), 1
        elif (
            i + 1 < len(lines)
            and line.strip()
            and not line.startswith("    ")
            and _SETEXT_UNDERLINE.match(lines[i + 1])
            and not _QUESTION.match(line)
            and not _OPTION.match(line)
        ):
            yield i, _heading_title(line), 2


def find_sections(source: str) -> list[QuizSection]:
    """Locate every Knowledge Check section; never raises."""
    if HEADING_TEXT not in source.lower():  # most pages: skip the line-by-line scan
        return []
    lines = source.split("\n")  # like Markdown: only "\n" ends a line
    heads = list(_headings(lines))
    sections = []
    for n, (index, title, height) in enumerate(heads):
        if title != HEADING_TEXT:
            continue
        end = heads[n + 1][0] if n + 1 < len(heads) else len(lines)
        sections.append(QuizSection(index, index + height, end))
    return sections


@dataclass(frozen=True)
class ListSpan:
    """The numbered list inside a section: lines [start, end) of the whole source."""

    start: int
    end: int


def locate_list(lines: list[str], section: QuizSection) -> ListSpan:
    """Find the numbered list in a section; raises QuizError if there is none."""
    start = None
    fence: str | None = None
    for i in range(section.body_start, section.body_end):
        fence_match = _FENCE.match(lines[i])
        if fence is not None:
            if fence_match and fence_match.group(1).startswith(fence):
                fence = None
        elif fence_match:
            fence = fence_match.group(1)
        elif _QUESTION.match(lines[i]):
            start = i
            break
    if start is None:
        raise QuizError(
            section.heading_line + 1,
            "no numbered list after the 'Knowledge Check' heading; write questions as "
            "'1. Question' with options as '   - Option' below each (first option is correct)",
        )
    end = start
    for i in range(start, section.body_end):
        line = lines[i]
        if not line.strip():
            continue
        if _QUESTION.match(line) or line[:1] in (" ", "\t"):
            end = i + 1
            continue
        if i > start and not lines[i - 1].strip():
            break  # back at the margin after a blank line: prose after the list
        end = i + 1  # lazy continuation of the previous line
    return ListSpan(start, end)


def parse_list(lines: list[str], span: ListSpan) -> Quiz:
    """Parse the numbered list into a Quiz; raises QuizError naming the offending line."""
    drafts: list[tuple[int, list[str], list[tuple[int, list[str]]]]] = []
    for i in range(span.start, span.end):
        line = lines[i]
        if not line.strip():
            continue
        if question := _QUESTION.match(line):
            text = question.group(1) or ""
            _refuse_blocks(i + 1, text)
            drafts.append((i + 1, [text], []))
            continue
        if option := _OPTION.match(line):
            text = option.group(1) or ""
            _refuse_blocks(i + 1, text)
            drafts[-1][2].append((i + 1, [text]))
            continue
        if _DEEP_BULLET.match(line):
            raise QuizError(i + 1, "option indented more than 4 spaces; indent options 2-4")
        _refuse_blocks(i + 1, line)
        if drafts[-1][2]:
            drafts[-1][2][-1][1].append(line)
        else:
            drafts[-1][1].append(line)
    questions = tuple(_question(*draft) for draft in drafts)
    seen: set[str] = set()
    for question in questions:
        if _same_text(question.text) in seen:
            raise QuizError(question.line, f"question {_quote(question.text)} appears twice")
        seen.add(_same_text(question.text))
    return Quiz(questions)


def _same_text(text: str) -> str:
    return " ".join(text.split())


def _join(parts: list[str]) -> str:
    return " ".join(part.strip() for part in parts if part.strip())


def _question(line: int, text_parts: list[str], drafts: list[tuple[int, list[str]]]) -> Question:
    text = _join(text_parts)
    if not text:
        raise QuizError(
            line,
            "the question has no text after its number; write it on the same line as the number",
        )
    options: list[str] = []
    seen: set[str] = set()
    for option_line, parts in drafts:
        option = _join(parts)
        if not option:
            raise QuizError(option_line, f"empty option in question {_quote(text)}; write its text")
        if _same_text(option) in seen:
            raise QuizError(
                option_line,
                f"option {_quote(option)} appears twice in question {_quote(text)}; "
                "make each option different",
            )
        seen.add(_same_text(option))
        options.append(option)
    if len(options) < 2:
        raise QuizError(
            line,
            f"question {_quote(text)} has {len(options)} option(s), needs at least 2: add "
            "bullet options indented 2-4 spaces under it, the correct one first",
        )
    return Question(text, tuple(options), line)


def parse_located(lines: list[str], section: QuizSection) -> tuple[ListSpan, Quiz]:
    """Locate and parse one section in the page's `lines`, explanations included.

    Explanation lines are blanked in `lines` while parsing; on a QuizError they are
    put back, so a page without a valid quiz is left as the author wrote it.
    """
    from .explanation import attach_explanations, split_explanations  # it imports this module

    span = locate_list(lines, section)
    written = lines[span.start : span.end]
    try:
        explanations = split_explanations(lines, span.start, span.end)
        return span, attach_explanations(parse_list(lines, span), explanations)
    except QuizError:
        lines[span.start : span.end] = written
        raise


def parse_section(source: str, section: QuizSection) -> tuple[ListSpan, Quiz]:
    """Parse one section of `source`; raises QuizError if it is not a valid quiz."""
    return parse_located(source.split("\n"), section)  # like Markdown: only "\n" ends a line


def parse_quizzes(source: str) -> list[Quiz]:
    """Parse every Knowledge Check in a page; raises QuizError at the first bad one."""
    sections = find_sections(source)
    lines = source.split("\n") if sections else []  # split once, not once per section
    return [parse_located(lines, section)[1] for section in sections]
