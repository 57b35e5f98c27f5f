"""Ranking entries against a message, on a 0–100 scale.

How a score is made
-------------------
Every term has a weight: rare, telling words ("melasma", "numbing", "weeks") weigh more
than words many entries share ("microneedling"), function words ("what", "is", "it")
weigh little and everyday words ("months", "still") less than others. Adjacent word pairs
("how long", "dark spots") are terms too, so word order counts a little. A word the
knowledge has never seen weighs more than the rarest known word: in "does botox hurt",
"botox" is exactly what the bot cannot speak about (unless it is an everyday word,
``faq.text.EVERYDAY_WORDS``, which weighs little; or a number). A subject the knowledge
lists under ``not_covered`` weighs more still.

For each stored question (a *phrasing*) the matcher measures, by weight:

* how much of the phrasing the message contains (``cp``), and
* how much of the message the phrasing explains (``cq``),

and combines them into a phrasing score (their harmonic mean). An entry's score mixes its
best phrasing score with how well the entry's questions *as a whole* explain the message
(each message term counted by the share of the entry's questions that use it), and is
then marked down by that same share of the message left unexplained. In a long message
(a story), unknown words count less and ``cp`` counts more; and in a message of several
sentences, half of an entry's score comes from its best sentence, so the question
buried in a story decides between entries the whole story matches about equally.

The scale: 100 means every word of the message is used by every question of one entry and
the message is one of them; 0 means the message shares nothing with the entry. A stored
question asked word for word scores well above the shipped answer threshold (usually
60–90, less when its entry's other questions use other words). ``settings:`` thresholds
(``answer_threshold``, ``suggest_threshold``) are read on this scale; ``python bot.py repl
--debug`` shows the scores. Ties are broken on purpose: the entry first in the file wins.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from faq.analysis import NOT_COVERED, Analyzer, QueryTerms
from faq.knowledge import Entry
from faq.text import EVERYDAY_WORDS, STOPWORDS, segments, stem


@dataclass(frozen=True, slots=True)
class Candidate:
    """One ranked entry: its id, its 0–100 score, and the stored question that matched."""

    entry_id: str
    score: float
    phrasing: str
    lexical: float | None = None
    """The lexical matcher's own score, when the score is fused with the encoder."""
    semantic: float | None = None
    """The encoder's 0–100 score, when the score is fused (None: lexical only)."""


@dataclass(frozen=True, slots=True)
class MessageScores:
    """One message scored against the index: every entry, and every stored question."""

    entries: np.ndarray
    """The 0–100 score of each entry, in knowledge-file order."""
    phrasings: np.ndarray
    """The match of each stored question, grouped by entry (picks the phrasing shown)."""


@dataclass(frozen=True, slots=True)
class MatchParams:
    """Tuning of the scoring formula (measured in bench/, not set by staff)."""

    stopword_factor: float = 0.5
    """Weight of a function word relative to a content word with the same rarity."""
    everyday_factor: float = 0.6
    """Weight of a known everyday word ("months", "start", "still") relative to other words
    of the same rarity: a word like that is rare in the knowledge by chance, not because
    it tells one entry from another."""
    unknown_factor: float = 2.5
    """Weight of a never-seen word, relative to the rarest known word."""
    beta: float = 1.0
    """Below 1 the phrasing score leans on ``cp`` (a long message containing a stored
    question still scores well); above 1 it leans on ``cq``."""
    phrasing_share: float = 0.3
    """Share of the entry score given by the best phrasing; the rest by the entry as a whole."""
    entry_exponent: float = 0.3
    """Flattens the per-entry term shares (0 = any use counts fully, 1 = proportional)."""
    sentence_share: float = 0.5
    """In a message of several sentences, the share of an entry's score that comes from its
    best single sentence; the rest comes from the whole message."""
    pair_factor: float = 0.4
    """Weight of an adjacent word pair ("how long", "dark spots") relative to a single word
    of the same rarity; pairs let word order tell "how long" from "long lasting"."""
    explained_exponent: float = 1.0
    """How strongly an entry is marked down for the part of the message it does not explain."""
    long_message_beta: float = 1.0
    """How strongly a long message's score leans on cp (0: no more than a short one's)."""
    long_message_discount: float = 2.5
    """How much less a long message's total weight counts (0: not at all less)."""
    not_covered_factor: float = 4.0
    """Weight of a subject the knowledge lists as ``not_covered`` ("botox"), relative to a
    never-seen word; it counts fully in long messages too."""
    short_message_words: int = 7
    """Up to this many content words, every unknown word counts fully against a match; in
    longer messages (stories) unknown words are expected and count proportionally less."""


