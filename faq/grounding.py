"""Answers checked against their sources: every stated fact must appear in an article.

An answer sentence *states a fact* when it holds a number or a duration ("30 minutes",
"3–6 sessions"), a specialised term (an ingredient or condition name such as
"hydroquinone" or "rosacea": a word outside everyday English), or a promise
("guaranteed", "permanent", "safe for everyone"). Each such fact must appear in at least
one source article, or the sentence is flagged for staff to look at.

Not checked:

* contact details filled in from ``clinic:`` (``{clinic.phone}`` ...);
* small talk, and entries staff mark ``source: clinic`` (the clinic's own information,
  such as booking, prices and hours, which no article holds);
* sentences that say what the information does *not* cover ("Our information doesn't
  cover microneedling with rosacea"): naming a subject to decline it claims nothing.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from faq.articles import Article, split_sentences
from faq.knowledge import Entry, Knowledge
from faq.text import STOPWORDS, english_rank, stem, tokenize

CLINIC_SOURCE = "clinic"
"""``source: clinic`` on an entry: the clinic's own information, not from an article."""

COMMON_WORD_RANK = 12_000
"""A word at or above this frequency rank in everyday English is a *specialised term*."""

UNITS = frozenset(
    {"second", "minute", "hour", "day", "week", "month", "year", "session", "treatment"}
    | {"time", "percent", "%", "ml", "mm"}
)
NUMBER_WORDS = {
    "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7",
    "eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12", "twenty": "20",
    "thirty": "30", "forty": "40", "fifty": "50", "sixty": "60", "ninety": "90",
    "hundred": "100", "single": "1", "once": "1", "twice": "2",
}  # fmt: skip
_NUMBER = re.compile(
    r"(?<![\w.])(\d+(?:[.,]\d+)?)(?:\s*(?:-|–|—|to)\s*(\d+(?:[.,]\d+)?))?\s*(%|[a-z]+)?",
    re.IGNORECASE,
)
_WORD_NUMBER = re.compile(
    r"\b(" + "|".join(NUMBER_WORDS) + r")\b(?:\s*(?:-|–|—|to)\s*(\w+))?\s+([a-z]+)",
    re.IGNORECASE,
)
PROMISES = (
    "guarantee",
    "guaranteed",
    "guarantees",
    "permanent",
    "permanently",
    "forever",
    "cure",
    "cures",
    "cured",
    "safe",
    "safely",
    "risk free",
    "risk-free",
    "no risk",
    "no risks",
    "no side effects",
    "side effect free",
    "100%",
    "always works",
    "works for everyone",
    "for everyone",
    "for all skin types",
    "instant",
    "instantly",
    "immediate results",
    "overnight",
    "completely remove",
    "completely removes",
    "remove completely",
    "totally remove",
    "eliminate",
    "eliminates",
    "never",
    "no downtime",
    "clinically proven",
    "proven",
)
_DECLINES = re.compile(
    r"\b(?:doesn't|does not|don't|do not|isn't|is not|aren't|are not|can't|cannot|"
    r"can not|won't|not)\s+(?:cover|covered|included|include|say|answer|give|quote|advise|"
    r"tell|know)\b|\bnot sure\b|\bno (?:information|details)\b",
    re.IGNORECASE,
)
_PLACEHOLDER = re.compile(r"\{[^{}\s]*\}")


@dataclass(frozen=True, slots=True)
class Ungrounded:
    """One answer sentence stating something no source says."""

    entry_id: str
    line: int | None
    sentence: str
    facts: tuple[str, ...]
    """The numbers, terms or promises in it that no source holds."""


def _spelling(word: str) -> str:
    """British and American spellings meet: "minimise"/"minimize", "colour"/"color"."""
    word = re.sub(r"is(e|ed|es|ing|ation)$", r"iz\1", word)
    return re.sub(r"our$", "or", word)


def _word_key(word: str) -> str:
    return stem(_spelling(word))


def _numbers(text: str) -> set[tuple[str, str]]:
    """(number or range, unit stem) pairs in a text; the unit is '' when none follows."""
    found: set[tuple[str, str]] = set()
    for match in _NUMBER.finditer(text):
        low, high, unit = match.group(1), match.group(2), (match.group(3) or "").lower()
        value = f"{low}-{high}" if high else low
        found.add((value, _word_key(unit) if _word_key(unit) in UNITS else ""))
    for match in _WORD_NUMBER.finditer(text):
        low = NUMBER_WORDS[match.group(1).lower()]
        high = NUMBER_WORDS.get((match.group(2) or "").lower())
        unit = _word_key(match.group(3).lower())
        if unit in UNITS:
            found.add((f"{low}-{high}" if high else low, unit))
    return found


