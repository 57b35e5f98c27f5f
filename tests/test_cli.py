"""bot.py and the terminal adapter: --help, ask, ask --json, the REPL from a pipe.

A handful of tests run ``bot.py`` as a real subprocess (exit codes, stdin, no token);
the rest call ``bot.main`` or the adapter in-process, which is much faster.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from adapters import terminal
from faq import FAQ, parse_knowledge

REPO = Path(__file__).resolve().parent.parent
BOT = REPO / "bot.py"

KNOWLEDGE_TEXT = """\
clinic:
  name: Test Clinic
  phone: "+44 20 0000 0000"
  email: hello@test.example
entries:
  - id: sessions
    topic: Treatment
    questions:
      - How many sessions will I need?
      - how many treatments
    answer: Three to six sessions.
    related: [pain]
  - id: pain
    topic: Treatment
    questions:
      - Does it hurt?
      - is it painful
    answer: We use a numbing cream.
small_talk:
  - id: hello
    questions: [hello, hi]
    answer: Hello from the test clinic!
"""

CANDIDATE_LINE = re.compile(r'^  · +(\d+\.\d) +(\w+) +"(.*)"$')
"""A candidate in the REPL's debug output: score, entry id, the phrasing that matched."""

BROKEN_TEXT = KNOWLEDGE_TEXT.replace(
    "      - is it painful\n", "      - is it painful\n    anwser: x\n"
)
BROKEN_LINE = BROKEN_TEXT.splitlines().index("    anwser: x") + 1


@pytest.fixture
def knowledge_path(tmp_path: Path) -> Path:
    path = tmp_path / "kb.yaml"
    path.write_text(KNOWLEDGE_TEXT, encoding="utf-8")
    return path


