#!/usr/bin/env python3
"""The clinic's FAQ bot: one command for Telegram, the local REPL and staff tools.

Usage (inside the venv: ``.venv/bin/python bot.py ...``, or ``make run ARGS="..."``):
    bot.py                        # Telegram if TELEGRAM_BOT_TOKEN is set, else the REPL
    bot.py repl [--debug]         # try questions locally, exactly as a client sees them
    bot.py ask "does it hurt?" [--json]     # batch answers (or one per stdin line)
    bot.py ask --json --conversations < chats.txt  # turns in context; blank line = new chat
    bot.py check [--questions FILE]         # is knowledge.yaml sound? (exit 1 on errors)
    bot.py import ARTICLE... [--out FILE]   # draft entries from articles, to review
    bot.py report [--days N] [--csv]        # what clients asked that the bot could not answer
    bot.py forget --user ID                 # delete what is stored about one client
    bot.py try-telegram [--admin]           # the Telegram bot against a local fake Bot API

Every command takes --knowledge PATH (default: FAQ_KNOWLEDGE, else knowledge.yaml
beside this file).
"""

from __future__ import annotations

import argparse
import importlib
import io
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TextIO, TypeVar

from adapters.telegram.config import token_given
from adapters.telegram.render import MAX_MESSAGE_LENGTH
from faq import FAQ, KnowledgeError
from faq.config import ConfigError, CoreConfig, load_core_config
from faq.fusion import matcher_in_use, startup_cache
from faq.live import LiveFAQ

T = TypeVar("T")

DEFAULT_KNOWLEDGE = Path(__file__).resolve().parent / "knowledge.yaml"
LOG_FORMAT = "%(asctime)s - %(name)s - %(levelname)s - %(message)s"

log = logging.getLogger("bot")

ASK_USAGE = """\
usage: bot.py ask "does it hurt?" ["how many sessions?" ...] [--json]
       bot.py ask [--json] [--conversations] < questions.txt

Answers each question given as an argument, or each line of standard input.
With --conversations, standard input holds conversations: one client message per line,
a blank line between two conversations."""


def knowledge_path(args: argparse.Namespace) -> Path:
    """The knowledge file chosen by --knowledge, FAQ_KNOWLEDGE or the default."""
    chosen = getattr(args, "knowledge", None)  # absent when --knowledge was not given
    return Path(chosen) if chosen else core_config_of(args).knowledge or DEFAULT_KNOWLEDGE


def core_config_of(args: argparse.Namespace) -> CoreConfig:
    """The core settings ``main`` read from the environment (read now if it did not)."""
    config = getattr(args, "core_config", None)
    return config if isinstance(config, CoreConfig) else load_core_config()


def exit_on_knowledge_error(path: Path, load: Callable[[Path], T]) -> T:
    """``load(path)``, or print the staff-readable problems and exit with status 2."""
    try:
        return load(path)
    except KnowledgeError as error:
        print(error, file=sys.stderr)
        print(f"\nThe bot cannot start until {path} is fixed.", file=sys.stderr)
        raise SystemExit(2) from None


def command_repl(args: argparse.Namespace) -> int:
    """Chat with the bot in the terminal; a saved knowledge file is picked up live."""
    from adapters.terminal import Repl

    live = exit_on_knowledge_error(
        knowledge_path(args),
        lambda path: LiveFAQ(
            path,
            check_interval=core_config_of(args).reload_seconds,
            cache=startup_cache(core_config_of(args), path),
        ),
    )
    tolerant(sys.stdin)
    Repl(live, debug=args.debug).run()
    return 0


def command_ask(args: argparse.Namespace) -> int:
    """Answer questions given as arguments, or one per line on standard input."""
    from adapters.terminal import ask

    if not args.question and sys.stdin.isatty():
        # Nothing to read but a terminal: say how to use it instead of waiting.
        print(ASK_USAGE, file=sys.stderr)
        return 2
    cache = startup_cache(core_config_of(args), knowledge_path(args))
    faq = exit_on_knowledge_error(
        knowledge_path(args), lambda path: FAQ.from_file(path, cache=cache)
    )
    questions = args.question or tolerant(sys.stdin)  # each argument is one question
    ask(faq, questions, as_json=args.json, conversations=args.conversations)
    return 0


