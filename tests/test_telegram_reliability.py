"""Issue 13: one noisy chat never silences the others, the webhook holds against
unauthenticated load, and an update the library cannot read never stops the bot.

Everything runs end to end: the real Application, in-process or as ``python bot.py``,
against the fake Bot API on 127.0.0.1. No timed assertions, except generous bounds on
how long a stop takes.
"""

from __future__ import annotations

import collections
import contextlib
import logging
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from fake_bot_api import BOT_USERNAME, Call, FakeBotAPI
from telegram_support import (
    ROOT,
    TOKEN,
    InProcessBot,
    free_port,
    plain_buttons,
    post_update,
    running_bot,
    text_of,
    wait_for_port,
)

from adapters.telegram import handlers, texts
from adapters.telegram.scheduling import Limits
from adapters.telegram.webhook_limits import (
    AUTHENTICATED_STREAMS,
    LimitedHTTPServer,
    WebhookLimits,
)
from faq import FAQ

GROUP = -100555
ADMIN = 555
STOP_BOUND = 5.0
"""Issue 13: SIGTERM stops the bot within 5 s, whatever is queued."""
SECRET = "s3cret-token"
HOOK = "/tg/hook"
CLIENT_TEXT = "my private eczema story"
CLIENT_NAME = "Zebediah"
CLIENT_USERNAME = "zeb_private_handle"


def addressed(text: str) -> str:
    return f"@{BOT_USERNAME} {text}"


def group_replies(api: FakeBotAPI, chat_id: int = GROUP) -> list[str]:
    return [text_of(c) for c in api.calls_to("sendMessage") if c.params["chat_id"] == chat_id]


def sent_to(chat_id: int, text: str) -> Callable[[Call], bool]:
    """Matches a successful sendMessage of ``text`` to ``chat_id``."""
    return lambda c: (
        c.method == "sendMessage"
        and c.status == 200
        and c.params.get("chat_id") == chat_id
        and text_of(c) == text
    )


# -- fair scheduling --------------------------------------------------------------------


def test_a_group_flood_never_delays_a_private_client_and_the_bot_stops_promptly(api, faq):
    api.slow_down(GROUP, 60.0)  # Telegram holding the group's messages, as its limit does
    bot = InProcessBot(api, lambda: faq).start()
    try:
        api.wait_for(lambda c: c.method == "setMyCommands")
        for number in range(300):
            api.message(GROUP, addressed("price"), user_id=1000 + number, chat_type="supergroup")
        api.message(77, "does it hurt?")
        private = api.sent(77)[0]
        assert text_of(private) == faq.reply("does it hurt?").text.strip()
    finally:
        bot.stop()
    # The group's one running reply was still waiting: queued work did not hold the stop.
    assert bot.stop_seconds is not None
    assert bot.stop_seconds < STOP_BOUND
    scheduler = bot.application.update_processor
    assert scheduler.stats.dropped  # type: ignore[attr-defined]
    assert scheduler.queued == 0  # type: ignore[attr-defined]


def test_excess_is_dropped_with_one_slow_down_notice(api, faq):
    limits = Limits(per_chat=3, per_user=3)
    api.slow_down(GROUP, 0.3)  # each group reply takes a while: the lane fills up
    with running_bot(api, lambda: faq, limits=limits) as bot:
        api.wait_for(lambda c: c.method == "setMyCommands")
        for number in range(40):
            api.message(GROUP, addressed("price"), user_id=2000 + number, chat_type="supergroup")
        api.wait_for(sent_to(GROUP, texts.SLOW_DOWN))
        api.message(78, "/help")  # by the time this is answered, admission is settled
        api.sent(78)
        api.sent(GROUP, 4)  # three answers and the notice
    replies = group_replies(api)
    assert replies.count(texts.SLOW_DOWN) == 1  # coalesced: one notice for 37 dropped
    answers = [r for r in replies if r != texts.SLOW_DOWN]
    assert answers == [faq.reply("price").text.strip()] * 3
    assert bot.application.update_processor.stats.dropped  # type: ignore[attr-defined]


def test_one_user_flooding_a_group_leaves_room_for_its_other_members(api, faq):
    api.slow_down(GROUP, 0.3)
    with running_bot(api, lambda: faq, limits=Limits(per_chat=8, per_user=2)):
        api.wait_for(lambda c: c.method == "setMyCommands")
        for _ in range(30):
            api.message(GROUP, addressed("price"), user_id=31, chat_type="supergroup")
        other = api.message(GROUP, addressed("does it hurt?"), user_id=32, chat_type="supergroup")
        hurt = faq.reply("does it hurt?").text.strip()
        api.wait_for(sent_to(GROUP, hurt))
    assert other
    assert group_replies(api).count(faq.reply("price").text.strip()) == 2  # its own bound


