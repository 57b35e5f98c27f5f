"""Fusion of the lexical score with the encoder: small hand-made knowledge, real encoder."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from faq.config import load_core_config
from faq.engine import FAQ
from faq.fusion import EmbeddingCache, FusionParams, startup_cache
from faq.knowledge import parse_knowledge
from faq.replies import ReplyKind
from faq.semantic import Encoder

KNOWLEDGE = """\
clinic:
  name: Test Clinic
  phone: "+44 20 0000 0000"
  email: hello@test.example
not_covered: [botox]
entries:
  - id: pain
    topic: Treatment
    answer: Most people feel a mild scratching; a numbing cream is applied first.
    questions:
      - does microneedling hurt
      - is microneedling painful
      - will it hurt
      - how much pain is there
      - is there numbing cream
  - id: parking
    topic: Visiting
    answer: There is a free car park behind the clinic, and street parking on Elm Road.
    questions:
      - where can I park
      - is there parking
      - parking near the clinic
      - can I leave my car there
      - is parking free
  - id: vouchers
    topic: Visiting
    answer: We sell gift vouchers for any treatment, valid for twelve months.
    questions:
      - do you sell gift vouchers
      - can I buy a voucher
      - gift card for a friend
      - vouchers as a present
      - how long is a voucher valid
