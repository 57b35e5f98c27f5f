"""The terminal adapter: the REPL and ``ask``, showing exactly what a client would get.

A reply is printed as its text followed by its buttons as numbered lines; in the REPL,
typing a button's number presses it, as tapping it would in Telegram. Both go through
``faq.conversation.Conversations``: ``ask`` treats each question as a new client's (or,
with ``conversations``, reads whole conversations), the REPL is one chat with context.
"""

from __future__ import annotations

import contextlib
import html
import json
import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TextIO

from faq.conversation import Conversations, Turn
from faq.engine import FAQ
from faq.knowledge import Knowledge
from faq.replies import Reply, ReplyKind

FAQProvider = Callable[[], FAQ]
"""Returns the FAQ to use now (a reloading holder can hand out a fresh one)."""


def render_reply(reply: Reply) -> str:
    """The reply as plain text: its message, then its buttons as numbered lines."""
    lines = [reply.text]
    if reply.options:
        lines.append("")
        lines.extend(
            f"  [{number}] {option.label}" for number, option in enumerate(reply.options, start=1)
        )
    return "\n".join(lines)


def render_debug(faq: FAQ, text: str, reply: Reply) -> str:
    """How the matcher read ``text`` and its top candidates with their scores."""
    analysis = faq.matcher.analyse(text)
    lines = [f"  · reply: {reply.kind.value}" + (f" -> {reply.entry_id}" if reply.entry_id else "")]
    if analysis.corrections:
        fixes = ", ".join(f"{typed}->{meant}" for typed, meant in analysis.corrections)
        lines.append(f"  · typo fixes: {fixes}")
    if analysis.unknown:
        lines.append(f"  · unknown words: {', '.join(analysis.unknown)}")
    lines.append(f"  · terms: {' '.join(analysis.terms)}")
    lines.append(f"  · matcher: {faq.matcher_name}")
    for c in reply.candidates[:5]:
        signals = (
            f"  (lexical {c.lexical:5.1f}, encoder {c.semantic:5.1f})"
            if c.lexical is not None and c.semantic is not None
            else ""
        )
        lines.append(f'  · {c.score:5.1f}{signals}  {c.entry_id:<22} "{c.phrasing}"')
    return "\n".join(lines)


def reply_as_json(question: str, reply: Reply, turn: Turn | None = None) -> str:
    """One JSON line for ``ask --json``; with the ``turn`` of a conversation, also whether
    the context was used and every entry answered."""
    data: dict[str, object] = {
        "question": question,
        "entry": reply.entry_id,
        "kind": reply.kind.value,
        "score": reply.score,
        "answer": reply.text,
        "options": [option.entry_id for option in reply.options],
        "candidates": [
            {"entry": c.entry_id, "score": c.score, "phrasing": c.phrasing}
            for c in reply.candidates
        ],
        "offer_handoff": reply.offer_handoff,
    }
    if turn is not None:
        data["entry_id"] = reply.entry_id
        data["entries"] = list(turn.entry_ids)
        data["followup"] = turn.followup
        data["read_as"] = turn.read_as
    return json.dumps(data, ensure_ascii=False)


def ask(
    faq: FAQ,
    questions: Iterable[str],
    *,
    as_json: bool = False,
    conversations: bool = False,
    out: TextIO | None = None,
) -> int:
    """Answer each question (one per item); returns how many were answered.

    Each question is a new client's first message. With ``conversations``, the
    questions are the turns of conversations instead, a blank line between two
    conversations (a new client); each JSON line then also says its ``conversation``
    and ``turn`` (from 1) and whether it was read as a ``followup``.
    """
    out = out or sys.stdout
    chats = Conversations(lambda: faq, max_chats=2)
    conversation, turn_number, count = 1, 0, 0
    for question in questions:
        question = question.rstrip("\r\n")
        if not question.strip():
            if conversations and turn_number:
                chats.forget(conversation)
                conversation, turn_number = conversation + 1, 0
            continue
        key = conversation if conversations else count
        turn = chats.turn(key, question)
        if not conversations:
            chats.forget(key)
        turn_number += 1
        count += 1
        if as_json and conversations:
            line = json.loads(reply_as_json(question, turn.reply, turn))
            line = {"conversation": conversation, "turn": turn_number, **line}
            print(json.dumps(line, ensure_ascii=False), file=out)
        elif as_json:
            print(reply_as_json(question, turn.reply), file=out)
        else:
            print(f"> {question}\n{render_reply(turn.reply)}\n", file=out)
    return count