def test_an_admin_repeating_reload_is_bounded_like_everyone(api, faq, monkeypatch):
    calls = []

    class SlowLive:
        last_error = None

        def reload(self) -> tuple[bool, str]:
            calls.append(1)
            time.sleep(0.1)
            return True, "Reloaded knowledge.yaml: 1 entries"

        def current(self) -> FAQ:
            return faq

    admins = frozenset({ADMIN})
    live = SlowLive()
    with running_bot(api, lambda: faq, live=live, admin_ids=admins, reload_interval=3600):
        for _ in range(60):
            api.message(ADMIN, "/reload")
        api.message(79, "price")
        assert text_of(api.sent(79)[0]) == faq.reply("price").text.strip()
        api.wait_for(sent_to(ADMIN, texts.SLOW_DOWN))
    assert len(calls) <= Limits().per_user + 1  # not 60 reloads


# -- updates the library cannot read ---------------------------------------------------


def unreadable_updates() -> list[dict]:
    """Messages PTB cannot parse, each holding a client's text, name and username."""
    person = {"id": 4242, "is_bot": False, "first_name": CLIENT_NAME, "username": CLIENT_USERNAME}
    chat = {"id": 4242, "type": "private", "first_name": CLIENT_NAME, "username": CLIENT_USERNAME}
    no_type = {"id": 4242, "first_name": CLIENT_NAME, "username": CLIENT_USERNAME}
    return [
        {"message": {"message_id": 1, "chat": chat, "from": person, "text": CLIENT_TEXT}},
        {"message": {"date": 1, "chat": chat, "from": person, "text": CLIENT_TEXT}},
        {"message": {"message_id": 2, "date": 1, "chat": no_type, "from": person,
                     "text": CLIENT_TEXT}},
    ]  # fmt: skip


def no_client_data(records: list[logging.LogRecord]) -> None:
    for record in records:
        line = record.getMessage() + str(record.exc_info or "") + (record.exc_text or "")
        for secret in (CLIENT_TEXT, CLIENT_NAME, CLIENT_USERNAME):
            assert secret not in line, f"{secret!r} logged: {line[:200]}"


@pytest.mark.parametrize("log_text", [False, True], ids=["default", "FAQ_LOG_TEXT=1"])
def test_unreadable_updates_are_skipped_and_polling_goes_on(api, faq, caplog, log_text):
    with caplog.at_level(logging.DEBUG), running_bot(api, lambda: faq, log_text=log_text):
        bad_ids = [api.inject(update) for update in unreadable_updates()]
        api.message(80, "price")
        assert text_of(api.sent(80)[0]) == faq.reply("price").text.strip()
        api.message(80, "does it hurt?")  # and again: polling did not stall
        assert text_of(api.sent(80, 2)[1]) == faq.reply("does it hurt?").text.strip()
    offsets = [c.params.get("offset") or 0 for c in api.calls_to("getUpdates")]
    assert max(offsets) > max(bad_ids)  # acknowledged, never fetched again
    skipped = [r.getMessage() for r in caplog.records if "skipped update" in r.getMessage()]
    assert len(skipped) == len(bad_ids)
    assert not [r for r in caplog.records if r.levelno >= logging.CRITICAL]
    no_client_data(caplog.records)


# -- the smaller failures ----------------------------------------------------------------


class StatsStore:
    """Just enough of the store for /stats."""

    def __init__(self) -> None:
        self.days: list[int] = []


@pytest.mark.parametrize("argument", ["²", "٣", "-5", "7days", "1e3"])
def test_stats_with_an_odd_argument_gets_the_default_period(api, faq, monkeypatch, argument):
    store = StatsStore()

    def format_stats(s: StatsStore, days: int) -> str:
        s.days.append(days)
        return f"Stats for {days} days"

    monkeypatch.setattr(handlers, "format_stats", format_stats)
    with running_bot(api, lambda: faq, store=store, admin_ids=frozenset({ADMIN})):
        api.message(ADMIN, f"/stats {argument}")
        assert text_of(api.sent(ADMIN)[0]) == "Stats for 7 days"
        api.message(ADMIN, "/stats 30")
        assert text_of(api.sent(ADMIN, 2)[1]) == "Stats for 30 days"
    assert store.days == [7, 30]


