"""Lexical matcher vs lexical + encoder (faq.fusion), same knowledge, same run.

Per question set (dev sets tests/eval/questions*.yaml and the held-out
bench/data/holdout*_questions.yaml) and for both matchers:

* right: in-scope questions answered with the right entry;
* first: in-scope questions whose best-ranked entry is the right one;
* OOS kept: out-of-scope questions kept from facts (fallback, "did you mean", small talk);
* conf. wrong: messages answered confidently with a wrong entry (in scope: another entry;
  out of scope: any entry).

Then the first-N curve (the knowledge cut to its first 5 / 10 / 20 / 40 questions per entry,
pooled over all sets) and the speed: ms per message and cold / warm start-up.

Usage::

    .venv/bin/python bench/fusion.py [--knowledge knowledge.yaml] [--curve] [--speed]
    .venv/bin/python bench/fusion.py --questions ../blind/test/new_set.yaml --curve
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from faq.config import load_core_config  # noqa: E402
from faq.engine import FAQ  # noqa: E402
from faq.evaluation import LabelledQuestion, evaluate, load_questions  # noqa: E402
from faq.fusion import EmbeddingCache  # noqa: E402
from faq.knowledge import Knowledge, load_knowledge  # noqa: E402
from faq.replies import ReplyKind  # noqa: E402
from faq.semantic import load_encoder  # noqa: E402


def question_sets(paths: list[Path] | None = None) -> dict[str, list[LabelledQuestion]]:
    """The sets in ``paths``, else every dev and held-out set, by file name."""
    if not paths:
        paths = sorted((REPO / "tests/eval").glob("questions*.yaml"))
        paths += sorted((REPO / "bench/data").glob("holdout*_questions.yaml"))
    return {p.stem: load_questions(p) for p in paths}


def figures(faq: FAQ, questions: list[LabelledQuestion]) -> tuple[int, int, int, int, int, int]:
    """right, first, in-scope total, OOS kept, OOS total, confidently wrong."""
    result = evaluate(faq.reply, questions)
    inside, outside = result.in_scope, result.out_of_scope
    right = sum(o.correct for o in inside)
    first = sum(o.top_candidate == o.question.expect for o in inside)
    kept = sum(o.states_no_fact for o in outside)
    wrong = sum(
        o.kind is ReplyKind.ANSWER and o.entry_id != o.question.expect for o in result.outcomes
    )
    return right, first, len(inside), kept, len(outside), wrong


def row(name: str, label: str, f: tuple[int, int, int, int, int, int]) -> str:
    right, first, n_in, kept, n_out, wrong = f
    pct = lambda a, b: 100.0 * a / max(1, b)  # noqa: E731
    return (
        f"{name:<22} {label:<8} right {pct(right, n_in):5.1f}%  first {pct(first, n_in):5.1f}%"
        f"  OOS kept {pct(kept, n_out):5.1f}%  conf. wrong {wrong:3d}/{n_in + n_out}"
    )


def cut(knowledge: Knowledge, n: int | None) -> Knowledge:
    """The knowledge with each entry cut to its first ``n`` questions."""
    if n is None:
        return knowledge
    entries = [dataclasses.replace(e, questions=e.questions[:n]) for e in knowledge.entries]
    return dataclasses.replace(knowledge, entries=tuple(entries))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--knowledge", type=Path, default=REPO / "knowledge.yaml")
    parser.add_argument(
        "--curve",
        type=int,
        nargs="*",
        metavar="N",
        help="also the first-N curve (default N: 5 10 20 40)",
    )
    parser.add_argument("--speed", action="store_true", help="also speed and start-up")
    parser.add_argument(
        "--questions", type=Path, nargs="+", help="these sets instead of the dev and held-out ones"
    )
    args = parser.parse_args()
    encoder, reason = load_encoder()
    if encoder is None:
        sys.exit(f"no encoder: {reason}")
    knowledge = load_knowledge(args.knowledge)
    cache = EmbeddingCache(encoder, load_core_config().cache_folder(REPO / "knowledge.yaml"))
    sets = question_sets(args.questions)
    pooled = [q for qs in sets.values() for q in qs]
    curve = [] if args.curve is None else args.curve or [5, 10, 20, 40]
    for n in [None, *curve]:
        k = cut(knowledge, n)
        lexical, fused = FAQ(k), FAQ(k, cache=cache)
        title = "all questions" if n is None else f"first {n} questions per entry"
        print(f"\n== {args.knowledge.name}, {title} ==")
        if n is None:
            for name, qs in sets.items():
                print(row(name, "lexical", figures(lexical, qs)))
                print(row(name, "fused", figures(fused, qs)))
        print(row("all sets", "lexical", figures(lexical, pooled)))
        print(row("all sets", "fused", figures(fused, pooled)))
    if args.speed:
        speed(knowledge, encoder, [q.text for q in pooled][:300])


def speed(knowledge: Knowledge, encoder: object, texts: list[str]) -> None:
    """ms per message (median, p99) and start-up, lexical vs fused."""
    from faq.semantic import Encoder

    assert isinstance(encoder, Encoder)
    print("\n== speed ==")
    t = time.perf_counter()
    lexical = FAQ(knowledge)
    lexical_start = time.perf_counter() - t
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        FAQ(knowledge, cache=EmbeddingCache(encoder, Path(tmp)))
        cold = time.perf_counter() - t
        t = time.perf_counter()
        fused = FAQ(knowledge, cache=EmbeddingCache(encoder, Path(tmp)))
        warm = time.perf_counter() - t
    for label, faq in (("lexical", lexical), ("fused", fused)):
        times = []
        for text in texts:
            t = time.perf_counter()
            faq.reply(text)
            times.append(1000 * (time.perf_counter() - t))
        times.sort()
        p99 = times[min(len(times) - 1, int(0.99 * len(times)))]
        share = ""
        if faq.fused is not None:
            ran = faq.fused.encoded / max(1, faq.fused.encoded + faq.fused.lexical_only)
            share = f"  encoder run on {ran:.0%} of messages"
        print(f"{label:<8} median {statistics.median(times):6.1f} ms  p99 {p99:6.1f} ms{share}")
    print(f"start-up: lexical {lexical_start:.2f} s, fused cold {cold:.1f} s, warm {warm:.2f} s")


if __name__ == "__main__":
    main()
