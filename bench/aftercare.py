"""Problems after treatment: how well ``faq.aftercare.assess`` sorts client messages.

The question set is YAML, a list of ``{q: message, expect: problem | urgent | ordinary}``
(or such a list under a ``questions:`` key), written by people who never saw the rules
or the knowledge file. Figures, each against the expected class:

* problem recall: problems that get the contact-us-now reply (PROBLEM or URGENT: both
  tell the client to contact the clinic);
* urgent recall: urgent messages that get the urgent-help-first reply;
* false alarms: ordinary messages treated as a problem or urgent;
* routine alone: problem and urgent messages whose reply would be the FAQ's routine
  answer alone (no concern recognised).

Two baselines, measured in the same run on the same messages:

* ``keywords``: any sign word at all (red, swollen, pain, itch, rash, pus, breathe...)
  makes a problem; breathing, throat, tongue, lips, faint or chest make it urgent;
* ``before``: the bot before this work, which recognised no concern at all (every
  message got the FAQ's answer): recall 0 and no false alarms by construction, so it
  is shown only as what the routine-alone figure was.

Usage::

    .venv/bin/python bench/aftercare.py                      # bench/data/dev/aftercare.yaml
    .venv/bin/python bench/aftercare.py --questions set.yaml --failures
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from faq.aftercare import Concern, assess  # noqa: E402
from faq.evaluation import load_questions  # noqa: E402
from faq.text import stem, tokenize  # noqa: E402

DEFAULT_QUESTIONS = REPO / "bench" / "data" / "dev" / "aftercare.yaml"
CLASSES = ("problem", "urgent", "ordinary")

_KEYWORD_SIGNS = frozenset(
    stem(w)
    for w in (
        "red redness swollen swelling swelling pain painful sore hurt hurts itchy itching "
        "peeling rash hives pus blister blisters fever infected infection weeping oozing "
        "hot burning bruising dark crusts scabs bleeding reaction"
    ).split()
)
_KEYWORD_URGENT = frozenset(
    stem(w) for w in "breathe breath breathing throat tongue lips lip faint fainted chest".split()
)


def keyword_baseline(text: str) -> Concern | None:
    """Any sign word makes a problem; an airway, fainting or chest word makes it urgent."""
    stems = {stem(w) for w in tokenize(text)}
    if stems & _KEYWORD_URGENT:
        return Concern.URGENT
    return Concern.PROBLEM if stems & _KEYWORD_SIGNS else None


@dataclass(frozen=True, slots=True)
class Labelled:
    """One message and the class its writer meant."""

    text: str
    expect: str


@dataclass(frozen=True, slots=True)
class Figures:
    """The figures of one system on one set (shares, 0–1) and the counts behind them."""

    problem_recall: float
    urgent_recall: float
    urgent_as_problem: float
    false_alarms: float
    routine_alone: float
    counts: dict[str, int]


def load_set(path: Path) -> list[Labelled]:
    """The labelled messages in ``path``; stops with a clear message on a bad file."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if isinstance(data, dict):
        data = data.get("questions") or data.get("items") or []
    items = []
    for number, item in enumerate(data or [], start=1):
        expect = str(item.get("expect", "")).strip().lower() if isinstance(item, dict) else ""
        text = item.get("q") if isinstance(item, dict) else None
        if expect not in CLASSES or not isinstance(text, str):
            raise SystemExit(
                f"{path}: item {number} needs 'q' and 'expect: problem|urgent|ordinary'"
            )
        items.append(Labelled(text, expect))
    return items


def _share(hits: int, total: int) -> float:
    return hits / total if total else 0.0


def measure(items: Sequence[Labelled], system: Callable[[str], Concern | None]) -> Figures:
    """Run ``system`` on every message and compute its figures."""
    got = [(item, system(item.text)) for item in items]
    by_class = {c: [g for i, g in got if i.expect == c] for c in CLASSES}
    problems, urgent, ordinary = by_class["problem"], by_class["urgent"], by_class["ordinary"]
    concerning = problems + urgent
    return Figures(
        problem_recall=_share(sum(g is not None for g in problems), len(problems)),
        urgent_recall=_share(sum(g is Concern.URGENT for g in urgent), len(urgent)),
        urgent_as_problem=_share(sum(g is Concern.PROBLEM for g in urgent), len(urgent)),
        false_alarms=_share(sum(g is not None for g in ordinary), len(ordinary)),
        routine_alone=_share(sum(g is None for g in concerning), len(concerning)),
        counts={c: len(v) for c, v in by_class.items()},
    )


def _row(name: str, f: Figures) -> str:
    return (
        f"{name:<10} {f.problem_recall:>8.1%} {f.urgent_recall:>8.1%} "
        f"{f.urgent_as_problem:>10.1%} {f.false_alarms:>8.1%} {f.routine_alone:>9.1%}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Print the figures of ``assess`` and its baselines on one labelled set."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=Path, default=DEFAULT_QUESTIONS)
    parser.add_argument("--failures", action="store_true", help="list every wrong message")
    args = parser.parse_args(argv)
    if not args.questions.exists():
        print(f"no question set at {args.questions}: pass --questions FILE", file=sys.stderr)
        return 2
    items = load_set(args.questions)
    ours = measure(items, assess)
    keywords = measure(items, keyword_baseline)
    before = measure(items, lambda _text: None)
    counts = ", ".join(f"{n} {c}" for c, n in ours.counts.items())
    print(f"{args.questions} ({counts})")
    print(f"{'system':<10} {'problem':>8} {'urgent':>8} {'urgent->pb':>10} {'false al':>8} "
          f"{'routine':>9}")  # fmt: skip
    print(_row("assess", ours))
    print(_row("keywords", keywords))
    print(_row("before", before))
    print(
        "problem = problems told to contact the clinic now (problem or urgent reply); "
        "urgent = urgent told to get help first;\nurgent->pb = urgent given only the "
        "problem reply; false al = ordinary treated as a concern; routine = problem and "
        "urgent messages given the routine answer alone."
    )
    clients_questions(args.failures)
    if args.failures:
        for item in items:
            result = assess(item.text)
            said = result.value if result is not None else "ordinary"
            if said != item.expect:
                print(f"  expected {item.expect:<8} got {said:<8} {item.text}")
    return 0


def clients_questions(show: bool) -> None:
    """How often prospective clients' questions (the single-message sets) would get the
    problem or urgent reply instead of their answer: false alarms where nobody was treated."""
    paths = sorted((REPO / "tests" / "eval").glob("*.yaml"))
    paths += sorted((REPO / "bench" / "data").glob("**/holdout*.yaml"))
    inside = outside = 0
    flagged: list[tuple[str, str]] = []
    flagged_in = 0
    for path in paths:
        for question in load_questions(path):
            concern = assess(question.text)
            inside += question.expect is not None
            outside += question.expect is None
            if concern is not None:
                flagged.append((concern.value, question.text))
                flagged_in += question.expect is not None
    print(
        f"clients' questions ({len(paths)} single-message sets) read as a concern: in scope "
        f"{flagged_in}/{inside} ({_share(flagged_in, inside):.1%}), out of scope "
        f'{len(flagged) - flagged_in}/{outside} (other health worries, "my child has a fever '
        'of 39": the urgent reply is safe there)'
    )
    if show:
        for concern, text in flagged:
            print(f"  {concern:<8} {text}")


if __name__ == "__main__":
    raise SystemExit(main())