# -- the REPL: a local Telegram -------------------------------------------------------

HANDOFF_LABEL = "Send my question to the team"
LOCAL_KEY = "local"
"""The REPL is one private chat."""
_TAG = re.compile(r"<[^>]+>")


@dataclass(frozen=True, slots=True)
class Button:
    """A button under a message, as a Telegram client would show it."""

    label: str
    entry_id: str | None = None
    """Answers this entry (a related question, a topic's question, a choice)."""
    topic: str | None = None
    """Lists this topic's questions."""
    all_topics: bool = False
    """Lists the topics."""
    helpful: bool | None = None
    """A feedback button: helpful (True) or not (False)."""
    handoff: bool = False
    """Sends the conversation to the clinic's team."""


Rows = tuple[tuple[Button, ...], ...]


def topic_rows(knowledge: Knowledge) -> Rows:
    """One button per topic, as /start, /topics and the fallback show them."""
    return tuple((Button(name, topic=name),) for name in knowledge.topics())


def reply_rows(knowledge: Knowledge, reply: Reply) -> Rows:
    """The buttons Telegram shows under ``reply`` (``adapters.telegram.keyboards``):
    related questions or choices, the topics after a fallback, the feedback row after an
    answer, and the hand-off when it is offered."""
    from adapters.telegram import keyboards

    rows: list[tuple[Button, ...]] = []
    if reply.kind is ReplyKind.FALLBACK:
        rows.extend(topic_rows(knowledge))
    else:
        rows.extend((Button(o.label, entry_id=o.entry_id),) for o in reply.options)
    if reply.kind is ReplyKind.ANSWER:
        rows.append(
            (Button(keyboards.HELPFUL, helpful=True), Button(keyboards.NOT_HELPFUL, helpful=False))
        )
    if reply.offer_handoff:
        rows.append((Button(HANDOFF_LABEL, handoff=True),))
    return tuple(rows)


def render_screen(text: str, rows: Rows) -> str:
    """A message and its buttons, numbered in reading order; a row stays on one line."""
    lines = [text.strip()]
    number = 0
    if rows:
        lines.append("")
    for row in rows:
        cells = []
        for button in row:
            number += 1
            cells.append(f"[{number}] {button.label}")
        lines.append("  " + "   ".join(cells))
    return "\n".join(lines)


def plain(html_text: str) -> str:
    """Telegram HTML as the plain text a client reads."""
    return html.unescape(_TAG.sub("", html_text))


