"""The real Application, in-process, against the strict fake Bot API over HTTP.

Each test starts a fresh fake server and bot, injects updates through ``getUpdates`` and
asserts on what the bot sent back. The subprocess tests (``test_telegram_e2e.py``) run
``python bot.py`` for the main scenarios; these cover the rest.
"""

from __future__ import annotations

import http.client
import json
import logging
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fake_bot_api import BOT_ID, BOT_USERNAME, FakeBotAPI, utf16_len
from telegram_support import (
    KNOWLEDGE,
    TRY_QUESTIONS,
    InProcessBot,
    free_port,
    plain_buttons,
    post_update,
    question_of_kind,
    running_bot,
    text_of,
    wait_for_port,
)

from adapters.telegram import callbacks, handlers
from faq import FAQ, ReplyKind


@pytest.fixture
def bot(api: FakeBotAPI, faq: FAQ) -> Iterator[object]:
    """The bot on the shipped knowledge, without store or live reload."""
    with running_bot(api, lambda: faq) as running:
        yield running


class StoreDouble:
    """A tiny stand-in for faq.store.ConversationStore that remembers every call."""

    def __init__(self) -> None:
        self.replies: list[tuple[str, str, ReplyKind]] = []
        self.choices: list[tuple[int, str]] = []
        self.feedback: list[tuple[int, bool]] = []

    def record_reply(self, user: str, question: str, reply: object) -> int:
        self.replies.append((user, question, reply.kind))  # type: ignore[attr-defined]
        return len(self.replies)

    def record_choice(self, interaction_id: int, entry_id: str) -> None:
        self.choices.append((interaction_id, entry_id))

    def record_feedback(self, interaction_id: int, helpful: bool) -> None:
        self.feedback.append((interaction_id, helpful))

    def stats(self, days: int) -> str:
        return f"Stats for {days} days: {len(self.replies)} questions <all> & more"

    def unanswered(self, days: int, limit: int) -> str:
        return f"Unanswered in {days} days (top {limit}): none"


ADMIN = 555
NONSENSE = TRY_QUESTIONS[ReplyKind.FALLBACK][0]
PHOTO = [{"file_id": "p", "file_unique_id": "p", "width": 90, "height": 90}]


def expect_reply(api: FakeBotAPI, chat_id: int, index: int = 0) -> object:
    """The ``index``-th message sent to ``chat_id`` (waits for it)."""
    return api.sent(chat_id, index + 1)[index]


def test_start_greets_with_clinic_name_and_topic_buttons(api, bot, faq):
    api.message(1, "/start")
    call = expect_reply(api, 1)
    assert call.params["parse_mode"] == "HTML"
    assert faq.knowledge.clinic.name in text_of(call)
    topics = [label for label, _ in plain_buttons(call)]
    assert topics == faq.knowledge.topics()
    commands = api.wait_for(lambda c: c.method == "setMyCommands")[0].params["commands"]
    assert [c["command"] for c in commands] == ["start", "topics", "contact", "help"]


def test_help_and_contact(api, bot, faq):
    api.message(2, "/help")
    assert "/topics" in text_of(expect_reply(api, 2))
    api.message(2, "/contact")
    contact = text_of(expect_reply(api, 2, 1))
    clinic = faq.knowledge.clinic
    for value in (clinic.name, clinic.phone, clinic.email, clinic.hours):
        assert value in contact


