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
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

HEADING_TEXT = "knowledge check"

_ATX = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)[ \t]*$")
_SETEXT_UNDERLINE = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_QUESTION = re.compile(r"^ {0,3}\d{1,9}[.)](?:[ \t]+(.*))?$")
_OPTION = re.compile(r"^(?: {2,4}|\t)[-*+](?:[ \t]+(.*))?$")
_DEEP_BULLET = re.compile(r"^(?: {5,}|\t[ \t]+)[-*+][ \t]")
_ATTR_LIST = re.compile(r"\s*\{[^}]*\}\s*$")


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
    text = _ATTR_LIST.sub("", text)
    text = re.sub(r"[ \t]+#+[ \t]*$", "", text).strip()
    return text.rstrip(":").strip().lower()


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
            yield i, _heading_title(atx.group(2)), 1
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
            drafts.append((i + 1, [question.group(1) or ""], []))
        elif option := _OPTION.match(line):
            drafts[-1][2].append((i + 1, [option.group(1) or ""]))
        elif _DEEP_BULLET.match(line):
            raise QuizError(i + 1, "option indented more than 4 spaces; indent options 2-4")
        elif drafts[-1][2]:
            drafts[-1][2][-1][1].append(line)
        else:
            drafts[-1][1].append(line)
    questions = tuple(_question(*draft) for draft in drafts)
    seen: set[str] = set()
    for question in questions:
        if _same_text(question.text) in seen:
            raise QuizError(question.line, f"question {question.text!r} appears twice")
        seen.add(_same_text(question.text))
    return Quiz(questions)


def _same_text(text: str) -> str:
    return " ".join(text.split())


def _join(parts: list[str]) -> str:
    return " ".join(part.strip() for part in parts if part.strip())


def _question(line: int, text_parts: list[str], drafts: list[tuple[int, list[str]]]) -> Question:
    text = _join(text_parts)
    if not text:
        raise QuizError(line, "the question has no text after its number")
    options: list[str] = []
    for option_line, parts in drafts:
        option = _join(parts)
        if not option:
            raise QuizError(option_line, f"empty option in question {text!r}; write its text")
        if _same_text(option) in map(_same_text, options):
            raise QuizError(option_line, f"option {option!r} appears twice in question {text!r}")
        options.append(option)
    if len(options) < 2:
        raise QuizError(
            line,
            f"question {text!r} has {len(options)} option(s), needs at least 2: add bullet "
            "options indented 2-4 spaces under it, the correct one first",
        )
    return Question(text, tuple(options), line)


def parse_section(source: str, section: QuizSection) -> tuple[ListSpan, Quiz]:
    """Parse one section of `source`; raises QuizError if it is not a valid quiz."""
    from .explanation import attach_explanations, split_explanations  # it imports this module

    lines = source.split("\n")  # like Markdown: only "\n" ends a line
    span = locate_list(lines, section)
    explanations = split_explanations(lines, span.start, span.end)
    return span, attach_explanations(parse_list(lines, span), explanations)


def parse_quizzes(source: str) -> list[Quiz]:
    """Parse every Knowledge Check in a page; raises QuizError at the first bad one."""
    return [parse_section(source, section)[1] for section in find_sections(source)]