class Repl:
    """A local Telegram: a message in, what the client would see out.

    It keeps the context of the conversation like the Telegram bot (``Conversations``),
    knows the client commands (/start, /topics, /contact, /help), and shows every button
    numbered: typing its number presses it.
    """

    PROMPT = "you> "

    def __init__(
        self,
        get_faq: FAQProvider,
        *,
        debug: bool = False,
        out: TextIO | None = None,
        conversations: Conversations | None = None,
    ) -> None:
        self.get_faq = get_faq
        self.debug = debug
        self._out = out
        self.conversations = conversations or Conversations(get_faq)
        self.buttons: tuple[Button, ...] = ()
        self._rows: Rows = ()

    @property
    def out(self) -> TextIO:
        """Where replies go: the given stream, else the current standard output."""
        return self._out or sys.stdout

    def banner(self) -> str:
        """The first screen: what /start shows, and how the local mode works."""
        return (
            f"{self._start()}\n\n"
            "(Local test mode, as in Telegram: type a question; a number presses a button; "
            "/start, /topics, /contact, /help; /debug toggles scores; Ctrl-C clears the "
            "line; /quit or Ctrl-D leaves.)"
        )

    def handle(self, line: str) -> str | None:
        """The output for one input line, or None to stop."""
        text = line.strip()
        if text in ("/quit", "/exit"):
            return None
        if text == "/debug":
            self.debug = not self.debug
            return f"(debug {'on' if self.debug else 'off'})"
        if text.startswith("/"):
            return self._command(text[1:].split()[0].split("@")[0] if text[1:] else "")
        if text.isascii() and text.isdecimal() and 1 <= int(text) <= len(self.buttons):
            return self._press(self.buttons[int(text) - 1])
        if not text:
            return self._show("Please type your question.", ())
        faq = self.get_faq()
        turn = self.conversations.turn(LOCAL_KEY, text)
        output = self._show(turn.reply.text, reply_rows(faq.knowledge, turn.reply))
        if self.debug:
            output += "\n" + render_debug(faq, text, turn.reply)
            if turn.followup:
                output += f"\n  · read in context: {turn.read_as}"
        return output

    def _show(self, text: str, rows: Rows) -> str:
        self._rows = rows
        self.buttons = tuple(button for row in rows for button in row)
        return render_screen(text, rows)

    def _start(self) -> str:
        from adapters.telegram import texts

        self.conversations.forget(LOCAL_KEY)
        knowledge = self.get_faq().knowledge
        return self._show(texts.start(knowledge), topic_rows(knowledge))

    def _command(self, name: str) -> str:
        from adapters.telegram import texts

        knowledge = self.get_faq().knowledge
        if name == "start":
            return self._start()
        if name == "topics":
            return self._show(texts.CHOOSE_TOPIC, topic_rows(knowledge))
        if name == "contact":
            return self._show(texts.contact(knowledge), ())
        if name == "help":
            return self._show(plain(texts.help_text(knowledge)), ())
        return self._show(texts.UNKNOWN_COMMAND, ())

    def _press(self, button: Button) -> str:
        from adapters.telegram import keyboards, texts

        knowledge = self.get_faq().knowledge
        if button.entry_id is not None:
            reply = self.conversations.reply_for_entry(LOCAL_KEY, button.entry_id)
            if reply is None:
                return self._show(texts.OUT_OF_DATE, topic_rows(knowledge))
            return self._show(reply.text, reply_rows(knowledge, reply))
        if button.topic is not None:
            if button.topic not in knowledge.topics():
                return self._show(texts.OUT_OF_DATE, topic_rows(knowledge))
            rows: Rows = tuple(
                (Button(entry.label, entry_id=entry.id),)
                for entry in knowledge.entries_in_topic(button.topic)
            )
            rows += ((Button(keyboards.ALL_TOPICS, all_topics=True),),)
            return self._show(plain(texts.topic_header(button.topic)), rows)
        if button.all_topics:
            return self._show(texts.CHOOSE_TOPIC, topic_rows(knowledge))
        if button.helpful is not None:
            # Telegram shows the thanks as a notice and removes the feedback row.
            thanks = texts.THANKS_HELPFUL if button.helpful else texts.THANKS_NOT_HELPFUL
            kept = tuple(r for r in self._rows if all(b.helpful is None for b in r))
            return self._show(f"({thanks})", kept)
        return self._show(self._handoff_preview(), ())

    def _handoff_preview(self) -> str:
        """What the clinic's staff chat would receive (the REPL sends nothing)."""
        lines = ["(Local test: nothing is sent. The clinic's staff chat would receive:)", ""]
        lines.append("A client asked to talk to the team. Their recent messages:")
        for exchange in self.conversations.history(LOCAL_KEY):
            lines.append(f"Client: {exchange.text}")
            lines.append(f"Bot: {exchange.reply.text.strip()}")
        lines.append("")
        lines.append("Reply to this message to answer the client.")
        return "\n".join(lines)

    def run(self, lines: Iterable[str] | None = None) -> None:
        """Read messages until end of input; with a terminal, offer line editing."""
        interactive = lines is None and sys.stdin.isatty()
        if interactive:
            with contextlib.suppress(ImportError):  # not on every platform
                import readline  # noqa: F401  (arrow keys and history for input())
            print(self.banner(), file=self.out)
        source = lines if lines is not None else (_read_lines() if interactive else sys.stdin)
        for line in source:
            output = self.handle(line)
            if output is None:
                break
            print(f"bot> {output}\n" if interactive else f"{output}\n", file=self.out, flush=True)


def _read_lines() -> Iterable[str]:
    """Lines typed at the prompt: Ctrl-C drops the line being typed, Ctrl-D ends."""
    while True:
        try:
            yield input(Repl.PROMPT)
        except KeyboardInterrupt:
            print("^C")  # the half-typed line is dropped; the REPL goes on
        except EOFError:
            print()
            return