PAIR_JOINER = " "
# A number never names a subject ("I am 58", "my 30th", "in my 40s"): it weighs like a
# function word, known or not.
_NUMBER = re.compile(r"^\d+(?:st|nd|rd|th|s)?$")
# Short stems are kept only when they are the word itself: "early" must not make "ear" an
# everyday word.
EVERYDAY_STEMS = frozenset(s for word in EVERYDAY_WORDS if len(s := stem(word)) >= 4 or s == word)


def with_pairs(terms: Sequence[str]) -> list[str]:
    """The terms followed by each adjacent pair of them ("how", "long", "how long")."""
    return [*terms, *(f"{a}{PAIR_JOINER}{b}" for a, b in itertools.pairwise(terms))]


def query_items(query: QueryTerms) -> list[tuple[str, float]]:
    """A message's terms and adjacent pairs, each once, with their confidence."""
    items = dict(query.terms)
    sequence = query.sequence
    for a, b in itertools.pairwise(sequence):
        pair = f"{a}{PAIR_JOINER}{b}"
        items[pair] = max(items.get(pair, 0.0), min(query.terms[a], query.terms[b]))
    return list(items.items())


class Matcher:
    """An index over the entries' questions; ``rank`` scores every entry for a message."""

    def __init__(
        self,
        entries: Sequence[Entry],
        synonyms: Mapping[str, Sequence[str]] | None = None,
        params: MatchParams | None = None,
        not_covered: Sequence[str] = (),
    ) -> None:
        self.params = params or MatchParams()
        self.entries = tuple(entries)
        self.analyzer = Analyzer(
            synonyms or {}, (q for e in self.entries for q in e.questions), not_covered
        )
        self._build()

    # -- index --------------------------------------------------------------------------

    def _build(self) -> None:
        p = self.params
        phrasing_terms: list[list[str]] = []
        phrasing_text: list[str] = []
        phrasing_entry: list[int] = []
        entry_term_counts: list[dict[str, int]] = []
        starts: list[int] = []
        for index, entry in enumerate(self.entries):
            starts.append(len(phrasing_terms))
            seen: set[tuple[str, ...]] = set()
            counts: dict[str, int] = {}
            for question in entry.questions:
                terms = tuple(dict.fromkeys(with_pairs(self.analyzer.phrasing_terms(question))))
                if not terms or terms in seen:
                    continue
                seen.add(terms)
                phrasing_terms.append(list(terms))
                phrasing_text.append(question)
                phrasing_entry.append(index)
                for term in terms:
                    counts[term] = counts.get(term, 0) + 1
            if not seen:  # keep the entry addressable even if all its questions were empty
                phrasing_terms.append([])
                phrasing_text.append(entry.label)
                phrasing_entry.append(index)
            entry_term_counts.append(counts)

        n_entries = max(1, len(self.entries))
        document_frequency: dict[str, int] = {}
        for counts in entry_term_counts:
            for term in counts:
                document_frequency[term] = document_frequency.get(term, 0) + 1
        self._term_id = {term: i for i, term in enumerate(document_frequency)}
        weights = np.empty(len(self._term_id), dtype=np.float64)
        for term, i in self._term_id.items():
            idf = math.log(1.0 + n_entries / document_frequency[term])
            if PAIR_JOINER in term:
                weights[i] = idf * p.pair_factor
            elif term in STOPWORDS:
                weights[i] = idf * p.stopword_factor
            elif term in EVERYDAY_STEMS:
                weights[i] = idf * p.everyday_factor
            else:
                weights[i] = idf
        self._weights = weights
        self._unknown_weight = math.log(1.0 + n_entries / 0.5) * p.unknown_factor
        # A function word tells nothing about scope, known or not: weigh an unseen one as
        # if every entry used it.
        self._unknown_stop_weight = math.log(2.0) * p.stopword_factor

        postings: list[list[int]] = [[] for _ in self._term_id]
        phrasing_weight = np.zeros(len(phrasing_terms), dtype=np.float64)
        for index, phrasing in enumerate(phrasing_terms):
            for term in phrasing:
                term_id = self._term_id[term]
                postings[term_id].append(index)
                phrasing_weight[index] += weights[term_id]
        self._postings = [np.asarray(post, dtype=np.int32) for post in postings]
        self._phrasing_weight = np.maximum(phrasing_weight, 1e-9)
        self._phrasing_text = phrasing_text
        self._phrasing_entry = np.asarray(phrasing_entry, dtype=np.int32)
        self._starts = np.asarray(starts, dtype=np.int64)
        self._ends = np.append(self._starts[1:], len(phrasing_terms))
        self._n_phrasings = len(phrasing_terms)

        phrasings_per_entry = np.bincount(self._phrasing_entry, minlength=len(self.entries))
        entry_postings: list[list[tuple[int, float]]] = [[] for _ in self._term_id]
        for index, counts in enumerate(entry_term_counts):
            total = max(1, int(phrasings_per_entry[index]))
            for term, count in counts.items():
                share = (count / total) ** p.entry_exponent
                entry_postings[self._term_id[term]].append((index, share))
        self._entry_postings = [
            (
                np.asarray([e for e, _ in post], dtype=np.int32),
                np.asarray([s for _, s in post], dtype=np.float64),
            )
            for post in entry_postings
        ]
        # The word most entries share is what the knowledge is about ("microneedling").
        content_terms = [
            t for t in document_frequency if PAIR_JOINER not in t and t not in STOPWORDS
        ]
        self._service_term = max(content_terms, key=document_frequency.__getitem__, default="")
        self._small_talk = np.asarray([e.small_talk for e in self.entries], dtype=bool)

    @property
    def phrasing_count(self) -> int:
        """How many distinct stored questions the index holds."""
        return self._n_phrasings

    # -- scoring ------------------------------------------------------------------------

    def analyse(self, text: str) -> QueryTerms:
        """How the matcher reads ``text`` (terms, typo fixes, unknown words)."""
        return self.analyzer.query_terms(text)

    def scores(self, text: str) -> np.ndarray:
        """The 0–100 score of every entry for ``text``, in knowledge-file order."""
        return self.score_message(text).entries

    def score_message(self, text: str) -> MessageScores:
        """Entry and phrasing scores: of the whole message, mixed with its best sentence."""
        query = self.analyzer.query_terms(text)
        entry_scores, phrasing_scores = self._score_terms(query)
        parts = segments(text)
        if len(parts) > 1:
            best_sentence = np.zeros_like(entry_scores)
            # "I want a tattoo. Does it hurt?": the subject of the story holds for each
            # sentence, unless the message names our own subject too ("I fainted getting my
            # ears pierced. Does microneedling hurt?").
            about_other = NOT_COVERED in query.terms and self._service_term not in query.terms
            for part in parts:
                part_entries, part_phrasings = self._score_terms(
                    self.analyzer.query_terms(part), about_other=about_other
                )
                np.maximum(best_sentence, part_entries, out=best_sentence)
                np.maximum(phrasing_scores, part_phrasings, out=phrasing_scores)
            share = self.params.sentence_share
            mixed = (1.0 - share) * entry_scores + share * best_sentence
            # Small talk is judged on the whole message: "Hi! Does it hurt?" is not a greeting.
            entry_scores = np.where(self._small_talk, entry_scores, mixed)
        return MessageScores(entry_scores, phrasing_scores)

    def _score_terms(
        self, query: QueryTerms, *, about_other: bool = False
    ) -> tuple[np.ndarray, np.ndarray]:
        n_entries = len(self.entries)
        nothing = (np.zeros(n_entries), np.zeros(self._n_phrasings))
        if not n_entries or not query.terms:
            return nothing
        p = self.params
        ids: list[int] = []
        matched_weights: list[float] = []
        query_weight = 0.0
        unknown_weight = 0.0
        about_other = about_other or NOT_COVERED in query.terms
        not_covered_weight = self._unknown_weight * p.not_covered_factor if about_other else 0.0
        for term, confidence in query_items(query):
            if NOT_COVERED in term:
                continue
            term_id = self._term_id.get(term)
            if term_id is None:
                if PAIR_JOINER in term:
                    continue  # an unseen pair says nothing its words did not already say
                unknown_weight += (
                    self._unknown_stop_weight
                    if term in STOPWORDS or term in EVERYDAY_STEMS or _NUMBER.match(term)
                    else self._unknown_weight
                )
                continue
            weight = float(self._weights[term_id])
            query_weight += weight
            ids.append(term_id)
            matched_weights.append(weight * confidence)
        if not ids:
            return nothing
        content_words = sum(1 for term in query.terms if term not in STOPWORDS)
        # In a long story most words are not the question: count unknown words less and
        # judge more by how completely it contains a stored question (cp) than by how
        # much of it that question explains (cq).
        shortness = min(1.0, p.short_message_words / max(1, content_words))
        query_weight += unknown_weight * shortness
        query_weight *= shortness**p.long_message_discount
        query_weight += not_covered_weight

        post = [self._postings[i] for i in ids]
        index = np.concatenate(post)
        values = np.repeat(matched_weights, [len(x) for x in post])
        matched = np.bincount(index, weights=values, minlength=self._n_phrasings)
        cp = matched / self._phrasing_weight
        cq = np.minimum(matched / query_weight, 1.0)
        b2 = (p.beta * shortness**p.long_message_beta) ** 2
        phrasing_scores = (1 + b2) * cp * cq / np.maximum(b2 * cp + cq, 1e-12)
        best_phrasing = np.maximum.reduceat(phrasing_scores, self._starts)

        entry_post = [self._entry_postings[i] for i in ids]
        entry_index = np.concatenate([e for e, _ in entry_post])
        entry_values = np.concatenate(
            [s * w for (_, s), w in zip(entry_post, matched_weights, strict=True)]
        )
        whole_entry = np.bincount(entry_index, weights=entry_values, minlength=n_entries)
        whole_entry = np.minimum(whole_entry / query_weight, 1.0)
        entry_scores = p.phrasing_share * best_phrasing + (1 - p.phrasing_share) * whole_entry
        # The square root spreads the useful range (a fair match is about a quarter of the
        # raw overlap) over the scale staff set thresholds on; it keeps the order.
        # Marked down again by how little of the message the entry explains: "how long does
        # laser hair removal take" shares its frame with a duration question, but nothing in
        # that entry speaks of laser hair removal.
        entry_scores *= whole_entry**p.explained_exponent
        # The cube root spreads the useful range over the 0–100 scale staff set thresholds
        # on (a fair match keeps about a tenth of the raw overlap); it keeps the order.
        return 100.0 * np.cbrt(entry_scores), phrasing_scores

    def rank(self, text: str, limit: int = 5) -> list[Candidate]:
        """The ``limit`` best entries for ``text``, best first, with their 0–100 scores."""
        return self.candidates(self.score_message(text), limit)

    def candidates(self, scored: MessageScores, limit: int) -> list[Candidate]:
        """The ``limit`` best entries of one scored message, each with its best phrasing."""
        # A stable sort on the negated score keeps file order among equal scores.
        order = np.argsort(-scored.entries, kind="stable")[:limit]
        candidates = []
        for i in order:
            if scored.entries[i] <= 0:
                break
            start, end = int(self._starts[i]), int(self._ends[i])
            best = start + int(np.argmax(scored.phrasings[start:end]))
            candidates.append(
                Candidate(
                    self.entries[i].id,
                    round(float(scored.entries[i]), 1),
                    self._phrasing_text[best],
                )
            )
        return candidates