def test_topics_browse_question_and_back(api, bot, faq):
    knowledge = faq.knowledge
    topic = knowledge.topics()[1]
    api.message(3, "/topics")
    listing = expect_reply(api, 3)
    message_id = listing.result["message_id"]
    api.press(3, message_id, callbacks.topic(topic))
    edit = api.wait_for(lambda c: c.method == "editMessageText")[0]
    assert topic in text_of(edit)
    buttons = plain_buttons(edit)
    assert [label for label, _ in buttons[:-1]] == [
        e.label for e in knowledge.entries_in_topic(topic)
    ]
    assert buttons[-1][1] == callbacks.TOPICS
    first = knowledge.entries_in_topic(topic)[0]
    api.press(3, message_id, callbacks.entry(first.id))
    answer = expect_reply(api, 3, 1)
    assert text_of(answer) == faq.reply_for_entry(first.id).text
    api.press(3, message_id, callbacks.TOPICS)
    back = api.wait_for(lambda c: c.method == "editMessageText", 2)[1]
    assert [label for label, _ in plain_buttons(back)] == knowledge.topics()
    assert len(api.wait_for(lambda c: c.method == "answerCallbackQuery", 3)) == 3


@pytest.mark.parametrize(
    "kind",
    [ReplyKind.ANSWER, ReplyKind.DID_YOU_MEAN, ReplyKind.FALLBACK, ReplyKind.SMALL_TALK],
    ids=["answer", "did-you-mean", "fallback", "small-talk"],
)
def test_free_text_gives_the_same_reply_as_the_core(api, bot, faq, kind):
    question = question_of_kind(faq, kind)
    reply = faq.reply(question)
    assert reply.kind is kind
    api.message(4, question)
    call = expect_reply(api, 4)
    assert text_of(call) == reply.text.strip()
    labels = [label for label, _ in plain_buttons(call)]
    if kind is ReplyKind.FALLBACK:
        assert labels == faq.knowledge.topics()
        assert faq.knowledge.clinic.phone in text_of(call)
    else:  # no store here, so no feedback buttons: exactly the core's options
        assert labels == [option.label for option in reply.options]


def test_pressing_an_option_answers_it(api, bot, faq):
    api.message(5, question_of_kind(faq, ReplyKind.DID_YOU_MEAN))
    call = expect_reply(api, 5)
    _label, data = plain_buttons(call)[0]
    api.press(5, call.result["message_id"], data)
    answer = expect_reply(api, 5, 1)
    assert text_of(answer) == faq.reply_for_entry(data.split(":")[-1]).text.strip()
    api.wait_for(lambda c: c.method == "answerCallbackQuery")


@pytest.mark.parametrize(
    "data",
    ["e:no_such_entry", "garbage", "c:1:pain", "f:1:1", "t:0000000000", "e:" + "x" * 60],
    ids=["deleted-entry", "garbage", "forged-choice", "forged-feedback", "gone-topic", "long"],
)
def test_stale_or_forged_buttons_get_a_polite_out_of_date(api, bot, caplog, data):
    api.message(6, "/topics")
    message_id = expect_reply(api, 6).result["message_id"]
    with caplog.at_level(logging.ERROR):
        api.press(6, message_id, data)
        notice = expect_reply(api, 6, 1)
        assert "out of date" in text_of(notice)
        api.wait_for(lambda c: c.method == "answerCallbackQuery")
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize(
    "content",
    [
        {"photo": PHOTO},
        {
            "sticker": {
                "file_id": "s",
                "file_unique_id": "s",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
                "type": "regular",
            }
        },
        {"voice": {"file_id": "v", "file_unique_id": "v", "duration": 3}},
        {"document": {"file_id": "d", "file_unique_id": "d", "file_name": "scan.pdf"}},
        {"location": {"latitude": 51.5, "longitude": -0.12}},
    ],
    ids=["photo", "sticker", "voice", "document", "location"],
)
def test_non_text_messages_get_a_short_polite_reply(api, bot, content):
    api.message(7, None, **content)
    assert "only read text" in text_of(expect_reply(api, 7))


def test_edited_messages_are_ignored(api, bot):
    api.message(8, "does it hurt?", kind="edited_message")
    api.message(8, "price")
    expect_reply(api, 8)
    assert len(api.calls_to("sendMessage")) == 1


