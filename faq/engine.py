"""The FAQ engine: one object that turns a client's message into the bot's reply.

It joins the steps in one direction only: text -> normalise -> rank entries -> decide ->
reply. Adapters (the terminal, Telegram) call ``reply`` and ``reply_for_entry`` and only
translate the result into their own I/O, so every adapter gives the same answers.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from faq.fusion import EmbeddingCache, FusedMatcher, FusionParams
from faq.knowledge import Knowledge, load_knowledge
from faq.language import english_part
from faq.matcher import Candidate, Matcher, MatchParams
from faq.replies import Reply, answer_reply, decide
from faq.semantic import Encoder
from faq.text import join_topic

MAX_MATCHED_CHARACTERS = 2000
"""Only the start of a very long message is matched: a question is rarely past it."""


class FAQ:
    """Knowledge plus its matcher; immutable once built (reload builds a new one).

    With an ``encoder`` (or an ``EmbeddingCache``) the ranking fuses the lexical score with
    the sentence encoder (``faq.fusion``); without one it is lexical only. ``reply`` keeps
    no state between calls, so threads may share one FAQ.
    """

    def __init__(
        self,
        knowledge: Knowledge,
        params: MatchParams | None = None,
        *,
        encoder: Encoder | None = None,
        cache: EmbeddingCache | None = None,
        fusion: FusionParams | None = None,
    ) -> None:
        self.knowledge = knowledge
        self.matcher = Matcher(
            knowledge.entries, knowledge.synonyms, params, not_covered=knowledge.not_covered
        )
        if cache is None and encoder is not None:
            cache = EmbeddingCache(encoder, None)
        self.fused: FusedMatcher | None = (
            FusedMatcher(self.matcher, cache, fusion) if cache is not None else None
        )

    @classmethod
    def from_file(cls, path: str | Path, *, cache: EmbeddingCache | None = None) -> FAQ:
        """Load, check and index a knowledge file (raises ``KnowledgeError``)."""
        return cls(load_knowledge(path), cache=cache)

    @property
    def matcher_name(self) -> str:
        """Which matcher ranks: "lexical + encoder" or "lexical only"."""
        return "lexical + encoder (all-MiniLM-L6-v2)" if self.fused else "lexical only"

    def rank(self, text: str, limit: int = 5) -> list[Candidate]:
        """The best entries for ``text`` with their 0–100 scores, best first."""
        text = self._matched_part(text)
        if self.fused is not None:
            return self.fused.rank(text, limit)
        return self.matcher.rank(text, limit)

    def rank_with_topic(
        self, topic: str | Sequence[str], text: str, limit: int = 5
    ) -> list[Candidate]:
        """The best entries for ``text`` read after a conversation about ``topic`` (the
        client's messages that led to the last answer, or one text): all joined into one
        sentence (``faq.text.join_topic``)."""
        parts = [
            self._matched_part(part) for part in ((topic,) if isinstance(topic, str) else topic)
        ]
        text = self._matched_part(text)
        joined = join_topic(" ".join(parts), text)
        if self.fused is not None:
            return self.fused.rank(joined, limit, topic=(parts, text))
        return self.matcher.rank(joined, limit)

    def _matched_part(self, text: str) -> str:
        return english_part(text[:MAX_MATCHED_CHARACTERS], self.matcher.analyzer.recognises)

    def reply(self, text: str) -> Reply:
        """The reply a client gets for ``text``."""
        return decide(self.knowledge, self.rank(text))

    def reply_for_entry(self, entry_id: str) -> Reply | None:
        """The answer to one entry (a pressed button), or None if it no longer exists."""
        entry = self.knowledge.entry(entry_id)
        return answer_reply(self.knowledge, entry) if entry is not None else None