"""


@pytest.fixture(scope="module")
def knowledge():  # type: ignore[no-untyped-def]
    return parse_knowledge(KNOWLEDGE, "test.yaml")


def test_candidates_carry_both_signals_and_the_encoder_changes_the_score(
    knowledge,
    encoder: Encoder,  # type: ignore[no-untyped-def]
) -> None:
    fused = FAQ(knowledge, encoder=encoder, fusion=ALWAYS_ENCODE)
    best = fused.rank("car park near you?")[0]
    assert best.entry_id == "parking"
    assert best.lexical is not None
    assert best.semantic is not None
    assert best.semantic > 50  # the encoder sees "car park" as parking
    assert best.score != best.lexical  # the encoder really takes part in the score
    lexical = FAQ(knowledge).rank("car park near you?")[0]
    assert lexical.lexical is None
    assert lexical.score == best.lexical


def test_a_paraphrase_of_a_thin_entry_leads_further_with_the_encoder(
    knowledge,
    encoder: Encoder,  # type: ignore[no-untyped-def]
) -> None:
    message = "can I give the treatment to my sister as a present for her birthday"
    lexical = FAQ(knowledge).rank(message)
    fused = FAQ(knowledge, encoder=encoder).rank(message)
    assert fused[0].entry_id == lexical[0].entry_id == "vouchers"
    assert fused[0].score - fused[1].score > lexical[0].score - lexical[1].score


def test_not_covered_subjects_are_never_raised_by_the_encoder(
    knowledge,
    encoder: Encoder,  # type: ignore[no-untyped-def]
) -> None:
    fused = FAQ(knowledge, encoder=encoder)
    for candidate in fused.rank("does botox hurt"):
        assert candidate.lexical is not None
        assert candidate.score <= candidate.lexical
    assert fused.reply("does botox hurt").kind is not ReplyKind.ANSWER


def test_an_unrelated_message_stays_unanswered(
    knowledge,
    encoder: Encoder,  # type: ignore[no-untyped-def]
) -> None:
    fused = FAQ(knowledge, encoder=encoder)
    assert fused.reply("what is the capital of france").kind is ReplyKind.FALLBACK


def test_the_cache_embeds_only_new_text_and_survives_a_restart(
    knowledge,
    encoder: Encoder,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    first = EmbeddingCache(encoder, tmp_path)
    FAQ(knowledge, cache=first)
    assert first.embedded == 18  # 15 questions + 3 answers
    assert first.path is not None
    assert first.path.is_file()
    again = EmbeddingCache(encoder, tmp_path)
    edited = KNOWLEDGE.replace("is parking free", "is parking free of charge")
    FAQ(parse_knowledge(edited, "test.yaml"), cache=again)
    assert again.embedded == 1


def test_a_corrupt_cache_file_is_ignored(encoder: Encoder, tmp_path: Path) -> None:
    cache = EmbeddingCache(encoder, tmp_path)
    assert cache.path is not None
    cache.path.write_bytes(b"garbage")
    fresh = EmbeddingCache(encoder, tmp_path)
    assert fresh.embed(["hello"]).shape == (1, 384)


def test_reply_is_thread_safe(knowledge, encoder: Encoder) -> None:  # type: ignore[no-untyped-def]
    fused = FAQ(knowledge, encoder=encoder)
    messages = ["car park near you?", "does it hurt", "gift card"] * 4
    expected = [fused.reply(m).entry_id for m in messages]
    results: list[list[str | None]] = []

    def work() -> None:
        results.append([fused.reply(m).entry_id for m in messages])

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [expected] * 4


def test_semantic_off_means_lexical_only() -> None:
    assert startup_cache(load_core_config({"FAQ_SEMANTIC": "0"})) is None


ALWAYS_ENCODE = FusionParams(decisive_score=101.0)
"""Fusion that runs the encoder on every message, however decisive its words."""


class CountingEncoder:
    """The real encoder, counting the texts it embeds."""

    def __init__(self, encoder: Encoder) -> None:
        self.encoder = encoder
        self.model_hash = encoder.model_hash
        self.dimension = encoder.dimension
        self.texts: list[str] = []

    def encode(self, texts: list[str]):  # type: ignore[no-untyped-def]
        self.texts.extend(texts)
        return self.encoder.encode(texts)


def test_a_message_read_again_with_its_topic_is_not_embedded_again(
    knowledge,
    encoder: Encoder,  # type: ignore[no-untyped-def]
) -> None:
    counting = CountingEncoder(encoder)
    fused = FAQ(knowledge, encoder=counting, fusion=ALWAYS_ENCODE)  # type: ignore[arg-type]
    topic, message = "do you sell gift vouchers", "and parking?"
    fused.rank(topic)
    fused.rank(message)
    counting.texts.clear()
    with_topic = fused.rank_with_topic(topic, message)
    assert counting.texts == []  # both vectors were kept from the turns themselves
    assert with_topic[0].semantic is not None
    assert {c.entry_id for c in with_topic[:2]} == {"parking", "vouchers"}


def test_a_topic_of_several_messages_is_read_from_their_own_vectors(
    knowledge,
    encoder: Encoder,  # type: ignore[no-untyped-def]
) -> None:
    counting = CountingEncoder(encoder)
    fused = FAQ(knowledge, encoder=counting)  # type: ignore[arg-type]
    decided, embedded, message = "do you sell gift vouchers", "what about cars", "and parking?"
    counting.texts.clear()
    fused.rank(decided)
    assert counting.texts == []  # decided on its words: never embedded
    fused.rank(embedded)
    fused.rank(message)
    counting.texts.clear()
    with_topic = fused.rank_with_topic((decided, embedded), message)
    # Neither the two messages joined nor the decided one is embedded anew: the decided
    # entry's questions stand for the message its words decided.
    assert counting.texts == []
    assert with_topic[0].semantic is not None


def test_a_message_the_words_decide_is_ranked_without_the_encoder(
    knowledge,
    encoder: Encoder,  # type: ignore[no-untyped-def]
) -> None:
    counting = CountingEncoder(encoder)
    fused = FAQ(knowledge, encoder=counting)  # type: ignore[arg-type]
    counting.texts.clear()
    best = fused.rank("do you sell gift vouchers")[0]
    assert best.entry_id == "vouchers"
    assert counting.texts == []  # far ahead on its words: no 5 ms encoder run
    assert best.lexical == best.score
    assert best.semantic is None
    fused.rank("can I give the treatment to my sister as a present")
    assert counting.texts == ["can I give the treatment to my sister as a present"]