@pytest.fixture
def broken_path(tmp_path: Path) -> Path:
    path = tmp_path / "broken.yaml"
    path.write_text(BROKEN_TEXT, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def bot() -> ModuleType:
    """bot.py, imported as a module (it is a script, not in a package)."""
    spec = importlib.util.spec_from_file_location("bot_under_test", BOT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_bot(
    *args: str, stdin: str = "", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v for k, v in os.environ.items() if k not in ("TELEGRAM_BOT_TOKEN", "FAQ_KNOWLEDGE")
    }
    return subprocess.run(
        [sys.executable, str(BOT), *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**clean, **(env or {})},
        timeout=60,
        check=False,
    )


# -- subprocesses -----------------------------------------------------------------------


def test_ask_answers_each_argument_as_a_question() -> None:
    result = run_bot("ask", "how long does the treatment take?", "melasma")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("> how long does the treatment take?\n")
    assert "30 minutes" in result.stdout
    assert "\n> melasma\n" in result.stdout
    assert sum(line.startswith("> ") for line in result.stdout.splitlines()) == 2


def test_ask_json_reads_stdin_one_question_per_line(knowledge_path: Path) -> None:
    stdin = "how many sessions\n\n   \nasdfgh qwerty\n"
    result = run_bot("ask", "--json", "--knowledge", str(knowledge_path), stdin=stdin)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 2, "blank lines are skipped"
    answered, fallback = (json.loads(line) for line in lines)

    assert {"question", "entry", "score", "answer", "candidates"} <= answered.keys()
    assert answered["question"] == "how many sessions"
    assert answered["entry"] == "sessions"
    assert answered["answer"] == "Three to six sessions."
    assert isinstance(answered["score"], float)
    assert 0 < answered["score"] <= 100
    assert answered["candidates"][0]["entry"] == "sessions"
    assert answered["candidates"][0]["score"] == answered["score"]
    assert all({"entry", "score"} <= c.keys() for c in answered["candidates"])

    assert fallback["question"] == "asdfgh qwerty"
    assert fallback["entry"] is None
    assert "+44 20 0000 0000" in fallback["answer"]
    assert fallback["candidates"] == []


def test_repl_from_a_pipe(knowledge_path: Path) -> None:
    stdin = "how many sessions\n1\n/debug\ndoes it hurt\n"
    result = run_bot("repl", "--knowledge", str(knowledge_path), stdin=stdin)
    assert result.returncode == 0, result.stderr
    blocks = result.stdout.split("\n\n")
    # 1. the answer, with its related entry as button [1] and the feedback row, as in
    # Telegram
    assert blocks[0] == "Three to six sessions."
    assert blocks[1] == "  [1] Does it hurt?\n  [2] 👍 Helpful   [3] 👎 Not helpful"
    # 2. "1" presses that button
    assert blocks[2] == "We use a numbing cream."
    assert blocks[3] == "  [1] 👍 Helpful   [2] 👎 Not helpful"
    # 3. /debug turns on scores, 4. which then show the candidates
    assert blocks[4] == "(debug on)"
    answer = blocks[5]
    buttons, *debug = blocks[6].splitlines()
    assert answer == "We use a numbing cream."
    assert buttons == "  [1] 👍 Helpful   [2] 👎 Not helpful"
    assert "  · reply: answer -> pain" in debug
    candidates = [m.groups() for line in debug if (m := CANDIDATE_LINE.match(line))]
    assert candidates, debug
    assert candidates[0][1] == "pain"
    assert candidates[0][2] in ("Does it hurt?", "is it painful")
    scores = [float(score) for score, _, _ in candidates]
    assert scores == sorted(scores, reverse=True)
    assert all(0 < score <= 100 for score in scores)
    assert "you>" not in result.stdout, "no prompt when reading a pipe"


def test_no_token_starts_the_repl_with_a_one_line_notice() -> None:
    result = run_bot(stdin="how long does the treatment take?\n")
    assert result.returncode == 0, result.stderr
    notices = [line for line in result.stderr.splitlines() if "TELEGRAM_BOT_TOKEN" in line]
    assert notices == ["TELEGRAM_BOT_TOKEN is not set: starting the local REPL."]
    assert "30 minutes" in result.stdout


def test_faq_knowledge_environment_variable(knowledge_path: Path) -> None:
    result = run_bot("ask", "--json", "hello", env={"FAQ_KNOWLEDGE": str(knowledge_path)})
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["answer"] == "Hello from the test clinic!"


@pytest.mark.parametrize("before_command", [True, False])
def test_knowledge_option_before_or_after_the_command(
    knowledge_path: Path, before_command: bool
) -> None:
    option = ["--knowledge", str(knowledge_path)]
    command = ["ask", "--json", "hello"]
    args = [*option, *command] if before_command else [*command, *option]
    result = run_bot(*args)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["answer"] == "Hello from the test clinic!"


def test_broken_knowledge_exits_2_naming_file_and_line(broken_path: Path) -> None:
    result = run_bot("ask", "--knowledge", str(broken_path), "does it hurt")
    assert result.returncode == 2
    assert result.stdout == ""
    assert f"broken.yaml, line {BROKEN_LINE}: entry 'pain' has an unknown key 'anwser'." in (
        result.stderr
    )
    assert "Fix: did you mean 'answer'?" in result.stderr
    assert f"The bot cannot start until {broken_path} is fixed." in result.stderr
    assert "Traceback" not in result.stderr


# -- in-process: bot.main ---------------------------------------------------------------


def test_help(bot: ModuleType, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        bot.main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: bot.py")
    for word in ("repl", "ask", "--knowledge", "TELEGRAM_BOT_TOKEN"):
        assert word in out


@pytest.mark.parametrize(
    ("command", "options"),
    [("ask", ["--json", "--knowledge"]), ("repl", ["--debug", "--knowledge"])],
    ids=["ask", "repl"],
)
def test_command_help(
    bot: ModuleType, capsys: pytest.CaptureFixture[str], command: str, options: list[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        bot.main([command, "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert all(option in out for option in options)


@pytest.mark.parametrize(
    "argv",
    [
        ["ask", "--knowledge", "{path}", "hi"],
        ["repl", "--knowledge", "{path}"],
        ["--knowledge", "{path}"],
    ],
    ids=["ask", "repl", "default"],
)
def test_broken_knowledge_in_every_command(
    bot: ModuleType,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    broken_path: Path,
    argv: list[str],
) -> None:
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    with pytest.raises(SystemExit) as exit_info:
        bot.main([arg.replace("{path}", str(broken_path)) for arg in argv])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert f"broken.yaml, line {BROKEN_LINE}: " in err
    assert "Traceback" not in err


def test_faq_knowledge_is_used_by_every_command(
    bot: ModuleType,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    broken_path: Path,
) -> None:
    monkeypatch.setenv("FAQ_KNOWLEDGE", str(broken_path))
    with pytest.raises(SystemExit) as exit_info:
        bot.main(["ask", "hi"])
    assert exit_info.value.code == 2
    assert "broken.yaml" in capsys.readouterr().err


def test_knowledge_path_precedence(
    bot: ModuleType, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    parse = bot.build_parser().parse_args
    monkeypatch.delenv("FAQ_KNOWLEDGE", raising=False)
    assert bot.knowledge_path(parse(["ask"])) == REPO / "knowledge.yaml"
    monkeypatch.setenv("FAQ_KNOWLEDGE", str(tmp_path / "env.yaml"))
    assert bot.knowledge_path(parse(["ask"])) == tmp_path / "env.yaml"
    flag = ["ask", "--knowledge", str(tmp_path / "flag.yaml")]
    assert bot.knowledge_path(parse(flag)) == tmp_path / "flag.yaml"
    assert bot.knowledge_path(parse(["--knowledge", str(tmp_path / "top.yaml")])) == (
        tmp_path / "top.yaml"
    )


# -- in-process: the terminal adapter ---------------------------------------------------


@pytest.fixture(scope="module")
def faq() -> FAQ:
    return FAQ(parse_knowledge(KNOWLEDGE_TEXT, "kb.yaml"))


def test_ask_prints_question_then_reply(faq: FAQ) -> None:
    out = io.StringIO()
    count = terminal.ask(faq, ["how many sessions\n", "\n", "hi\n"], out=out)
    assert count == 2
    assert out.getvalue() == (
        "> how many sessions\nThree to six sessions.\n\n  [1] Does it hurt?\n\n"
        "> hi\nHello from the test clinic!\n\n"
    )


def test_reply_as_json_shape(faq: FAQ) -> None:
    data = json.loads(terminal.reply_as_json("how many sessions", faq.reply("how many sessions")))
    assert data["entry"] == "sessions"
    assert data["kind"] == "answer"
    assert data["options"] == ["pain"]
    assert [c["entry"] for c in data["candidates"]][:1] == ["sessions"]


def test_reply_as_json_keeps_non_ascii(faq: FAQ) -> None:
    line = terminal.reply_as_json("café ☕", faq.reply("café ☕"))
    assert "café ☕" in line
    assert json.loads(line)["entry"] is None


def test_repl_handle_presses_buttons_and_toggles_debug(faq: FAQ) -> None:
    repl = terminal.Repl(lambda: faq, out=io.StringIO())
    assert repl.handle("how many sessions").endswith(
        "  [1] Does it hurt?\n  [2] 👍 Helpful   [3] 👎 Not helpful"
    )
    assert repl.handle("1").startswith("We use a numbing cream.")
    assert repl.handle("/debug") == "(debug on)"
    assert "· reply: fallback" in repl.handle("7")  # no button 7: read as a message
    assert repl.handle("/debug") == "(debug off)"
    assert repl.handle("/quit") is None


def test_repl_run_answers_each_line_until_quit(faq: FAQ) -> None:
    out = io.StringIO()
    terminal.Repl(lambda: faq, out=out).run(["hi\n", "/quit\n", "how many sessions\n"])
    assert out.getvalue() == "Hello from the test clinic!\n\n"


def test_terminal_output_follows_the_current_stdout(faq: FAQ) -> None:
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        terminal.ask(faq, ["hi"])
        terminal.Repl(lambda: faq).run(["hi"])
    assert buffer.getvalue().count("Hello from the test clinic!") == 2


def test_forget_and_report_take_knowledge_and_its_data_folder(
    bot: ModuleType,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from faq import Reply, ReplyKind
    from faq.store import DB_NAME, ConversationStore

    knowledge = tmp_path / "clinic" / "knowledge.yaml"
    knowledge.parent.mkdir()
    knowledge.write_text(KNOWLEDGE_TEXT, encoding="utf-8")
    for name in ("FAQ_DATA_DIR", "STATE_DIRECTORY", "FAQ_HASH_SALT", "FAQ_KNOWLEDGE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    data = knowledge.parent / "data"
    data.mkdir()
    (data / "hash_salt").write_text("salt\n", encoding="utf-8")
    with ConversationStore(data / DB_NAME, salt="salt") as store:
        store.record_reply("42", "parking?", Reply(ReplyKind.FALLBACK, "Sorry", None, 0.0))
        store.record_reply("7", "parking", Reply(ReplyKind.FALLBACK, "Sorry", None, 0.0))

    assert bot.main(["report", "--knowledge", str(knowledge)]) == 0
    assert "parking" in capsys.readouterr().out
    assert bot.main(["forget", "--knowledge", str(knowledge), "--user", "42"]) == 0
    assert "Deleted 1 " in capsys.readouterr().out
    with ConversationStore(data / DB_NAME, salt="salt") as store:
        assert store.count_interactions() == 1
        assert store.user_hash("42") not in str(store.unanswered_questions(30))


def test_by_default_the_bot_matches_with_the_sentence_encoder(
    knowledge_path: Path, tmp_path: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("FAQ_SEMANTIC", "TELEGRAM_BOT_TOKEN")}
    env["FAQ_CACHE_DIR"] = str(tmp_path / "cache")
    run = functools.partial(
        subprocess.run, capture_output=True, text=True, cwd=REPO, env=env, timeout=120
    )
    check = run([sys.executable, str(BOT), "check", "--knowledge", str(knowledge_path)])
    assert "Matcher: lexical + sentence encoder" in check.stdout + check.stderr
    asked = run([sys.executable, str(BOT), "ask", "--knowledge", str(knowledge_path), "hello"])
    assert asked.returncode == 0, asked.stderr
    assert "lexical + sentence encoder" in asked.stderr
    assert list((tmp_path / "cache").glob("embeddings-*.npz"))  # kept for the next start
