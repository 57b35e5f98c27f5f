"""Messages mixing another language with English: the English part carries the question.

"quanto custa? how much is it", "yaar mujhe pata nahi, is microneedling right for me":
the clause in another language matches nothing in the knowledge, yet its words count as
unknown words and pull the whole message below the answer threshold. ``english_part``
drops such clauses before ranking, when English is left to rank.

A clause is dropped only when it is in another language (most of its words are neither
common English words nor words of the knowledge) *and* it names nothing the knowledge
knows, a not_covered subject included: "necesito información sobre el botox, how much"
keeps its botox. An English clause about something the bot does not cover is never
dropped ("how long does laser hair removal take"): its unknown words are the sign that
the bot cannot answer.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from faq.text import STOPWORDS, english_rank, tokenize

COMMON_ENGLISH_RANK = 5000
"""Words this common in English are English. Rarer entries of the word list hold many
words of other languages seen in English text ("que", "hai", "hola")."""

ENGLISH_SHARE = 0.5
"""A clause with fewer than this share of English (or knowledge) words is foreign."""

_CLAUSE_BREAK = re.compile(r"[.!?;,:\n¿¡]+|\s+-\s+")


def clauses(text: str) -> list[str]:
    """The clauses of a message: split at sentence ends, commas, and emoji."""
    text = "".join("\n" if unicodedata.category(ch) == "So" else ch for ch in text)
    return [part.strip() for part in _CLAUSE_BREAK.split(text) if part.strip()]


def is_foreign(clause: str, knows: Callable[[str], bool]) -> bool:
    """Whether ``clause`` is in another language and names nothing the knowledge knows.

    ``knows(word)`` says whether a token is a word of the knowledge (questions, synonyms,
    not_covered subjects), typo fixes allowed.
    """
    tokens = tokenize(clause)
    if not tokens:
        return False
    rank = english_rank()
    if any(knows(token) and token not in STOPWORDS for token in tokens):
        return False
    english = sum(
        1 for token in tokens if token in STOPWORDS or rank.get(token, 10**9) < COMMON_ENGLISH_RANK
    )
    return english < ENGLISH_SHARE * len(tokens)


def english_part(text: str, knows: Callable[[str], bool]) -> str:
    """``text`` without its clauses in another language, or ``text`` itself when it has
    none, or nothing but them."""
    parts = clauses(text)
    kept = [part for part in parts if not is_foreign(part, knows)]
    if not kept or len(kept) == len(parts):
        return text
    return ". ".join(kept)
