"""Issue 13's bar, measured: the bot under abuse and careless saves, against a baseline.

The real bot runs as its own process (``python bot.py``, as a user starts it) against
the fake Bot API of ``tests/fake_bot_api.py``, served by this process on 127.0.0.1;
nothing touches the internet. Conversation recording is off (``FAQ_RECORD=0``). Each
figure is set beside a baseline measured in the same run:

1. **Group flood.** Update-to-reply time of a private client's question on an idle bot
   (the baseline: the median of a few, each from its own chat), then with
   ``--flood`` addressed ``@bot price`` messages queued in one group just before three
   private clients ask (the slowest of the three). The bot's own ``AIORateLimiter``
   holds the group to Telegram's 20 replies a minute, so the group's work is still
   queued. Then SIGTERM while the flood is queued: the time until the process has
   exited, against SIGTERM to an idle bot. Bar: private answer within 3 s, stop within
   5 s.

Usage::

    .venv/bin/python bench/abuse.py              # every part (under 3 minutes)
    .venv/bin/python bench/abuse.py --parts flood

Prints "skipped" and exits 0 when the Telegram adapter or the fake server is absent.
"""

from __future__ import annotations

import argparse
import itertools
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TESTS = REPO / "tests"
sys.path.insert(0, str(REPO))

TOKEN = "123456:bench-token"
GROUP = -100555
PRIVATE_QUESTION = "does it hurt?"
ANSWER_BAR = 3.0
"""Issue 13: the private client is answered within 3 s of a 300-message group flood."""
STOP_BAR = 5.0
"""Issue 13: SIGTERM during the flood stops the bot within 5 s."""
START_TIMEOUT = 60.0


@dataclass(slots=True)
class Row:
    """One line of the table: a figure beside its baseline, and the bar it is held to."""

    part: str
    what: str
    baseline: float
    measured: float
    unit: str
    bar: str = ""
    passed: bool | None = None
    note: str = ""


@dataclass
class Bot:
    """A fake Bot API and one ``python bot.py`` process talking to it."""

    data_dir: Path
    env: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        sys.path.insert(0, str(TESTS))
        from fake_bot_api import FakeBotAPI

        self.api = FakeBotAPI(TOKEN).start()
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": self.api.base_url,
            "FAQ_KNOWLEDGE": str(REPO / "knowledge.yaml"),
            "FAQ_RECORD": "0",
            "FAQ_DATA_DIR": str(self.data_dir),
            **self.env,
        }
        self.log_path = self.data_dir / "bot.log"
        self._log = self.log_path.open("w")
        self.process = subprocess.Popen(
            [sys.executable, str(REPO / "bot.py")],
            cwd=self.data_dir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        self.chats = itertools.count(10_000)

    def wait_started(self, method: str = "setMyCommands") -> None:
        """Wait until the bot has made its start-up call (``setWebhook`` in webhook mode)."""
        try:
            self.api.wait_for(lambda c: c.method == method, timeout=START_TIMEOUT)
        except AssertionError:
            raise SystemExit(f"the bot did not start; its log:\n{self.log()[-3000:]}") from None

    def ask(self, text: str) -> tuple[int, int]:
        """Queue a private message from a new chat; returns (chat id, update id)."""
        chat = next(self.chats)
        return chat, self.api.message(chat, text)

    def reply(self, asked: tuple[int, int], timeout: float = 30.0) -> tuple[float, str]:
        """(update-to-reply seconds, reply text) of the first reply to ``asked``."""
        chat, update = asked
        try:
            call = self.api.sent(chat, timeout=timeout)[0]
        except AssertionError:
            return float("inf"), ""
        return call.at - self.api.injected_at[update], call.result["text"]

    def terminate(self, timeout: float = 30.0) -> float:
        """SIGTERM; seconds until the process exited (killed after ``timeout``: inf)."""
        started = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout)
            return time.monotonic() - started
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            return float("inf")

    def log(self) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self._log.close()
        self.api.stop()


# -- 1. group flood ----------------------------------------------------------------------


def addressed(text: str) -> str:
    from fake_bot_api import BOT_USERNAME

    return f"@{BOT_USERNAME} {text}"