@pytest.mark.parametrize(
    "text",
    [
        "does it hurt? " * 800,
        "😀🙏🏽✨ does it hurt 💉💉",
        "Больно ли делать микронидлинг?",
        "هل الإبر الدقيقة مؤلمة؟",
        "微针疼吗",
        "<b>unclosed & </i> tags <script>",
    ],
    ids=["11k-chars", "emoji", "cyrillic", "arabic", "chinese", "html-in-question"],
)
def test_any_text_gets_a_valid_reply(api, bot, text):
    api.message(9, text)
    assert text_of(expect_reply(api, 9)).strip()
    assert not [c for c in api.calls if c.status != 200]


@pytest.fixture
def mini_faq(tmp_path: Path) -> FAQ:
    """A knowledge file with HTML-looking text, and an answer under 4,096 characters that
    Telegram counts as more (emoji are two UTF-16 units)."""
    paragraphs = [f"Paragraph {n}: " + " ".join(["🙂🙂🙂🙂 & <x>"] * 24) for n in range(12)]
    answer = "\n\n".join(paragraphs).replace("\n", "\n      ")
    path = tmp_path / "knowledge.yaml"
    path.write_text(
        f"""
clinic:
  name: "Rose & <Thorn> Clinic"
  phone: "+44 1"
  email: "a@b.c"
entries:
  - id: long_answer
    topic: "Tags & <things>"
    questions: [tell me everything, the long one, everything please]
    answer: |
      {answer}
    related: [markup]
  - id: markup
    topic: "Tags & <things>"
    questions: [do you use html, html tags]
    answer: "We write <b>bold</b> & 1 < 2 > 0 and use AT&T."
    related: [long_answer]
""",
        encoding="utf-8",
    )
    return FAQ.from_file(path)


def test_text_from_yaml_is_escaped(api, mini_faq):
    with running_bot(api, lambda: mini_faq):
        api.message(10, "do you use html")
        call = expect_reply(api, 10)
        assert text_of(call) == "We write <b>bold</b> & 1 < 2 > 0 and use AT&T."
        api.message(10, "/start")
        start = expect_reply(api, 10, 1)
        assert plain_buttons(start) == [("Tags & <things>", callbacks.topic("Tags & <things>"))]
        api.message(10, "/contact")
        assert "Rose & <Thorn> Clinic" in text_of(expect_reply(api, 10, 2))


def test_long_answer_is_split_at_paragraphs(api, mini_faq):
    with running_bot(api, lambda: mini_faq):
        api.message(11, "tell me everything")
        api.sent(11, 2)
        api.message(11, "do you use html")  # the last part came before the next answer
        answered = api.wait_for(lambda c: c.method == "sendMessage" and "bold" in text_of(c))
        parts = [c for c in api.sent(11, 2) if c.at < answered[0].at]
    assert len(parts) >= 2
    assert all(utf16_len(text_of(part)) <= 4096 for part in parts)
    assert all(text_of(part).startswith("Paragraph") for part in parts)
    assert (
        "\n\n".join(text_of(part) for part in parts)
        == mini_faq.reply("tell me everything").text.strip()
    )
    assert [bool(plain_buttons(part)) for part in parts] == [False] * (len(parts) - 1) + [True]


# -- groups -------------------------------------------------------------------------------


def test_group_only_when_addressed(api, bot, faq):
    group = -100123
    api.message(group, "does it hurt?", user_id=31, chat_type="supergroup")
    api.message(group, None, user_id=31, chat_type="supergroup", photo=PHOTO)
    mention = api.message(
        group, f"@{BOT_USERNAME} does it hurt?", user_id=31, chat_type="supergroup"
    )
    first = expect_reply(api, group)
    assert text_of(first) == faq.reply("does it hurt?").text.strip()
    assert first.params["reply_parameters"]["message_id"] > 0
    assert mention
    bot_message = dict(first.result)
    api.message(group, "how much is it", user_id=32, chat_type="supergroup",
                reply_to_message=bot_message)  # fmt: skip
    assert text_of(expect_reply(api, group, 1)) == faq.reply("how much is it").text.strip()
    api.message(group, f"/contact@{BOT_USERNAME}", user_id=33, chat_type="supergroup")
    assert faq.knowledge.clinic.phone in text_of(expect_reply(api, group, 2))
    api.message(group, "/stats", user_id=33, chat_type="supergroup")
    assert "not available" in text_of(expect_reply(api, group, 3))
    assert len(api.sent(group, 4)) == 4  # the plain question and the photo got nothing


