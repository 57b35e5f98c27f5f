"""The hand-off in Telegram: the real Application against the fake Bot API.

A client presses "Send my question to the team"; the staff group gets one message; a
staff reply reaches the client; the client's next messages go to the thread; /done
hands the client back to the FAQ. Also: several clients and staff at once, a chat that
is not the staff group, no staff chat configured, the bot removed from the group, 👎,
problems reported, /forget, /chatid, and a restart in the middle of a conversation
(the threads live in the SQLite store, so staff replies still reach the client).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fake_bot_api import FakeBotAPI
from telegram_support import plain_buttons, running_bot, text_of

from adapters.telegram import callbacks
from faq import FAQ
from faq.aftercare import Concern, concern_reply
from faq.handoff import SEND_TO_TEAM
from faq.store import ConversationStore

STAFF = -1001234567890
ASK_PERSON = "i dont want to chat to a bot, can i message someone at the clinic"
PROBLEM = "my face is still red 3 days after, is that normal??"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[ConversationStore]:
    with ConversationStore(tmp_path / "c.sqlite3", salt="salt") as opened:
        yield opened


@pytest.fixture
def bot(api: FakeBotAPI, faq: FAQ, store: ConversationStore) -> Iterator[object]:
    with running_bot(api, lambda: faq, store=store, staff_chat_id=STAFF) as running:
        yield running


def message_id(call: Any) -> int:
    return int(call.result["message_id"])


def staff_says(api: FakeBotAPI, staff_user: int, text: str, reply_to: int) -> None:
    """A staff member replies in the staff group to the bot's message ``reply_to``."""
    api.message(
        STAFF,
        text,
        user_id=staff_user,
        chat_type="supergroup",
        reply_to_message=api.messages[(STAFF, reply_to)],
    )


def hand_off(api: FakeBotAPI, client: int, staff_count: int = 1) -> Any:
    """The client asks for a person and presses the offer; returns the staff message."""
    api.message(client, ASK_PERSON)
    offer = api.sent(client)[0]
    assert (SEND_TO_TEAM, callbacks.HANDOFF) in plain_buttons(offer)
    api.press(client, message_id(offer), callbacks.HANDOFF)
    api.sent(client, 2)  # the confirmation: sent once the thread is stored
    return next(
        c for c in api.sent(STAFF, staff_count) if f"Client{client} would like" in text_of(c)
    )


def stored(store: ConversationStore, staff_message_id: int) -> None:
    """Wait until the bot has linked a staff-chat message to its thread (it records the
    id just after sending, so a reply sent at once could otherwise race it)."""
    deadline = time.monotonic() + 5
    while store.handoff_for_staff_message(STAFF, staff_message_id, 0) is None:
        assert time.monotonic() < deadline, "the message was never linked to a thread"
        time.sleep(0.01)


def test_offer_press_staff_reply_thread_and_done(api, bot, faq, store) -> None:
    to_staff = hand_off(api, 201)
    text = text_of(to_staff)
    assert text.startswith("🙋 Client201 would like to talk to the team.")
    assert ASK_PERSON in text  # the client's own message, with the bot's reply
    assert "reply to this message" in text
    confirmation = api.sent(201, 2)[1]
    assert faq.knowledge.clinic.hours in text_of(confirmation)
    # The offer button is gone from the message it was pressed on.
    edit = api.wait_for(lambda c: c.method == "editMessageReplyMarkup")[0]
    assert edit.params["chat_id"] == 201

    staff_says(api, 9001, "Hello, this is Sam. How can I help?", message_id(to_staff))
    reply = api.sent(201, 3)[2]
    assert text_of(reply) == (
        f"💬 The team at {faq.knowledge.clinic.name}:\nHello, this is Sam. How can I help?"
    )

    api.message(201, "does it hurt")  # goes to the thread, not to the FAQ
    passed = api.sent(STAFF, 2)[1]
    assert text_of(passed) == "💬 Client201: does it hurt"
    assert passed.params["reply_parameters"]["message_id"] == message_id(to_staff)
    stored(store, message_id(passed))

    staff_says(api, 9002, "Only a little, we use numbing cream.", message_id(passed))
    assert text_of(api.sent(201, 4)[3]).endswith("Only a little, we use numbing cream.")

    staff_says(api, 9001, "/done", message_id(passed))
    closed = api.sent(201, 5)[4]
    assert "closed this conversation" in text_of(closed)
    assert "Closed" in text_of(api.sent(STAFF, 3)[2])

    api.message(201, "does it hurt")  # the bot answers again
    answer = api.sent(201, 6)[5]
    assert text_of(answer) == faq.reply_for_entry("pain").text.strip()
    assert len(api.sent(STAFF, 3)) == 3  # nothing more went to the staff chat


