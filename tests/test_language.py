"""Messages mixing another language with English are answered from their English part."""

from __future__ import annotations

from faq import FAQ, ReplyKind, parse_knowledge
from faq.language import clauses, english_part

KNOWLEDGE = """
clinic:
  name: Test Clinic
  phone: "+44 1"
  email: a@b.example
not_covered: [botox]
entries:
  - id: price
    topic: Booking
    source: clinic
    questions:
      - How much does it cost?
      - how much is it
      - what is the price
      - prices
      - is it expensive
    answer: Please ask the clinic for today's prices.
  - id: pain
    topic: Treatment
    questions:
      - Does microneedling hurt?
      - is it painful
      - how much pain is there
      - will it hurt
      - does it sting
    answer: Most people feel only mild discomfort.
"""


def knows(words: set[str]):  # type: ignore[no-untyped-def]
    return lambda token: token in words


def test_a_clause_in_another_language_is_dropped_when_english_is_left() -> None:
    assert english_part("quanto custa? how much is it", knows(set())) == "how much is it"
    assert (
        english_part("yaar mujhe pata nahi, is it right for me", knows(set()))
        == "is it right for me"
    )


def test_english_alone_foreign_alone_and_known_words_are_kept() -> None:
    assert english_part("how long does laser hair removal take", knows(set())) == (
        "how long does laser hair removal take"
    )
    assert english_part("salam", knows(set())) == "salam"  # nothing English to rank instead
    text = "necesito informacion sobre el botox, how much is it"
    assert english_part(text, knows({"botox"})) == text


def test_clauses_split_at_commas_sentence_ends_and_emoji() -> None:
    assert clauses("hola! que es esto? what is it 🙂 ok, thanks") == [
        "hola",
        "que es esto",
        "what is it",
        "ok",
        "thanks",
    ]


def test_the_bot_answers_the_english_half_but_not_a_foreign_question_about_botox() -> None:
    faq = FAQ(parse_knowledge(KNOWLEDGE, "test.yaml"))
    assert faq.reply("how much is it").entry_id == "price"
    assert faq.reply("quanto custa? how much is it").entry_id == "price"
    assert faq.reply("kya ye dard karta hai? does it hurt").entry_id == "pain"
    botox = faq.reply("necesito informacion sobre el botox, how much is it")
    assert botox.kind is not ReplyKind.ANSWER
