"""CLINC150 (Larson et al., EMNLP 2019): intent accuracy and out-of-scope detection.

Each of the 150 intents becomes one FAQ entry (built in memory with ``faq.Entry``)
whose alternate questions are the intent's training utterances; the real
``faq.Matcher`` indexes them and scores every test utterance. Nothing is trained:
the only fitted number is the fallback threshold, chosen on the validation split and
then applied unchanged to the test split.

Figures reported for every variant of the training data:

* raw top-1: in-scope test accuracy of the best-scoring entry, with no fallback;
* the paper's rule: the threshold that maximises 151-class accuracy on validation
  (150 intents + out-of-scope), then in-scope accuracy (right entry *and* above the
  threshold) and out-of-scope recall (below the threshold) on test;
* the balanced rule: the threshold that maximises in-scope accuracy + OOS recall on
  validation, reported the same way.

Variants: ``full`` (data_full.json, 100 utterances per intent), ``small``
(data_small.json, 50 per intent) and ``per10`` (the first 10 utterances of each
intent's list in data_full.json's train split, in file order: closer to a hand-written
FAQ). Validation and test splits are the same in all three.

Baselines, same protocol and same run: ``rapidfuzz.process.extractOne`` over all
training utterances with ``fuzz.WRatio`` and with ``fuzz.token_sort_ratio``, both with
``utils.default_process`` (the utterances are normalised once up front, which gives
the same scores as passing ``processor=`` on every call, only faster). They manage
~40 and ~110 queries/s at 15,000 utterances, so by default they see a fixed random
sample (seed 0) of ``--baseline-sample`` in-scope and as many out-of-scope queries
from each of validation and test; 151-class accuracy on such a sample combines its
in-scope accuracy and OOS recall in the full split's proportions, so the paper's rule
picks the threshold it would pick on the full split. The project's matcher is also
scored on that same sample, so the comparison holds exactly.

Queries/s are measured in this process, one query at a time (the matcher uses numpy
but no threads; pin the process with ``taskset -c 0`` for a strict one-core figure).

Usage::

    .venv/bin/python bench/clinc150.py                      # all three variants (~1-2 min)
    .venv/bin/python bench/clinc150.py --baseline-sample 0  # baselines on every query (slow)
    .venv/bin/python bench/clinc150.py --variants full --limit 200 --no-baselines
    .venv/bin/python bench/clinc150.py --examples 3         # show confused utterances

When the data file is absent the script says so, prints "skipped" and exits 0.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from rapidfuzz import fuzz, process, utils

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from faq import Entry, Matcher  # noqa: E402

DEFAULT_DATA = REPO.parent / "shared" / "benchmarks" / "clinc150" / "data_full.json"
VARIANTS = ("full", "small", "per10")
PER_INTENT_SUBSET = 10
OOS = -1
"""Label index of an out-of-scope query."""


# -- data -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Split:
    """Evaluation queries: in-scope utterances with their intent index, and OOS ones."""

    texts: list[str]
    labels: np.ndarray
    """Intent index per query; ``OOS`` for out-of-scope."""
    full_in_scope: int
    full_oos: int
    """Sizes of the whole split (for 151-class accuracy on a sample)."""

    @property
    def in_scope(self) -> np.ndarray:
        return self.labels != OOS


@dataclass(frozen=True, slots=True)
class Variant:
    """One training set: the intents' utterances as FAQ entries."""

    name: str
    entries: list[Entry]


def load_json(path: Path) -> dict[str, list[list[str]]]:
    """Read one CLINC150 data file."""
    with path.open(encoding="utf-8") as handle:
        data: dict[str, list[list[str]]] = json.load(handle)
    return data


def build_entries(
    train: Sequence[Sequence[str]], intents: Sequence[str], per_intent: int | None
) -> list[Entry]:
    """One entry per intent, its training utterances (in file order) as questions."""
    by_intent: dict[str, list[str]] = defaultdict(list)
    for text, intent in train:
        by_intent[intent].append(text)
    return [
        Entry(id=intent, questions=tuple(by_intent[intent][:per_intent]), answer=intent)
        for intent in intents
    ]


