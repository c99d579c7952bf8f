"""The widget's HTML: no answer marker, never source order, safe text, a no-JS fallback."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest
from course_site.quiz.encoding import fnv1a32, source_order_never
from course_site.quiz.inline import InlineMarkdown, plain_text_pattern
from course_site.quiz.parser import Question, Quiz
from course_site.quiz.render import render_quiz, storage_key
from hypothesis import given, settings
from hypothesis import strategies as st


class _Widget(HTMLParser):
    """Collects each fieldset's data attributes and its options' values and labels."""

    def __init__(self) -> None:
        super().__init__()
        self.questions: list[dict] = []
        self.option_text: list[str] | None = None
        self.in_noscript = False
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if tag == "noscript":
            self.in_noscript = True
        elif tag == "fieldset":
            self.questions.append({**attributes, "options": []})
        elif tag == "input" and not self.in_noscript:
            self.questions[-1]["options"].append([attributes["value"], ""])
            self.option_text = self.questions[-1]["options"][-1]

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self.option_text = None
        elif tag == "noscript":
            self.in_noscript = False

    def handle_data(self, data: str) -> None:
        if self.option_text is not None:
            self.option_text[1] += data


def _widget(html: str) -> _Widget:
    widget = _Widget()
    widget.feed(html)
    return widget


QUIZ = Quiz(
    (
        Question("Which instruction sets the default process?", ("CMD", "LABEL", "EXPOSE"), 3),
        Question("Is an image a running container?", ("No", "Yes"), 7),
    )
)


def test_checking_each_option_finds_exactly_the_first_source_option() -> None:
    widget = _widget(render_quiz(QUIZ, "mlops-docker"))
    for question, source in zip(widget.questions, QUIZ.questions, strict=True):
        matches = [
            text
            for token, text in question["options"]
            if fnv1a32(question["data-s"] + token) == question["data-c"]
        ]
        assert matches == [source.options[0]]


def test_options_are_never_in_source_order() -> None:
    widget = _widget(render_quiz(QUIZ, "mlops-docker"))
    for question, source in zip(widget.questions, QUIZ.questions, strict=True):
        assert [text for _, text in question["options"]] != list(source.options)
        assert sorted(text for _, text in question["options"]) == sorted(source.options)


def test_no_attribute_or_class_differs_for_the_correct_option() -> None:
    html = render_quiz(QUIZ, "mlops-docker")
    widget = _widget(html)
    inputs = [attrs for tag, attrs in widget.tags if tag == "input"]
    assert {frozenset(a) for a in inputs} == {frozenset({"type", "name", "value"})}
    labels = [attrs for tag, attrs in widget.tags if tag == "label"]
    assert {a["class"] for a in labels} == {"course-quiz__option"}


def test_widget_is_excluded_from_search_and_keyed_by_lesson() -> None:
    root_tag, root = _widget(render_quiz(QUIZ, "mlops-docker")).tags[0]
    assert root_tag == "div"
    assert "data-search-exclude" in root
    assert root["data-quiz-key"] == "mlops-docker"
    assert storage_key("mlops-docker", 1) == "mlops-docker#2"


def test_question_ids_depend_on_text_not_position() -> None:
    swapped = Quiz(tuple(reversed(QUIZ.questions)))
    ids = {q["data-q"] for q in _widget(render_quiz(QUIZ, "l")).questions}
    assert ids == {q["data-q"] for q in _widget(render_quiz(swapped, "l")).questions}


def test_no_js_fallback_lists_answers_in_a_collapsed_details_inside_noscript() -> None:
    html = render_quiz(QUIZ, "l")
    start = html.index("<noscript>")
    fallback = html[start : html.index("</noscript>")]
    assert "<details" in fallback and " open" not in fallback
    assert "<li>CMD</li>" in fallback and "<li>No</li>" in fallback
    assert "LABEL" not in fallback


def test_widget_has_no_blank_line_so_markdown_keeps_it_as_one_html_block() -> None:
    assert "\n\n" not in render_quiz(QUIZ, "l")


def test_nested_div_never_appears_inside_the_search_excluded_root() -> None:
    # Material's search parser matches elements by tag name; a nested </div> would end
    # the exclusion early and break the build.
    assert render_quiz(QUIZ, "l").count("<div") == 1


def test_script_in_quiz_text_is_escaped_by_default_renderer() -> None:
    quiz = Quiz((Question("<script>alert(1)</script>?", ("<b>x</b>", "y"), 1),))
    html = render_quiz(quiz, "l")
    assert "<script>" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;?" in html


def test_inline_markdown_renders_code_emphasis_and_links_but_not_raw_html() -> None:
    inline = InlineMarkdown(["attr_list", "md_in_html", "pymdownx.inlinehilite"])
    assert inline("Use `CMD` *now*") == "Use <code>CMD</code> <em>now</em>"
    assert inline("[docs](https://docs.docker.com/)") == (
        '<a href="https://docs.docker.com/">docs</a>'
    )
    assert inline("<script>alert(1)</script>") == "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert "<div" not in inline('<div markdown="1">*x*</div>')
    assert "onclick" not in inline("*x*{onclick='alert(1)'}")
    assert "javascript:" not in inline("[x](javascript:alert(1))")


_TEXT = (
    st.text(
        alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp")),
        min_size=1,
        max_size=20,
    )
    .map(lambda s: " ".join(s.split()))
    .filter(bool)
)


@settings(max_examples=150)
@given(
    st.lists(
        st.tuples(_TEXT, st.lists(_TEXT, min_size=2, max_size=6, unique=True)),
        min_size=1,
        max_size=5,
        unique_by=lambda q: q[0],
    ),
    st.text(min_size=1, max_size=20),
)
def test_any_valid_quiz_encodes_exactly_one_correct_option_out_of_order(
    spec: list[tuple[str, list[str]]], lesson: str
) -> None:
    quiz = Quiz(tuple(Question(text, tuple(options), n) for n, (text, options) in enumerate(spec)))
    widget = _widget(render_quiz(quiz, lesson))
    assert len(widget.questions) == len(spec)
    for question, (_, options) in zip(widget.questions, spec, strict=True):
        shown = [text for _, text in question["options"]]
        assert shown != options and sorted(shown) == sorted(options)
        right = [
            t
            for t, _ in question["options"]
            if fnv1a32(question["data-s"] + t) == question["data-c"]
        ]
        assert len(right) == 1
        assert dict((t, x) for t, x in question["options"])[right[0]] == options[0]


@given(st.integers(min_value=2, max_value=30), st.text(max_size=10))
def test_server_permutation_is_never_the_identity(count: int, seed: str) -> None:
    order = source_order_never(count, seed)
    assert sorted(order) == list(range(count)) and order != list(range(count))


# -- the plain-text shortcut: byte for byte what Markdown would give ------------------


def _project_markdown() -> tuple[list, dict]:
    from mkdocs.config import load_config

    config = load_config(str(Path(__file__).parents[1] / "mkdocs.yml"))
    named = [ext for ext in config.markdown_extensions if isinstance(ext, str)]
    return named, dict(config.mdx_configs)


_EVERY_TEXT_EXTENSION = [
    "abbr",
    "attr_list",
    "def_list",
    "footnotes",
    "md_in_html",
    "tables",
    "toc",
    "wikilinks",
    "pymdownx.arithmatex",
    "pymdownx.betterem",
    "pymdownx.caret",
    "pymdownx.critic",
    "pymdownx.inlinehilite",
    "pymdownx.keys",
    "pymdownx.mark",
    "pymdownx.tasklist",
    "pymdownx.tilde",
]
_TYPOGRAPHIC = [*_EVERY_TEXT_EXTENSION, "smarty", "pymdownx.smartsymbols", "pymdownx.magiclink"]
_TYPOGRAPHIC_CONFIG = {"smarty": {"smart_angled_quotes": True}}

_RENDERERS = {
    "project": InlineMarkdown(*_project_markdown()),
    "every text extension": InlineMarkdown(_EVERY_TEXT_EXTENSION),
    "typographic": InlineMarkdown(_TYPOGRAPHIC, _TYPOGRAPHIC_CONFIG),
    "typographic + emoji": InlineMarkdown(["pymdownx.emoji", "smarty"]),
}

# Pieces that make plain-looking text special for some extension: quotes, dashes,
# ellipses, (c), (tm), 1st, 1/2, +/-, www.x.org, :smile:, ==x==, ^^x^^, ~~x~~, ...
_PIECES = [
    *"aAzZ019 ,.;?'()-:/+=*_`[]<>&\"~^!#@{}|$\\\t",
    "Word",
    "c",
    "tm",
    "r",
    "st",
    "nd",
    "th",
    "www",
    "com",
    "http",
    "1st",
    "42",
    "--",
    "...",
    "1/2",
    "smile",
    "  ",
]
_NEAR_PLAIN = [p for p in _PIECES if all(c.isalnum() or c in " ,.;?'()-" for c in p)]
_FRAGMENT = st.one_of(
    st.lists(st.sampled_from(_NEAR_PLAIN), min_size=1, max_size=14).map("".join),
    st.lists(st.sampled_from(_PIECES), min_size=1, max_size=14).map("".join),
)


@pytest.mark.parametrize("name", sorted(_RENDERERS))
@settings(max_examples=400, deadline=None)
@given(text=_FRAGMENT)
def test_plain_text_shortcut_gives_exactly_what_markdown_gives(name: str, text: str) -> None:
    inline = _RENDERERS[name]
    if inline.is_plain(text):
        assert inline(text) == inline.convert(text) == text


@pytest.mark.parametrize("name", sorted(_RENDERERS))
def test_plain_text_shortcut_applies_to_ordinary_questions(name: str) -> None:
    inline = _RENDERERS[name]
    for text in ("Which option is right?", "Option 2 about caching, mostly", "It ends here."):
        assert inline.is_plain(text) and inline(text) == inline.convert(text)
    for text in ("Use `CMD`", "A *b*", "x < y", "See www.example.org", "a -- b"):
        assert inline(text) == inline.convert(text)
    assert not _RENDERERS["typographic"].is_plain("It's the 1st (c) one...")


def test_no_shortcut_with_unknown_extensions_or_text_added_to_every_page() -> None:
    assert plain_text_pattern(["toc"]) is not None
    assert plain_text_pattern(["some_plugin.extension"]) is None
    assert plain_text_pattern([object()]) is None
    assert plain_text_pattern(["pymdownx.snippets"], {"pymdownx.snippets": {}}) is not None
    snippets = {"pymdownx.snippets": {"auto_append": ["glossary.md"]}}
    assert plain_text_pattern(["pymdownx.snippets"], snippets) is None
    assert plain_text_pattern(["abbr"], {"abbr": {"glossary": {"HTML": "x"}}}) is None
