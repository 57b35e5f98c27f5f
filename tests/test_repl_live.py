"""The REPL fed from a pipe answers from a saved knowledge file, and survives a bad save."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from test_live import NEW_ENTRY, save

BOT = Path(__file__).resolve().parent.parent / "bot.py"


def read_block(process: subprocess.Popen[str]) -> str:
    """The lines up to the next blank line."""
    assert process.stdout is not None
    lines = []
    while (line := process.stdout.readline()) not in ("\n", ""):
        lines.append(line.rstrip("\n"))
    return "\n".join(lines)


def read_reply(process: subprocess.Popen[str]) -> str:
    """One reply's text; its buttons (every reply here has some: the feedback row under
    an answer, the topics under a fallback) come after a blank line and are checked."""
    text = read_block(process)
    buttons = read_block(process)
    assert buttons.startswith("  [1] "), buttons
    return text


def ask(process: subprocess.Popen[str], question: str) -> str:
    assert process.stdin is not None
    process.stdin.write(question + "\n")
    process.stdin.flush()
    return read_reply(process)


def test_piped_repl_picks_up_a_saved_entry_and_keeps_it_after_a_broken_save(
    knowledge_file: Path, knowledge_text: str
) -> None:
    env = {**os.environ, "FAQ_RELOAD_SECONDS": "0.2", "PYTHONUNBUFFERED": "1"}
    with subprocess.Popen(
        [sys.executable, str(BOT), "repl", "--knowledge", str(knowledge_file)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    ) as process:
        assert "numbing cream" in ask(process, "is it painful")
        assert "not sure" in ask(process, "aftercare tips")  # no such entry yet

        save(knowledge_file, knowledge_text.replace("small_talk:", NEW_ENTRY + "small_talk:"))
        time.sleep(0.5)
        assert ask(process, "aftercare tips") == "Keep your skin clean and use sunscreen."

        save(knowledge_file, "entries:\n  - id: pain\n    questions: [oops\n")
        time.sleep(0.5)
        assert ask(process, "aftercare tips") == "Keep your skin clean and use sunscreen."
        assert ask(process, "is it painful").startswith("Most clients")
        _, errors = process.communicate(timeout=10)
    assert "NOT reloaded" in errors
    assert "knowledge.yaml, line 3" in errors  # the unclosed bracket
    assert process.returncode == 0