def group_flood(flood: int, clients: int = 3, samples: int = 5) -> list[Row]:
    """Private answer time and stop time, idle and with ``flood`` group messages queued."""
    with tempfile.TemporaryDirectory() as tmp:
        bot = Bot(Path(tmp))
        try:
            bot.wait_started()
            bot.reply(bot.ask(PRIVATE_QUESTION), timeout=START_TIMEOUT)  # warm-up
            idle = [bot.reply(bot.ask(PRIVATE_QUESTION)) for _ in range(samples)]
            expected = idle[0][1]
            idle_stop = bot.terminate()
        finally:
            bot.close()
    with tempfile.TemporaryDirectory() as tmp:
        bot = Bot(Path(tmp))
        try:
            bot.wait_started()
            bot.reply(bot.ask(PRIVATE_QUESTION), timeout=START_TIMEOUT)
            for number in range(flood):
                bot.api.message(
                    GROUP, addressed("price"), user_id=1000 + number, chat_type="supergroup"
                )
            asked = [bot.ask(PRIVATE_QUESTION) for _ in range(clients)]
            loaded = [bot.reply(a, timeout=60) for a in asked]
            group_sent = len(
                [c for c in bot.api.calls_to("sendMessage") if c.params["chat_id"] == GROUP]
            )
            flood_stop = bot.terminate()
        finally:
            bot.close()
    baseline = statistics.median(seconds for seconds, _ in idle)
    slowest = max(seconds for seconds, _ in loaded)
    right = sum(text == expected for _, text in loaded)
    return [
        Row(
            "group flood",
            f"private answer, {flood} group messages queued (slowest of {clients})",
            baseline,
            slowest,
            "s",
            f"< {ANSWER_BAR:g} s",
            slowest < ANSWER_BAR and right == clients,
            f"{right}/{clients} right; {group_sent} group replies sent by then",
        ),
        Row(
            "group flood",
            "SIGTERM to exit, during the flood",
            idle_stop,
            flood_stop,
            "s",
            f"< {STOP_BAR:g} s",
            flood_stop < STOP_BAR,
            "baseline: SIGTERM to an idle bot",
        ),
    ]


# -- the table ---------------------------------------------------------------------------


def print_table(rows: Sequence[Row]) -> None:
    print("| part | figure | baseline | measured | × baseline | bar | met | note |")
    print("|---|---|---|---|---|---|---|---|")
    for row in rows:
        ratio = row.measured / row.baseline if row.baseline else float("nan")
        met = "" if row.passed is None else ("yes" if row.passed else "**no**")
        print(
            f"| {row.part} | {row.what} | {row.baseline:.3g} {row.unit} "
            f"| {row.measured:.3g} {row.unit} | {ratio:.2f} | {row.bar} | {met} | {row.note} |",
            flush=True,
        )


def available() -> str | None:
    """Why the benchmark cannot run, or None when it can."""
    if not (REPO / "adapters" / "telegram" / "app.py").is_file():
        return "the Telegram adapter (adapters/telegram/) is absent"
    if not (TESTS / "fake_bot_api.py").is_file():
        return "the fake Bot API server (tests/fake_bot_api.py) is absent"
    return None


PARTS = ("flood",)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Issue 13's bar: group flood, half-written saves, webhook load.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--parts", default=",".join(PARTS), help=f"comma-separated: {PARTS}")
    parser.add_argument("--flood", type=int, default=300, help="group messages in the flood")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; returns the exit status."""
    args = parse_args(argv)
    missing = available()
    if missing:
        print(f"{missing}: skipped")
        return 0
    parts = [p.strip() for p in args.parts.split(",") if p.strip()]
    unknown = set(parts) - set(PARTS)
    if unknown:
        raise SystemExit(f"unknown part(s): {', '.join(sorted(unknown))}; choose from {PARTS}")
    started = time.monotonic()
    rows: list[Row] = []
    if "flood" in parts:
        rows += group_flood(args.flood)
    print(f"python bot.py against the fake Bot API on 127.0.0.1 ({REPO.name}).\n")
    print_table(rows)
    print(f"\n{time.monotonic() - started:.0f} s in all.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