def make_split(
    in_scope: Sequence[Sequence[str]],
    oos: Sequence[Sequence[str]],
    index: dict[str, int],
    limit: int | None,
    sample: int | None = None,
    seed: int = 0,
) -> Split:
    """Queries of one split; ``limit`` takes the first N of each list, ``sample`` N at random."""
    in_list, oos_list = list(in_scope), list(oos)
    if sample:
        rng = random.Random(seed)
        in_list = rng.sample(in_list, min(sample, len(in_list)))
        oos_list = rng.sample(oos_list, min(sample, len(oos_list)))
    if limit:
        in_list, oos_list = in_list[:limit], oos_list[:limit]
    texts = [t for t, _ in in_list] + [t for t, _ in oos_list]
    labels = np.asarray([index[i] for _, i in in_list] + [OOS] * len(oos_list), dtype=np.int64)
    return Split(texts, labels, len(in_scope), len(oos))


# -- scoring ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Predictions:
    """For every query: the predicted intent index and its score (0–100)."""

    predicted: np.ndarray
    score: np.ndarray
    seconds: float

    @property
    def queries_per_second(self) -> float:
        return len(self.score) / self.seconds if self.seconds > 0 else float("inf")


Predictor = Callable[[str], tuple[int, float]]


def matcher_predictor(entries: Sequence[Entry]) -> Predictor:
    """The project's matcher: best entry by ``Matcher.scores`` (ties: first entry)."""
    matcher = Matcher(entries, {})

    def predict(text: str) -> tuple[int, float]:
        scores = matcher.scores(text)
        best = int(np.argmax(scores))
        return best, float(scores[best])

    return predict


def extract_one_predictor(entries: Sequence[Entry], scorer: Callable[..., float]) -> Predictor:
    """``process.extractOne`` over every utterance; the entry of the winning utterance."""
    choices: list[str] = []
    owner: list[int] = []
    for index, entry in enumerate(entries):
        for question in entry.questions:
            choices.append(utils.default_process(question))
            owner.append(index)

    def predict(text: str) -> tuple[int, float]:
        found = process.extractOne(
            utils.default_process(text), choices, scorer=scorer, processor=None
        )
        if found is None:
            return 0, 0.0
        return owner[found[2]], float(found[1])

    return predict


def predict_all(predict: Predictor, texts: Sequence[str]) -> Predictions:
    """Run every query once, timing the whole pass."""
    predicted = np.empty(len(texts), dtype=np.int64)
    score = np.empty(len(texts), dtype=np.float64)
    start = time.perf_counter()
    for i, text in enumerate(texts):
        predicted[i], score[i] = predict(text)
    return Predictions(predicted, score, time.perf_counter() - start)


# -- thresholds -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Operating:
    """Figures at one fallback threshold (answer when score >= threshold)."""

    threshold: float
    in_scope_accuracy: float
    oos_recall: float


def at_threshold(split: Split, pred: Predictions, threshold: float) -> Operating:
    """In-scope accuracy (right and answered) and OOS recall (fell back) at ``threshold``."""
    ins = split.in_scope
    answered = pred.score >= threshold
    right = (pred.predicted == split.labels) & answered
    in_acc = float(right[ins].mean()) if ins.any() else 0.0
    oos_rec = float((~answered[~ins]).mean()) if (~ins).any() else 0.0
    return Operating(threshold, in_acc, oos_rec)


def candidate_thresholds(scores: np.ndarray) -> np.ndarray:
    """Every distinct decision: below all scores, between each pair, above all."""
    values = np.unique(scores)
    if values.size == 0:
        return np.asarray([0.0])
    middle = (values[:-1] + values[1:]) / 2
    return np.concatenate([[values[0] - 1.0], middle, [values[-1] + 1.0]])


