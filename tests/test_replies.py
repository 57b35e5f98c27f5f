"""Deciding the reply: answer, "did you mean", small talk or a kind fallback.

``decide`` is tested with hand-made candidate lists and settings, so these tests say
exactly which rule is meant; a few end-to-end checks go through ``FAQ.reply``.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from faq import FAQ, Candidate, Knowledge, Option, ReplyKind, Settings, decide, parse_knowledge
from faq.evaluation import LabelledQuestion, Outcome

REPO = Path(__file__).resolve().parent.parent

KNOWLEDGE_TEXT = """\
clinic:
  name: Test Clinic
  phone: "+44 20 0000 0000"
  email: hello@test.example
messages:
  did_you_mean: Did you mean one of these?
  fallback: Sorry, I can't help with that. Call {clinic.phone}.
entries:
  - id: sessions
    topic: Treatment
    questions: ["How many sessions will I need?", how many treatments]
    answer: Three to six.
    related: [pain, duration]
  - id: pain
    topic: Treatment
    questions: ["Does it hurt?", is it painful]
    answer: We use a numbing cream.
  - id: duration
    topic: Treatment
    questions: ["How long does it take?"]
    answer: About 30 minutes.
  - id: price
    topic: Booking
    questions: ["How much does it cost?"]
    answer: Call us.
small_talk:
  - id: greeting
    questions: [hello, hi]
    answer: Hello!
    related: [sessions]
