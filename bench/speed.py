"""Matching speed, scaling and start-up cost of the FAQ matcher, beside rapidfuzz.

Three parts, all in one run:

1. **Matching**: median and p99 time per question and questions/s for
   ``Matcher.rank(question, 5)`` (what ``FAQ.rank`` does for every message) on the
   shipped ``knowledge.yaml`` (questions: the dev and held-out sets) and on the CLINC150
   knowledge base (150 entries, the 15,000 training utterances; questions: a fixed
   random sample of CLINC150 test utterances, in-scope and out-of-scope), with the
   ratio against ``process.extractOne(q, phrasings, scorer=fuzz.WRatio,
   processor=utils.default_process)`` over the same phrasings. The index is rebuilt
   before each of the ``--repeat`` passes, so the matcher's typo-correction cache
   starts empty every time (a cold cache; a real bot is faster on repeated words).
2. **Scaling**: the same for 1,000, 15,000 and 60,000 phrasings over CLINC150's 150
   entries. 1,000 = the first 1,000 utterances taken round-robin over the intents
   (6–7 per intent); 15,000 = all training utterances; 60,000 = each utterance plus
   three cheap deterministic variations: a lead-in ("hey", "quick question", "i was
   wondering", "can you tell me", "please", chosen by position), the utterance with one
   word dropped (the word at position i mod length), and the utterance with two
   adjacent letters swapped in its longest word (a typo, which also grows the
   vocabulary as real staff-written text would). Identical variants are indexed once,
   so the table shows the distinct phrasings actually indexed.
3. **Start-up**: each knowledge base is loaded in a fresh Python process (so its peak
   RSS means something): import time, load time (``load_knowledge``; for CLINC150 a
   temporary knowledge.yaml with 150 entries and 15,000 questions is written first,
   so the project's own loader and validator run), index time (``FAQ(knowledge)``),
   the first question, RSS after the imports and peak RSS (``VmHWM`` in /proc: Linux).

The process pins itself to one CPU core (``os.sched_setaffinity``) when it can.

Usage::

    .venv/bin/python bench/speed.py                        # everything (~1 min)
    .venv/bin/python bench/speed.py --skip-scaling --skip-startup
    .venv/bin/python bench/speed.py --queries 300 --baseline-queries 20 --scales 1000
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml
from rapidfuzz import fuzz, process, utils

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from faq import Entry, Matcher, load_knowledge  # noqa: E402
from faq.evaluation import load_questions  # noqa: E402

DEFAULT_KNOWLEDGE = REPO / "knowledge.yaml"
DEFAULT_DATA = REPO.parent / "shared" / "benchmarks" / "clinc150" / "data_full.json"
QUESTION_SETS = (
    REPO / "tests" / "eval" / "questions.yaml",
    REPO / "bench" / "data" / "holdout_questions.yaml",
)
LEADS = ("hey", "quick question", "i was wondering", "can you tell me", "please")


# -- knowledge bases --------------------------------------------------------------------


def clinc_by_intent(data: dict[str, list[list[str]]]) -> dict[str, list[str]]:
    """Training utterances per intent, in file order, intents sorted."""
    by_intent: dict[str, list[str]] = defaultdict(list)
    for text, intent in data["train"]:
        by_intent[intent].append(text)
    return dict(sorted(by_intent.items()))


def round_robin(by_intent: dict[str, list[str]], total: int) -> list[Entry]:
    """The first ``total`` utterances taken one per intent in turn, as entries."""
    taken: dict[str, list[str]] = {intent: [] for intent in by_intent}
    count = 0
    depth = max(len(v) for v in by_intent.values())
    for j in range(depth):
        for intent, texts in by_intent.items():
            if count >= total:
                break
            if j < len(texts):
                taken[intent].append(texts[j])
                count += 1
    return [entry(intent, texts) for intent, texts in taken.items() if texts]


def variations(text: str, position: int) -> list[str]:
    """Three cheap, deterministic variants of an utterance (see the module docstring)."""
    words = text.split()
    lead = f"{LEADS[position % len(LEADS)]} {text}"
    dropped = " ".join(w for k, w in enumerate(words) if k != position % len(words))
    if len(words) < 3:
        dropped = f"{text} please"
    longest = max(range(len(words)), key=lambda k: len(words[k]))
    word = words[longest]
    if len(word) >= 4:
        cut = 1 + position % (len(word) - 2)
        word = word[:cut] + word[cut + 1] + word[cut] + word[cut + 2 :]
    typo = " ".join(word if k == longest else w for k, w in enumerate(words))
    return [lead, dropped, typo]


def with_variations(by_intent: dict[str, list[str]]) -> list[Entry]:
    """Every utterance plus its three variations (about 60,000 phrasings for CLINC150)."""
    entries = []
    position = 0
    for intent, texts in by_intent.items():
        questions: list[str] = []
        for text in texts:
            questions.append(text)
            questions.extend(variations(text, position))
            position += 1
        entries.append(entry(intent, questions))
    return entries


def entry(intent: str, questions: Sequence[str]) -> Entry:
    """One in-memory FAQ entry."""
    return Entry(id=intent, questions=tuple(questions), answer=intent, topic="CLINC150")


def clinc_queries(data: dict[str, list[list[str]]], count: int) -> list[str]:
    """A fixed random sample (seed 0) of test utterances, in-scope and out-of-scope."""
    pool = [t for t, _ in data["test"]] + [t for t, _ in data["oos_test"]]
    return random.Random(0).sample(pool, min(count, len(pool)))


# -- timing -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Timing:
    """Per-question times in seconds, and the total wall time of the passes."""

    times: np.ndarray
    total: float

    @property
    def median_us(self) -> float:
        return float(np.median(self.times)) * 1e6

    @property
    def p99_us(self) -> float:
        return float(np.percentile(self.times, 99)) * 1e6

    @property
    def per_second(self) -> float:
        return len(self.times) / self.total if self.total > 0 else float("inf")


def time_calls(call: Callable[[str], object], queries: Sequence[str]) -> Timing:
    """Time each call; gc runs before the pass, not during it."""
    gc.collect()
    gc.disable()
    try:
        times = np.empty(len(queries))
        start = time.perf_counter()
        for i, query in enumerate(queries):
            t0 = time.perf_counter()
            call(query)
            times[i] = time.perf_counter() - t0
        total = time.perf_counter() - start
    finally:
        gc.enable()
    return Timing(times, total)


def time_matcher(
    entries: Sequence[Entry],
    synonyms: dict[str, tuple[str, ...]],
    queries: Sequence[str],
    repeat: int,
) -> tuple[Timing, int, float]:
    """Matcher timing over ``repeat`` cold passes; also phrasing count and build time."""
    timings = []
    builds = []
    matcher: Matcher | None = None
    for _ in range(max(1, repeat)):
        t0 = time.perf_counter()
        matcher = Matcher(entries, synonyms)
        builds.append(time.perf_counter() - t0)
        timings.append(time_calls(lambda q, m=matcher: m.rank(q, 5), queries))
    assert matcher is not None
    pooled = Timing(np.concatenate([t.times for t in timings]), sum(t.total for t in timings))
    return pooled, matcher.phrasing_count, float(np.median(builds))


def time_baseline(entries: Sequence[Entry], queries: Sequence[str]) -> Timing:
    """``extractOne`` WRatio with ``default_process`` over every phrasing, as documented."""
    phrasings = [q for e in entries for q in e.questions]
    return time_calls(
        lambda q: process.extractOne(
            q, phrasings, scorer=fuzz.WRatio, processor=utils.default_process
        ),
        queries,
    )


# -- start-up (child process) -----------------------------------------------------------


STARTUP_CHILD = """
import json, sys, time
t0 = time.perf_counter()
from faq import FAQ, load_knowledge
t1 = time.perf_counter()
def status(key):
    # VmHWM (peak RSS) belongs to this process image: unlike ru_maxrss, it does not
    # inherit the parent's peak across fork + exec.
    for line in open("/proc/self/status"):
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0
rss = status("VmRSS")
knowledge = load_knowledge(sys.argv[1])
t2 = time.perf_counter()
bot = FAQ(knowledge)
t3 = time.perf_counter()
bot.reply("how long does it take?")
t4 = time.perf_counter()
print(json.dumps({
    "import_s": t1 - t0, "load_s": t2 - t1, "index_s": t3 - t2, "first_reply_s": t4 - t3,
    "rss_after_imports_kib": rss,
    "peak_rss_kib": status("VmHWM"),
    "entries": len(knowledge.entries), "phrasings": bot.matcher.phrasing_count,
}))
"""
"""Runs in a fresh interpreter: import, load, index, first reply; prints JSON (Linux)."""


def startup(path: Path) -> dict[str, float]:
    """Run ``STARTUP_CHILD`` in a fresh interpreter and read its figures."""
    out = subprocess.run(
        [sys.executable, "-c", STARTUP_CHILD, str(path)],
        check=True,
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    figures: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return figures


def write_clinc_knowledge(by_intent: dict[str, list[str]], directory: Path) -> Path:
    """A knowledge.yaml with one entry per CLINC150 intent, for the loader to read."""
    data = {
        "clinic": {"name": "CLINC150", "phone": "000", "email": "clinc@example.org"},
        "entries": [
            {"id": intent, "topic": "CLINC150", "questions": texts, "answer": f"({intent})"}
            for intent, texts in by_intent.items()
        ],
    }
    path = directory / "clinc150_knowledge.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


# -- main -------------------------------------------------------------------------------


def pin_one_core() -> tuple[str, set[int] | None]:
    """Pin this process to one CPU; returns a note and the CPUs to restore afterwards."""
    if not hasattr(os, "sched_setaffinity"):
        return "not pinned (no sched_setaffinity)", None
    allowed = os.sched_getaffinity(0)
    cpu = min(allowed)
    os.sched_setaffinity(0, {cpu})
    return f"pinned to CPU {cpu}", allowed


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Speed, scaling and start-up cost of the FAQ matcher.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--knowledge", type=Path, default=DEFAULT_KNOWLEDGE)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="CLINC150 data_full.json")
    parser.add_argument("--queries", type=int, default=2000, help="CLINC150 test queries to time")
    parser.add_argument(
        "--baseline-queries", type=int, default=100, help="queries to time the baseline on"
    )
    parser.add_argument("--repeat", type=int, default=3, help="cold passes per measurement")
    parser.add_argument(
        "--scales", default="1000,15000,60000", help="phrasing counts for the scaling table"
    )
    parser.add_argument("--skip-scaling", action="store_true")
    parser.add_argument("--skip-startup", action="store_true")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; returns the exit status."""
    args = parse_args(argv)
    note, allowed = pin_one_core()
    print(f"Python {sys.version.split()[0]}, {note}; times are per question.\n")
    try:
        run(args)
    finally:
        if allowed is not None:
            os.sched_setaffinity(0, allowed)
    return 0