def choose_thresholds(split: Split, pred: Predictions) -> tuple[float, float]:
    """(paper's rule, balanced rule) thresholds on a validation split.

    Paper's rule: maximise 151-class accuracy, weighting in-scope accuracy and OOS
    recall by the full split's sizes (exact on the full split, unbiased on a sample).
    Balanced rule: maximise in-scope accuracy + OOS recall. Ties: the lowest threshold.
    """
    ins = split.in_scope
    right_scores = np.sort(pred.score[ins & (pred.predicted == split.labels)])
    oos_scores = np.sort(pred.score[~ins])
    thresholds = candidate_thresholds(pred.score)
    n_in, n_oos = max(1, int(ins.sum())), max(1, int((~ins).sum()))
    in_acc = (right_scores.size - np.searchsorted(right_scores, thresholds, "left")) / n_in
    oos_rec = np.searchsorted(oos_scores, thresholds, "left") / n_oos
    weight_in = split.full_in_scope / (split.full_in_scope + split.full_oos)
    paper = weight_in * in_acc + (1 - weight_in) * oos_rec
    balanced = in_acc + oos_rec
    return float(thresholds[int(np.argmax(paper))]), float(thresholds[int(np.argmax(balanced))])


@dataclass(frozen=True, slots=True)
class Result:
    """All figures of one matcher on one variant."""

    matcher: str
    variant: str
    phrasings: int
    raw_top1: float
    paper: Operating
    balanced: Operating
    queries_per_second: float
    evaluated_on: str


def evaluate(
    name: str, variant: Variant, predict: Predictor, val: Split, test: Split, evaluated_on: str
) -> tuple[Result, Predictions, Predictions]:
    """Choose thresholds on ``val``, report on ``test``; also the raw predictions."""
    val_pred = predict_all(predict, val.texts)
    test_pred = predict_all(predict, test.texts)
    paper_t, balanced_t = choose_thresholds(val, val_pred)
    ins = test.in_scope
    raw = float((test_pred.predicted == test.labels)[ins].mean()) if ins.any() else 0.0
    seconds = val_pred.seconds + test_pred.seconds
    qps = (len(val.texts) + len(test.texts)) / seconds if seconds > 0 else float("inf")
    phrasings = sum(len(e.questions) for e in variant.entries)
    result = Result(
        name,
        variant.name,
        phrasings,
        raw,
        at_threshold(test, test_pred, paper_t),
        at_threshold(test, test_pred, balanced_t),
        qps,
        evaluated_on,
    )
    return result, val_pred, test_pred


def threshold_for_recall(val: Split, pred: Predictions, target: float) -> float:
    """The lowest threshold at which at least ``target`` of validation OOS falls back."""
    oos = np.sort(pred.score[~val.in_scope])
    if oos.size == 0:
        return 0.0
    needed = max(1, int(np.ceil(target * oos.size - 1e-9)))
    return float(np.nextafter(oos[needed - 1], np.inf))


# -- reporting --------------------------------------------------------------------------


def pct(value: float) -> str:
    return f"{100 * value:.1f}"


def print_results(results: Sequence[Result]) -> None:
    """One markdown table for every matcher and variant."""
    print(
        "| variant | matcher | utterances | raw top-1 | paper's rule: threshold, "
        "in-scope / OOS recall | balanced rule: threshold, in-scope / OOS recall "
        "| queries/s | evaluated on |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for r in results:
        print(
            f"| {r.variant} | {r.matcher} | {r.phrasings:,} | {pct(r.raw_top1)} "
            f"| {r.paper.threshold:.1f}: {pct(r.paper.in_scope_accuracy)} / "
            f"{pct(r.paper.oos_recall)} "
            f"| {r.balanced.threshold:.1f}: {pct(r.balanced.in_scope_accuracy)} / "
            f"{pct(r.balanced.oos_recall)} "
            f"| {r.queries_per_second:,.0f} | {r.evaluated_on} |"
        )


def print_tradeoff(
    runs: Sequence[tuple[str, Predictions, Predictions]],
    val: Split,
    test: Split,
    targets: Sequence[float] = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9),
) -> None:
    """In-scope accuracy / OOS recall on test when the threshold is set on validation
    for a given OOS recall: the whole trade-off, not just the two rules' points."""
    print(
        "\nTrade-off of faq.Matcher: threshold set on validation for an OOS recall, "
        "then test in-scope accuracy / OOS recall:"
    )
    print("| OOS recall on validation | " + " | ".join(name for name, _, _ in runs) + " |")
    print("|---|" + "---|" * len(runs))
    for target in targets:
        cells = []
        for _, val_pred, test_pred in runs:
            op = at_threshold(test, test_pred, threshold_for_recall(val, val_pred, target))
            cells.append(f"{pct(op.in_scope_accuracy)} / {pct(op.oos_recall)}")
        print(f"| {pct(target)} | " + " | ".join(cells) + " |")


