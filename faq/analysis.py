"""Vocabulary-aware analysis: from tokens to the terms the matcher compares.

Stored questions and client messages go through the same steps, so they meet halfway:

1. ``text.tokenize`` (case, emoji, contractions, chat shorthand, punctuation);
2. for messages only: words split or joined to known words ("stretchmarks" ->
   "stretch marks", "micro needling" -> "microneedling") and typos corrected against
   the known vocabulary with rapidfuzz ("sesions" -> "sessions"); a corrected word
   counts a little less than one typed right;
3. light stemming, then staff synonyms, longest phrase first ("derma roller" ->
   "microneedling", "hurts" -> "pain").
"""

from __future__ import annotations

import itertools
import threading
from collections import Counter, OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from rapidfuzz import process
from rapidfuzz.distance import OSA

from faq.text import EVERYDAY_WORDS, SHORTHAND, STOPWORDS, english_words, stem, tokenize

# Any single typo is corrected in a word this long (two in a word of MIN_LENGTH_TWO_EDITS:
# "pregnet" -> "pregnant"); shorter words are only corrected for the typos that rarely
# make another real word: two letters swapped ("hwo" -> "how"), a
# letter left out ("wrk" -> "work", "spts" -> "spots") or one typed twice ("hurtt").
# A changed letter in a short word is left alone, so everyday words ("sure", "cost",
# "laser") are never bent into a domain word ("sore", "most", "later").
MIN_LENGTH_ONE_EDIT = 6
MIN_LENGTH_SHORT_FIX = 3
MIN_LENGTH_TWO_EDITS = 7
CONFIDENCE_PER_EDIT = 0.15
SHORT_FIX_CONFIDENCE = 0.7
CORRECTION_CACHE_SIZE = 10_000
"""Typo fixes remembered (least recently used dropped first): a stream of random words
must not grow memory without bound."""
# "without" is not "with out", nor "redone" "red one": a compound's halves are content words.
_NOT_A_COMPOUND_HALF = STOPWORDS | EVERYDAY_WORDS


@dataclass(frozen=True, slots=True)
class QueryTerms:
    """A message as the matcher sees it."""

    terms: dict[str, float]
    """Each term with its confidence: 1.0 as typed, less when it came from a typo fix."""
    sequence: tuple[str, ...] = ()
    """The terms in message order (with repeats), for word pairs."""
    corrections: tuple[tuple[str, str], ...] = ()
    """(typed, understood) pairs, for debugging output."""
    unknown: tuple[str, ...] = field(default=())
    """Words that matched nothing the knowledge knows."""


NOT_COVERED = "#not-covered"
"""The term a subject from the knowledge's ``not_covered`` list becomes ("botox")."""


def _phrase_key(text: str) -> tuple[str, ...]:
    """The stemmed words of a text, as stored questions and synonym phrases meet."""
    return tuple(stem(w) for w in tokenize(text))


