"""Helpers for the Telegram tests: the bot run in-process or as ``python bot.py``.

Both talk to :class:`fake_bot_api.FakeBotAPI` over HTTP on 127.0.0.1; nothing here
touches the internet. Not a conftest: the test modules import what they use.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from fake_bot_api import FakeBotAPI

from adapters.telegram.app import build_application, run_bot
from adapters.telegram.config import Config
from faq import FAQ, ReplyKind

ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE = ROOT / "knowledge.yaml"
# As run_telegram does: PTB's RetryAfter otherwise warns (an error under pytest) about a
# future change of type, which the bot does not depend on.
os.environ.setdefault("PTB_TIMEDELTA", "1")

TOKEN = "7000000001:AAH-fake_TOKEN_never_in_logs_0123456789"
START_TIMEOUT = 30.0


TRY_QUESTIONS = {
    ReplyKind.DID_YOU_MEAN: (
        "stretch", "needles", "cream", "marks", "creams", "spots", "needle", "skin",
        "after", "how long", "face", "results", "treatment", "what about my skin",
        "does it work on", "can it", "what", "session",
    ),
    ReplyKind.FALLBACK: ("xylophone quartz zebra", "qwzx vbnm plorf"),
    ReplyKind.ANSWER: ("price", "does it hurt?", "how much does it cost", "aftercare"),
    ReplyKind.SMALL_TALK: ("thanks", "thank you", "hello"),
}  # fmt: skip
"""Questions to try, so the tests need not know how the matcher is tuned today."""


def question_of_kind(faq: FAQ, kind: ReplyKind, *, min_options: int = 0) -> str:
    """A question the core answers with a reply of ``kind`` (and enough options)."""
    for question in TRY_QUESTIONS[kind]:
        reply = faq.reply(question)
        if reply.kind is kind and len(reply.options) >= min_options:
            return question
    raise AssertionError(f"none of {TRY_QUESTIONS[kind]} gets a {kind.value} reply now")


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class InProcessBot:
    """The real Application from ``build_application``, served in a background thread."""

    def __init__(
        self,
        api: FakeBotAPI,
        get_faq: Callable[[], FAQ],
        *,
        store: Any = None,
        live: Any = None,
        reload_interval: float = 2.0,
        limits: Any = None,
        webhook_limits: Any = None,
        **config: Any,
    ) -> None:
        self.config = Config(
            token=TOKEN, api_base_url=api.base_url, reload_seconds=reload_interval, **config
        )
        self.application = build_application(
            self.config,
            get_faq,
            store=store,
            live=live,
            limits=limits,
            webhook_limits=webhook_limits,
        )
        self._loop: asyncio.AbstractEventLoop | None = None
        self.stop_seconds: float | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bot", daemon=True)
        self.error: BaseException | None = None

    def _run(self) -> None:
        # run_polling / run_webhook as in production, on this thread's own loop; no
        # signal handlers (only the main thread may set them).
        self._loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self._loop)
        self._ready.set()
        try:
            run_bot(self.application, self.config, stop_signals=())
        except BaseException as error:  # surfaced by stop()
            self.error = error
        finally:
            self._loop.close()

    def start(self) -> InProcessBot:
        """Start serving (updates injected before it polls simply wait in the queue)."""
        self._thread.start()
        assert self._ready.wait(START_TIMEOUT), "the bot thread did not start"
        return self

    async def _stop_once_running(self) -> None:
        # stop_running() before start() finished would be lost (PTB checks its marker only
        # after post_init), so a test that stops at once waits for the start first.
        while not self.application.running:  # noqa: ASYNC110  (PTB offers no event)
            await asyncio.sleep(0.01)
        self.application.stop_running()

    def stop(self) -> None:
        """Ask the bot to stop as SIGTERM would, and wait for a clean finish."""
        started = time.perf_counter()
        if self._loop is not None and not self._loop.is_closed():
            asyncio.run_coroutine_threadsafe(self._stop_once_running(), self._loop)
        self._thread.join(START_TIMEOUT)
        self.stop_seconds = time.perf_counter() - started
        assert not self._thread.is_alive(), "the bot did not stop"
        if self.error is not None:
            raise self.error


@contextmanager
def running_bot(api: FakeBotAPI, get_faq: Callable[[], FAQ], **kwargs: Any) -> Iterator[Any]:
    """An :class:`InProcessBot` for the duration of a ``with`` block."""
    bot = InProcessBot(api, get_faq, **kwargs).start()
    try:
        yield bot
    finally:
        bot.stop()


class BotProcess:
    """``python bot.py`` started as a user would, with a minimal environment."""

    def __init__(self, api: FakeBotAPI, cwd: Path, **extra_env: str) -> None:
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": api.base_url,
            "FAQ_SEMANTIC": os.environ.get("FAQ_SEMANTIC", "0"),
            **extra_env,
        }
        self.stderr_path = cwd / "bot.stderr"
        self._stderr = self.stderr_path.open("w")
        self.process = subprocess.Popen(
            [sys.executable, str(ROOT / "bot.py")],
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._stderr,
            stderr=self._stderr,
        )

    def terminate(self, timeout: float = START_TIMEOUT) -> int:
        """Send SIGTERM and wait; returns the exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
            self._stderr.close()

    def log(self) -> str:
        """What the process has written so far (stdout and stderr)."""
        return self.stderr_path.read_text(errors="replace")


def wait_for_port(port: int, timeout: float = START_TIMEOUT) -> None:
    """Wait until something accepts connections on 127.0.0.1:``port``."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def post_update(port: int, path: str, update: dict, secret: str | None) -> int:
    """POST ``update`` to a webhook on 127.0.0.1 as Telegram would; returns the status."""
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", json.dumps(update).encode(), headers, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def plain_buttons(call: Any) -> list[tuple[str, str]]:
    """The (label, callback data) of every button in a call's reply_markup, in order."""
    markup = call.params.get("reply_markup") or {}
    return [
        (button["text"], button.get("callback_data", ""))
        for row in markup.get("inline_keyboard", [])
        for button in row
    ]


def text_of(call: Any) -> str:
    """The text a client sees for a sendMessage/editMessageText call."""
    return call.result["text"]