def print_confusions(
    intents: Sequence[str],
    test: Split,
    pred: Predictions,
    threshold: float,
    top: int,
    examples: int,
) -> None:
    """The intent pairs the matcher confuses most, the weakest intents, and OOS magnets."""
    ins = test.in_scope
    wrong = ins & (pred.predicted != test.labels)
    pairs = Counter(
        (intents[t], intents[p])
        for t, p in zip(test.labels[wrong], pred.predicted[wrong], strict=True)
    )
    per_intent = Counter(intents[t] for t in test.labels[ins])
    print(f"\nMost confused intent pairs (raw top-1 on test; {int(wrong.sum())} errors in all):")
    print("| true intent | predicted as | errors | of |")
    print("|---|---|---|---|")
    for (truth, guess), count in pairs.most_common(top):
        print(f"| {truth} | {guess} | {count} | {per_intent[truth]} |")
    if examples:
        for (truth, guess), _ in pairs.most_common(top):
            shown = [
                test.texts[i]
                for i in np.flatnonzero(wrong)
                if intents[test.labels[i]] == truth and intents[pred.predicted[i]] == guess
            ][:examples]
            for text in shown:
                print(f"  {truth} -> {guess}: {text!r}")

    errors_by_intent = Counter(intents[t] for t in test.labels[wrong])
    print("\nWeakest intents (raw top-1 on test):")
    print("| intent | accuracy | most often taken for |")
    print("|---|---|---|")
    for intent, count in errors_by_intent.most_common(top):
        taken = Counter(g for (t, g), c in pairs.items() if t == intent for _ in range(c))
        main = ", ".join(f"{g} ({c})" for g, c in taken.most_common(2))
        print(f"| {intent} | {pct(1 - count / per_intent[intent])} | {main} |")

    accepted = ~ins & (pred.score >= threshold)
    magnets = Counter(intents[p] for p in pred.predicted[accepted])
    print(
        f"\nIntents that attract out-of-scope queries at the paper's threshold "
        f"({threshold:.1f}; {int(accepted.sum())} of {int((~ins).sum())} OOS queries answered):"
    )
    print(", ".join(f"{name} ({count})" for name, count in magnets.most_common(top)) or "none")
    if examples:
        order = np.flatnonzero(accepted)
        order = order[np.argsort(-pred.score[order], kind="stable")][: examples * 3]
        for i in order:
            print(f"  OOS {pred.score[i]:.1f} -> {intents[pred.predicted[i]]}: {test.texts[i]!r}")