class Analyzer:
    """Turns text into matcher terms, using the knowledge's words and synonyms."""

    def __init__(
        self,
        synonyms: Mapping[str, Sequence[str]],
        phrasings: Iterable[str],
        not_covered: Iterable[str] = (),
    ) -> None:
        not_covered = tuple(not_covered)
        self._synonyms = self._build_synonyms(synonyms, not_covered)
        self._longest_synonym = max((len(k) for k in self._synonyms), default=1)
        counts: Counter[str] = Counter()
        # The vocabulary: stored questions, synonyms, and not_covered subjects (so "botx" is
        # fixed to "botox", not bent into a knowledge word).
        synonym_phrases = (p for canonical, vs in synonyms.items() for p in (canonical, *vs))
        for text in itertools.chain(phrasings, synonym_phrases, not_covered):
            counts.update(tokenize(text))
        self._word_counts = counts
        self._known = set(counts) | STOPWORDS | set(SHORTHAND.values())
        # Typo fixes aim at content words, the most frequent first, so that equally close
        # fixes prefer the common word. Real words are never fixed ("three" stays "three").
        self._known_list = sorted(
            (w for w in counts if w not in STOPWORDS), key=lambda w: (-counts[w], w)
        )
        # Function words come last: "durng" is worth reading as "during" (an unknown word
        # weighs heavily), but a content word wins an equally close tie.
        self._known_list += sorted(w for w in STOPWORDS if len(w) >= 4)
        self._correction_cache: OrderedDict[str, tuple[str, ...] | None] = OrderedDict()
        self._cache_lock = threading.Lock()

    @staticmethod
    def _build_synonyms(
        synonyms: Mapping[str, Sequence[str]], not_covered: Sequence[str]
    ) -> dict[tuple[str, ...], tuple[str, ...]]:
        """Phrase (stemmed words) -> the terms it stands for; a not_covered subject stands
        for ``NOT_COVERED``."""
        table: dict[tuple[str, ...], tuple[str, ...]] = {}
        for canonical, variants in synonyms.items():
            target = _phrase_key(canonical)
            for variant in variants:
                key = _phrase_key(variant)
                if key and key != target:
                    table[key] = target
        for phrase in not_covered:
            if key := _phrase_key(phrase):
                table[key] = (NOT_COVERED,)
        return table

    def known(self, word: str) -> bool:
        """Whether ``word`` (a token) appears in the knowledge or is a common word."""
        return word in self._known

    def recognises(self, token: str) -> bool:
        """Whether a typed token is a word of the knowledge, as typed or with a typo fixed."""
        return token in self._known or self._correct(token) is not None

    def phrasing_terms(self, text: str) -> list[str]:
        """Terms of a stored question (no typo correction: staff text is trusted)."""
        return self._apply_synonyms(list(_phrase_key(text)))

    def query_terms(self, text: str) -> QueryTerms:
        """Terms of a client's message, with typos fixed against the known words."""
        tokens = self._join_split_words(tokenize(text))
        words: list[str] = []
        confidence: list[float] = []
        corrections: list[tuple[str, str]] = []
        for token in tokens:
            fixed = self._correct(token)
            if fixed is None:
                words.append(token)
                confidence.append(1.0)
                continue
            corrections.append((token, " ".join(fixed)))
            edits = OSA.distance(token, "".join(fixed))
            conf = 1.0 - CONFIDENCE_PER_EDIT * edits
            if len(token) < MIN_LENGTH_ONE_EDIT:
                conf = SHORT_FIX_CONFIDENCE
            for word in fixed:
                words.append(word)
                confidence.append(conf)
        stems = [stem(w) for w in words]
        terms: dict[str, float] = {}
        sequence: list[str] = []
        unknown: list[str] = []
        for term, conf, source in self._apply_synonyms_with(stems, confidence, words):
            terms[term] = max(conf, terms.get(term, 0.0))
            sequence.append(term)
            if source is not None and source not in self._known:
                unknown.append(source)
        return QueryTerms(terms, tuple(sequence), tuple(corrections), tuple(unknown))

    # -- steps --------------------------------------------------------------------------

    def _join_split_words(self, tokens: list[str]) -> list[str]:
        """Join "micro needling" into a known "microneedling"; the split is done in _correct."""
        out: list[str] = []
        i = 0
        while i < len(tokens):
            if i + 1 < len(tokens):
                joined = tokens[i] + tokens[i + 1]
                if joined in self._word_counts and not (
                    tokens[i] in self._word_counts and tokens[i + 1] in self._word_counts
                ):
                    out.append(joined)
                    i += 2
                    continue
            out.append(tokens[i])
            i += 1
        return out

    def _correct(self, token: str) -> tuple[str, ...] | None:
        """The known word(s) a typed word stands for, or None to keep it as typed."""
        if (
            token in self._known
            or not token.isalpha()
            or len(token) < MIN_LENGTH_SHORT_FIX
            or token in english_words()  # a real word is not a typo: "daughter", "car"
        ):
            return None
        if token.endswith("s") and token[:-1] in self._known:
            # "appts": the plural of a known word, which stemming meets; "pricess": "prices"
            # typed with one s too many (not "process", which is as close by letters).
            return (token[:-1],) if token.endswith("ss") else None
        with self._cache_lock:
            if token in self._correction_cache:
                self._correction_cache.move_to_end(token)
                return self._correction_cache[token]
        if len(token) < MIN_LENGTH_ONE_EDIT:
            fixed = self._short_word_fix(token)
        else:
            fixed = self._split_compound(token) or self._closest_known(token)
        with self._cache_lock:
            self._correction_cache[token] = fixed
            while len(self._correction_cache) > CORRECTION_CACHE_SIZE:
                self._correction_cache.popitem(last=False)  # the least recently used
        return fixed

    def _short_word_fix(self, token: str) -> tuple[str, ...] | None:
        """A swapped pair, a left-out or a doubled letter in a short word ("dose", "wrk")."""
        matches = process.extract(
            token, self._known_list, scorer=OSA.distance, score_cutoff=1, limit=20
        )
        for word, _, _ in matches:  # most frequent first, as _known_list is ordered
            swapped = len(word) == len(token) and sorted(word) == sorted(token)
            left_out = len(word) == len(token) + 1 and word[0] == token[0]
            doubled = len(word) == len(token) - 1 and any(
                token[i] == token[i + 1] and token[:i] + token[i + 1 :] == word
                for i in range(len(token) - 1)
            )
            if swapped or left_out or doubled:
                return (word,)
        return None

    def _split_compound(self, token: str) -> tuple[str, ...] | None:
        for cut in range(3, len(token) - 2):
            left, right = token[:cut], token[cut:]
            if (
                left in self._word_counts
                and right in self._word_counts
                and not {left, right} & _NOT_A_COMPOUND_HALF
            ):
                return (left, right)
        return None

    def _closest_known(self, token: str) -> tuple[str, ...] | None:
        max_edits = 2 if len(token) >= MIN_LENGTH_TWO_EDITS else 1
        matches = process.extract(
            token, self._known_list, scorer=OSA.distance, score_cutoff=max_edits, limit=8
        )
        if not matches:
            return None
        # Fewest edits first; then a word that starts like the typed one; then the commoner.
        best = min(
            matches,
            key=lambda m: (m[1], m[0][0] != token[0], -self._word_counts[m[0]]),
        )
        return (best[0],)

    def _apply_synonyms(self, stems: list[str]) -> list[str]:
        return [t for t, _, _ in self._apply_synonyms_with(stems, [1.0] * len(stems), stems)]

    def _apply_synonyms_with(
        self, stems: list[str], confidence: list[float], words: Sequence[str | None]
    ) -> list[tuple[str, float, str | None]]:
        """Replace synonym phrases (longest first); keep each term's confidence."""
        out: list[tuple[str, float, str | None]] = []
        i = 0
        while i < len(stems):
            for size in range(min(self._longest_synonym, len(stems) - i), 0, -1):
                target = self._synonyms.get(tuple(stems[i : i + size]))
                if target is not None:
                    conf = min(confidence[i : i + size])
                    out.extend((term, conf, None) for term in target)
                    i += size
                    break
            else:
                out.append((stems[i], confidence[i], words[i]))
                i += 1
        return out