"""

SETTINGS = Settings(
    answer_threshold=70, suggest_threshold=40, ambiguity_margin=5, max_suggestions=3
)


@pytest.fixture(scope="module")
def knowledge() -> Knowledge:
    return dataclasses.replace(parse_knowledge(KNOWLEDGE_TEXT, "test.yaml"), settings=SETTINGS)


def ranked(*pairs: tuple[str, float]) -> list[Candidate]:
    return [Candidate(entry_id, score, f"phrasing of {entry_id}") for entry_id, score in pairs]


def with_settings(knowledge: Knowledge, **changes: float) -> Knowledge:
    return dataclasses.replace(knowledge, settings=dataclasses.replace(SETTINGS, **changes))


# -- answering --------------------------------------------------------------------------


def test_answers_above_threshold_with_a_clear_margin(knowledge: Knowledge) -> None:
    candidates = ranked(("sessions", 80), ("pain", 74.9), ("price", 50))
    reply = decide(knowledge, candidates)
    assert reply.kind is ReplyKind.ANSWER
    assert reply.entry_id == "sessions"
    assert reply.text == "Three to six."
    assert reply.score == 80
    assert reply.candidates == tuple(candidates)


def test_answers_at_exactly_the_threshold(knowledge: Knowledge) -> None:
    reply = decide(knowledge, ranked(("pain", 70)))
    assert reply.kind is ReplyKind.ANSWER
    assert reply.entry_id == "pain"


def test_a_runner_up_exactly_one_margin_behind_is_not_close(knowledge: Knowledge) -> None:
    reply = decide(knowledge, ranked(("sessions", 80), ("pain", 75)))
    assert reply.kind is ReplyKind.ANSWER


def test_answer_carries_related_entries_as_options(knowledge: Knowledge) -> None:
    reply = decide(knowledge, ranked(("sessions", 90)))
    assert reply.options == (
        Option("pain", "Does it hurt?"),
        Option("duration", "How long does it take?"),
    )


def test_answer_without_related_entries_has_no_options(knowledge: Knowledge) -> None:
    assert decide(knowledge, ranked(("price", 90))).options == ()


def test_settings_come_from_the_knowledge_file() -> None:
    strict = parse_knowledge(KNOWLEDGE_TEXT + "settings:\n  answer_threshold: 95\n")
    assert strict.settings.answer_threshold == 95
    assert decide(strict, ranked(("pain", 90))).kind is ReplyKind.DID_YOU_MEAN


# -- did you mean -----------------------------------------------------------------------


def test_did_you_mean_when_the_top_two_are_close(knowledge: Knowledge) -> None:
    candidates = ranked(("sessions", 80), ("pain", 76), ("price", 30))
    reply = decide(knowledge, candidates)
    assert reply.kind is ReplyKind.DID_YOU_MEAN
    assert reply.entry_id is None
    assert reply.text == "Did you mean one of these?"
    assert reply.options == (
        Option("sessions", "How many sessions will I need?"),
        Option("pain", "Does it hurt?"),
    )
    assert reply.score == 80
    assert reply.candidates == tuple(candidates)


def test_did_you_mean_when_the_best_is_only_fairly_likely(knowledge: Knowledge) -> None:
    reply = decide(knowledge, ranked(("duration", 55), ("price", 20)))
    assert reply.kind is ReplyKind.DID_YOU_MEAN
    assert [o.entry_id for o in reply.options] == ["duration"]


def test_did_you_mean_offers_only_candidates_above_suggest_threshold(
    knowledge: Knowledge,
) -> None:
    reply = decide(knowledge, ranked(("sessions", 60), ("pain", 40), ("duration", 39.9)))
    assert [o.entry_id for o in reply.options] == ["sessions", "pain"]


@pytest.mark.parametrize("limit", [1, 2, 3], ids=["1", "2", "3"])
def test_did_you_mean_respects_max_suggestions(knowledge: Knowledge, limit: int) -> None:
    candidates = ranked(("sessions", 65), ("pain", 64), ("duration", 63), ("price", 62))
    reply = decide(with_settings(knowledge, max_suggestions=limit), candidates)
    assert reply.kind is ReplyKind.DID_YOU_MEAN
    assert [o.entry_id for o in reply.options] == ["sessions", "pain", "duration"][:limit]


def test_small_talk_is_not_offered_as_a_second_choice(knowledge: Knowledge) -> None:
    reply = decide(knowledge, ranked(("sessions", 60), ("greeting", 59), ("pain", 50)))
    assert reply.kind is ReplyKind.DID_YOU_MEAN
    assert [o.entry_id for o in reply.options] == ["sessions", "pain"]


def test_small_talk_close_behind_a_confident_answer_does_not_block_it(
    knowledge: Knowledge,
) -> None:
    reply = decide(knowledge, ranked(("sessions", 80), ("greeting", 79)))
    assert reply.kind is ReplyKind.ANSWER
    assert reply.entry_id == "sessions"


def test_small_talk_that_is_the_best_guess_can_be_offered(knowledge: Knowledge) -> None:
    reply = decide(knowledge, ranked(("greeting", 60), ("pain", 50)))
    assert [o.entry_id for o in reply.options] == ["greeting", "pain"]


def test_a_wider_margin_asks_more_often(knowledge: Knowledge) -> None:
    candidates = ranked(("sessions", 80), ("pain", 72))
    assert decide(knowledge, candidates).kind is ReplyKind.ANSWER
    wide = with_settings(knowledge, ambiguity_margin=10)
    assert decide(wide, candidates).kind is ReplyKind.DID_YOU_MEAN


# -- fallback ---------------------------------------------------------------------------


def test_fallback_below_suggest_threshold(knowledge: Knowledge) -> None:
    candidates = ranked(("sessions", 39.9), ("pain", 20))
    reply = decide(knowledge, candidates)
    assert reply.kind is ReplyKind.FALLBACK
    assert reply.entry_id is None
    assert reply.options == ()
    assert reply.text == "Sorry, I can't help with that. Call +44 20 0000 0000."
    assert reply.score == 39.9
    assert reply.candidates == tuple(candidates)


def test_fallback_with_no_candidates(knowledge: Knowledge) -> None:
    reply = decide(knowledge, [])
    assert reply.kind is ReplyKind.FALLBACK
    assert reply.score == 0
    assert reply.candidates == ()


def test_fallback_when_the_best_entry_is_unknown(knowledge: Knowledge) -> None:
    assert decide(knowledge, ranked(("gone", 95))).kind is ReplyKind.FALLBACK


def test_default_fallback_says_how_to_reach_the_clinic() -> None:
    knowledge = parse_knowledge(KNOWLEDGE_TEXT.replace("  fallback: Sorry", "  welcome: Hi"))
    text = decide(knowledge, []).text
    assert "Test Clinic" in text
    assert "+44 20 0000 0000" in text
    assert "hello@test.example" in text


# -- end to end -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def faq(knowledge: Knowledge) -> FAQ:
    return FAQ(knowledge)


@pytest.mark.parametrize(
    "text",
    ["", "   ", "?!?", "...", "😅", "asdfgh qwerty zxcvb", "lorem ipsum dolor"],
    ids=["empty", "spaces", "marks", "dots", "emoji", "keyboard-mash", "latin"],
)
def test_fallback_for_empty_punctuation_and_gibberish(faq: FAQ, text: str) -> None:
    reply = faq.reply(text)
    assert reply.kind is ReplyKind.FALLBACK
    assert reply.entry_id is None


def test_reply_answers_a_clear_question(faq: FAQ) -> None:
    reply = faq.reply("how many sessions will i need?")
    assert reply.kind is ReplyKind.ANSWER
    assert reply.entry_id == "sessions"
    assert reply.candidates[0].entry_id == "sessions"
    assert [o.entry_id for o in reply.options] == ["pain", "duration"]


def test_small_talk_replies_as_small_talk(faq: FAQ) -> None:
    reply = faq.reply("hello")
    assert reply.kind is ReplyKind.SMALL_TALK
    assert reply.entry_id == "greeting"
    assert reply.text == "Hello!"
    assert reply.options == (Option("sessions", "How many sessions will I need?"),)


def test_reply_for_entry_answers_a_pressed_button(faq: FAQ) -> None:
    reply = faq.reply_for_entry("sessions")
    assert reply is not None
    assert reply.kind is ReplyKind.ANSWER
    assert reply.entry_id == "sessions"
    assert reply.text == "Three to six."
    assert [o.entry_id for o in reply.options] == ["pain", "duration"]


def test_reply_for_a_small_talk_entry_is_small_talk(faq: FAQ) -> None:
    reply = faq.reply_for_entry("greeting")
    assert reply is not None
    assert reply.kind is ReplyKind.SMALL_TALK


def test_reply_for_an_unknown_entry_is_none(faq: FAQ) -> None:
    assert faq.reply_for_entry("no_such_entry") is None
    assert faq.reply_for_entry("") is None


# -- the shipped knowledge --------------------------------------------------------------


@pytest.fixture(scope="module")
def shipped() -> FAQ:
    return FAQ.from_file(REPO / "knowledge.yaml")


@pytest.mark.parametrize(
    "text",
    [
        "what's the weather like today",
        "i want to order a pizza",
        "car insurance quote",
        "",
        "???",
        "asdfghjkl",
    ],
    ids=["weather", "pizza", "car-insurance", "empty", "marks", "gibberish"],
)
def test_shipped_knowledge_falls_back_on_other_things(shipped: FAQ, text: str) -> None:
    assert shipped.reply(text).kind is ReplyKind.FALLBACK


@pytest.mark.parametrize(
    "text",
    ["does botox hurt", "how much is botox", "how long does pizza delivery take"],
    ids=["botox-hurt", "botox-price", "pizza-delivery"],
)
def test_shipped_knowledge_never_answers_other_treatments_with_a_fact(
    shipped: FAQ, text: str
) -> None:
    assert shipped.reply(text).kind in (ReplyKind.FALLBACK, ReplyKind.DID_YOU_MEAN)


def test_shipped_fallback_names_the_clinics_contacts(shipped: FAQ) -> None:
    clinic = shipped.knowledge.clinic
    text = shipped.reply("car insurance quote").text
    assert clinic.phone in text
    assert clinic.email in text


# -- how the evaluation counts replies ---------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "no_fact"),
    [
        (ReplyKind.FALLBACK, True),
        (ReplyKind.DID_YOU_MEAN, True),
        (ReplyKind.SMALL_TALK, True),
        (ReplyKind.ANSWER, False),
    ],
)
def test_an_out_of_scope_question_is_kept_from_facts_unless_answered(
    kind: ReplyKind, no_fact: bool
) -> None:
    outcome = Outcome(LabelledQuestion("👍👍", None), kind, None, 50.0, "thanks")
    assert outcome.states_no_fact is no_fact
    assert outcome.correct is (kind is ReplyKind.FALLBACK)