def test_two_clients_and_two_staff_never_cross(api, bot) -> None:
    anna = hand_off(api, 301)
    ben = hand_off(api, 302, staff_count=2)
    staff_says(api, 9002, "for ben", message_id(ben))
    staff_says(api, 9001, "for anna", message_id(anna))
    api.message(301, "anna again")
    api.message(302, "ben again")
    # Updates run concurrently: the confirmation and the staff reply may come either way.
    to_anna = [text_of(c) for c in api.sent(301, 3)]
    to_ben = [text_of(c) for c in api.sent(302, 3)]
    assert any(t.endswith("for anna") for t in to_anna)
    assert any(t.endswith("for ben") for t in to_ben)
    assert not any("for ben" in t for t in to_anna)
    assert not any("for anna" in t for t in to_ben)
    passed = {text_of(c) for c in api.sent(STAFF, 4)[2:]}
    assert passed == {"💬 Client301: anna again", "💬 Client302: ben again"}
    replies_to = {
        text_of(c): c.params["reply_parameters"]["message_id"] for c in api.sent(STAFF, 4)[2:]
    }
    assert replies_to["💬 Client301: anna again"] == message_id(anna)
    assert replies_to["💬 Client302: ben again"] == message_id(ben)


def test_nobody_outside_the_staff_chat_can_post_to_a_client(api, bot) -> None:
    to_staff = hand_off(api, 401)
    forged = api.messages[(STAFF, message_id(to_staff))]
    # A reply "to" the thread message, sent from another group and from a private chat.
    api.message(
        -555, "I am not staff", user_id=666, chat_type="supergroup", reply_to_message=forged
    )
    api.message(667, "me neither", reply_to_message=forged)
    api.message(401, "still there?")  # passed on: proves the updates before were handled
    api.wait_for(lambda c: c.method == "sendMessage" and "still there?" in text_of(c))
    to_client = [text_of(c) for c in api.sent(401, 2)]
    assert not any("not staff" in t or "neither" in t for t in to_client)
    assert len([c for c in api.calls_to("sendMessage") if c.params["chat_id"] == 401]) == 2


def test_a_problem_tells_the_staff_the_fact_only(api, bot) -> None:
    api.message(501, PROBLEM)
    reply = api.sent(501)[0]
    assert "contact us now" in text_of(reply)
    assert (SEND_TO_TEAM, callbacks.HANDOFF) in plain_buttons(reply)
    notice = text_of(api.sent(STAFF)[0])
    assert "reported a problem after treatment" in notice
    assert "still red" not in notice
    assert "3 days" not in notice
    assert "Client501" not in notice
    api.message(501, "and it's itchy now, 4 days later")  # told once, not again
    api.sent(501, 2)
    api.press(501, message_id(reply), callbacks.HANDOFF)
    to_staff = text_of(api.sent(STAFF, 2)[1])
    assert "⚠️ They reported a problem after treatment" in to_staff
    assert PROBLEM in to_staff


def test_not_helpful_offers_the_hand_off(api, bot, faq) -> None:
    api.message(601, "does it hurt")
    answer = api.sent(601)[0]
    (data,) = [d for _, d in plain_buttons(answer) if d.startswith("f:") and d.endswith(":0")]
    api.press(601, message_id(answer), data)
    offer = api.sent(601, 2)[1]
    assert plain_buttons(offer) == [(SEND_TO_TEAM, callbacks.HANDOFF)]


