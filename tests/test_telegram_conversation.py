"""Conversations through Telegram: the real Application against the fake Bot API.

A follow-up is read with the chat's last answer; /start forgets it; in a group each
person has their own context; a pressed button becomes the topic.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fake_bot_api import BOT_USERNAME, FakeBotAPI
from telegram_support import running_bot, text_of

from adapters.telegram import callbacks
from faq import FAQ

TOPIC = "what causes stretch marks"
FOLLOW_UP = "will it work on them"


@pytest.fixture
def bot(api: FakeBotAPI, faq: FAQ) -> Iterator[object]:
    with running_bot(api, lambda: faq) as running:
        yield running


def answer_text(faq: FAQ, entry_id: str) -> str:
    reply = faq.reply_for_entry(entry_id)
    assert reply is not None
    return reply.text.strip()


def test_the_follow_up_premise_holds(faq: FAQ) -> None:
    """Without context the follow-up is not the stretch-marks answer (else the Telegram
    tests below would prove nothing)."""
    assert faq.reply(TOPIC).entry_id == "stretch_mark_causes"
    assert faq.reply(FOLLOW_UP).entry_id != "stretch_marks"


def test_a_follow_up_in_a_private_chat_is_read_in_context(api, bot, faq) -> None:
    api.message(11, TOPIC)
    api.message(11, FOLLOW_UP)
    first, second = api.sent(11, 2)
    assert text_of(first) == answer_text(faq, "stretch_mark_causes")
    assert text_of(second) == answer_text(faq, "stretch_marks")
    # Another client asking the same follow-up first gets no stretch-marks answer.
    api.message(12, FOLLOW_UP)
    assert text_of(api.sent(12)[0]) != answer_text(faq, "stretch_marks")


def test_start_forgets_the_context(api, bot, faq) -> None:
    api.message(13, TOPIC)
    api.sent(13, 1)
    api.message(13, "/start")
    api.sent(13, 2)
    api.message(13, FOLLOW_UP)
    assert text_of(api.sent(13, 3)[2]) != answer_text(faq, "stretch_marks")


def test_in_a_group_each_person_has_their_own_context(api, bot, faq) -> None:
    group = -100
    api.message(group, f"@{BOT_USERNAME} {TOPIC}", user_id=21, chat_type="group")
    api.sent(group, 1)
    api.message(group, f"@{BOT_USERNAME} {FOLLOW_UP}", user_id=22, chat_type="group")
    other = api.sent(group, 2)[1]
    api.message(group, f"@{BOT_USERNAME} {FOLLOW_UP}", user_id=21, chat_type="group")
    same = api.sent(group, 3)[2]
    assert text_of(other) != answer_text(faq, "stretch_marks")
    assert text_of(same) == answer_text(faq, "stretch_marks")


def test_a_pressed_button_becomes_the_topic(api, bot, faq) -> None:
    api.message(14, "/topics")
    listing = api.sent(14)[0]
    api.press(14, listing.result["message_id"], callbacks.entry("stretch_mark_causes"))
    api.sent(14, 2)
    api.message(14, FOLLOW_UP)
    assert text_of(api.sent(14, 3)[2]) == answer_text(faq, "stretch_marks")
