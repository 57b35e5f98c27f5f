"""The bot's accuracy on the evaluation sets must not go down.

tests/eval/*.yaml hold client questions written the way people type, by helpers who never
saw knowledge.yaml, each with the entry that must answer it, or ``null`` when the bot
must fall back. The figures here are over all the sets together. ``bench/accuracy.py``
prints them per set, next to a plain baseline and to the held-out sets.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from faq import FAQ
from faq.evaluation import Evaluation, LabelledQuestion, Outcome, evaluate, load_questions

REPO = Path(__file__).resolve().parent.parent
QUESTION_SETS = sorted((REPO / "tests" / "eval").glob("*.yaml"))

# Ratchets: the figures of the committed matcher and knowledge.yaml, rounded DOWN to the
# whole percent (measured: 98.7% in-scope, 93.2% fallback, 94.8% kept from facts, after the
# not_covered items fitted to these very questions were removed: issue 9). Raise
# them as the matcher and knowledge.yaml improve; never lower one to make a change pass
# (a lower figure means the change made the bot worse for clients), unless the change
# trades it for a clearly larger gain elsewhere and says so in its commit message.
MIN_IN_SCOPE_ACCURACY = 0.98
"""In-scope questions answered directly with the expected entry."""
MIN_FALLBACK_RATE = 0.93
"""Out-of-scope questions that got the fallback."""
MIN_NO_FACT_RATE = 0.94
"""Out-of-scope questions answered with no microneedling fact (fallback or did-you-mean)."""


@pytest.fixture(scope="module")
def questions() -> list[LabelledQuestion]:
    return [q for path in QUESTION_SETS for q in load_questions(path)]


@pytest.fixture(scope="module")
def evaluation(questions: list[LabelledQuestion]) -> Evaluation:
    return evaluate(FAQ.from_file(REPO / "knowledge.yaml").reply, questions)


def describe(outcome: Outcome) -> str:
    got = outcome.kind.value + (f" -> {outcome.entry_id}" if outcome.entry_id else "")
    return (
        f"  {outcome.question.text!r}\n"
        f"      expected {outcome.question.expect or 'fallback'}, got {got} "
        f"(score {outcome.score:.1f}, top candidate {outcome.top_candidate})"
    )


def report(title: str, rate: float, floor: float, failures: list[Outcome]) -> str:
    lines = [f"{title}: {rate:.1%} is below the floor of {floor:.0%}.", "Failing questions:"]
    return "\n".join(lines + [describe(o) for o in failures])


def test_the_evaluation_set_is_big_enough(questions: list[LabelledQuestion]) -> None:
    in_scope = [q for q in questions if q.expect is not None]
    out_of_scope = [q for q in questions if q.expect is None]
    assert len(in_scope) >= 300
    assert len(out_of_scope) >= 100
    for path in QUESTION_SETS:  # two writers may well ask the same; one writer should not
        texts = [q.key for q in load_questions(path)]
        duplicates = sorted({t for t in texts if texts.count(t) > 1})
        assert not duplicates, f"{path.name}: questions listed twice: {duplicates}"


def test_every_expected_entry_exists(questions: list[LabelledQuestion]) -> None:
    knowledge = FAQ.from_file(REPO / "knowledge.yaml").knowledge
    unknown = sorted({q.expect for q in questions if q.expect and not knowledge.entry(q.expect)})
    assert not unknown, f"tests/eval/ expects entries that do not exist: {unknown}"


def test_in_scope_accuracy_does_not_go_down(evaluation: Evaluation) -> None:
    rate = evaluation.in_scope_accuracy
    failures = [o for o in evaluation.in_scope if not o.correct]
    assert rate >= MIN_IN_SCOPE_ACCURACY, report(
        "In-scope accuracy", rate, MIN_IN_SCOPE_ACCURACY, failures
    )


def test_out_of_scope_fallback_rate_does_not_go_down(evaluation: Evaluation) -> None:
    rate = evaluation.fallback_rate
    failures = [o for o in evaluation.out_of_scope if not o.correct]
    assert rate >= MIN_FALLBACK_RATE, report(
        "Out-of-scope fallback rate", rate, MIN_FALLBACK_RATE, failures
    )


def test_out_of_scope_questions_never_get_a_fact(evaluation: Evaluation) -> None:
    rate = evaluation.no_fact_rate
    failures = [o for o in evaluation.out_of_scope if not o.states_no_fact]
    assert rate >= MIN_NO_FACT_RATE, report(
        "Out-of-scope questions kept from any fact", rate, MIN_NO_FACT_RATE, failures
    )
