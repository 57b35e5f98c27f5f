"""``bot.py try-telegram``: the real bot against the fake Bot API, driven from a prompt.

Nothing here touches the internet: the fake listens on 127.0.0.1 only.
"""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from telegram_support import free_port

ROOT = Path(__file__).resolve().parent.parent


def try_telegram(knowledge: Path, lines: str, *options: str) -> subprocess.CompletedProcess[str]:
    """Run ``bot.py try-telegram`` with ``lines`` typed on its standard input."""
    return subprocess.run(
        [
            sys.executable,
            str(ROOT / "bot.py"),
            "try-telegram",
            "--knowledge",
            str(knowledge),
            *options,
        ],
        input=lines,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_chat_shows_replies_buttons_and_presses(knowledge_file: Path) -> None:
    result = try_telegram(knowledge_file, "/start\nDoes microneedling hurt?\n2\n/forget\n/quit\n")
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    assert "you> Does microneedling hurt?" in out
    assert "Most clients feel only mild discomfort; we use numbing cream." in out
    # /start lists the topics as numbered buttons; the answer has its feedback buttons.
    assert "    [1] Treatment" in out
    assert "    [2] 👎 Not helpful" in out
    assert "(you press “👎 Not helpful”)" in out
    assert "Done: everything this bot had stored about your questions has been deleted." in out
    # The bot's log and data lived in a temporary folder, removed at the end.
    log = re.search(r"The bot's log: (\S+)", out)
    assert log is not None
    assert not Path(log.group(1)).parent.exists()


def test_a_number_with_no_button_says_so(knowledge_file: Path) -> None:
    result = try_telegram(knowledge_file, "7\n")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "(no such button: type a number shown in [ ])" in result.stdout


def test_port_in_use_is_one_sentence(knowledge_file: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = try_telegram(knowledge_file, "", "--port", str(port))
    assert result.returncode == 2
    assert f"Cannot listen on 127.0.0.1:{port}" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_fake_api_command_line_serves_on_a_fixed_port() -> None:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "tests" / "fake_bot_api.py"), "--port", str(port)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert f"TELEGRAM_API_BASE_URL=http://127.0.0.1:{port}/bot" in first
        token = first.split("TELEGRAM_BOT_TOKEN=")[1].strip()
        deadline = time.monotonic() + 10
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/bot{token}/getMe", timeout=10) as r:
            assert json.load(r)["result"]["is_bot"] is True
        assert time.monotonic() < deadline
        assert process.stdout.readline().startswith("200 getMe")
    finally:
        process.terminate()
        process.wait(10)
        if process.stdout is not None:
            process.stdout.close()
