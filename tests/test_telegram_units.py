"""Unit tests for the Telegram adapter's pieces: escaping, splitting, callback data,
keyboards, settings and the token filter. No network, no Application."""

from __future__ import annotations

import logging

import pytest
from fake_bot_api import ApiError, parse_html, utf16_len
from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram_support import KNOWLEDGE, question_of_kind

from adapters.telegram import callbacks, keyboards
from adapters.telegram.app import RedactToken
from adapters.telegram.config import ConfigError, load_config
from adapters.telegram.render import escape, split_message
from faq import FAQ, Option, Reply, ReplyKind


@pytest.fixture(scope="module")
def faq() -> FAQ:
    """The shipped knowledge."""
    return FAQ.from_file(KNOWLEDGE)


# -- escaping and splitting ------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["a < b > c & d", "<b>not bold</b>", "&amp; stays literal", "quotes \" and '", "🙂 ü Ж 中"],
    ids=["operators", "tags", "entity", "quotes", "unicode"],
)
def test_escape_round_trips_through_telegram_html(text):
    assert parse_html(escape(text)) == text


def test_split_keeps_short_text_whole():
    assert split_message("Hello & welcome") == ["Hello &amp; welcome"]


@pytest.mark.parametrize("text", ["", "   ", "\n\n"], ids=["empty", "spaces", "newlines"])
def test_split_never_gives_an_empty_message(text):
    assert split_message(text) == []


def test_split_at_paragraph_boundaries():
    paragraphs = [f"Paragraph {n} " + "x" * 1500 for n in range(5)]
    parts = split_message("\n\n".join(paragraphs))
    assert len(parts) == 3
    assert [part.count("Paragraph") for part in parts] == [2, 2, 1]
    assert all(part.startswith("Paragraph") for part in parts)


@pytest.mark.parametrize(
    ("text", "pieces"),
    [
        ("\n".join(["a line of words " * 20] * 30), 3),
        (" ".join(["word"] * 3000), 4),
        ("x" * 9000, 3),
        ("🙂" * 3000, 2),
        ("<&>" * 3000, 3),
    ],
    ids=["lines", "words", "one-long-word", "emoji-count-twice", "escaping-not-counted"],
)
def test_split_long_text_fits_telegram(text, pieces):
    parts = split_message(text)
    assert len(parts) == pieces
    for part in parts:
        plain = parse_html(part)
        assert 0 < utf16_len(plain) <= 4096
    assert "".join(parse_html(p) for p in parts).replace(" ", "").replace("\n", "") == (
        text.replace(" ", "").replace("\n", "")
    )


# -- the fake's own strictness ---------------------------------------------------------


@pytest.mark.parametrize(
    "html",
    ["1 < 2", "AT&T", "<b>open", "<script>x</script>", "a > b", "<b><i>x</b></i>"],
    ids=["bare-lt", "bare-amp", "unclosed", "unknown-tag", "bare-gt", "crossed"],
)
def test_fake_refuses_what_telegram_refuses(html):
    with pytest.raises(ApiError):
        parse_html(html)


# -- callback data ---------------------------------------------------------------------


def test_callback_data_round_trips_and_fits():
    longest = "a" * 40
    for data in (
        callbacks.entry(longest),
        callbacks.choice(10**14, longest),
        callbacks.feedback(10**14, False),
        callbacks.topic("A very long topic name that goes on and on " * 5),
        callbacks.TOPICS,
    ):
        assert len(data.encode()) <= 64
        assert callbacks.parse(data) is not None
    parsed = callbacks.parse(callbacks.choice(7, "pain"))
    assert parsed == callbacks.Callback("choice", entry_id="pain", interaction_id=7)
    assert callbacks.parse("f:3:1").helpful is True


@pytest.mark.parametrize(
    "data",
    [
        None,
        "",
        "x",
        "e:",
        "e:Bad-Id",
        "e:" + "a" * 41,
        "c:x:pain",
        "f:1:2",
        "t:zz",
        "T:1",
        "é" * 40,
    ],
    ids=[
        "none",
        "empty",
        "unknown",
        "no-id",
        "bad-id",
        "long-id",
        "bad-number",
        "bad-vote",
        "bad-topic",
        "extra",
        "multibyte",
    ],
)
def test_callback_parse_rejects_anything_else(data):
    assert callbacks.parse(data) is None


# -- keyboards ---------------------------------------------------------------------------


def _datas(markup: InlineKeyboardMarkup | None) -> list[str]:
    return [b.callback_data for row in (markup.inline_keyboard if markup else ()) for b in row]


