"""Accuracy of the FAQ bot on client questions, beside a plain rapidfuzz baseline.

Question sets (see ``faq.evaluation`` for the format), each written by someone who never
saw knowledge.yaml:

* dev sets, ``tests/eval/*.yaml``: the questions the project is tuned on (and whose
  figures ``tests/test_accuracy.py`` guards);
* held-out sets, ``bench/data/holdout*.yaml``: never used for tuning; measured only.

Each set gets its own rows, and each group a pooled row ("dev, all", "held-out, all").

Figures per set, for the bot (``FAQ.reply``: matcher plus the reply rules and the
thresholds of ``settings:``) and for the baseline:

* in-scope accuracy: in-scope questions answered directly with the right entry;
* top-1: in-scope questions whose best-ranked entry is the right one (ranking only,
  whatever the reply rules then do);
* OOS fallback: out-of-scope questions that get the fallback;
* OOS no fact: out-of-scope questions that get no microneedling fact (the fallback, a
  "did you mean" question, which states nothing, or small talk: "👍" -> "You're welcome!");
* in-scope did-you-mean: in-scope questions the bot asks back about instead of
  answering (the right entry is often among the offered buttons).

The baseline is ``rapidfuzz.process.extractOne(question, all_phrasings,
scorer=fuzz.WRatio, processor=utils.default_process)`` over every stored question of
every entry: it answers the entry of the winning phrasing when the score reaches a fixed
cut-off and falls back otherwise. The cut-off is the integer that is best for the
baseline on the dev set (maximum in-scope accuracy + OOS fallback rate; the lowest on a
tie), chosen in the same run and printed; ``--baseline-cutoff`` fixes it by hand. It has
no "did you mean", so its no-fact rate equals its fallback rate.

Usage::

    .venv/bin/python bench/accuracy.py
    .venv/bin/python bench/accuracy.py --failures          # list every failing question
    .venv/bin/python bench/accuracy.py --knowledge other.yaml --questions my_set.yaml
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz import fuzz, process, utils

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from faq import FAQ, Knowledge, ReplyKind, load_knowledge  # noqa: E402
from faq.evaluation import Evaluation, LabelledQuestion, evaluate, load_questions  # noqa: E402

DEFAULT_KNOWLEDGE = REPO / "knowledge.yaml"
DEV_SETS = sorted((REPO / "tests" / "eval").glob("*.yaml"))
HOLDOUT_SETS = sorted((REPO / "bench" / "data").glob("holdout*.yaml"))


@dataclass(frozen=True, slots=True)
class Figures:
    """The four accuracy figures of one system on one question set (shares, 0–1)."""

    in_scope_accuracy: float
    top1_accuracy: float
    fallback_rate: float
    no_fact_rate: float
    in_scope: int
    out_of_scope: int
    did_you_mean_rate: float | None = None
    """In-scope questions answered with a "did you mean" (None: the system has none)."""


@dataclass(frozen=True, slots=True)
class BaselineGuess:
    """What ``extractOne`` found for one question."""

    question: LabelledQuestion
    entry_id: str
    score: float
    phrasing: str


class Baseline:
    """``extractOne`` with WRatio over every phrasing, answering above a cut-off."""

    def __init__(self, knowledge: Knowledge) -> None:
        self.phrasings: list[str] = []
        self.owner: list[str] = []
        for entry in knowledge.entries:
            for question in entry.questions:
                self.phrasings.append(question)
                self.owner.append(entry.id)

    def guess(self, question: LabelledQuestion) -> BaselineGuess:
        """The best phrasing for a question, as the plain baseline finds it."""
        found = process.extractOne(
            question.text, self.phrasings, scorer=fuzz.WRatio, processor=utils.default_process
        )
        if found is None:
            return BaselineGuess(question, "", 0.0, "")
        _, score, index = found
        return BaselineGuess(question, self.owner[index], float(score), self.phrasings[index])


def baseline_figures(guesses: Sequence[BaselineGuess], cutoff: float) -> Figures:
    """The baseline's figures when it answers at or above ``cutoff``."""
    ins = [g for g in guesses if g.question.expect is not None]
    oos = [g for g in guesses if g.question.expect is None]
    right = sum(1 for g in ins if g.entry_id == g.question.expect and g.score >= cutoff)
    top1 = sum(1 for g in ins if g.entry_id == g.question.expect)
    fell_back = sum(1 for g in oos if g.score < cutoff)
    fallback = fell_back / len(oos) if oos else 0.0
    return Figures(
        right / len(ins) if ins else 0.0,
        top1 / len(ins) if ins else 0.0,
        fallback,
        fallback,
        len(ins),
        len(oos),
    )


