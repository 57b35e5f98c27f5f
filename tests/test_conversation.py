"""faq.conversation: context per chat, follow-ups, small talk, hand-off offers, limits."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from faq import FAQ, KnowledgeError, ReplyKind, parse_knowledge
from faq.conversation import Conversations, Exchange
from faq.followup import question_parts
from faq.smalltalk import MessageKind, asks_for_person, message_kind, not_covered_subject

KNOWLEDGE = """\
clinic:
  name: "Test Clinic"
  phone: "+44 20 7946 0123"
  email: "hello@test-clinic.co.uk"
  hours: "Mon-Fri 9-5"
not_covered: [botox, lip filler]
entries:
  - id: what_is
    topic: About
    questions:
      - What is microneedling
      - what does microneedling involve
      - explain microneedling
      - what is it
    answer: Microneedling makes tiny punctures that boost collagen.
  - id: stretch_marks
    topic: Skin concerns
    questions:
      - Can microneedling help stretch marks
      - does it work on stretch marks
      - will it get rid of stretch marks
      - stretch marks treatment
      - does it help with stretch marks
    answer: Yes, microneedling can soften stretch marks.
    related: [stretch_mark_causes]
  - id: stretch_mark_causes
    topic: Skin concerns
    questions:
      - What causes stretch marks
      - why do stretch marks appear
      - why do I get stretch marks
      - where do stretch marks come from
    answer: Stretch marks come from skin stretching quickly.
  - id: pigmentation
    topic: Skin concerns
    questions:
      - Can microneedling help pigmentation
      - does it help melasma
      - dark spots treatment
      - will it fade my pigmentation
      - does it work on melasma
    answer: Microneedling can help pigmentation and melasma.
  - id: duration
    topic: Treatment
    questions:
      - How long does the treatment take
      - how long is a session
      - how many minutes does it take
      - session length
    answer: A session takes about 30 minutes.
  - id: pain
    topic: Treatment
    questions: [Does microneedling hurt, is it painful, will it hurt, how much pain is there]
    answer: We use a numbing cream, so most clients feel little.
  - id: price
    topic: Booking
    questions: [How much does it cost, what is the price, how expensive is it, prices please]
    answer: Prices start at 150 pounds.
  - id: contact_human
    topic: Booking
    questions:
      - Can I talk to a person
      - speak to someone
      - contact details
      - phone number
      - can I call you
    answer: Call us on {clinic.phone} or email {clinic.email}.
small_talk:
  - id: hello
    questions: [hello, hi, good morning]
    answer: Hello! Ask me about microneedling.
  - id: thanks
    questions: [thanks, thank you, cheers, ok thanks]
    answer: You're very welcome!
  - id: bot_identity
    questions: [are you a bot, are you a real person, am I talking to a human]
    answer: I'm the clinic's automated assistant, not a person.