def tolerant(stream: TextIO) -> TextIO:
    """``stream`` reading bytes that are not UTF-8 as U+FFFD, instead of failing."""
    if isinstance(stream, io.TextIOWrapper):
        stream.reconfigure(errors="replace")
    return stream


def command_check(args: argparse.Namespace) -> int:
    """Check the knowledge file before deploying: exit 1 on errors, 0 with warnings only."""
    from faq.lint import run_check

    output, status = run_check(
        knowledge_path(args), args.questions, args.source, max_answer_length=args.max_answer_length
    )
    print(output)
    print(f"Matcher: {matcher_in_use(core_config_of(args))}")
    return status


def command_import(args: argparse.Namespace) -> int:
    """Draft entries from articles into a separate file for staff to review."""
    from faq.articles import read_article
    from faq.importer import draft_entries, drafts_yaml, import_summary

    path = knowledge_path(args)
    out = Path(args.out) if args.out else path.parent / "drafts.yaml"
    if out.exists() and not args.overwrite:
        print(
            f"{out} already exists, so nothing was written.\n"
            "Choose another file with --out FILE, or add --overwrite to replace it.",
            file=sys.stderr,
        )
        return 2
    articles = []
    for name in args.article:
        try:
            articles.append(read_article(name))
        except (OSError, UnicodeDecodeError) as exc:
            reason = "is not UTF-8 text" if isinstance(exc, UnicodeDecodeError) else "not found"
            print(f"The article {name} {reason}: nothing was written.", file=sys.stderr)
            return 2
    faq = exit_on_knowledge_error(path, FAQ.from_file) if path.exists() else None
    drafts = draft_entries(articles, faq)
    clinic = faq.knowledge.clinic if faq else None
    out.write_text(drafts_yaml(drafts, out.parent, clinic), encoding="utf-8")
    print(import_summary(drafts, out))
    return 0


def command_report(args: argparse.Namespace) -> int:
    """Print what clients asked that the bot could not answer, and how each entry did."""
    from faq.report import run_report

    output, status = run_report(
        args.days, as_csv=args.csv, knowledge=knowledge_path(args), config=core_config_of(args)
    )
    print(output, file=sys.stdout if status == 0 else sys.stderr)
    return status


def command_forget(args: argparse.Namespace) -> int:
    """Delete every conversation row stored about one client (a request to staff)."""
    from faq.store import StoreError, open_store_from_env

    try:
        with open_store_from_env(knowledge_path(args), core_config_of(args)) as store:
            deleted = store.forget(args.user)
    except StoreError as error:
        print(f"Cannot delete: {error}", file=sys.stderr)
        return 2
    print(f"Deleted {deleted} stored question(s) for user {args.user}.")
    return 0


def command_try_telegram(args: argparse.Namespace) -> int:
    """Chat with the real Telegram adapter through a fake Bot API on 127.0.0.1."""
    helpers = Path(__file__).resolve().parent / "tests"
    if not (helpers / "try_telegram.py").exists():
        print(f"try-telegram needs {helpers}/ of the source checkout.", file=sys.stderr)
        return 2
    sys.path.insert(0, str(helpers))
    try_telegram = importlib.import_module("try_telegram")
    args.knowledge = knowledge_path(args)
    status: int = try_telegram.run(args)
    return status


