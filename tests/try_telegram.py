"""Try the Telegram side locally, with no real token and no internet.

``bot.py try-telegram`` runs this: it starts the fake Bot API (``fake_bot_api.py``) on
127.0.0.1, then the real bot (``bot.py`` with its Telegram adapter, long polling) as a
separate process pointed at it, and gives you a prompt. What you type is sent to the bot
as a client's private message; the prompt prints what the client would see: each
message's text after Telegram's HTML parsing, edits, button labels (numbered) and the
short notices a button press shows. A number presses that button of the bot's last
message with buttons. ``/quit`` or Ctrl-D ends; Ctrl-C clears the line.

The bot's log goes to a file (its path is printed), so the chat stays readable; its
conversation data goes to a temporary folder that is deleted at the end.

Usage::

    make run ARGS=try-telegram
    .venv/bin/python bot.py try-telegram [--port 8081] [--admin] [--no-bot]

``run(args)`` takes bot.py's parsed options: port, admin, no_bot, knowledge.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from fake_bot_api import Call, FakeBotAPI

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "7000000001:try-telegram-local-fake-token"
CLIENT = 1001
"""The fake client's Telegram id (a private chat has the same id)."""
START_TIMEOUT = 90.0
"""The first start may load the sentence model: allow it time."""
STARTED_PAUSE = 0.3
"""Seconds between the bot's first call to poll and the prompt (see ``start_bot``)."""
QUIET = 0.7
"""A reply is complete when the bot made no call for this long."""
REPLY_TIMEOUT = 20.0
SHOWN = {"sendMessage", "editMessageText", "editMessageReplyMarkup", "answerCallbackQuery"}


class BotDidNotStartError(Exception):
    """The bot exited, or did not reach Telegram in time, at start."""


@dataclass(frozen=True, slots=True)
class Button:
    """One button under a bot message."""

    label: str
    data: str | None
    url: str | None
    message_id: int


def buttons_of(call: Call) -> list[Button]:
    """The buttons of a sendMessage/edit call's reply_markup, in order."""
    markup = call.params.get("reply_markup") or {}
    message_id = (call.result or {}).get("message_id") or call.params.get("message_id")
    return [
        Button(b["text"], b.get("callback_data"), b.get("url"), int(message_id or 0))
        for row in markup.get("inline_keyboard", [])
        for b in row
    ]


class Chat:
    """The prompt's state: the fake API, and the buttons one can press now."""

    def __init__(self, api: FakeBotAPI, out: TextIO) -> None:
        self.api = api
        self.out = out
        self.buttons: list[Button] = []

    def say(self, text: str) -> None:
        """Send ``text`` as the client and print the bot's answer."""
        mark = len(self.api.calls)
        self.api.message(CLIENT, text)
        self.show(self.api.wait_quiet(mark, QUIET, REPLY_TIMEOUT))

    def press(self, number: int) -> None:
        """Press button ``number`` (1-based) of the last message with buttons."""
        if not 1 <= number <= len(self.buttons):
            self.print("(no such button: type a number shown in [ ])")
            return
        button = self.buttons[number - 1]
        if button.data is None:
            self.print(f"(a link button: it opens {button.url})")
            return
        self.print(f"(you press “{button.label}”)")
        mark = len(self.api.calls)
        self.api.press(CLIENT, button.message_id, button.data)
        self.show(self.api.wait_quiet(mark, QUIET, REPLY_TIMEOUT))

    def show(self, calls: Iterable[Call]) -> None:
        """Print the calls a client would notice."""
        shown = False
        for call in calls:
            if call.method not in SHOWN:
                continue
            shown = True
            if call.status != 200:
                self.print(f"(Telegram refused {call.method}: {call.error or call.status})")
            elif call.method == "answerCallbackQuery":
                if call.params.get("text"):
                    self.print(f"(notice: {call.params['text']})")
            else:
                edited = call.method != "sendMessage"
                text = call.result.get("text", "") if edited else call.result["text"]
                self.print_message(text, buttons_of(call), edited=edited)
        if not shown:
            self.print(f"(no reply within {REPLY_TIMEOUT:g} s: see the bot's log)")

    def print_message(self, text: str, buttons: list[Button], *, edited: bool) -> None:
        """One bot message, indented, with its numbered buttons."""
        self.print(("bot (edits its message)" if edited else "bot") + ":")
        for paragraph in text.split("\n"):
            self.print(textwrap.fill(paragraph, 88, initial_indent="  ", subsequent_indent="  "))
        if buttons:
            self.buttons = buttons
            for number, button in enumerate(buttons, start=1):
                self.print(f"    [{number}] {button.label}")

    def print(self, line: str) -> None:
        """Write one line of output."""
        self.out.write(line + "\n")
        self.out.flush()


