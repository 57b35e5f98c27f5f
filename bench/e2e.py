"""End to end: messages/s and update-to-reply time of the whole bot on loopback.

The real bot runs as its own process (``python bot.py`` with ``TELEGRAM_BOT_TOKEN`` and
``TELEGRAM_API_BASE_URL`` set: python-telegram-bot long polling, the FAQ core, the
replies with their buttons) against the fake Bot API of ``tests/fake_bot_api.py``,
served by this process on 127.0.0.1. Each message comes from its own private chat, so
every reply is matched to its update by chat id. The time of an update is when it was
queued on the fake server; the time of its reply is when the bot's ``sendMessage``
request reached the fake server.

* Latency: ``--sequential`` messages one at a time (the next is sent when the reply
  to the previous has arrived): the median and p95 update-to-reply time of an idle bot.
* Throughput: ``--burst`` messages queued at once; messages/s is the burst size over the
  time from queueing the first to receiving the last reply; the median update-to-reply
  time under that load is shown too, and the bot process's CPU time per message during
  the burst (from /proc, Linux), whose inverse is what one core could sustain if the
  fake server (in this process, sharing the machine) were not also busy.

Both run twice: with the bot as shipped, whose ``AIORateLimiter`` deliberately holds
sends to Telegram's ~30 messages/s, and with that limiter switched off
(``overall_max_rate=0``, patched in the bot process only), which shows the bot's own
capacity: how far above Telegram's ceiling the bot could go. Conversation recording is
off (``FAQ_RECORD=0``).

Usage::

    .venv/bin/python bench/e2e.py
    .venv/bin/python bench/e2e.py --burst 600 --sequential 100 --modes unlimited

Prints "skipped" and exits 0 when the Telegram adapter or the fake server is absent.
"""

from __future__ import annotations

import argparse
import itertools
import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
TESTS = REPO / "tests"
sys.path.insert(0, str(REPO))

from faq.evaluation import load_questions  # noqa: E402

TOKEN = "123456:bench-token"
TELEGRAM_CEILING = 30.0
"""Messages per second Telegram lets one bot send in total."""
QUESTIONS = REPO / "tests" / "eval" / "questions.yaml"
UNLIMITED_BOT = """
import functools, runpy, sys
import adapters.telegram.app as app
app.AIORateLimiter = functools.partial(app.AIORateLimiter, overall_max_rate=0, group_max_rate=0)
sys.argv = ["bot.py"]
runpy.run_path("bot.py", run_name="__main__")
"""
"""The bot with its rate limiter off (0 means "no limit" for AIORateLimiter)."""


@dataclass(frozen=True, slots=True)
class Figures:
    """One mode's results: latencies in seconds and the burst's messages/s."""

    mode: str
    idle: np.ndarray
    loaded: np.ndarray
    messages_per_second: float
    cpu_per_message: float
    """Bot-process CPU seconds per message during the burst."""


