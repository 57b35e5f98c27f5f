"""Follow-ups in context: how often each turn of a conversation gets the right reply.

A conversation set is YAML, a list of conversations (or such a list under a
``conversations:`` key)::

    - id: stretch-then-melasma
      turns:
        - q: can microneedling help stretch marks
          expect: stretch_marks
        - q: and for melasma?
          expect: pigmentation
          followup: true        # a follow-up turn: it needs the turn before
        - q: ok
          expect_ack: true      # an acknowledgement: a short reply with no fact

``expect`` is an entry id, a reply kind (``fallback``, ``did_you_mean``, ``problem``,
``urgent``, ``small_talk``), or a list of them (any one is right; a message asking two
things may list both entries). ``expect_ack`` turns are right when the reply is the
bot's own short reply (no entry, no fact, no "you're welcome" unless the client thanked).

Three systems answer every turn of the same conversations in the same run:

* ``before``: ``FAQ.reply`` on each message alone (the bot before conversations);
* ``alone``: ``Conversations`` with every turn from a new client (small talk, not
  covered, two answers, but no context);
* ``context``: ``Conversations`` with the turns in order, as a client would send them.

Figures: follow-up turns right (the bar of issue 10), the other turns right (context
must not spoil a message that stands alone), acknowledgements right, how often context
was used on a turn that is not a follow-up, and the time per turn.

Usage::

    .venv/bin/python bench/conversations.py              # bench/data/conversations_dev.yaml
    .venv/bin/python bench/conversations.py --conversations set.yaml --failures
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from faq import FAQ, Reply, ReplyKind  # noqa: E402
from faq.config import load_core_config  # noqa: E402
from faq.conversation import Conversations, Turn  # noqa: E402
from faq.fusion import EmbeddingCache, startup_cache  # noqa: E402
from faq.smalltalk import says_thanks  # noqa: E402

DEFAULT_KNOWLEDGE = REPO / "knowledge.yaml"
BLIND_DEV = REPO.parent / "blind" / "dev" / "conversations.yaml"
DEFAULT_SET = REPO / "bench" / "data" / "conversations_dev.yaml"
KINDS = {kind.value for kind in ReplyKind}


@dataclass(frozen=True, slots=True)
class Step:
    """One client message and what is right for it."""

    conversation: str
    number: int
    text: str
    expect: tuple[str, ...]
    followup: bool
    ack: bool


@dataclass(frozen=True, slots=True)
class Outcome:
    """How one system answered one step."""

    step: Step
    reply: Reply
    entries: tuple[str, ...]
    used_context: bool

    @property
    def right(self) -> bool:
        return is_right(self.step, self.reply, self.entries)


def load_conversations(path: Path) -> list[list[Step]]:
    """The conversations in ``path`` (ValueError naming the conversation on a mistake)."""
    data: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    if isinstance(data, dict):
        data = data.get("conversations")
    if not isinstance(data, list):
        raise ValueError(f"{path}: expected a list of conversations with 'turns:'")
    conversations = []
    for index, item in enumerate(data, start=1):
        name = str(item.get("id", index)) if isinstance(item, dict) else str(index)
        turns = item.get("turns") if isinstance(item, dict) else None
        if not isinstance(turns, list) or not turns:
            raise ValueError(f"{path}: conversation {name} has no 'turns:' list")
        steps = []
        for number, turn in enumerate(turns, start=1):
            if not isinstance(turn, dict) or not isinstance(turn.get("q"), str):
                raise ValueError(f"{path}: conversation {name}, turn {number} has no 'q:'")
            expect = turn.get("expect")
            items = expect if isinstance(expect, list) else [] if expect is None else [expect]
            expected = tuple(str(e) for e in items)
            ack = bool(turn.get("expect_ack", False))
            if "expect" not in turn and not ack:
                raise ValueError(f"{path}: conversation {name}, turn {number} has no 'expect:'")
            steps.append(
                Step(name, number, turn["q"], expected, bool(turn.get("followup", False)), ack)
            )
        conversations.append(steps)
    return conversations


def is_right(step: Step, reply: Reply, entries: tuple[str, ...]) -> bool:
    """Whether ``reply`` (answering ``entries``) is right for ``step``."""
    if step.ack and reply.kind is ReplyKind.SMALL_TALK:
        # A short reply of the bot's own; "you're welcome" only when the client thanked.
        return reply.entry_id is None or says_thanks(step.text)
    if not step.expect and not step.ack:  # expect: null, out of scope: no facts given
        return reply.kind is not ReplyKind.ANSWER
    answered = entries or ((reply.entry_id,) if reply.entry_id else ())
    for expected in step.expect:
        if expected in KINDS:
            if reply.kind.value == expected:
                return True
        elif expected in answered and reply.kind in (ReplyKind.ANSWER, ReplyKind.SMALL_TALK):
            return True
    return False


def run_before(faq: FAQ, conversations: Sequence[Sequence[Step]]) -> list[Outcome]:
    """``FAQ.reply`` on every message alone."""
    outcomes = []
    for steps in conversations:
        for step in steps:
            reply = faq.reply(step.text)
            entries = (reply.entry_id,) if reply.entry_id else ()
            outcomes.append(Outcome(step, reply, entries, False))
    return outcomes


def run_conversations(
    faq: FAQ, conversations: Sequence[Sequence[Step]], *, context: bool
) -> list[Outcome]:
    """``Conversations`` on every turn, in order (``context``) or each from a new client."""
    chats = Conversations(lambda: faq)
    outcomes = []
    key = 0
    for steps in conversations:
        key += 1
        for step in steps:
            if not context:
                key += 1
            turn: Turn = chats.turn(key, step.text)
            outcomes.append(Outcome(step, turn.reply, turn.entry_ids, turn.followup))
    return outcomes


def share(outcomes: Sequence[Outcome], keep: Callable[[Outcome], bool]) -> tuple[int, int]:
    chosen = [o for o in outcomes if keep(o)]
    return sum(o.right for o in chosen), len(chosen)


def percent(right: int, total: int) -> str:
    return f"{100 * right / total:5.1f}% ({right}/{total})" if total else "    -"


def timed(run: Callable[[], list[Outcome]]) -> tuple[list[Outcome], float]:
    started = time.perf_counter()
    outcomes = run()
    return outcomes, time.perf_counter() - started


def default_cache(knowledge: Path) -> EmbeddingCache | None:
    """The matcher the bot would use here: with the encoder unless FAQ_SEMANTIC=0."""
    return startup_cache(load_core_config(), knowledge)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--knowledge", type=Path, default=DEFAULT_KNOWLEDGE)
    parser.add_argument(
        "--conversations",
        type=Path,
        help=f"conversation set (default: {DEFAULT_SET.relative_to(REPO)}, copied from "
        f"{BLIND_DEV} when that exists)",
    )
    parser.add_argument("--failures", action="store_true", help="list every wrong turn")
    parser.add_argument(
        "--lexical", action="store_true", help="the lexical matcher only (no sentence encoder)"
    )
    parser.add_argument("--repeat", type=int, default=3, help="timing runs (best is shown)")
    args = parser.parse_args(argv)

    path = args.conversations
    if path is None:
        if BLIND_DEV.exists() and not DEFAULT_SET.exists():
            DEFAULT_SET.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(BLIND_DEV, DEFAULT_SET)
        path = DEFAULT_SET
    if not path.exists():
        print(f"No conversation set at {path}: nothing measured (pass --conversations FILE).")
        return 0
    conversations = load_conversations(path)
    faq = FAQ.from_file(
        args.knowledge, cache=None if args.lexical else default_cache(args.knowledge)
    )
    turns = sum(len(c) for c in conversations)

    systems: dict[str, list[Outcome]] = {}
    seconds: dict[str, float] = {}
    runs: dict[str, Callable[[], list[Outcome]]] = {
        "before": lambda: run_before(faq, conversations),
        "alone": lambda: run_conversations(faq, conversations, context=False),
        "context": lambda: run_conversations(faq, conversations, context=True),
    }
    for name, run in runs.items():
        best = float("inf")
        for _ in range(max(1, args.repeat)):
            if faq.fused is not None:
                faq.fused.clear_recent()  # every run embeds its messages afresh
            outcomes, took = timed(run)
            best = min(best, took)
        systems[name], seconds[name] = outcomes, best

    print(f"{path.name}: {len(conversations)} conversations, {turns} turns ({args.knowledge.name})")
    print(f"{'':32}{'before':>20}{'alone':>20}{'context':>20}")
    rows: list[tuple[str, Callable[[Outcome], bool]]] = [
        ("follow-up turns right", lambda o: o.step.followup),
        ("other turns right", lambda o: not o.step.followup and not o.step.ack),
        ("acknowledgements right", lambda o: o.step.ack),
        ("all turns right", lambda o: True),
    ]
    for label, keep in rows:
        cells = "".join(f"{percent(*share(systems[n], keep)):>20}" for n in runs)
        print(f"{label:32}{cells}")
    standalone = [o for o in systems["context"] if not o.step.followup]
    used = sum(o.used_context for o in standalone)
    print(f"{'context used on a non-follow-up':32}{'':40}{percent(used, len(standalone)):>20}")
    followups = [o for o in systems["context"] if o.step.followup]
    used_f = sum(o.used_context for o in followups)
    print(f"{'context used on a follow-up':32}{'':40}{percent(used_f, len(followups)):>20}")
    per_turn = {n: 1000 * seconds[n] / max(1, turns) for n in runs}
    cells = "".join(f"{per_turn[n]:>17.3f} ms" for n in runs)
    print(f"{'time per turn (best of runs)':32}{cells}")
    print(f"context adds {per_turn['context'] - per_turn['before']:.3f} ms per turn over before")

    if args.failures:
        print("\nWrong turns with context (conversation/turn: message -> reply; expected):")
        for outcome in systems["context"]:
            if outcome.right:
                continue
            step, reply = outcome.step, outcome.reply
            got = ",".join(outcome.entries) or reply.entry_id or reply.kind.value
            mark = "F" if step.followup else ("A" if step.ack else " ")
            used_mark = "+ctx" if outcome.used_context else ""
            print(
                f"  {mark} {step.conversation}/{step.number}: {step.text!r} -> {got} "
                f"{used_mark}; expected {'|'.join(step.expect) or 'ack'}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
