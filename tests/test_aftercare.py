"""Problems after treatment: what ``assess`` recognises and what the reply says.

The messages below are written the way clients type (typos, slang, stories); none of
them is in the knowledge file, and the rules in faq.aftercare name no entry.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from faq import ReplyKind, parse_knowledge
from faq.aftercare import Concern, assess, concern_reply
from faq.knowledge import DEFAULT_URGENT, load_knowledge

ROOT = Path(__file__).resolve().parent.parent

URGENT = [
    "my lips are swelling up and my throat feels tight",
    "i cant breath properly since the numbing cream",
    "I fainted after my session",
    "i have a fever and the redness is spreading",
    "chest pain since the treatment",
    "face is hot and the redness keeps spreading, also I feel feverish",
    "my tongue feels swollen and its hard to swallow",
    "struggling to breathe rn please help",
    "i passed out at home an hour after",
    "shortness of breath and hives all over",
    "my face is swelling up really fast",
    "eyes swollen shut since this morning",
    "hives all over my body",
    "i feel dizzy and my face is swollen",
    "my vision is blurry since the treatment",
    "the bleeding wont stop",
    "red streaks spreading from my cheek",
    "temperature of 39 and shivering",
    "she seems confused after her treatment",
    "i feel weird and my lips are huge",
    "its getting harder to swallow since this afternoon",
    "my throat feels like its closing up",
    "her whole face blew up within minutes",
    "i cant see properly out of my left eye",
    "itchy bumps all over my arms and legs now",
    "my voice sounds hoarse and strange",
    "the blood keeps dripping from a spot on my chin",
    "my tongue feels big and heavy",
    "my words are coming out wrong",
    "temperature 39.5 and my cheek is red, hot and spreading",
    "i keep vomiting and there are welts coming up on my neck",
    "my arms are covered in itchy welts since the numbing cream",
]
PROBLEM = [
    "my face is still red 3 days after, is that normal??",
    "there's yellow pus coming out of the spots on my cheek",
    "i have blisters on my forehead",
    "got a rash after the numbing cream",
    "its been a week and my face is still swolen",
    "the pain is getting worse every day",
    "it's really itchy and peeling 5 days later",
    "i got dark patches 3 weeks after microneedling",
    "i think it looks infected",
    "skin is weeping and crusty",
    "I had a reaction to the numbing cream",
    "redness not going down after 48 hours",
    "rednes still there after 4 days",
    "had it done on monday and my face is still sore and hot today",
    "the swelling keeps getting bigger",
    "blistres on my chin",
    "day 4 and my skin is still really red",
    "i feel feaverish",
    "the itching will not stop, day 5 now",
    "my usual serum burns when i put it on now",
    "i have a cold sore on my lip since the treatment",
    "i was told the swelling would go in a day but it is day 3 and still puffy",
    "still flaking badly two weeks after the session",
    "some little white bumps all over my chin since the treatment, not going away",
    "red and sore around my mouth on day 2, no fever though",
]
ORDINARY = [
    "is some redness normal?",
    "will I be swollen?",
    "how long does the redness last",
    "how long does redness last after microneedling",
    "can microneedling help my dark patches?",
    "I've had dark spots for years, can it help?",
    "my stretch marks have been red for years, can microneedling help",
    "can it cause blisters?",
    "what's the risk of infection?",
    "does it hurt",
    "is it normal to peel after microneedling",
    "how do I book",
    "will my face be red the next day?",
    "I'm allergic to lidocaine, can I still have it",
    "how long will I be red for, days?",
    "what aftercare do I need",
    "how many sessions for melasma",
    "how fast does the swelling go down?",
    "is it normal to bleed a bit during it",
    "can it help red lines on my nose",
    "will it affect my vision if done near the eyes",
    "what if i still have some spots on the day",
    # A future appointment: "will I look red" is asked ahead.
    "my appointment is on friday, how long will i look red for after?",
    "what if i scratch it by accident, will it get infected?",
    "day 4 and my cheeks are peeling a little, that's fine isn't it",
    # A prospective client describing the skin they want treated.
    "i've got acne at the moment, lots of spots on my jaw, can i still have it done?",
    "my skin reacts to most products, is microneedling ok for me?",
    "i have brown patches that got darker over the years, could microneedling help?",
    "will my stretch marks get worse if i start microneedling while still growing?",
    "i get cold sores now and then, would that stop me having it?",
    "blood thinners every day and i can not stop them, is that an issue for microneedling?",
    "i nearly fainted at my last blood test, is microneedling going to be agony?",
    "how quickly will i see results, i don't see much change yet",
    "brown patches since my second baby, can microneedling help them?",
    "i have a wedding in 10 days, will i still be red by then?",
    "i keep getting confused by all the options, which treatment is this?",
    "had my first session and i'm itching to book the next one, how long between them?",
]


@pytest.mark.parametrize("text", URGENT, ids=URGENT)
def test_urgent_signs(text: str) -> None:
    assert assess(text) is Concern.URGENT


@pytest.mark.parametrize("text", PROBLEM, ids=PROBLEM)
def test_problems_after_treatment(text: str) -> None:
    assert assess(text) is Concern.PROBLEM


@pytest.mark.parametrize("text", ORDINARY, ids=ORDINARY)
def test_ordinary_questions_stay_ordinary(text: str) -> None:
    assert assess(text) is None


def test_problem_reply_says_contact_now_with_phone_and_offers_handoff() -> None:
    knowledge = load_knowledge(ROOT / "knowledge.yaml")
    reply = concern_reply(knowledge, Concern.PROBLEM)
    assert reply.kind is ReplyKind.PROBLEM
    assert reply.offer_handoff
    assert knowledge.clinic.phone in reply.text
    assert "contact us now" in reply.text
    assert "settles" not in reply.text


def test_urgent_reply_puts_urgent_help_first() -> None:
    knowledge = load_knowledge(ROOT / "knowledge.yaml")
    reply = concern_reply(knowledge, Concern.URGENT)
    assert reply.kind is ReplyKind.URGENT
    assert reply.offer_handoff
    urgent_at = reply.text.index(knowledge.clinic.urgent)
    assert urgent_at < reply.text.index(knowledge.clinic.phone)
    assert "urgent medical help now" in reply.text.splitlines()[0]


def test_older_files_without_the_new_texts_load_with_safe_defaults() -> None:
    knowledge = parse_knowledge(
        "clinic:\n  name: Old Clinic\n  phone: '0123'\n  email: a@b.c\n"
        "entries:\n  - id: pain\n    topic: T\n    questions: [does it hurt]\n    answer: A bit.\n"
    )
    assert knowledge.clinic.urgent == DEFAULT_URGENT
    problem = concern_reply(knowledge, Concern.PROBLEM)
    assert "Old Clinic" in problem.text
    assert "Phone: 0123" in problem.text  # added: the default text holds no phone
    urgent = concern_reply(knowledge, Concern.URGENT)
    assert urgent.text.index(DEFAULT_URGENT) < urgent.text.index("0123")
    assert "999" not in urgent.text  # no country's number is assumed


def test_a_file_without_a_phone_still_loads() -> None:
    knowledge = parse_knowledge(
        "messages:\n  fallback: Sorry.\n"
        "entries:\n  - id: pain\n    topic: T\n    questions: [does it hurt]\n    answer: A bit.\n"
    )
    reply = concern_reply(knowledge, Concern.PROBLEM)
    assert reply.text == knowledge.messages["problem"]


def test_staff_text_is_used_as_written() -> None:
    knowledge = parse_knowledge(
        "clinic:\n  phone: '0123'\n  email: a@b.c\n  urgent: call 112\n"
        "messages:\n  problem: Call us on {clinic.phone} today.\n"
        "  urgent: 'First {clinic.urgent}, then us.'\n"
        "entries:\n  - id: pain\n    topic: T\n    questions: [does it hurt]\n    answer: A bit.\n"
    )
    assert concern_reply(knowledge, Concern.PROBLEM).text == "Call us on 0123 today.\nEmail: a@b.c"
    assert concern_reply(knowledge, Concern.URGENT).text == (
        "First call 112, then us.\nPhone: 0123  Email: a@b.c"
    )


def test_no_client_words_are_kept_after_a_message_is_read() -> None:
    from faq.aftercare import _READING_FACTS, adds_to_concern

    assess("my face is still red 3 days after, is that normal?")
    adds_to_concern("it's been a week and it is getting worse")
    assert all(fact.cache_info().currsize == 0 for fact in _READING_FACTS)