def best_cutoff(guesses: Sequence[BaselineGuess]) -> int:
    """The integer cut-off maximising in-scope accuracy + fallback rate (lowest on ties)."""

    def merit(cutoff: int) -> float:
        figures = baseline_figures(guesses, cutoff)
        return figures.in_scope_accuracy + figures.fallback_rate

    return max(range(102), key=lambda c: (merit(c), -c))


def bot_figures(evaluation: Evaluation) -> Figures:
    """The bot's figures from a ``faq.evaluation`` run."""
    in_scope = evaluation.in_scope
    asked_back = sum(1 for o in in_scope if o.kind is ReplyKind.DID_YOU_MEAN)
    return Figures(
        evaluation.in_scope_accuracy,
        evaluation.top1_accuracy,
        evaluation.fallback_rate,
        evaluation.no_fact_rate,
        len(in_scope),
        len(evaluation.out_of_scope),
        asked_back / len(in_scope) if in_scope else 0.0,
    )


def pct(value: float) -> str:
    return f"{100 * value:.1f}"


def print_table(rows: Sequence[tuple[str, str, Figures]]) -> None:
    """The figures as a markdown table."""
    print(
        "| question set | system | in-scope accuracy | top-1 | in-scope did-you-mean "
        "| OOS fallback | OOS no fact | questions (in / out of scope) |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for name, system, f in rows:
        asked_back = "–" if f.did_you_mean_rate is None else pct(f.did_you_mean_rate)
        print(
            f"| {name} | {system} | {pct(f.in_scope_accuracy)} | {pct(f.top1_accuracy)} "
            f"| {asked_back} "
            f"| {pct(f.fallback_rate)} | {pct(f.no_fact_rate)} "
            f"| {f.in_scope} / {f.out_of_scope} |"
        )


def print_failures(name: str, evaluation: Evaluation, baseline: Sequence[BaselineGuess]) -> None:
    """Every question the bot gets wrong, with what it did and what the baseline did."""
    by_text = {g.question.text: g for g in baseline}
    failures = evaluation.failures
    print(f"\n{name}: {len(failures)} failing question(s)")
    for outcome in failures:
        q = outcome.question
        got = outcome.entry_id or "-"
        base = by_text.get(q.text)
        base_note = f"; baseline {base.entry_id} {base.score:.0f}" if base else ""
        print(
            f"  expect {q.expect or 'FALLBACK'}: got {outcome.kind.value} {got} "
            f"(score {outcome.score:.1f}, top {outcome.top_candidate or '-'}{base_note})"
            f"\n      {q.text!r}"
        )


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Accuracy of the FAQ bot and of a plain extractOne baseline.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--knowledge", type=Path, default=DEFAULT_KNOWLEDGE)
    parser.add_argument(
        "--dev",
        type=Path,
        action="append",
        help="dev question set (repeatable; default: tests/eval/*.yaml)",
    )
    parser.add_argument(
        "--holdout",
        type=Path,
        action="append",
        help="held-out question set (repeatable; default: bench/data/holdout*.yaml)",
    )
    parser.add_argument(
        "--questions",
        type=Path,
        action="append",
        default=[],
        help="further question set(s) to report (repeatable)",
    )
    parser.add_argument(
        "--baseline-cutoff",
        type=float,
        default=None,
        help="fix the baseline's cut-off (default: the best one on the dev set)",
    )
    parser.add_argument("--failures", action="store_true", help="list every failing question")
    parser.add_argument(
        "--limit", type=int, default=None, help="only the first N questions of each set (smoke)"
    )
    return parser.parse_args(argv)


@dataclass(frozen=True, slots=True)
class Run:
    """The bot's and the baseline's results on one question set (or a pool of sets)."""

    group: str
    name: str
    evaluation: Evaluation
    guesses: list[BaselineGuess]

    def keeping(self, name: str, keep: Callable[[LabelledQuestion], bool]) -> Run:
        """The same run over only the questions ``keep`` accepts."""
        outcomes = [o for o in self.evaluation.outcomes if keep(o.question)]
        guesses = [g for g in self.guesses if keep(g.question)]
        return Run(self.group, name, Evaluation(outcomes), guesses)


def pooled(group: str, name: str, runs: Sequence[Run]) -> Run:
    """Several runs counted as one: every question once."""
    outcomes = [o for run in runs for o in run.evaluation.outcomes]
    return Run(group, name, Evaluation(outcomes), [g for run in runs for g in run.guesses])


def group_rows(runs: Sequence[Run]) -> list[Run]:
    """Each set's run, then per group a pooled run and, for held-out groups, the pool
    over only the questions no dev set holds word for word (writers repeat each other)."""
    dev_questions = {
        o.question.key for r in runs if r.group == "dev" for o in r.evaluation.outcomes
    }
    rows: list[Run] = []
    for group in dict.fromkeys(run.group for run in runs):
        members = [run for run in runs if run.group == group]
        pool = pooled(group, f"**{group}, all**", members)
        rows += members
        if len(members) > 1:
            rows.append(pool)
        if group != "dev" and dev_questions:
            rows.append(
                pool.keeping(
                    f"**{group}, not in any dev set**",
                    lambda q: q.key not in dev_questions,
                )
            )
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; returns the exit status."""
    args = parse_args(argv)
    knowledge = load_knowledge(args.knowledge)
    bot = FAQ(knowledge)
    baseline = Baseline(knowledge)
    groups = [
        ("dev", args.dev or DEV_SETS),
        ("held-out", args.holdout or HOLDOUT_SETS),
        ("other", args.questions),
    ]
    runs: list[Run] = []
    for group, paths in groups:
        for path in paths:
            if not path.is_file():
                print(f"{group} set not found at {path}: skipped")
                continue
            questions = list(load_questions(path))[: args.limit]
            guesses = [baseline.guess(q) for q in questions]
            runs.append(
                Run(group, f"{group}: {path.name}", evaluate(bot.reply, questions), guesses)
            )
    if not runs:
        print("no question set found")
        return 1

    if args.baseline_cutoff is not None:
        cutoff: float = args.baseline_cutoff
        how = "set with --baseline-cutoff"
    else:
        dev = [g for run in runs if run.group == "dev" for g in run.guesses]
        cutoff = best_cutoff(dev or runs[0].guesses)
        how = "the best for the baseline on the dev sets: max in-scope accuracy + OOS fallback"

    print(
        f"Knowledge: {args.knowledge} ({len(knowledge.entries)} entries, "
        f"{bot.matcher.phrasing_count} phrasings); bot thresholds: answer "
        f"{knowledge.settings.answer_threshold:g}, suggest {knowledge.settings.suggest_threshold:g}"
    )
    print(
        f"Baseline: extractOne WRatio over {len(baseline.phrasings)} phrasings, "
        f"cut-off {cutoff:g} ({how})."
    )
    print("All figures in %.\n")
    rows: list[tuple[str, str, Figures]] = []
    for run in group_rows(runs):
        rows.append((run.name, "faq bot", bot_figures(run.evaluation)))
        rows.append(
            (run.name, f"extractOne WRatio >= {cutoff:g}", baseline_figures(run.guesses, cutoff))
        )
    print_table(rows)
    if args.failures:
        for run in runs:
            print_failures(run.name, run.evaluation, run.guesses)
    return 0


if __name__ == "__main__":
    sys.exit(main())
