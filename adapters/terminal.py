"""The terminal adapter: the REPL and ``ask``, showing exactly what a client would get.

A reply is printed as its text followed by its buttons as numbered lines; in the REPL,
typing a button's number presses it, as tapping it would in Telegram.
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Callable, Iterable
from typing import TextIO

from faq.engine import FAQ
from faq.replies import Option, Reply

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


def reply_as_json(question: str, reply: Reply) -> str:
    """One JSON line for ``ask --json``."""
    return json.dumps(
        {
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
        },
        ensure_ascii=False,
    )


def ask(
    faq: FAQ, questions: Iterable[str], *, as_json: bool = False, out: TextIO | None = None
) -> int:
    """Answer each question (one per item); returns how many were answered."""
    out = out or sys.stdout
    count = 0
    for question in questions:
        question = question.rstrip("\n")
        if not question.strip():
            continue
        reply = faq.reply(question)
        if as_json:
            print(reply_as_json(question, reply), file=out)
        else:
            print(f"> {question}\n{render_reply(reply)}\n", file=out)
        count += 1
    return count


class Repl:
    """An interactive loop: a question in, the client's reply out."""

    PROMPT = "you> "

    def __init__(
        self, get_faq: FAQProvider, *, debug: bool = False, out: TextIO | None = None
    ) -> None:
        self.get_faq = get_faq
        self.debug = debug
        self._out = out
        self.last_options: tuple[Option, ...] = ()

    @property
    def out(self) -> TextIO:
        """Where replies go: the given stream, else the current standard output."""
        return self._out or sys.stdout

    def banner(self) -> str:
        faq = self.get_faq()
        return (
            f"{faq.knowledge.messages['welcome']}\n\n"
            "(Local test mode: type a question; a number presses a button; "
            "/debug toggles scores; /quit or Ctrl-D leaves.)"
        )

    def handle(self, line: str) -> str | None:
        """The output for one input line, or None to stop."""
        text = line.strip()
        if text in ("/quit", "/exit"):
            return None
        if text == "/debug":
            self.debug = not self.debug
            return f"(debug {'on' if self.debug else 'off'})"
        faq = self.get_faq()
        pressed = text.isdigit() and 1 <= int(text) <= len(self.last_options)
        if pressed:
            reply = faq.reply_for_entry(self.last_options[int(text) - 1].entry_id)
            if reply is None:
                return "That option is out of date; please ask your question again."
        else:
            reply = faq.reply(text)
        self.last_options = reply.options
        output = render_reply(reply)
        if self.debug and not pressed:
            output += "\n" + render_debug(faq, text, reply)
        return output

    def run(self, lines: Iterable[str] | None = None) -> None:
        """Read questions until end of input; with a terminal, offer line editing."""
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
    while True:
        try:
            yield input(Repl.PROMPT)
        except (EOFError, KeyboardInterrupt):
            print()
            return
