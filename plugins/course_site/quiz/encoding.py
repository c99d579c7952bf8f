"""Stable ids, answer encoding and option order for a rendered quiz.

Why: the page must not reveal the correct option before the reader answers, options
must never appear in source order, and stored progress must survive edits that
reorder questions. Everything is derived deterministically from the quiz text, so
builds are reproducible. This is obfuscation for self-assessment, not security: the
browser must be able to check answers, so a determined reader can too.

Scheme (mirrored by quiz.js): each question has an id `q` (hash of its text), a salt
`s` and a check value `c = fnv1a32(s + token_of_correct_option)`; every option
carries only its own opaque `token`. The script finds the correct option by hashing,
only when the reader checks their answers.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass

from .parser import Question


def fnv1a32(text: str) -> str:
    """32-bit FNV-1a of an ASCII string as 8 hex digits; quiz.js computes the same."""
    value = 0x811C9DC5
    for char in text:
        value ^= ord(char)
        value = (value * 0x01000193) & 0xFFFFFFFF
    return f"{value:08x}"


def _digest(*parts: str, size: int = 12) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:size]


def question_id(question: Question) -> str:
    """Hash of the question text only, so progress survives reordering questions."""
    return _digest("question", " ".join(question.text.split()))


def option_token(qid: str, option: str) -> str:
    """Opaque per-option value; stable while the option text stays the same."""
    return _digest("option", qid, " ".join(option.split()))


def source_order_never(count: int, seed: str) -> list[int]:
    """A deterministic permutation of range(count) that is never the identity (count >= 2)."""
    order = list(range(count))
    random.Random(seed).shuffle(order)
    if count >= 2 and order == sorted(order):
        order = order[1:] + order[:1]
    return order


@dataclass(frozen=True)
class EncodedQuestion:
    """What the page carries for one question: ids, salt, check value, shuffled options."""

    qid: str
    salt: str
    check: str
    order: tuple[int, ...]
    tokens: tuple[str, ...]


def encode(question: Question, quiz_key: str) -> EncodedQuestion:
    """Encode a question; the salt is bumped until only the correct token matches."""
    qid = question_id(question)
    tokens = tuple(option_token(qid, option) for option in question.options)
    correct = tokens[question.correct_index]
    attempt = 0
    while True:
        salt = _digest("salt", quiz_key, qid, str(attempt), size=8)
        check = fnv1a32(salt + correct)
        clashes = [t for t in tokens if t != correct and fnv1a32(salt + t) == check]
        if not clashes:
            break
        attempt += 1
    order = tuple(source_order_never(len(tokens), f"{quiz_key}\x1f{qid}"))
    return EncodedQuestion(qid, salt, check, order, tokens)