@lru_cache(maxsize=1)
def _common_words() -> frozenset[str]:
    rank = english_rank()
    return frozenset(w for w, r in rank.items() if r < COMMON_WORD_RANK)


SERVICE_WORDS = frozenset(
    {"practitioner", "practitioners", "consultation", "consultations", "aftercare"}
    | {"appointment", "clinic", "clinician", "therapist", "booking"}
)
"""Words for the clinic's own service: pointing a client to a practitioner is not a fact."""


def _base_forms(word: str) -> set[str]:
    """The word and what it may be inflected from ("settles" -> "settle")."""
    forms = {word, _spelling(word)}
    for ending in ("s", "es", "ed", "d", "ing", "ly"):
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            base = word[: -len(ending)]
            forms |= {base, base + "e"}
    return forms


def specialised_terms(text: str) -> list[str]:
    """Words of ``text`` outside everyday English: ingredient and condition names."""
    common = _common_words()
    return [
        word
        for word in dict.fromkeys(tokenize(text))
        if word.isalpha()
        and len(word) > 3
        and word not in STOPWORDS
        and word not in SERVICE_WORDS
        and not (_base_forms(word) & common)
    ]


@dataclass(frozen=True, slots=True)
class SourceFacts:
    """What the source articles say, in the forms answers are compared in."""

    words: frozenset[str]
    numbers: frozenset[tuple[str, str]]
    text: str

    @classmethod
    def of(cls, articles: Iterable[Article]) -> SourceFacts:
        """The facts of ``articles`` taken together."""
        text = "\n".join(article.text for article in articles)
        folded = _fold(text)
        tokens = tokenize(text)
        # "micro needling" in an article is "microneedling" in an answer.
        joined = (a + b for a, b in itertools.pairwise(tokens))
        words = frozenset(_word_key(w) for w in (*tokens, *joined))
        return cls(words, frozenset(_numbers(folded)), folded)

    def holds_number(self, value: str, unit: str) -> bool:
        """Whether a source states this number (with this unit, when it has one)."""
        if unit:
            return (value, unit) in self.numbers
        return any(value == v for v, _ in self.numbers)

    def holds_phrase(self, phrase: str) -> bool:
        """Whether a source uses this promise word or phrase."""
        return re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", self.text) is not None


def _fold(text: str) -> str:
    return text.lower().replace("’", "'").replace("‘", "'")


def sentence_facts(sentence: str, sources: SourceFacts) -> list[str]:
    """The facts of one answer sentence that no source states."""
    if _DECLINES.search(sentence):
        return []
    folded = _fold(_PLACEHOLDER.sub(" ", sentence))
    missing: list[str] = []
    for value, unit in sorted(_numbers(folded)):
        if not sources.holds_number(value, unit):
            missing.append(f"{value} {unit}".strip())
    for word in specialised_terms(folded):
        if _word_key(word) not in sources.words:
            missing.append(word)
    for phrase in PROMISES:
        if re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", folded) and not sources.holds_phrase(
            phrase
        ):
            missing.append(f'"{phrase}"')
    return list(dict.fromkeys(missing))


def _without_clinic_details(text: str, knowledge: Knowledge) -> str:
    """The answer as staff wrote it, with the filled-in clinic details taken out again."""
    for value in vars_of(knowledge):
        text = text.replace(value, " ")
    return text


def vars_of(knowledge: Knowledge) -> list[str]:
    """The non-empty clinic details, longest first (so one never cuts another)."""
    clinic = knowledge.clinic
    values = [getattr(clinic, name) for name in clinic.__slots__]
    return sorted((str(v) for v in values if v), key=len, reverse=True)


def checked_entries(knowledge: Knowledge) -> list[Entry]:
    """The entries whose answers should come from a source."""
    return [e for e in knowledge.entries if not e.small_talk and e.source != CLINIC_SOURCE]


def check_grounding(knowledge: Knowledge, articles: Sequence[Article]) -> list[Ungrounded]:
    """Every answer sentence of ``knowledge`` that states a fact no article holds."""
    sources = SourceFacts.of(articles)
    findings: list[Ungrounded] = []
    for entry in checked_entries(knowledge):
        answer = _without_clinic_details(entry.answer, knowledge)
        for sentence in split_sentences(answer.replace("\n", " ")):
            missing = sentence_facts(sentence, sources)
            if missing:
                findings.append(Ungrounded(entry.id, entry.line, sentence, tuple(missing)))
    return findings
