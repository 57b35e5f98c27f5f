"""Measuring the bot on a set of client questions with known right answers.

A question file is a YAML list of ``{q: "...", expect: entry_id}``; ``expect: null``
marks a question the bot must not answer (out of scope: it must fall back). The same
format serves the tests, ``bench/accuracy.py`` and ``python bot.py check --questions``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from faq.replies import Reply, ReplyKind


@dataclass(frozen=True, slots=True)
class LabelledQuestion:
    """A client question and the entry that must answer it (None: must fall back)."""

    text: str
    expect: str | None

    @property
    def key(self) -> str:
        """The question as two writers would both type it ("Does it hurt?" = "does it hurt?")."""
        return self.text.strip().lower()


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the bot did with one labelled question."""

    question: LabelledQuestion
    kind: ReplyKind
    entry_id: str | None
    score: float
    top_candidate: str | None

    @property
    def correct(self) -> bool:
        """In scope: answered with the expected entry. Out of scope: fell back."""
        if self.question.expect is None:
            return self.kind is ReplyKind.FALLBACK
        return self.entry_id == self.question.expect and self.kind in (
            ReplyKind.ANSWER,
            ReplyKind.SMALL_TALK,
        )

    @property
    def states_no_fact(self) -> bool:
        """Kept away from any microneedling fact: a fallback, a "did you mean" (it only
        asks), or small talk ("👍" -> "You're welcome!")."""
        return self.kind in (ReplyKind.FALLBACK, ReplyKind.DID_YOU_MEAN, ReplyKind.SMALL_TALK)


@dataclass(frozen=True, slots=True)
class Evaluation:
    """Accuracy figures over a question set."""

    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def in_scope(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.question.expect is not None]

    @property
    def out_of_scope(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.question.expect is None]

    @property
    def in_scope_accuracy(self) -> float:
        """Share of in-scope questions answered with the right entry."""
        return _share(self.in_scope, lambda o: o.correct)

    @property
    def top1_accuracy(self) -> float:
        """Share of in-scope questions whose best-ranked entry is the right one."""
        return _share(self.in_scope, lambda o: o.top_candidate == o.question.expect)

    @property
    def fallback_rate(self) -> float:
        """Share of out-of-scope questions that got the fallback."""
        return _share(self.out_of_scope, lambda o: o.correct)

    @property
    def no_fact_rate(self) -> float:
        """Share of out-of-scope questions answered with no entry (fallback or did-you-mean)."""
        return _share(self.out_of_scope, lambda o: o.states_no_fact)

    @property
    def failures(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.correct]


def _share(outcomes: Sequence[Outcome], ok: Callable[[Outcome], bool]) -> float:
    return sum(1 for o in outcomes if ok(o)) / len(outcomes) if outcomes else 0.0


def load_questions(path: str | Path) -> list[LabelledQuestion]:
    """Read a question file; raises ``ValueError`` naming the item on a malformed one."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or []
    if not isinstance(data, list):
        raise ValueError(f"{path}: expected a list of '- q: ...  expect: ...' items")
    questions = []
    for number, item in enumerate(data, start=1):
        if not isinstance(item, dict) or "q" not in item or "expect" not in item:
            raise ValueError(f"{path}: item {number} needs 'q' and 'expect' keys: {item!r}")
        expect = item["expect"]
        questions.append(LabelledQuestion(str(item["q"]), None if expect is None else str(expect)))
    return questions


def evaluate(reply: Callable[[str], Reply], questions: Sequence[LabelledQuestion]) -> Evaluation:
    """Run every question through ``reply`` and record what happened."""
    outcomes = []
    for question in questions:
        answer = reply(question.text)
        top = answer.candidates[0].entry_id if answer.candidates else None
        outcomes.append(Outcome(question, answer.kind, answer.entry_id, answer.score, top))
    return Evaluation(outcomes)