@pytest.mark.parametrize(
    "data", ["e:\ud800", "c:1:\udfff", "\ud83d", "t:\ud800\udc00x"], ids=["e", "c", "lone", "pair"]
)
def test_a_button_with_lone_surrogates_is_answered(api, faq, caplog, data):
    with caplog.at_level(logging.ERROR), running_bot(api, lambda: faq):
        api.message(81, "/topics")
        listing = api.sent(81)[0]
        api.press(81, listing.result["message_id"], data)
        answered = api.wait_for(lambda c: c.method == "answerCallbackQuery")[0]
        assert answered.status == 200
        assert "out of date" in text_of(api.sent(81, 2)[1])
        assert plain_buttons(api.sent(81, 2)[1])  # with the topics to start again
    assert not [r for r in caplog.records if "error while handling" in r.getMessage()]


# -- the webhook -------------------------------------------------------------------------


def webhook_bot(api: FakeBotAPI, faq: FAQ, port: int, **kwargs: object) -> InProcessBot:
    bot = InProcessBot(
        api,
        lambda: faq,
        webhook_url=f"https://bot.example.invalid{HOOK}",
        listen="127.0.0.1",
        port=port,
        webhook_secret=SECRET,
        **kwargs,
    ).start()
    wait_for_port(port)
    return bot


def message_update(update_id: int, chat_id: int, text: str) -> dict:
    return {"update_id": update_id, "message": {
        "message_id": update_id, "date": 0, "text": text,
        "chat": {"id": chat_id, "type": "private"},
        "from": {"id": chat_id, "is_bot": False, "first_name": "A"}}}  # fmt: skip


def head(path: str, *, secret: str | None, length: int, extra: str = "") -> bytes:
    lines = [f"POST {path} HTTP/1.1", "Host: bot", "Connection: close"]
    lines.append("Content-Type: application/json")
    if secret is not None:
        lines.append(f"X-Telegram-Bot-Api-Secret-Token: {secret}")
    lines.append(f"Content-Length: {length}")
    return ("\r\n".join(lines) + "\r\n" + extra + "\r\n").encode()


def exchange(port: int, data: bytes, timeout: float = 10.0) -> bytes:
    """Send ``data`` (no more), and read until the server closes or ``timeout``."""
    received = b""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        try:
            sock.sendall(data)
            while chunk := sock.recv(65536):
                received += chunk
        except (ConnectionResetError, BrokenPipeError):
            pass  # the server closed the connection without reading all of it
    return received


def status_of(response: bytes) -> int:
    return int(response.split(b" ", 2)[1]) if response.startswith(b"HTTP/") else 0


def post_raw(port: int, body: bytes, secret: str | None = SECRET) -> int:
    return status_of(exchange(port, head(HOOK, secret=secret, length=len(body)) + body))


def test_webhook_checks_the_secret_and_size_before_reading_the_body(api, faq):
    port = free_port()
    bot = webhook_bot(api, faq, port)
    try:
        # Headers only, a megabyte announced and never sent: the answer comes at once
        # and the connection is closed, so the body is never read or waited for.
        for secret in (None, "wrong"):
            response = exchange(port, head(HOOK, secret=secret, length=1_000_000))
            assert status_of(response) == 403
        too_big = WebhookLimits().max_body_bytes + 1
        assert status_of(exchange(port, head(HOOK, secret=SECRET, length=too_big))) == 413
        assert status_of(exchange(port, head("/other", secret=None, length=1_000_000))) == 404
        assert post_update(port, HOOK, message_update(1, 82, "price"), SECRET) == 200
        assert text_of(api.sent(82)[0]) == faq.reply("price").text.strip()
    finally:
        bot.stop()


@pytest.mark.parametrize(
    ("body", "status"),
    [(b"null", 400), (b"[]", 400), (b"{}", 400), (b"42", 400), (b"{not json", 400),
     (b"\xff\xfe", 400), (b'{"update_id": 9}', 200)],
    ids=["null", "list", "no-id", "number", "broken", "bad-utf8", "bare-id"],
)  # fmt: skip
def test_webhook_answers_every_body(api, faq, body, status):
    port = free_port()
    bot = webhook_bot(api, faq, port)
    try:
        assert post_raw(port, body) == status
        assert post_update(port, HOOK, message_update(2, 83, "price"), SECRET) == 200
        api.sent(83)
    finally:
        bot.stop()


def test_webhook_skips_an_unreadable_update_and_logs_no_client_data(api, faq, caplog):
    port = free_port()
    with caplog.at_level(logging.DEBUG):
        bot = webhook_bot(api, faq, port, log_text=True)
        try:
            for number, update in enumerate(unreadable_updates(), start=10):
                assert post_update(port, HOOK, {"update_id": number, **update}, SECRET) == 200
            assert post_update(port, HOOK, message_update(20, 84, "price"), SECRET) == 200
            assert text_of(api.sent(84)[0]) == faq.reply("price").text.strip()
        finally:
            bot.stop()
    assert len([r for r in caplog.records if "skipped update" in r.getMessage()]) == 3
    no_client_data(caplog.records)