def test_one_slow_chat_never_blocks_another(api, faq):
    class SlowStore(StoreDouble):
        def record_reply(self, user: str, question: str, reply: object) -> int:
            if user == "30":
                time.sleep(2.0)  # a database lock held elsewhere, say
            return super().record_reply(user, question, reply)

    api.slow_down(31, 2.0)  # and Telegram slow to take this chat's message
    with running_bot(api, lambda: faq, store=SlowStore()):
        api.message(30, "price")
        api.message(31, "price")
        api.message(32, "price")
        fast = expect_reply(api, 32)
        slow = [expect_reply(api, 30), expect_reply(api, 31)]
    assert all(fast.done < call.done for call in slow)


# -- Telegram failing -------------------------------------------------------------------


def test_flood_limit_429_is_waited_out(api, bot, faq):
    api.fail_next("sendMessage", 429, retry_after=1)
    api.message(12, "price")
    call = expect_reply(api, 12)
    assert text_of(call) == faq.reply("price").text.strip()
    assert [c.status for c in api.calls_to("sendMessage")] == [429, 200]


def test_bad_gateway_on_send_is_retried(api, bot, faq):
    api.fail_next("sendMessage", 502)
    api.message(13, "price")
    assert text_of(expect_reply(api, 13)) == faq.reply("price").text.strip()


def test_bad_gateway_on_polling_does_not_stop_the_bot(api, bot, faq):
    api.wait_for(lambda c: c.method == "setMyCommands")
    api.fail_next("getUpdates", 502)
    api.message(14, "price")
    assert text_of(expect_reply(api, 14)) == faq.reply("price").text.strip()


def test_an_error_while_handling_is_logged_and_the_bot_keeps_serving(api, bot, caplog):
    with caplog.at_level(logging.ERROR):
        api.fail_next("sendMessage", 400)
        api.message(15, "price")
        api.wait_for(lambda c: c.method == "sendMessage" and c.status == 400)
        api.message(15, "price")
        expect_reply(api, 15)
    assert any("error while handling" in r.getMessage() for r in caplog.records)


# -- the store, feedback and admins -----------------------------------------------------


def test_recording_choices_and_feedback(api, faq):
    store = StoreDouble()
    with running_bot(api, lambda: faq, store=store):
        api.message(16, question_of_kind(faq, ReplyKind.DID_YOU_MEAN, min_options=2))
        dym = expect_reply(api, 16)
        _label, data = plain_buttons(dym)[1]
        assert data.startswith("c:1:")
        api.press(16, dym.result["message_id"], data)
        answer = expect_reply(api, 16, 1)
        buttons = plain_buttons(answer)
        assert buttons[-2:] == [("👍 Helpful", "f:1:1"), ("👎 Not helpful", "f:1:0")]
        api.press(16, answer.result["message_id"], "f:1:0")
        edit = api.wait_for(lambda c: c.method == "editMessageReplyMarkup")[0]
        assert all(not d.startswith("f:") for _, d in plain_buttons(edit))
        # 👎 offers more help: without a staff chat, the clinic's contacts.
        assert faq.knowledge.clinic.phone in text_of(expect_reply(api, 16, 2))
        api.message(16, NONSENSE)
        expect_reply(api, 16, 3)
        api.message(16, question_of_kind(faq, ReplyKind.ANSWER))
        assert plain_buttons(expect_reply(api, 16, 4))[-1][1] == "f:3:0"
    assert [kind for _, _, kind in store.replies] == [
        ReplyKind.DID_YOU_MEAN,
        ReplyKind.FALLBACK,
        ReplyKind.ANSWER,
    ]
    assert store.replies[1][1] == NONSENSE
    assert store.choices == [(1, data.split(":")[-1])]
    assert store.feedback == [(1, False)]