class Run:
    """A fake Bot API and one bot process talking to it."""

    def __init__(self, knowledge: Path, limited: bool, data_dir: Path) -> None:
        sys.path.insert(0, str(TESTS))
        from fake_bot_api import FakeBotAPI

        self.api = FakeBotAPI(TOKEN).start()  # its handler disables Nagle's algorithm
        env = dict(
            os.environ,
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_API_BASE_URL=self.api.base_url,
            FAQ_KNOWLEDGE=str(knowledge),
            FAQ_RECORD="0",
            FAQ_DATA_DIR=str(data_dir),
        )
        command = [sys.executable, "bot.py"] if limited else [sys.executable, "-c", UNLIMITED_BOT]
        self.log = (data_dir / "bot.log").open("w")
        self.bot = subprocess.Popen(
            command, cwd=REPO, env=env, stdout=self.log, stderr=subprocess.STDOUT
        )
        self.chats = itertools.count(10_000)

    def ask(self, text: str) -> tuple[int, int]:
        """Queue a message from a new private chat; returns (chat id, update id)."""
        chat = next(self.chats)
        return chat, self.api.message(chat, text)

    def replies(self, asked: Sequence[tuple[int, int]], timeout: float) -> np.ndarray:
        """Update-to-reply seconds for each (chat, update), waiting for every reply."""
        wanted = {chat for chat, _ in asked}
        calls = self.api.wait_for(
            lambda c: c.method == "sendMessage" and c.params.get("chat_id") in wanted,
            len(wanted),
            timeout,
        )
        first: dict[int, float] = {}
        for call in calls:
            first.setdefault(call.params["chat_id"], call.at)
        return np.asarray([first[chat] - self.api.injected_at[update] for chat, update in asked])

    def cpu_seconds(self) -> float:
        """CPU time (user + system) the bot process has used so far (Linux /proc)."""
        try:
            fields = Path(f"/proc/{self.bot.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return float("nan")
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def close(self) -> None:
        """Stop the bot (SIGTERM, then SIGKILL after 10 s) and the fake server."""
        self.bot.terminate()
        try:
            self.bot.wait(10)
        except subprocess.TimeoutExpired:
            self.bot.kill()
            self.bot.wait()
        self.log.close()
        self.api.stop()


def measure(
    mode: str, knowledge: Path, questions: list[str], sequential: int, burst: int
) -> Figures:
    """Start the bot, warm it up, then time sequential and burst messages."""
    with tempfile.TemporaryDirectory() as tmp:
        run = Run(knowledge, mode == "as shipped", Path(tmp))
        try:
            cycle = itertools.cycle(questions)
            run.replies([run.ask(next(cycle))], timeout=60)  # start-up and warm-up
            run.replies([run.ask(next(cycle)) for _ in range(5)], timeout=30)
            idle = np.concatenate(
                [run.replies([run.ask(next(cycle))], timeout=30) for _ in range(sequential)]
            )
            cpu_before = run.cpu_seconds()
            asked = [run.ask(next(cycle)) for _ in range(burst)]
            start = run.api.injected_at[asked[0][1]]
            loaded = run.replies(asked, timeout=60 + burst / 10)
            end = max(run.api.injected_at[u] + d for (_, u), d in zip(asked, loaded, strict=True))
            cpu = (run.cpu_seconds() - cpu_before) / burst
        except AssertionError as error:
            log = (Path(tmp) / "bot.log").read_text()[-3000:]
            raise SystemExit(f"{mode}: the bot did not answer: {error}\nbot log:\n{log}") from None
        finally:
            run.close()
    return Figures(mode, idle, loaded, burst / (end - start), cpu)


def available() -> str | None:
    """Why the benchmark cannot run, or None when it can."""
    if not (REPO / "adapters" / "telegram" / "app.py").is_file():
        return "the Telegram adapter (adapters/telegram/) is absent"
    if not (TESTS / "fake_bot_api.py").is_file():
        return "the fake Bot API server (tests/fake_bot_api.py) is absent"
    return None


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Messages/s and update-to-reply time of the whole bot on loopback.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--knowledge", type=Path, default=REPO / "knowledge.yaml")
    parser.add_argument("--sequential", type=int, default=50, help="messages sent one by one")
    parser.add_argument("--burst", type=int, default=300, help="messages queued at once")
    parser.add_argument(
        "--modes",
        default="as shipped,unlimited",
        help="comma-separated: 'as shipped' (rate limiter on), 'unlimited' (limiter off)",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; returns the exit status."""
    args = parse_args(argv)
    missing = available()
    if missing:
        print(f"{missing}: skipped")
        return 0
    questions = [q.text for q in load_questions(QUESTIONS) if q.text.strip()]
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    print(
        f"Bot process against the fake Bot API on 127.0.0.1; {args.sequential} sequential "
        f"messages, then a burst of {args.burst}; one private chat per message.\n"
    )
    print(
        "| bot | messages/s (burst) | × Telegram's 30/s | idle update→reply median ms "
        "| idle p95 ms | under burst: median ms | bot CPU ms/message | = messages/s per core |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for mode in modes:
        f = measure(mode, args.knowledge, questions, args.sequential, args.burst)
        label = "as shipped (AIORateLimiter)" if mode == "as shipped" else "rate limiter off"
        print(
            f"| {label} | {f.messages_per_second:,.0f} "
            f"| {f.messages_per_second / TELEGRAM_CEILING:.1f} "
            f"| {1000 * np.median(f.idle):.1f} | {1000 * np.percentile(f.idle, 95):.1f} "
            f"| {1000 * np.median(f.loaded):.0f} | {1000 * f.cpu_per_message:.2f} "
            f"| {1 / f.cpu_per_message if f.cpu_per_message > 0 else float('nan'):,.0f} |",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