def bot_environment(api: FakeBotAPI, data_dir: Path, args: argparse.Namespace) -> dict[str, str]:
    """The bot's environment: this one, pointed at the fake, polling, data kept apart."""
    env = {k: v for k, v in os.environ.items() if k not in ("WEBHOOK_URL", "FAQ_HASH_SALT")}
    env.update(
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL=api.base_url,
        FAQ_DATA_DIR=str(data_dir),
        FAQ_ADMIN_IDS=str(CLIENT) if args.admin else "",
        PYTHONUNBUFFERED="1",
    )
    if getattr(args, "knowledge", None):
        env["FAQ_KNOWLEDGE"] = str(Path(args.knowledge).resolve())
    return env


def start_bot(api: FakeBotAPI, env: dict[str, str], log: TextIO) -> subprocess.Popen[bytes]:
    """``bot.py`` as the real Telegram bot, against the fake; waits until it polls."""
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "bot.py")],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    waited = 0.0
    # deleteWebhook is the polling updater's first call, after post_init: then it polls.
    while not api.calls_to("deleteWebhook"):
        if process.poll() is not None or waited > START_TIMEOUT:
            stop_bot(process)
            raise BotDidNotStartError
        with contextlib.suppress(AssertionError):
            api.wait_for(lambda c: c.method == "deleteWebhook", timeout=0.5)
        waited += 0.5
    # A stop signal while python-telegram-bot is still inside run_polling's start-up
    # (PTB 22.8) ends with "Event loop stopped before Future completed"; let it finish.
    time.sleep(STARTED_PAUSE)
    return process


def stop_bot(process: subprocess.Popen[bytes]) -> int:
    """SIGTERM, as systemd or Docker would stop it; returns its exit status."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        return process.wait(30)
    except subprocess.TimeoutExpired:
        process.kill()
        return process.wait()


def read_line(prompt: str, stdin: TextIO) -> str | None:
    """One line from the user; None at end of input. Ctrl-C clears the line."""
    while True:
        try:
            if stdin.isatty():
                return input(prompt)
            line = stdin.readline()
            if not line:
                return None
            return line.rstrip("\n")
        except EOFError:
            return None
        except KeyboardInterrupt:
            print()


def chat_loop(chat: Chat, stdin: TextIO) -> None:
    """Read lines until /quit or the end of input; numbers press buttons."""
    if stdin.isatty():
        with contextlib.suppress(ImportError):
            import readline  # noqa: F401  (line editing and history for input())
    while (line := read_line("you> ", stdin)) is not None:
        line = line.strip()
        if not line:
            continue
        if line in ("/quit", "/exit"):
            break
        if not stdin.isatty():
            chat.print(f"you> {line}")
        if line.isdigit() and len(line) <= 2:
            chat.press(int(line))
        else:
            chat.say(line)


def run(args: argparse.Namespace, stdin: TextIO = sys.stdin, out: TextIO = sys.stdout) -> int:
    """Start the fake API and the bot, chat until the end, then stop both."""
    api = FakeBotAPI(TOKEN)
    try:
        api.start(args.port)
    except OSError as error:
        print(f"Cannot listen on 127.0.0.1:{args.port} ({error}): try another --port.")
        return 2
    chat = Chat(api, out)
    with tempfile.TemporaryDirectory(prefix="try-telegram-") as folder:
        env = bot_environment(api, Path(folder) / "data", args)
        log_path = Path(folder) / "bot.log"
        process = None
        try:
            if args.no_bot:
                chat.print("Fake Telegram Bot API running. Start the bot against it with:")
                chat.print(f"  TELEGRAM_BOT_TOKEN='{TOKEN}' FAQ_RECORD=0 \\")
                chat.print(f"  TELEGRAM_API_BASE_URL={api.base_url} .venv/bin/python bot.py")
                api.wait_for(lambda c: c.method == "setMyCommands", timeout=3600)
            else:
                chat.print(f"Starting the bot against a fake Telegram on {api.base_url} ...")
                with log_path.open("w") as log:
                    process = start_bot(api, env, log)
                chat.print(f"The bot's log: {log_path} (deleted at the end).")
            chat.print(
                f"You are client {CLIENT} in a private chat. Type a message (try /start);"
                " a number presses that button; /quit or Ctrl-D ends."
            )
            chat_loop(chat, stdin)
        except KeyboardInterrupt:
            chat.print("")
        except BotDidNotStartError:
            chat.print("The bot did not start. Its log:")
            chat.print(log_path.read_text(errors="replace") if log_path.exists() else "(none)")
            return 1
        finally:
            status = stop_bot(process) if process is not None else 0
            api.stop()
        if status != 0:
            chat.print(f"The bot stopped with status {status}. Its log:")
            chat.print(log_path.read_text(errors="replace"))
            return 1
    return 0
