"""The REPL as a local Telegram, and ``ask --conversations``: commands, buttons,
follow-ups, Ctrl-C, invalid UTF-8 and a terminal with no question."""

from __future__ import annotations

import io
import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest
from test_conversation import KNOWLEDGE

from adapters import terminal
from faq import FAQ, parse_knowledge

REPO = Path(__file__).resolve().parent.parent
BOT = REPO / "bot.py"


@pytest.fixture(scope="module")
def faq() -> FAQ:
    return FAQ(parse_knowledge(KNOWLEDGE, "kb.yaml"))


@pytest.fixture
def repl(faq: FAQ) -> terminal.Repl:
    return terminal.Repl(lambda: faq, out=io.StringIO())


@pytest.fixture
def knowledge_path(tmp_path: Path) -> Path:
    path = tmp_path / "kb.yaml"
    path.write_text(KNOWLEDGE, encoding="utf-8")
    return path


def run_bot(*args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    return subprocess.run(
        [sys.executable, str(BOT), *args],
        input=stdin,
        capture_output=True,
        cwd=REPO,
        env=env,
        timeout=60,
        check=False,
    )


# -- the REPL -------------------------------------------------------------------------


def test_follow_ups_are_read_in_context(repl: terminal.Repl) -> None:
    assert repl.handle("what causes stretch marks").startswith("Stretch marks come from")
    assert repl.handle("will it work on them").startswith("Yes, microneedling can soften")


def test_start_welcomes_with_topics_and_forgets_the_context(repl: terminal.Repl, faq: FAQ) -> None:
    repl.handle("what causes stretch marks")
    start = repl.handle("/start")
    assert start is not None
    assert "Tap a topic below" in start
    assert "  [1] About\n  [2] Skin concerns\n  [3] Treatment\n  [4] Booking" in start
    assert not repl.handle("will it work on them").startswith("Yes, microneedling")


def test_topics_browse_press_a_question_and_go_back(repl: terminal.Repl) -> None:
    assert repl.handle("/topics") == (
        "Choose a topic:\n\n  [1] About\n  [2] Skin concerns\n  [3] Treatment\n  [4] Booking"
    )
    listing = repl.handle("2")
    assert listing is not None
    assert listing.startswith("Skin concerns\nChoose a question:")
    assert "  [1] Can microneedling help stretch marks" in listing
    assert listing.endswith("  [4] « All topics")
    answer = repl.handle("1")
    assert answer is not None
    assert answer.startswith("Yes, microneedling can soften stretch marks.")
    assert repl.handle("/topics") is not None
    assert repl.handle("5") is not None  # no button 5: read as a message


def test_contact_and_help(repl: terminal.Repl) -> None:
    contact = repl.handle("/contact")
    assert contact is not None
    assert "Phone: +44 20 7946 0123" in contact
    help_text = repl.handle("/help")
    assert help_text is not None
    assert "/topics" in help_text
    assert "<b>" not in help_text  # Telegram's HTML, shown as a client reads it
    assert repl.handle("/nonsense") == "Sorry, I don't know that command. Try /help."


def test_feedback_buttons_as_telegram_shows_them(repl: terminal.Repl) -> None:
    answer = repl.handle("can microneedling help stretch marks")
    assert answer is not None
    assert answer.endswith("  [1] What causes stretch marks\n  [2] 👍 Helpful   [3] 👎 Not helpful")
    assert repl.handle("3") == (
        "(Thank you, this helps us improve our answers.)\n\n  [1] What causes stretch marks"
    )
    cause = repl.handle("1")  # the related question is still a button
    assert cause is not None
    assert cause.startswith("Stretch marks come from")


def test_hand_off_button_prints_what_the_staff_chat_would_receive(
    repl: terminal.Repl,
) -> None:
    offer = repl.handle("can I talk to a person please")
    assert offer is not None
    assert offer.splitlines()[-1] == "  [3] Send my question to the team"
    preview = repl.handle("3")
    assert preview is not None
    assert "nothing is sent" in preview
    assert "Client: can I talk to a person please" in preview


def test_ctrl_c_cancels_the_line_and_ctrl_d_quits(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    typed: list[BaseException | str] = ["hi", KeyboardInterrupt(), "why", EOFError()]

    def fake_input(prompt: str = "") -> str:
        item = typed.pop(0)
        if isinstance(item, BaseException):
            raise item
        return item

    monkeypatch.setattr("builtins.input", fake_input)
    assert list(terminal._read_lines()) == ["hi", "why"]
    assert "^C" in capsys.readouterr().out


# -- ask ------------------------------------------------------------------------------


def test_ask_conversations_json(knowledge_path: Path) -> None:
    stdin = b"what causes stretch marks\nwill it work on them\n\n\nwill it work on them\nok\n"
    result = run_bot(
        "ask", "--json", "--conversations", "--knowledge", str(knowledge_path), stdin=stdin
    )
    assert result.returncode == 0, result.stderr
    turns = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert [(t["conversation"], t["turn"]) for t in turns] == [(1, 1), (1, 2), (2, 1), (2, 2)]
    first, follow_up, alone, ok = turns
    assert (first["entry"], first["followup"]) == ("stretch_mark_causes", False)
    assert (follow_up["entry"], follow_up["followup"]) == ("stretch_marks", True)
    assert follow_up["entry_id"] == "stretch_marks"
    assert follow_up["entries"] == ["stretch_marks"]
    assert "stretch marks" in follow_up["read_as"]
    assert alone["followup"] is False
    assert alone["entry"] != "stretch_marks"
    assert (ok["kind"], ok["offer_handoff"]) == ("small_talk", False)


def test_ask_without_conversations_answers_each_line_alone(knowledge_path: Path) -> None:
    stdin = b"what causes stretch marks\nwill it work on them\n"
    result = run_bot("ask", "--json", "--knowledge", str(knowledge_path), stdin=stdin)
    turns = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert turns[1]["entry"] != "stretch_marks"
    assert "followup" not in turns[1]


def test_invalid_utf8_on_stdin_never_crashes(knowledge_path: Path) -> None:
    stdin = b"does it hurt \xff\xfe\n\xc3\n\x80abc\n"
    for command in (["ask", "--json"], ["ask", "--json", "--conversations"], ["repl"]):
        result = run_bot(*command, "--knowledge", str(knowledge_path), stdin=stdin)
        assert result.returncode == 0, result.stderr
        assert b"Traceback" not in result.stderr
        assert "numbing cream" in result.stdout.decode()


def test_ask_with_no_question_on_a_terminal_prints_usage(knowledge_path: Path) -> None:
    controller, terminal_side = pty.openpty()
    try:
        result = subprocess.run(
            [sys.executable, str(BOT), "ask", "--knowledge", str(knowledge_path)],
            stdin=terminal_side,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    finally:
        os.close(terminal_side)
        os.close(controller)
    assert result.returncode == 2
    assert "usage: bot.py ask" in result.stderr
    assert "--conversations" in result.stderr