def test_a_failing_store_never_stops_an_answer(api, faq):
    class Broken(StoreDouble):
        def record_reply(self, user: str, question: str, reply: object) -> int:
            raise OSError("disk full")

    with running_bot(api, lambda: faq, store=Broken()):
        api.message(17, "price")
        call = expect_reply(api, 17)
    assert text_of(call) == faq.reply("price").text.strip()
    assert not [d for _, d in plain_buttons(call) if d.startswith("f:")]


@pytest.mark.parametrize("command", ["/stats", "/unanswered", "/reload"])
def test_admin_commands_refused_to_others(api, faq, command):
    store = StoreDouble()
    with running_bot(api, lambda: faq, store=store, admin_ids=frozenset({ADMIN})):
        api.message(18, NONSENSE)
        expect_reply(api, 18)
        api.message(18, command)
        refusal = text_of(expect_reply(api, 18, 1))
    assert refusal == "Sorry, this command is not available."


def test_admin_stats_and_unanswered(api, faq, monkeypatch):
    store = StoreDouble()
    # The admin summaries are faq.report's; here they must reach the admin as written.
    monkeypatch.setattr(handlers, "format_stats", lambda s, days: s.stats(days))
    monkeypatch.setattr(handlers, "format_unanswered", lambda s, d, n: s.unanswered(d, n))
    with running_bot(api, lambda: faq, store=store, admin_ids=frozenset({ADMIN})):
        api.message(ADMIN, "/stats 30")
        assert text_of(expect_reply(api, ADMIN)) == "Stats for 30 days: 0 questions <all> & more"
        api.message(ADMIN, "/unanswered")
        assert text_of(expect_reply(api, ADMIN, 1)).startswith("Unanswered in 7 days")
        api.message(ADMIN, "/reload")
        assert "not enabled" in text_of(expect_reply(api, ADMIN, 2))


def test_real_store_records_an_unanswered_question(api, faq, tmp_path):
    store_module = pytest.importorskip("faq.store")
    store = store_module.ConversationStore(tmp_path / "c.sqlite3", salt="s")
    try:
        with running_bot(api, lambda: faq, store=store, admin_ids=frozenset({ADMIN})):
            api.message(19, NONSENSE)
            expect_reply(api, 19)
            api.message(19, question_of_kind(faq, ReplyKind.DID_YOU_MEAN))
            dym = expect_reply(api, 19, 1)
            api.press(19, dym.result["message_id"], plain_buttons(dym)[0][1])
            answer = expect_reply(api, 19, 2)
            api.press(19, answer.result["message_id"], plain_buttons(answer)[-2][1])
            api.wait_for(lambda c: c.method == "editMessageReplyMarkup")
            api.message(ADMIN, "/unanswered 1")
            report = text_of(expect_reply(api, ADMIN))
            assert store.count_interactions() == 2
        assert NONSENSE in report
        # post_shutdown closed the store when the bot stopped.
        with pytest.raises(sqlite3.ProgrammingError):
            store.count_interactions()
    finally:
        store.close()


def test_reload_and_admins_told_when_a_save_breaks(api, tmp_path):
    live_module = pytest.importorskip("faq.live")
    path = tmp_path / "knowledge.yaml"
    path.write_text(KNOWLEDGE.read_text(encoding="utf-8"), encoding="utf-8")
    live = live_module.LiveFAQ(path, check_interval=0.1)
    admins = frozenset({ADMIN})
    with running_bot(api, live.current, live=live, admin_ids=admins, reload_interval=0.2):
        api.message(ADMIN, "/reload")
        assert text_of(expect_reply(api, ADMIN)).startswith("Reloaded")
        path.write_text("entries: [\n  broken", encoding="utf-8")
        alert = expect_reply(api, ADMIN, 1)
        assert "NOT reloaded" in text_of(alert)
        assert "line" in text_of(alert)
        api.message(20, "price")  # still answering from the last good knowledge
        assert text_of(expect_reply(api, 20)) == live.current().reply("price").text.strip()
        api.message(ADMIN, "/reload")
        assert "NOT reloaded" in text_of(expect_reply(api, ADMIN, 2))
    assert len(api.sent(ADMIN, 3)) == 3  # the failure was told once, not on every check