def run(args: argparse.Namespace) -> None:
    """The three parts of the benchmark."""

    knowledge = load_knowledge(args.knowledge)
    shipped_queries = [
        q.text for path in QUESTION_SETS if path.is_file() for q in load_questions(path)
    ]
    have_clinc = args.data.is_file()
    data = json.loads(args.data.read_text(encoding="utf-8")) if have_clinc else None
    by_intent = clinc_by_intent(data) if data else {}

    bases: list[tuple[str, list[Entry], dict[str, tuple[str, ...]], list[str]]] = [
        ("knowledge.yaml", list(knowledge.entries), dict(knowledge.synonyms), shipped_queries)
    ]
    queries = clinc_queries(data, args.queries) if data else []
    if data:
        bases.append(("CLINC150", round_robin(by_intent, 15_000), {}, queries))
    else:
        print(f"CLINC150 data not found at {args.data}: CLINC150 rows skipped.\n")

    print("Matching (Matcher.rank, cold typo cache; baseline: extractOne WRatio, same phrasings):")
    print(
        "| knowledge | phrasings | questions | median µs | p99 µs | questions/s "
        "| extractOne WRatio questions/s | ratio |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for name, entries, synonyms, qs in bases:
        timing, phrasings, _ = time_matcher(entries, synonyms, qs, args.repeat)
        base = time_baseline(entries, qs[: args.baseline_queries])
        print(
            f"| {name} | {phrasings:,} | {len(qs):,} × {args.repeat} | {timing.median_us:,.0f} "
            f"| {timing.p99_us:,.0f} | {timing.per_second:,.0f} | {base.per_second:,.1f} "
            f"| {timing.per_second / base.per_second:,.0f}× |"
        )

    if data and not args.skip_scaling:
        scales = [int(s) for s in args.scales.split(",") if s.strip()]
        print("\nScaling (150 CLINC150 entries; same questions at every size):")
        print(
            "| phrasings asked | indexed | index build s | median µs | p99 µs | questions/s "
            "| extractOne WRatio questions/s | ratio |"
        )
        print("|---|---|---|---|---|---|---|---|")
        for size in scales:
            entries = with_variations(by_intent) if size > 15_000 else round_robin(by_intent, size)
            timing, phrasings, build = time_matcher(entries, {}, queries, 1)
            base = time_baseline(entries, queries[: args.baseline_queries])
            print(
                f"| {size:,} | {phrasings:,} | {build:.2f} | {timing.median_us:,.0f} "
                f"| {timing.p99_us:,.0f} | {timing.per_second:,.0f} | {base.per_second:,.1f} "
                f"| {timing.per_second / base.per_second:,.0f}× |"
            )

    if not args.skip_startup:
        print("\nStart-up (fresh process each; load = load_knowledge, index = FAQ(knowledge)):")
        print(
            "| knowledge | entries | phrasings | import s | load s | index s | first reply ms "
            "| RSS after imports MiB | peak RSS MiB |"
        )
        print("|---|---|---|---|---|---|---|---|---|")
        with tempfile.TemporaryDirectory() as tmp:
            files = [("knowledge.yaml", args.knowledge)]
            if by_intent:
                files.append(("CLINC150", write_clinc_knowledge(by_intent, Path(tmp))))
            for name, path in files:
                f = startup(path)
                print(
                    f"| {name} | {f['entries']:,} | {f['phrasings']:,} | {f['import_s']:.2f} "
                    f"| {f['load_s']:.2f} | {f['index_s']:.2f} | {1000 * f['first_reply_s']:.1f} "
                    f"| {f['rss_after_imports_kib'] / 1024:.0f} | {f['peak_rss_kib'] / 1024:.0f} |"
                )


if __name__ == "__main__":
    sys.exit(main())