def command_default(args: argparse.Namespace) -> int:
    """Run Telegram when a token is set, otherwise the REPL."""
    if token_given():
        from adapters.telegram.app import run_telegram

        return run_telegram(knowledge_path(args))
    print("TELEGRAM_BOT_TOKEN is not set: starting the local REPL.", file=sys.stderr)
    args.debug = False
    return command_repl(args)


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--knowledge",
        metavar="PATH",
        # SUPPRESS: a command's own (absent) --knowledge must not undo one given before it.
        default=argparse.SUPPRESS,
        help="knowledge file (default: $FAQ_KNOWLEDGE, else knowledge.yaml beside bot.py)",
    )
    parser = argparse.ArgumentParser(
        prog="bot.py",
        description="The clinic's FAQ bot. With no command: Telegram if TELEGRAM_BOT_TOKEN "
        "is set, otherwise the local REPL.",
        parents=[common],
    )
    parser.set_defaults(handler=command_default)
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    repl = commands.add_parser(
        "repl", parents=[common], help="chat with the bot locally, exactly as a client would"
    )
    repl.add_argument("--debug", action="store_true", help="also show candidates and scores")
    repl.set_defaults(handler=command_repl)

    ask = commands.add_parser(
        "ask", parents=[common], help="answer questions (arguments, or one per stdin line)"
    )
    ask.add_argument(
        "question", nargs="*", help="questions, each quoted (default: one per line from stdin)"
    )
    ask.add_argument("--json", action="store_true", help="one JSON object per line")
    ask.add_argument(
        "--conversations",
        action="store_true",
        help="stdin holds conversations: one turn per line, a blank line between two",
    )
    ask.set_defaults(handler=command_ask)

    check = commands.add_parser(
        "check",
        parents=[common],
        help="check the knowledge file before deploying (exit 1 on errors)",
    )
    check.add_argument(
        "--questions",
        metavar="FILE",
        help="also measure accuracy on a labelled question set (e.g. tests/eval/questions.yaml)",
    )
    check.add_argument(
        "--source",
        metavar="FILE",
        nargs="+",
        help="check every answer against these articles (default: the file's 'sources:')",
    )
    check.add_argument(
        "--max-answer-length",
        metavar="N",
        type=int,
        default=MAX_MESSAGE_LENGTH,
        help=f"warn about answers longer than one message holds (default: {MAX_MESSAGE_LENGTH}, "
        "Telegram's limit)",
    )
    check.set_defaults(handler=command_check)

    importer = commands.add_parser(
        "import",
        parents=[common],
        help="draft entries from articles (.txt, .md, .html) into a file to review",
    )
    importer.add_argument("article", nargs="+", help="article files")
    importer.add_argument(
        "--out", metavar="FILE", help="drafts file (default: drafts.yaml beside the knowledge)"
    )
    importer.add_argument("--overwrite", action="store_true", help="replace an existing --out")
    importer.set_defaults(handler=command_import)

    report = commands.add_parser(
        "report",
        parents=[common],
        help="what clients asked that the bot could not answer (from FAQ_DATA_DIR)",
    )
    report.add_argument("--days", type=int, default=30, help="period in days (default: 30)")
    report.add_argument("--csv", action="store_true", help="one CSV table, for a spreadsheet")
    report.set_defaults(handler=command_report)

    try_telegram = commands.add_parser(
        "try-telegram",
        parents=[common],
        help="chat with the real Telegram bot locally: a fake Bot API, no token, no internet",
    )
    try_telegram.add_argument(
        "--port", type=int, default=0, help="the fake Bot API's port (default: any free one)"
    )
    try_telegram.add_argument(
        "--admin", action="store_true", help="make you an admin of the bot (/stats, /reload)"
    )
    try_telegram.add_argument(
        "--no-bot", action="store_true", help="start only the fake API; run the bot yourself"
    )
    try_telegram.set_defaults(handler=command_try_telegram)

    forget = commands.add_parser(
        "forget", parents=[common], help="delete everything stored about one client, on request"
    )
    forget.add_argument("--user", required=True, metavar="ID", help="the client's Telegram id")
    forget.set_defaults(handler=command_forget)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run the chosen command."""
    args = build_parser().parse_args(argv)
    try:
        args.core_config = load_core_config()
    except ConfigError as error:
        print(error, file=sys.stderr)
        return 2
    logging.basicConfig(format=LOG_FORMAT, level=args.core_config.log_level)
    # httpx logs request URLs at INFO, and a bot's URLs contain its token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    status: int = args.handler(args)
    return status


if __name__ == "__main__":
    sys.exit(main())