def test_answer_keyboard_related_then_feedback(faq):
    reply = faq.reply(question_of_kind(faq, ReplyKind.ANSWER))
    markup = keyboards.reply_keyboard(faq.knowledge, reply, interaction_id=5)
    assert _datas(markup) == [*(f"e:{o.entry_id}" for o in reply.options), "f:5:1", "f:5:0"]
    assert _datas(keyboards.reply_keyboard(faq.knowledge, reply)) == [
        f"e:{o.entry_id}" for o in reply.options
    ]
    assert _datas(keyboards.without_feedback(markup)) == [f"e:{o.entry_id}" for o in reply.options]


def test_did_you_mean_and_fallback_keyboards(faq):
    knowledge = faq.knowledge
    reply = faq.reply(question_of_kind(faq, ReplyKind.DID_YOU_MEAN))
    assert _datas(keyboards.reply_keyboard(knowledge, reply, 9)) == [
        f"c:9:{o.entry_id}" for o in reply.options
    ]
    fallback = faq.reply(question_of_kind(faq, ReplyKind.FALLBACK))
    assert _datas(keyboards.reply_keyboard(knowledge, fallback, 9)) == [
        callbacks.topic(t) for t in knowledge.topics()
    ]
    small_talk = Reply(ReplyKind.SMALL_TALK, "hi", "greeting", 90.0, (Option("price", "Price?"),))
    assert _datas(keyboards.reply_keyboard(knowledge, small_talk, 9)) == ["e:price"]


def test_topic_keyboard_has_its_questions_and_a_way_back(faq):
    topic = faq.knowledge.topics()[0]
    markup = keyboards.topic_keyboard(faq.knowledge, topic)
    entries = faq.knowledge.entries_in_topic(topic)
    assert _datas(markup) == [*(f"e:{e.id}" for e in entries), callbacks.TOPICS]


def test_labels_are_short_and_never_empty():
    assert keyboards.label("  ") == "…"
    assert keyboards.label("a\nb") == "a b"
    assert len(keyboards.label("word " * 40)) <= keyboards.MAX_LABEL


def test_has_button():
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("a", callback_data="f:1:1")]])
    assert keyboards.has_button(markup, "f:1:1")
    assert not keyboards.has_button(markup, "f:2:1")
    assert not keyboards.has_button(None, "f:1:1")


# -- settings ----------------------------------------------------------------------------


def test_config_defaults_and_values():
    config = load_config({"TELEGRAM_BOT_TOKEN": "1:abc"})
    assert config.api_base_url == "https://api.telegram.org/bot"
    assert config.webhook_url is None
    assert config.listen == "127.0.0.1"  # behind a proxy; 0.0.0.0 only when asked
    assert config.admin_ids == frozenset()
    assert not config.log_text
    assert len(config.webhook_secret) >= 32
    config = load_config(
        {
            "TELEGRAM_BOT_TOKEN": "1:abc",
            "WEBHOOK_URL": "https://bot.example.com/tg",
            "PORT": "9000",
            "FAQ_ADMIN_IDS": "12, 34 56",
            "FAQ_LOG_TEXT": "1",
            "WEBHOOK_SECRET": "s3cret_-x",
        }
    )
    assert (config.webhook_path, config.port, config.webhook_secret) == ("/tg", 9000, "s3cret_-x")
    assert config.admin_ids == {12, 34, 56}
    assert config.log_text
    assert "1:abc" not in repr(config)
    assert "s3cret" not in repr(config)


@pytest.mark.parametrize(
    ("env", "names"),
    [
        ({}, "TELEGRAM_BOT_TOKEN"),
        ({"TELEGRAM_BOT_TOKEN": "1:a b"}, "TELEGRAM_BOT_TOKEN"),
        ({"TELEGRAM_API_BASE_URL": "api.telegram.org"}, "TELEGRAM_API_BASE_URL"),
        ({"WEBHOOK_URL": "http://insecure.example.com"}, "WEBHOOK_URL"),
        ({"PORT": "eighty"}, "PORT"),
        ({"FAQ_ADMIN_IDS": "@alice"}, "FAQ_ADMIN_IDS"),
        ({"FAQ_LOG_TEXT": "maybe"}, "FAQ_LOG_TEXT"),
        ({"WEBHOOK_SECRET": "has spaces!"}, "WEBHOOK_SECRET"),
    ],
    ids=["no-token", "bad-token", "base-url", "http-webhook", "port", "admins", "flag", "secret"],
)
def test_config_errors_name_the_variable(env, names):
    full = {"TELEGRAM_BOT_TOKEN": "1:abc", **env} if "TELEGRAM_BOT_TOKEN" not in names else env
    with pytest.raises(ConfigError, match=names):
        load_config(full)


def test_token_is_redacted_from_log_records():
    record = logging.LogRecord("x", logging.ERROR, "f", 1, "url %s failed", ("/bot1:abc/x",), None)
    RedactToken("1:abc").filter(record)
    assert record.getMessage() == "url /bot<token>/x failed"