def test_webhook_caps_headers_and_closes_idle_connections(api, faq):
    port = free_port()
    limits = WebhookLimits(header_seconds=0.5, max_connections=4)
    bot = webhook_bot(api, faq, port, webhook_limits=limits)
    try:
        huge = "X-Padding: " + "a" * (4 * limits.max_header_bytes) + "\r\n"
        assert status_of(exchange(port, head(HOOK, secret=SECRET, length=2, extra=huge))) != 200
        # Idle connections (no request at all) are closed by the server, not kept.
        idle = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(10)]
        try:
            # More idle connections than the cap: a real call still gets in.
            assert post_update(port, HOOK, message_update(3, 85, "price"), SECRET) == 200
            api.sent(85)
            for sock in idle:  # recv returns b"" once the server has closed it
                with contextlib.suppress(ConnectionResetError):
                    assert sock.recv(1) == b""
        finally:
            for sock in idle:
                sock.close()
        server = bot.application.updater.webhook_server  # type: ignore[union-attr]
        assert server is not None
        assert server.http_server.evicted >= 1
    finally:
        bot.stop()


LAUNCH_WITH_FEW_FILES = """
import resource, runpy, sys
resource.setrlimit(resource.RLIMIT_NOFILE, (int(sys.argv[1]), int(sys.argv[1])))
sys.argv = [sys.argv[2]]
runpy.run_path(sys.argv[0], run_name="__main__")
"""


def test_webhook_out_of_file_descriptors_is_logged_once_and_recovers(api, tmp_path):
    port = free_port()
    env = {
        "PATH": "/usr/bin:/bin",
        "FAQ_SEMANTIC": "0",
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": api.base_url,
        "WEBHOOK_URL": f"https://bot.example.invalid{HOOK}",
        "PORT": str(port),
        "WEBHOOK_SECRET": SECRET,
        "FAQ_RECORD": "0",
    }
    log_path = tmp_path / "bot.log"
    with log_path.open("w") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-c", LAUNCH_WITH_FEW_FILES, "160", str(ROOT / "bot.py")],
            cwd=tmp_path,
            env=env,
            stdout=log_file,
            stderr=log_file,
        )
        held: list[socket.socket] = []
        try:
            api.wait_for(lambda c: c.method == "setWebhook", timeout=60)
            wait_for_port(port)
            for _ in range(400):  # far more than the bot has descriptors for
                try:
                    held.append(socket.create_connection(("127.0.0.1", port), timeout=5))
                except OSError:
                    break
                if "out of file descriptors" in log_path.read_text(errors="replace"):
                    break  # the bot met the limit and paused accepting
            time.sleep(0.5)
            for sock in held:
                sock.close()
            held.clear()
            deadline = time.monotonic() + 30
            while True:  # accepting again once the descriptors are free
                try:
                    status = post_update(port, HOOK, message_update(4, 86, "price"), SECRET)
                    break
                except OSError:
                    assert time.monotonic() < deadline, "the webhook never recovered"
                    time.sleep(0.2)
            assert status == 200
            api.sent(86)
        finally:
            for sock in held:
                sock.close()
            process.terminate()
            status = process.wait(30)
    log = Path(log_path).read_text(errors="replace")
    assert status == 0, log[-2000:]
    assert log.count("out of file descriptors") == 1, log[-3000:]
    assert "Traceback" not in log


class StubStream:
    """Just what the connection cap looks at."""

    def __init__(self) -> None:
        self.is_closed = False

    def close(self) -> None:
        self.is_closed = True

    def closed(self) -> bool:
        return self.is_closed


def test_at_the_connection_cap_a_connection_that_showed_the_secret_is_spared() -> None:
    server = object.__new__(LimitedHTTPServer)  # only the cap's own state, no sockets
    telegram, flood_1, flood_2 = StubStream(), StubStream(), StubStream()
    AUTHENTICATED_STREAMS.add(telegram)  # type: ignore[arg-type]
    server._streams = collections.deque([telegram, flood_1, flood_2])  # type: ignore[arg-type]
    server.evicted = 0
    server._evict_oldest()
    assert (telegram.is_closed, flood_1.is_closed, flood_2.is_closed) == (False, True, False)
    server._evict_oldest()
    server._evict_oldest()  # only authenticated ones are left: the oldest goes
    assert telegram.is_closed
    assert server.evicted == 3