# -- main -------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="CLINC150 intent accuracy and out-of-scope detection of the FAQ matcher.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="data_full.json")
    parser.add_argument(
        "--small-data",
        type=Path,
        default=None,
        help="data_small.json (default: beside --data)",
    )
    parser.add_argument(
        "--variants",
        default=",".join(VARIANTS),
        help="comma-separated subset of: " + ", ".join(VARIANTS),
    )
    parser.add_argument(
        "--limit", type=int, default=None, help="only the first N queries of each split list"
    )
    parser.add_argument(
        "--baseline-sample",
        type=int,
        default=500,
        help="baselines (and a second matcher row) on a fixed random sample of N in-scope "
        "+ N out-of-scope queries per split; 0 = every query",
    )
    parser.add_argument("--no-baselines", action="store_true", help="skip the rapidfuzz rows")
    parser.add_argument("--top", type=int, default=15, help="confusion pairs to list")
    parser.add_argument(
        "--examples", type=int, default=0, help="example utterances per confusion pair"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; returns the exit status."""
    args = parse_args(argv)
    data_path: Path = args.data
    if not data_path.is_file():
        print(f"CLINC150 data not found at {data_path} (pass --data PATH/data_full.json).")
        print("skipped")
        return 0
    variants = [v.strip() for v in args.variants.split(",") if v.strip()]
    unknown = sorted(set(variants) - set(VARIANTS))
    if unknown:
        print(f"unknown variant(s): {', '.join(unknown)}; choose from {', '.join(VARIANTS)}")
        return 2

    full = load_json(data_path)
    intents = sorted({intent for _, intent in full["train"]})
    index = {intent: i for i, intent in enumerate(intents)}
    val = make_split(full["val"], full["oos_val"], index, args.limit)
    test = make_split(full["test"], full["oos_test"], index, args.limit)
    sample_n = args.baseline_sample or None
    base_val = make_split(full["val"], full["oos_val"], index, args.limit, sample_n, seed=0)
    base_test = make_split(full["test"], full["oos_test"], index, args.limit, sample_n, seed=1)
    on_all = "all queries"
    on_sample = (
        f"sample: {len(base_test.texts):,} test + {len(base_val.texts):,} val queries"
        if sample_n
        else on_all
    )

    print(
        f"CLINC150 from {data_path}: {len(intents)} intents; "
        f"test {int(test.in_scope.sum())} in-scope + {int((~test.in_scope).sum())} OOS; "
        f"validation {int(val.in_scope.sum())} + {int((~val.in_scope).sum())}"
        + (f" (--limit {args.limit})" if args.limit else "")
    )
    if sample_n and not args.no_baselines:
        print(
            f"Baselines run on a fixed random sample (seed 0/1) of up to {sample_n} in-scope "
            f"and {sample_n} OOS queries per split; the matcher is shown on all queries and "
            "on the same sample."
        )
    print("Thresholds are chosen on validation only; all figures are on test, in %.\n")

    results: list[Result] = []
    confusion: tuple[Variant, Predictions, float] | None = None
    tradeoff: list[tuple[str, Predictions, Predictions]] = []
    for name in variants:
        if name == "small":
            small_path = args.small_data or data_path.with_name("data_small.json")
            if not small_path.is_file():
                print(f"data_small.json not found at {small_path}: small variant skipped")
                continue
            variant = Variant(name, build_entries(load_json(small_path)["train"], intents, None))
        else:
            per = PER_INTENT_SUBSET if name == "per10" else None
            variant = Variant(name, build_entries(full["train"], intents, per))
        ours = matcher_predictor(variant.entries)
        result, val_pred, test_pred = evaluate("faq.Matcher", variant, ours, val, test, on_all)
        results.append(result)
        tradeoff.append((variant.name, val_pred, test_pred))
        if confusion is None:
            confusion = (variant, test_pred, result.paper.threshold)
        if args.no_baselines:
            continue
        if sample_n:
            results.append(
                evaluate("faq.Matcher", variant, ours, base_val, base_test, on_sample)[0]
            )
        for label, scorer in (
            ("extractOne WRatio", fuzz.WRatio),
            ("token_sort_ratio", fuzz.token_sort_ratio),
        ):
            predictor = extract_one_predictor(variant.entries, scorer)
            results.append(evaluate(label, variant, predictor, base_val, base_test, on_sample)[0])

    print_results(results)
    if tradeoff:
        print_tradeoff(tradeoff, val, test)
    if confusion is not None:
        variant, test_pred, threshold = confusion
        print(f"\nConfusions of faq.Matcher on the {variant.name} variant:")
        print_confusions(intents, test, test_pred, threshold, args.top, args.examples)
    return 0


if __name__ == "__main__":
    sys.exit(main())
