"""Fusing the lexical matcher's 0–100 score with a sentence encoder's similarity.

For every entry the semantic side measures the cosine of the message with

* each stored question of the entry, keeping the best one (never a sum: a hundred-question
  entry does not win by count), and
* the entry's answer text (strong for thin entries staff wrote in five questions).

The better of the two is mapped onto the 0–100 scale (``SEMANTIC_FLOOR`` -> 0,
``SEMANTIC_CEILING`` -> 100) and mixed with the lexical score. Two safety rules keep the
encoder from making the bot bolder where it should not be:

* a message naming a subject the knowledge lists under ``not_covered`` ("does botox
  hurt") is scored lexically only: semantics may never raise it;
* semantics alone cannot carry an entry the lexical side finds nothing in
  (``LEXICAL_FLOOR``): an unrelated message stays unrelated.

A message its words already decide (``decisive_score``) is ranked without the encoder.
Embeddings of the stored text are cached on disk (``EmbeddingCache``) keyed by the model's
hash and the text, so a restart or a live reload embeds only what changed.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TypeVar

import numpy as np

from faq.analysis import NOT_COVERED
from faq.config import CoreConfig
from faq.knowledge import Entry
from faq.matcher import Candidate, Matcher, MessageScores
from faq.semantic import Encoder

log = logging.getLogger(__name__)
_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class FusionParams:
    """Calibration of the fused score (measured on the dev sets, see bench/README.md)."""

    semantic_share: float = 0.25
    """Share of the fused score that comes from the encoder; the rest is lexical."""
    semantic_floor: float = 0.45
    """Cosine that maps to 0 on the 0–100 scale (unrelated sentences sit around 0.1–0.3)."""
    semantic_ceiling: float = 0.85
    """Cosine that maps to 100 (a paraphrase of a stored question)."""
    answer_offset: float = 0.10
    """Added to the message-vs-answer cosine: an answer is longer and less like a question,
    so its cosine runs lower for the same relevance."""
    lexical_floor: float = 20.0
    """Below this lexical score semantics cannot lift an entry (out-of-scope safety)."""
    decisive_score: float = 55.0
    """A message whose best lexical score reaches this, ``decisive_lead`` ahead of the
    second, is ranked on its words alone, without running the encoder (about 5 ms on one
    core). On the dev and held-out sets it changes no reply and skips 45–55% of runs."""
    decisive_lead: float = 15.0
    """See ``decisive_score``."""


RECENT_MESSAGES = 512
"""Message vectors kept in memory (never on disk), keyed by a hash of the text: the last
few messages of every chat active in the last half hour, so a follow-up's topic is not
embedded again (about 1.5 KB each)."""
SLOW_EMBEDDING_COUNT = 200
"""Embedding this many texts takes seconds: the log says so (a first start, a big import)."""
SECONDS_PER_TEXT = 0.009
"""Measured on two cores for a typical stored question (bench/fusion.py --speed)."""


def _key(model_hash: str, text: str) -> str:
    return hashlib.sha256(f"{model_hash}\0{text}".encode()).hexdigest()[:32]


class EmbeddingCache:
    """Text -> unit vector, kept in one ``.npz`` file per model under ``directory``."""

    def __init__(self, encoder: Encoder, directory: Path | None) -> None:
        self.encoder = encoder
        self.path = directory / f"embeddings-{encoder.model_hash[:16]}.npz" if directory else None
        self._vectors: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()
        self.embedded = 0
        """How many texts this cache had to run through the encoder (not found on disk)."""
        self._load()

    def _load(self) -> None:
        if self.path is None or not self.path.is_file():
            return
        try:
            with np.load(self.path, allow_pickle=False) as data:
                keys, vectors = data["keys"], data["vectors"]
        except (OSError, ValueError, KeyError) as error:
            log.warning("ignoring unreadable embedding cache %s: %s", self.path, error)
            return
        if vectors.ndim == 2 and vectors.shape[1] == self.encoder.dimension:
            self._vectors = {str(k): v for k, v in zip(keys, vectors, strict=True)}

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """One unit vector per text; embeds only the texts not cached yet, then saves."""
        with self._lock:
            keys = [_key(self.encoder.model_hash, t) for t in texts]
            missing = list(dict.fromkeys(k for k in keys if k not in self._vectors))
            if missing:
                if len(missing) >= SLOW_EMBEDDING_COUNT:
                    log.info(
                        "embedding %d new texts with the sentence encoder (once; about "
                        "%d s): the bot answers when this is done",
                        len(missing),
                        max(1, round(len(missing) * SECONDS_PER_TEXT)),
                    )
                by_key = dict(zip(keys, texts, strict=True))
                vectors = self.encoder.encode([by_key[k] for k in missing])
                self._vectors.update(zip(missing, vectors, strict=True))
                self.embedded += len(missing)
                self._save()
            if not keys:
                return np.zeros((0, self.encoder.dimension), dtype=np.float32)
            return np.stack([self._vectors[k] for k in keys])

    def _save(self) -> None:
        if self.path is None:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            temporary = self.path.with_suffix(".tmp.npz")
            keys = np.asarray(list(self._vectors), dtype="U32")
            np.savez(temporary, keys=keys, vectors=np.stack(list(self._vectors.values())))
            temporary.replace(self.path)
        except OSError as error:
            log.warning("cannot write the embedding cache %s: %s", self.path, error)


class FusedMatcher:
    """The lexical matcher's ranking, re-scored with the encoder; same ``rank`` interface."""

    def __init__(
        self,
        lexical: Matcher,
        cache: EmbeddingCache,
        params: FusionParams | None = None,
    ) -> None:
        self.lexical = lexical
        self.params = params or FusionParams()
        self.encoder = cache.encoder
        entries: Sequence[Entry] = lexical.entries
        questions: list[str] = []
        owner: list[int] = []
        for index, entry in enumerate(entries):
            for question in entry.questions or (entry.label,):
                questions.append(question)
                owner.append(index)
        self._questions = cache.embed(questions)
        self._answers = cache.embed([entry.answer for entry in entries])
        self._owner = np.asarray(owner, dtype=np.int64)
        order = np.argsort(self._owner, kind="stable")
        self._owner = self._owner[order]
        self._questions = self._questions[order]
        self._starts = np.searchsorted(self._owner, np.arange(len(entries)))
        self._has_questions = np.bincount(self._owner, minlength=len(entries)) > 0
        self._position = {entry.id: i for i, entry in enumerate(entries)}
        self._recent: OrderedDict[bytes, np.ndarray] = OrderedDict()
        self._decided: OrderedDict[bytes, int] = OrderedDict()
        """Recent messages ranked on words alone: the entry their words decided."""
        sums = np.zeros((len(entries), self._questions.shape[1] if len(self._questions) else 0))
        if len(self._questions):
            np.add.at(sums, self._owner, self._questions)
        norms = np.linalg.norm(sums, axis=1, keepdims=True)
        self._centroids = np.where(norms > 0, sums / np.where(norms > 0, norms, 1.0), 0.0)
        self._recent_lock = threading.Lock()
        self.lexical_only = 0
        """Messages ranked without the encoder (decisive on words alone)."""
        self.encoded = 0
        """Messages ranked with the encoder."""

    def message_vector(self, text: str) -> np.ndarray:
        """The encoder's vector of a message; the last few are kept (in memory only), as a
        conversation ranks the same message more than once (alone, with its topic)."""
        key = _message_key(text)
        with self._recent_lock:
            vector = self._recent.get(key)
            if vector is not None:
                self._recent.move_to_end(key)
                return vector
        vector = np.asarray(self.encoder.encode([text])[0])
        with self._recent_lock:
            _keep(self._recent, key, vector)
        return vector

    def _topic_part_vector(self, text: str) -> np.ndarray:
        """The vector of a message read with a topic, or of one of the topic's messages. One
        its words alone decided was never embedded: the mean of the decided entry's
        questions stands for it, so context does not pay for an encoder run the message
        itself was spared."""
        key = _message_key(text)
        with self._recent_lock:
            vector = self._recent.get(key)
            decided = self._decided.get(key)
        if vector is not None:
            return vector
        if decided is not None:
            return np.asarray(self._centroids[decided])
        return self.message_vector(text)

    def clear_recent(self) -> None:
        """Forget the message vectors kept (a benchmark's cold run)."""
        with self._recent_lock:
            self._recent.clear()
            self._decided.clear()

    def topic_vector(self, topic: Sequence[str], text: str) -> np.ndarray:
        """A message read with its topic (the client's messages that led to the last
        answer): the mean of their vectors and the message's, renormalised. Close to
        embedding the joined text, at the cost of a sum: each message's vector is kept
        from its own turn, so a topic of two messages is not embedded again as one."""
        message = self._topic_part_vector(text)
        # The topic's messages count as one, as when their words are joined: a long topic
        # must not outweigh the message.
        topic_sum = np.zeros_like(message)
        for part in topic:
            topic_sum += self._topic_part_vector(part)
        return _unit(_unit(topic_sum) + message)

    def semantic_scores(self, text: str, vector: np.ndarray | None = None) -> np.ndarray:
        """The encoder's 0–100 score of every entry for ``text`` (or for ``vector``, the
        message's vector when the caller has it), in file order."""
        p = self.params
        n = len(self.lexical.entries)
        if not n:
            return np.zeros(0)
        if vector is None:
            vector = self.message_vector(text)
        per_question = self._questions @ vector
        best_question = np.full(n, -1.0)
        if len(per_question):
            reduced = np.maximum.reduceat(per_question, self._starts)
            best_question = np.where(self._has_questions, reduced, -1.0)
        answer = self._answers @ vector + p.answer_offset
        cosine = np.maximum(best_question, answer)
        span = p.semantic_ceiling - p.semantic_floor
        return np.asarray(100.0 * np.clip((cosine - p.semantic_floor) / span, 0.0, 1.0))

    def fused_scores(self, text: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Fused, lexical and semantic 0–100 scores of every entry, in file order."""
        fused, scored, semantic = self._fuse(text)
        return fused, scored.entries, semantic

    def _fuse(
        self, text: str, vector: np.ndarray | None = None, scored: MessageScores | None = None
    ) -> tuple[np.ndarray, MessageScores, np.ndarray]:
        p = self.params
        scored = scored or self.lexical.score_message(text)
        lexical = scored.entries
        semantic = self.semantic_scores(text, vector)
        fused = (1.0 - p.semantic_share) * lexical + p.semantic_share * semantic
        if NOT_COVERED in self.lexical.analyse(text).terms:
            fused = np.minimum(fused, lexical)  # "does botox hurt": semantics may not help
        fused = np.where(lexical < p.lexical_floor, np.minimum(fused, lexical), fused)
        return fused, scored, semantic

    def _decisive(self, lexical: np.ndarray) -> bool:
        if len(lexical) < 2:
            return False
        first, second = np.partition(lexical, len(lexical) - 2)[-1:-3:-1]
        p = self.params
        return bool(first >= p.decisive_score and first - second >= p.decisive_lead)

    def rank(
        self,
        text: str,
        limit: int = 5,
        *,
        topic: tuple[Sequence[str], str] | None = None,
    ) -> list[Candidate]:
        """The ``limit`` best entries by fused score, each with both signals.

        ``topic``: (the topic's messages, the message) when ``text`` is them all joined;
        the encoder then reads them as ``topic_vector`` does instead of embedding ``text``
        anew.
        """
        vector = self.topic_vector(*topic) if topic is not None else None
        scored = self.lexical.score_message(text)
        if vector is None and self._decisive(scored.entries):
            self.lexical_only += 1
            with self._recent_lock:
                _keep(self._decided, _message_key(text), int(np.argmax(scored.entries)))
            ranked = self.lexical.candidates(scored, limit)
            return [replace(c, lexical=c.score) for c in ranked]
        self.encoded += 1
        fused, scored, semantic = self._fuse(text, vector, scored)
        # The lexical pass already done picks each entry's phrasing; ranking by the fused
        # score reuses it instead of scoring the message twice.
        ranked = self.lexical.candidates(MessageScores(fused, scored.phrasings), limit)
        position = self._position
        return [
            replace(
                candidate,
                lexical=round(float(scored.entries[position[candidate.entry_id]]), 1),
                semantic=round(float(semantic[position[candidate.entry_id]]), 1),
            )
            for candidate in ranked
        ]


def _unit(vector: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(vector))
    return np.asarray(vector / norm if norm > 0 else vector)


def _message_key(text: str) -> bytes:
    """A message's key among the recent ones: a hash, so no client's text is kept."""
    return hashlib.blake2b(text.encode(), digest_size=16).digest()


def _keep(recent: OrderedDict[bytes, _T], key: bytes, value: _T) -> None:
    """Remember ``value`` as the newest of at most ``RECENT_MESSAGES``."""
    recent[key] = value
    recent.move_to_end(key)
    while len(recent) > RECENT_MESSAGES:
        recent.popitem(last=False)


def startup_cache(config: CoreConfig, knowledge: Path | None = None) -> EmbeddingCache | None:
    """The embedding cache the bot starts with, or None for lexical-only matching.

    The encoder is used unless FAQ_SEMANTIC=0 (``faq.semantic.load_encoder`` says why
    when it cannot load). Logs once which matcher is in use.
    """
    if not config.semantic:
        log.info("matching: lexical only (FAQ_SEMANTIC=0)")
        return None
    from faq.semantic import load_encoder

    encoder, reason = load_encoder()
    if encoder is None:
        log.warning("matching: lexical only (%s)", reason)
        return None
    directory = config.cache_folder(knowledge)
    log.info("matching: lexical + sentence encoder; embedding cache in %s", directory)
    return EmbeddingCache(encoder, directory)


def matcher_in_use(config: CoreConfig) -> str:
    """For ``check``: which matcher the bot would answer with here, and why."""
    if not config.semantic:
        return "lexical only (FAQ_SEMANTIC=0)"
    from faq.semantic import load_encoder

    encoder, reason = load_encoder()
    return "lexical + sentence encoder (all-MiniLM-L6-v2)" if encoder else f"lexical only: {reason}"