def test_the_bot_removed_from_the_staff_group_tells_the_client_to_phone(
    api, bot, faq, caplog
) -> None:
    api.message(701, ASK_PERSON)
    offer = api.sent(701)[0]
    api.fail_next("sendMessage", 403)  # the staff group refuses the bot
    with caplog.at_level(logging.ERROR, logger="adapters.telegram.handoff"):
        api.press(701, message_id(offer), callbacks.HANDOFF)
        told = text_of(api.sent(701, 2)[1])
    assert faq.knowledge.clinic.phone in told
    assert "FAQ_STAFF_CHAT_ID" in caplog.text
    api.message(701, "does it hurt")  # no thread was opened: the FAQ answers
    assert text_of(api.sent(701, 3)[2]) == faq.reply_for_entry("pain").text.strip()


def test_forget_closes_the_thread_and_tells_the_staff(api, bot, store) -> None:
    to_staff = hand_off(api, 801)
    api.message(801, "/forget")
    notice = api.sent(STAFF, 2)[1]
    assert "/forget" in text_of(notice)
    assert store.handoff_for_client(STAFF, 801, 0) is None
    staff_says(api, 9001, "hello?", message_id(to_staff))
    assert "closed" in text_of(api.sent(STAFF, 3)[2])


def test_done_needs_a_reply_to_a_conversation(api, bot) -> None:
    api.message(STAFF, "/done", user_id=9001, chat_type="supergroup")
    assert "Reply /done" in text_of(api.sent(STAFF)[0])


def test_without_a_staff_chat_the_contacts_are_offered(api, faq) -> None:
    with running_bot(api, lambda: faq):
        api.message(901, ASK_PERSON)
        offer = api.sent(901)[0]
        buttons = plain_buttons(offer)
        assert (SEND_TO_TEAM, callbacks.HANDOFF) not in buttons
        (contact,) = [d for _, d in buttons if d == callbacks.CONTACT]
        api.press(901, message_id(offer), contact)
        assert faq.knowledge.clinic.phone in text_of(api.sent(901, 2)[1])
        api.message(901, PROBLEM)
        assert callbacks.CONTACT in [d for _, d in plain_buttons(api.sent(901, 3)[2])]


def test_a_thread_survives_a_restart(api: FakeBotAPI, faq: FAQ, tmp_path: Path) -> None:
    path = tmp_path / "restart.sqlite3"
    with (
        ConversationStore(path, salt="salt") as store,
        running_bot(api, lambda: faq, store=store, staff_chat_id=STAFF),
    ):
        to_staff = hand_off(api, 1001)
    with (
        ConversationStore(path, salt="salt") as store,
        running_bot(api, lambda: faq, store=store, staff_chat_id=STAFF),
    ):
        staff_says(api, 9001, "Sorry for the wait, Sam here.", message_id(to_staff))
        assert text_of(api.sent(1001, 3)[2]).endswith("Sorry for the wait, Sam here.")
        api.message(1001, "thanks, and does it hurt?")  # still the thread, not the FAQ
        assert text_of(api.sent(STAFF, 2)[1]) == "💬 Client1001: thanks, and does it hurt?"


def test_chatid_tells_staff_the_id_to_set(api: FakeBotAPI, faq: FAQ) -> None:
    with running_bot(api, lambda: faq):
        api.message(-100777, "/chatid", user_id=9001, chat_type="supergroup")
        assert "FAQ_STAFF_CHAT_ID=-100777" in text_of(api.sent(-100777)[0])
        api.message(1101, "/chatid")
        assert "staff group" in text_of(api.sent(1101)[0])


def test_an_urgent_message_in_a_thread_still_gets_the_urgent_reply(api, bot, faq) -> None:
    hand_off(api, 1201)
    api.message(1201, "my lips are swelling and I can't breathe properly")
    passed = api.sent(STAFF, 2)[1]
    assert "can't breathe" in text_of(passed)
    urgent = text_of(api.sent(1201, 3)[2])
    assert urgent == concern_reply(faq.knowledge, Concern.URGENT).text.strip()