"""


@pytest.fixture(scope="module")
def faq() -> FAQ:
    return FAQ(parse_knowledge(KNOWLEDGE, "kb.yaml"))


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def chats(faq: FAQ, clock: Clock) -> Conversations:
    return Conversations(lambda: faq, clock=clock)


def entry_of(chats: Conversations, key: object, text: str) -> str | None:
    return chats.reply(key, text).entry_id


# -- follow-ups -----------------------------------------------------------------------


def test_a_pronoun_is_read_with_the_topic(chats: Conversations) -> None:
    assert entry_of(chats, "a", "what causes stretch marks") == "stretch_mark_causes"
    turn = chats.turn("a", "will it work on them")
    assert turn.reply.entry_id == "stretch_marks"
    assert turn.followup
    # The same words from a new client are not an answer about stretch marks.
    alone = chats.turn("b", "will it work on them")
    assert alone.reply.kind is not ReplyKind.ANSWER or alone.reply.entry_id != "stretch_marks"
    assert not alone.followup


def test_a_short_follow_up_gets_its_own_clear_best_entry(chats: Conversations) -> None:
    assert entry_of(chats, "a", "can microneedling help stretch marks") == "stretch_marks"
    turn = chats.turn("a", "and the price for my belly then")
    assert (turn.reply.entry_id, turn.followup) == ("price", True)
    # From a new client the same words are too weak to answer: a follow-up may lean on
    # having a conversation, a first message may not.
    assert chats.turn("b", "and the price for my belly then").reply.kind is not ReplyKind.ANSWER


def test_a_correction_is_read_with_the_topic(chats: Conversations) -> None:
    assert entry_of(chats, "a", "does it help melasma") == "pigmentation"
    turn = chats.turn("a", "no, I meant stretch marks")
    assert (turn.reply.entry_id, turn.followup) == ("stretch_marks", True)
    assert entry_of(chats, "new", "no, I meant stretch marks") == "stretch_mark_causes"


def test_a_clear_new_question_is_answered_on_its_own(chats: Conversations) -> None:
    assert entry_of(chats, "a", "can microneedling help stretch marks") == "stretch_marks"
    for text, expected in [
        ("how much does it cost", "price"),
        ("how long does that take", "duration"),
        ("and for melasma?", "pigmentation"),
    ]:
        turn = chats.turn("a", text)
        assert (turn.reply.entry_id, turn.followup) == (expected, False), text


def test_a_pressed_button_becomes_the_topic(chats: Conversations) -> None:
    reply = chats.reply_for_entry("a", "stretch_mark_causes")
    assert reply is not None
    assert reply.entry_id == "stretch_mark_causes"
    assert entry_of(chats, "a", "will it work on them") == "stretch_marks"
    assert chats.reply_for_entry("a", "no_such_entry") is None


def test_two_questions_get_two_answers(chats: Conversations) -> None:
    turn = chats.turn("a", "does it hurt and how much is it")
    assert turn.entry_ids == ("pain", "price")
    assert "numbing cream" in turn.reply.text
    assert "150 pounds" in turn.reply.text
    assert turn.reply.kind is ReplyKind.ANSWER


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("does it hurt and how much is it", ["does it hurt", "how much is it"]),
        ("Does it hurt? How much is it?", ["Does it hurt?", "How much is it?"]),
        ("does it help open pores and acne scars", ["does it help open pores and acne scars"]),
        ("I had a baby. Can I have it?", ["I had a baby. Can I have it?"]),
    ],
    ids=["and-how", "two-marks", "one-question-with-and", "story"],
)
def test_question_parts(text: str, parts: list[str]) -> None:
    assert question_parts(text) == parts


# -- small talk -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        *("ok", "okay", "really?", "hmm", "hmmm", "yes", "no", "cool", "k"),
        *("hmm ok let me think", "I'll think about it", "ok i understand", "no worries"),
    ],
)
def test_acknowledgements_get_a_short_neutral_reply(chats: Conversations, text: str) -> None:
    assert entry_of(chats, "a", "can microneedling help stretch marks") == "stretch_marks"
    reply = chats.reply("a", text)
    assert reply.kind is ReplyKind.SMALL_TALK
    assert reply.entry_id is None
    assert "welcome" not in reply.text.lower()
    # The context's next step: the last answer's related questions.
    assert [o.entry_id for o in reply.options] == ["stretch_mark_causes"]


@pytest.mark.parametrize("text", ["why", "why?", "how", "how so?", "what?"])
def test_a_lone_question_word_asks_what_they_would_like_to_know(
    chats: Conversations, faq: FAQ, text: str
) -> None:
    reply = chats.reply("a", text)
    assert reply.kind is ReplyKind.SMALL_TALK
    assert reply.text == faq.knowledge.messages["clarify"]


def test_thanks_still_get_the_thanks_small_talk(chats: Conversations) -> None:
    assert entry_of(chats, "a", "ok thanks") == "thanks"
    assert entry_of(chats, "a", "thank you") == "thanks"
    # However they are typed, with a word the knowledge lacks, or in another language.
    for text in ("cool ty", "thank you so much for the info x", "gracias!!", "dziękuję"):
        assert entry_of(chats, "a", text) == "thanks", text
    assert entry_of(chats, "a", "salam") == "hello"


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("ok", MessageKind.ACKNOWLEDGEMENT),
        ("got it", MessageKind.ACKNOWLEDGEMENT),
        ("why?", MessageKind.LONE_QUESTION_WORD),
        ("why is it red", MessageKind.QUESTION),
        ("no, I meant stretch marks", MessageKind.QUESTION),
        ("ok thanks", MessageKind.THANKS),
        ("cool ty x", MessageKind.THANKS),
        ("gracias!!", MessageKind.THANKS),
        ("thanks, how much is it?", MessageKind.QUESTION),
        ("", MessageKind.QUESTION),
    ],
)
def test_message_kind(text: str, kind: MessageKind) -> None:
    assert message_kind(text) is kind


def test_a_subject_not_covered_is_named_with_the_contacts(chats: Conversations) -> None:
    reply = chats.reply("a", "does botox hurt")
    assert reply.kind is ReplyKind.FALLBACK
    assert "botox" in reply.text
    assert "+44 20 7946 0123" in reply.text
    assert "not sure" not in reply.text


def test_not_covered_subject_matches_whole_words_and_the_longest() -> None:
    subjects = ["filler", "lip filler", "laser"]
    assert not_covered_subject("How much are lip fillers?", subjects) == "lip filler"
    assert not_covered_subject("is laser better", subjects) == "laser"
    assert not_covered_subject("fill in the form", subjects) is None


# -- a person -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "asks"),
    [
        ("i dont want to chat to a bot, can i message someone at the clinic", True),
        ("can I speak to a real person", True),
        ("I want a human", True),
        ("could someone call me back", True),
        ("are you a real person", False),
        ("am I chatting to someone at the clinic", False),
        ("does it hurt", False),
    ],
)
def test_asks_for_person(text: str, asks: bool) -> None:
    assert asks_for_person(text) is asks


def test_asking_for_a_person_offers_the_hand_off(chats: Conversations) -> None:
    reply = chats.reply("a", "can I talk to a person please")
    assert reply.entry_id == "contact_human"
    assert reply.offer_handoff
    vague = chats.reply("b", "i dont want to chat to a bot, can i message someone at the clinic")
    assert vague.offer_handoff
    assert "+44 20 7946 0123" in vague.text


def test_are_you_a_real_person_is_the_bot_identity_without_yes(chats: Conversations) -> None:
    reply = chats.reply("a", "are you a real person")
    assert reply.entry_id == "bot_identity"
    assert not reply.offer_handoff
    assert not reply.text.lower().startswith("yes")


def test_two_fallbacks_in_a_row_offer_the_hand_off(chats: Conversations) -> None:
    first = chats.reply("a", "asdf qwer")
    assert first.kind is ReplyKind.FALLBACK
    assert not first.offer_handoff
    second = chats.reply("a", "zzzz yyyy")
    assert second.kind is ReplyKind.FALLBACK
    assert second.offer_handoff
    assert entry_of(chats, "a", "does it hurt") == "pain"
    assert not chats.reply("a", "asdf qwer").offer_handoff  # the run was broken


# -- memory ---------------------------------------------------------------------------


def test_history_is_oldest_first_and_bounded(faq: FAQ, clock: Clock) -> None:
    chats = Conversations(lambda: faq, clock=clock, history_size=3)
    for text in ["hi", "does it hurt", "how much", "ok", "thanks"]:
        clock.now += 1
        chats.reply("a", text)
    history = chats.history("a")
    assert [e.text for e in history] == ["how much", "ok", "thanks"]
    assert all(isinstance(e, Exchange) for e in history)
    assert [e.at for e in history] == [1003.0, 1004.0, 1005.0]
    assert chats.history("other") == ()


def test_context_is_forgotten_after_the_time_limit(chats: Conversations, clock: Clock) -> None:
    chats.reply("a", "what causes stretch marks")
    clock.now += 1799
    assert len(chats.history("a")) == 1
    clock.now += 1801
    assert chats.history("a") == ()
    assert not chats.turn("a", "will it work on them").followup


def test_forget_drops_the_context(chats: Conversations) -> None:
    chats.reply("a", "what causes stretch marks")
    chats.forget("a")
    chats.forget("never-seen")
    assert chats.history("a") == ()
    assert not chats.turn("a", "will it work on them").followup


def test_keys_are_separate(chats: Conversations) -> None:
    chats.reply(("group", 1), "what causes stretch marks")
    assert not chats.turn(("group", 2), "will it work on them").followup
    assert chats.turn(("group", 1), "will it work on them").followup


def test_the_least_recently_active_chat_goes_first(faq: FAQ, clock: Clock) -> None:
    chats = Conversations(lambda: faq, clock=clock, max_chats=2)
    chats.reply(1, "hi")
    chats.reply(2, "hi")
    chats.reply(1, "does it hurt")  # 1 is now the most recent
    chats.reply(3, "hi")
    assert len(chats) == 2
    assert chats.history(2) == ()
    assert len(chats.history(1)) == 2


def test_limits_must_be_positive(faq: FAQ) -> None:
    with pytest.raises(ValueError, match="positive"):
        Conversations(lambda: faq, max_chats=0)


def test_many_threads_at_once(faq: FAQ) -> None:
    chats = Conversations(lambda: faq, max_chats=5, history_size=4)
    errors: list[BaseException] = []

    def client(number: int) -> Callable[[], None]:
        def run() -> None:
            try:
                for _ in range(20):
                    chats.reply(number % 8, "what causes stretch marks")
                    chats.reply(number % 8, "will it work on them")
                    chats.history(number % 8)
            except BaseException as error:  # reported below
                errors.append(error)

        return run

    threads = [threading.Thread(target=client(n)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(chats) <= 5
    assert all(len(chats.history(k)) <= 4 for k in range(8))


# -- texts ----------------------------------------------------------------------------


def test_a_file_without_the_conversation_messages_loads_with_defaults(faq: FAQ) -> None:
    for name in ("acknowledgement", "clarify", "not_covered", "two_questions", "person"):
        assert faq.knowledge.messages[name].strip()
    assert "+44 20 7946 0123" in faq.knowledge.messages["person"]


def test_staff_can_word_the_not_covered_reply(faq: FAQ) -> None:
    text = KNOWLEDGE.replace(
        "not_covered:", "messages:\n  not_covered: We do not offer {subject}.\nnot_covered:", 1
    )
    knowledge = parse_knowledge(text, "kb.yaml")
    chats = Conversations(lambda: FAQ(knowledge))
    assert chats.reply(1, "does botox hurt").text == "We do not offer botox."


def test_an_unknown_placeholder_in_a_message_is_an_error() -> None:
    text = KNOWLEDGE.replace(
        "not_covered:", "messages:\n  clarify: Tell me about {subject}.\nnot_covered:", 1
    )
    with pytest.raises(KnowledgeError, match=r"unknown placeholder '\{subject\}'"):
        parse_knowledge(text, "kb.yaml")


# -- problems after treatment ---------------------------------------------------------


def test_a_problem_after_treatment_comes_before_anything_else(chats: Conversations) -> None:
    reply = chats.reply("a", "my face is still red 3 days after, is that normal??")
    assert reply.kind is ReplyKind.PROBLEM
    assert reply.offer_handoff
    urgent = chats.reply("b", "my lips are swelling and i cant breathe")
    assert urgent.kind is ReplyKind.URGENT


def test_a_problem_told_across_two_messages_is_recognised(chats: Conversations) -> None:
    assert chats.reply("a", "is some redness normal?").kind is not ReplyKind.PROBLEM
    assert chats.reply("a", "its been a week and its getting worse").kind is ReplyKind.PROBLEM
    # The same second message from a new client is not read with anything.
    assert chats.reply("b", "how long does that take").kind is not ReplyKind.PROBLEM


def test_a_follow_up_that_adds_no_sign_is_not_read_as_a_problem(chats: Conversations) -> None:
    first = chats.reply("a", "i've had dark patches for months, can i do microneedling?")
    assert first.kind is not ReplyKind.PROBLEM
    # "after" here is after a birth, and the follow-up names no sign, span or change.
    assert chats.reply("a", "and after giving birth?").kind is not ReplyKind.PROBLEM


def test_a_context_reading_that_only_repeats_the_topics_entry_gives_way(faq: FAQ) -> None:
    from faq.followup import ContextParams, _echo
    from faq.matcher import Candidate
    from faq.replies import answer_reply

    pigmentation = faq.knowledge.entry("pigmentation")
    assert pigmentation is not None
    repeated = answer_reply(faq.knowledge, pigmentation)
    params = ContextParams()
    # The message alone points at duration, well ahead of the topic's own entry.
    alone = [Candidate("duration", 40.0, "how long"), Candidate("pigmentation", 27.0, "spots")]
    assert _echo("pigmentation", repeated, alone, params)
    # Close behind, or the message's own best is the topic's entry: the context stands.
    close = [Candidate("duration", 40.0, "how long"), Candidate("pigmentation", 36.0, "spots")]
    assert not _echo("pigmentation", repeated, close, params)
    assert not _echo("pigmentation", repeated, alone[::-1], params)
    # The context reading is not the topic's entry: nothing is repeated.
    assert not _echo("stretch_marks", repeated, alone, params)
    assert not _echo(None, repeated, alone, params)


@pytest.mark.parametrize("text", ["let me think about the price", "i see a rash on my chin"])
def test_a_closing_phrase_with_more_in_it_is_read_as_a_question(text: str) -> None:
    assert message_kind(text) is MessageKind.QUESTION