# -- webhook ----------------------------------------------------------------------------


def test_webhook_checks_the_secret_on_every_request(api, faq):
    port = free_port()
    with running_bot(
        api,
        lambda: faq,
        webhook_url="https://bot.example.invalid/tg/hook",
        listen="127.0.0.1",
        port=port,
        webhook_secret="s3cret-token",
    ):
        set_webhook = api.wait_for(lambda c: c.method == "setWebhook")[0]
        assert set_webhook.params["secret_token"] == "s3cret-token"
        wait_for_port(port)
        update = {
            "update_id": 1,
            "message": {
                "message_id": 1,
                "date": 0,
                "chat": {"id": 21, "type": "private"},
                "from": {"id": 21, "is_bot": False, "first_name": "A"},
                "text": "price",
            },
        }
        assert post_update(port, "/tg/hook", update, None) == 403
        assert post_update(port, "/tg/hook", update, "wrong") == 403
        assert post_update(port, "/tg/hook", update, "s3cret-token") == 200
        assert text_of(expect_reply(api, 21)) == faq.reply("price").text.strip()
    assert not api.calls_to("getUpdates")
    assert BOT_ID


@pytest.mark.parametrize("log_text", [False, True], ids=["default", "FAQ_LOG_TEXT=1"])
def test_one_info_line_per_message_and_text_only_when_asked(api, faq, caplog, log_text):
    with caplog.at_level(logging.INFO), running_bot(api, lambda: faq, log_text=log_text):
        api.message(22, "my eczema question about price")
        expect_reply(api, 22)
    lines = [r.getMessage() for r in caplog.records if "reply=" in r.getMessage()]
    assert len(lines) == 1
    assert "reply=" in lines[0]
    assert "ms=" in lines[0]
    assert ("eczema" in lines[0]) is log_text
    if not log_text:
        assert not any("eczema" in r.getMessage() for r in caplog.records)


STOP_LIMIT = 2.0
"""Issue 12: a bot stops within 2 s, even with an idle keep-alive connection open."""


@pytest.mark.parametrize("mode", ["polling", "webhook"])
def test_stops_promptly_with_an_idle_keep_alive_connection(api, faq, mode):
    port = free_port()
    webhook = (
        {
            "webhook_url": "https://bot.example.invalid/tg/hook",
            "listen": "127.0.0.1",
            "port": port,
            "webhook_secret": "s3cret",
        }
        if mode == "webhook"
        else {}
    )
    bot = InProcessBot(api, lambda: faq, **webhook).start()
    idle = None
    try:
        if mode == "webhook":
            wait_for_port(port)
            idle = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            update = {"update_id": 5, "message": {
                "message_id": 1, "date": 0, "text": "price",
                "chat": {"id": 31, "type": "private"},
                "from": {"id": 31, "is_bot": False, "first_name": "A"}}}  # fmt: skip
            headers = {
                "Content-Type": "application/json",
                "X-Telegram-Bot-Api-Secret-Token": "s3cret",
            }
            idle.request("POST", "/tg/hook", json.dumps(update), headers)
            response = idle.getresponse()  # HTTP/1.1: the connection then stays open, idle
            response.read()
            assert response.status == 200
        else:
            api.message(31, "price")
        expect_reply(api, 31)
    finally:
        bot.stop()
        if idle is not None:
            idle.close()
    assert bot.stop_seconds is not None
    assert bot.stop_seconds < STOP_LIMIT, f"{mode} took {bot.stop_seconds:.1f} s to stop"
