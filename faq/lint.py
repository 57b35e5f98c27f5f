"""``bot.py check``: is an edited knowledge file sound before clients see it?

Two kinds of findings, each naming the file, the line and what to do:

* **errors** — the bot would not load the file (every problem the loader finds), or a
  client typing one of an entry's own questions gets *another* entry's answer;
* **warnings** — worth a look, but the bot works: an entry's own question that only
  gets "did you mean" or the fallback, near-identical questions in two entries, an
  entry with too few questions to be found reliably, an answer close to or over the
  length of one chat message (``max_answer_length``, which ``bot.py`` takes from the
  adapter), an entry listed as related to itself, clinic details that still hold the
  example values.

``check`` exits 1 when there are errors (2 when the file cannot be loaded at all) and
0 with warnings only, so it can guard a deployment or a CI job. With ``--questions`` it
also measures the bot on a labelled question set (the format of tests/eval/).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

import numpy as np
import yaml
from rapidfuzz import fuzz, process, utils

from faq.analysis import NOT_COVERED
from faq.articles import read_article
from faq.engine import FAQ
from faq.errors import KnowledgeError, Problem
from faq.evaluation import Evaluation, LabelledQuestion, evaluate, load_questions
from faq.grounding import check_grounding
from faq.knowledge import CLINIC_KEYS, Entry
from faq.replies import ReplyKind
from faq.yaml_lines import key_line, load_yaml_with_lines

MIN_QUESTIONS = 5
"""Fewer questions than this and clients' own wordings are often missed."""
MAX_QUESTIONS = 50
"""More questions than this in one entry: nobody can review them, and a big entry wins
messages that belong to a smaller neighbour."""
ANSWER_MARGIN = 600
"""An answer within this many characters of ``max_answer_length`` is worth a warning: the
clinic details its placeholders fill in may grow."""
NEAR_IDENTICAL = 90.0
"""Two questions whose normalised words agree this much (0–100) are near-identical."""
EXAMPLE_VALUE = re.compile(
    r"example|0000|555[- ]?01|x{3,}|lorem|ipsum|\btodo\b|\btbd\b|changeme|your clinic",
    re.IGNORECASE,
)


class Severity(StrEnum):
    """How serious a finding is: errors fail ``check``, warnings do not."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem found by ``check``, with its severity."""

    severity: Severity
    problem: Problem

    def __str__(self) -> str:
        return f"{self.severity.value.upper()}: {self.problem}"


@dataclass(slots=True)
class CheckResult:
    """Everything ``check`` found in one knowledge file."""

    path: Path
    findings: list[Finding] = field(default_factory=list)
    faq: FAQ | None = None
    """The loaded FAQ, or None when the file does not load."""

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is Severity.WARNING]

    def summary(self) -> str:
        """One line for the end of the output."""
        name = self.path.name
        if self.faq is None:
            return (
                f"{name}: {_count(len(self.errors), 'error')} — the bot cannot load this file; "
                "fix the lines above and run the check again."
            )
        entries = [e for e in self.faq.knowledge.entries if not e.small_talk]
        questions = sum(len(e.questions) for e in self.faq.knowledge.entries)
        size = f"{_count(len(entries), 'entry')}, {_count(questions, 'question')}"
        if not self.findings:
            return f"{name}: OK — {size}, no problems found."
        verdict = "NOT ready" if self.errors else "usable"
        return (
            f"{name}: {_count(len(self.errors), 'error')}, "
            f"{_count(len(self.warnings), 'warning')} ({size}) — {verdict}."
        )


def _count(n: int, word: str) -> str:
    plural = word[:-1] + "ies" if word.endswith("y") else word + "s"
    return f"{n} {word if n == 1 else plural}"


def check_knowledge(
    path: str | Path,
    sources: Sequence[str | Path] | None = None,
    *,
    max_answer_length: int | None = None,
) -> CheckResult:
    """Load and lint the knowledge file at ``path``; answers are checked against
    ``sources`` (default: the file's own ``sources:`` list) and, when given, against the
    ``max_answer_length`` of one message on the chat the bot runs on."""
    path = Path(path)
    result = CheckResult(path)
    try:
        faq = FAQ.from_file(path)
    except KnowledgeError as error:
        result.findings = [Finding(Severity.ERROR, p) for p in error.problems]
        return result
    result.faq = faq
    result.findings = [
        *(Finding(Severity.WARNING, p) for p in faq.knowledge.warnings),
        *check_routing(faq),
        *check_near_identical(faq),
        *check_entries(faq, max_answer_length),
        *check_not_covered(faq),
        *check_clinic(path),
        *check_sources(faq, faq.knowledge.sources if sources is None else sources),
    ]
    result.findings.sort(key=lambda f: (f.problem.line or 0, f.severity != Severity.ERROR))
    return result


def _quote(text: str, width: int = 60) -> str:
    text = " ".join(text.split())
    return f'"{text}"' if len(text) <= width else f'"{text[: width - 1]}…"'


def check_routing(faq: FAQ) -> Iterable[Finding]:
    """Each entry's own questions must get that entry's answer."""
    path = faq.knowledge.path
    for entry in faq.knowledge.entries:
        for question, line in zip(entry.questions, _lines(entry), strict=True):
            reply = faq.reply(question)
            if reply.entry_id == entry.id:
                continue
            top = ", ".join(f"{c.entry_id} {c.score:.0f}" for c in reply.candidates[:3])
            if reply.entry_id is not None:
                other = faq.knowledge.entry(reply.entry_id)
                other_line = f" (line {other.line})" if other and other.line else ""
                yield Finding(
                    Severity.ERROR,
                    Problem(
                        path,
                        line,
                        f"the question {_quote(question)} of entry '{entry.id}' is answered by "
                        f"entry '{reply.entry_id}'{other_line} (scores: {top}).",
                        f"reword this question with words only '{entry.id}' uses, remove it, "
                        f"or move it to '{reply.entry_id}' if that entry answers it.",
                    ),
                )
            elif reply.kind is ReplyKind.DID_YOU_MEAN:
                threshold = faq.knowledge.settings.answer_threshold
                if reply.score < threshold:
                    why = f"it scores {reply.score:.1f}, below answer_threshold ({threshold:g})"
                    fix = (
                        "clients asking exactly this are offered the entry as a button. To "
                        "answer directly, word it closer to the entry's other questions, or "
                        "lower answer_threshold a little."
                    )
                else:
                    why = "another entry scores almost as high"
                    fix = (
                        "the entries are too alike for this wording: make it more specific, "
                        "or accept that clients asking it will be offered a choice."
                    )
                yield Finding(
                    Severity.WARNING,
                    Problem(
                        path,
                        line,
                        f"the question {_quote(question)} of entry '{entry.id}' only gets "
                        f'"did you mean": {why} (scores: {top}).',
                        fix,
                    ),
                )
            else:
                yield Finding(
                    Severity.WARNING,
                    Problem(
                        path,
                        line,
                        f"the question {_quote(question)} of entry '{entry.id}' is not "
                        f"recognised: clients asking it get the fallback (scores: {top or '-'}).",
                        "reword it with the words clients use, or add a synonym.",
                    ),
                )


def _lines(entry: Entry) -> tuple[int | None, ...]:
    lines = tuple(entry.question_lines)
    if len(lines) != len(entry.questions):
        lines = (entry.line,) * len(entry.questions)
    return lines


SIMILAR_PAIRS_BLOCK = 256
"""Questions compared at a time: memory stays a block wide, not the square of the file."""


def _similar_pairs(texts: Sequence[str], cutoff: float) -> Iterator[tuple[int, int]]:
    """Index pairs ``(i, j)``, ``i < j``, whose token_sort_ratio is at least ``cutoff``.

    A ratio of ``cutoff`` needs lengths within ``(1 - cutoff/100) * (len_a + len_b)`` of
    each other, so after sorting by length each text is compared only with a window of
    texts of similar length, a block at a time: time and memory grow with the number of
    questions times the window, not with its square.
    """
    order = sorted(range(len(texts)), key=lambda k: len(texts[k]))
    lengths = [len(texts[k]) for k in order]
    slack = 1 - cutoff / 100
    for start in range(0, len(order), SIMILAR_PAIRS_BLOCK):
        rows = order[start : start + SIMILAR_PAIRS_BLOCK]
        longest = lengths[min(start + SIMILAR_PAIRS_BLOCK, len(order)) - 1]
        # len_b - len_a <= slack * (len_a + len_b)  <=>  len_b <= len_a * (1+slack)/(1-slack)
        limit = longest * (1 + slack) / (1 - slack) if slack < 1 else float("inf")
        stop = bisect.bisect_right(lengths, limit)
        columns = order[start:stop]
        scores = process.cdist(
            [texts[k] for k in rows],
            [texts[k] for k in columns],
            scorer=fuzz.token_sort_ratio,
            processor=None,
            score_cutoff=cutoff,
        )
        for r, c in zip(*np.nonzero(scores), strict=True):
            i, j = rows[int(r)], columns[int(c)]
            if int(r) < int(c):  # each pair once, never a text with itself
                yield (i, j) if i < j else (j, i)


def check_near_identical(faq: FAQ, cutoff: float = NEAR_IDENTICAL) -> Iterable[Finding]:
    """Near-identical questions in two different entries (each pair named once)."""
    path = faq.knowledge.path
    items: list[tuple[Entry, str, int | None, str]] = []
    for entry in faq.knowledge.entries:
        for question, line in zip(entry.questions, _lines(entry), strict=True):
            normal = utils.default_process(question)
            if normal:
                items.append((entry, question, line, normal))
    if len(items) < 2:
        return
    for i, j in sorted(_similar_pairs([normal for *_, normal in items], cutoff)):
        first, second = items[i], items[j]
        if first[0].id == second[0].id:
            continue
        same = "identical" if first[3] == second[3] else "nearly identical"
        yield Finding(
            Severity.WARNING,
            Problem(
                path,
                second[2],
                f"{_quote(second[1])} (entry '{second[0].id}', line {second[2]}) and "
                f"{_quote(first[1])} (entry '{first[0].id}', line {first[2]}) are {same}.",
                "keep the question in the entry that answers it, and remove or reword the "
                "other: the bot cannot tell the two entries apart on it.",
            ),
        )


def check_entries(faq: FAQ, max_answer_length: int | None = None) -> Iterable[Finding]:
    """Per entry: enough questions, an answer well under ``max_answer_length`` (if
    given), sensible related."""
    path = faq.knowledge.path
    for entry in faq.knowledge.entries:
        if not entry.small_talk and len(entry.questions) < MIN_QUESTIONS:
            yield Finding(
                Severity.WARNING,
                Problem(
                    path,
                    entry.line,
                    f"entry '{entry.id}' has only {_count(len(entry.questions), 'question')}; "
                    f"with fewer than {MIN_QUESTIONS} clients' own wordings are often missed.",
                    "add the ways clients really ask it (aim for 6–12).",
                ),
            )
        if len(entry.questions) > MAX_QUESTIONS:
            yield Finding(
                Severity.WARNING,
                Problem(
                    path,
                    entry.line,
                    f"entry '{entry.id}' has {len(entry.questions)} questions; over "
                    f"{MAX_QUESTIONS} nobody can review them, and a big entry wins messages "
                    "meant for a smaller one.",
                    "keep the questions clients really ask (40 at most), merge the ones "
                    "that say the same thing, and move any about another subject to its entry.",
                ),
            )
        length = len(entry.answer)
        if max_answer_length is not None and length > max_answer_length - ANSWER_MARGIN:
            outcome = (
                "clinic details that grow may not fit"
                if length <= max_answer_length
                else "clients get it in several messages"
            )
            yield Finding(
                Severity.WARNING,
                Problem(
                    path,
                    entry.line,
                    f"the answer of entry '{entry.id}' is {length} characters; one message "
                    f"holds {max_answer_length}, so {outcome}.",
                    "shorten it, or split it into two entries linked with 'related'.",
                ),
            )
        if entry.id in entry.related:
            yield Finding(
                Severity.WARNING,
                Problem(
                    path,
                    entry.line,
                    f"entry '{entry.id}' lists itself under 'related'.",
                    "remove its own id from 'related'.",
                ),
            )


def check_not_covered(faq: FAQ) -> Iterable[Finding]:
    """A stored question that names a subject listed under ``not_covered``."""
    analyzer = faq.matcher.analyzer
    for entry in faq.knowledge.entries:
        for question, line in zip(entry.questions, _lines(entry), strict=False):
            if NOT_COVERED in analyzer.phrasing_terms(question):
                yield Finding(
                    Severity.WARNING,
                    Problem(
                        faq.knowledge.path,
                        line or entry.line,
                        f"the question {_quote(question)} of entry '{entry.id}' names a "
                        "subject listed under 'not_covered:', so it counts against the entry.",
                        "reword the question, or take the word out of 'not_covered:'.",
                    ),
                )


def check_clinic(path: Path) -> Iterable[Finding]:
    """Clinic details that still hold example values ("example", "0000" ...)."""
    try:
        data = load_yaml_with_lines(path.read_text(encoding="utf-8"))
    except Exception:  # the loader already accepted the file; be safe anyway
        return
    clinic = data.get("clinic") if isinstance(data, dict) else None
    if not isinstance(clinic, dict):
        return
    for key in CLINIC_KEYS:
        value = clinic.get(key)
        if value is None:
            continue
        match = EXAMPLE_VALUE.search(str(value))
        if match:
            yield Finding(
                Severity.WARNING,
                Problem(
                    path,
                    key_line(clinic, key),
                    f"the clinic's {key} still looks like an example value: "
                    f"{_quote(str(value))} (contains '{match.group(0)}').",
                    "write the clinic's real details before clients use the bot.",
                ),
            )


def check_sources(faq: FAQ, sources: Sequence[str | Path]) -> Iterable[Finding]:
    """Answer sentences whose facts appear in none of the source articles."""
    knowledge = faq.knowledge
    articles = []
    for source in sources:
        try:
            articles.append(read_article(source))
        except (OSError, UnicodeDecodeError) as exc:
            reason = "is not UTF-8 text" if isinstance(exc, UnicodeDecodeError) else "not found"
            yield Finding(
                Severity.WARNING,
                Problem(
                    knowledge.path,
                    None,
                    f"the source article {source} {reason}, so answers were not checked "
                    "against it.",
                    "fix the path under 'sources:' (relative to this file), or save the "
                    "article as UTF-8 text.",
                ),
            )
    if not articles:
        return
    names = ", ".join(article.path.name for article in articles)
    for finding in check_grounding(knowledge, articles):
        facts = ", ".join(finding.facts)
        yield Finding(
            Severity.WARNING,
            Problem(
                knowledge.path,
                finding.line,
                f"entry '{finding.entry_id}' says {_quote(finding.sentence)}, but {facts} "
                f"appear{'s' if len(finding.facts) == 1 else ''} in no source article ({names}).",
                "state only what the article says, or, if this is the clinic's own "
                "information (prices, booking, opening hours), add 'source: clinic' to "
                "the entry.",
            ),
        )


def run_check(
    path: str | Path,
    questions: str | Path | None = None,
    sources: Sequence[str | Path] | None = None,
    *,
    max_answer_length: int | None = None,
) -> tuple[str, int]:
    """The whole ``check`` command: its output and exit status.

    Status 0: no errors (warnings allowed); 1: errors; 2: the knowledge file or the
    question file cannot be loaded.
    """
    result = check_knowledge(path, sources, max_answer_length=max_answer_length)
    parts = [str(finding) for finding in result.findings]
    status = 1 if result.errors else 0
    if result.faq is None:
        status = 2
    elif questions is not None:
        try:
            labelled = load_questions(questions)
        except (OSError, ValueError, yaml.YAMLError) as exc:
            parts.append(f"ERROR: cannot read the question file {questions}: {exc}")
            status = 2
        else:
            if parts:
                parts.append("")
            parts.append(format_evaluation(run_evaluation(result.faq, labelled), str(questions)))
    if parts:
        parts.append("")
    parts.append(result.summary())
    return "\n".join(parts), status


def format_evaluation(evaluation: Evaluation, source: str) -> str:
    """Accuracy on a labelled question set and every question the bot got wrong."""
    in_scope, out_scope = evaluation.in_scope, evaluation.out_of_scope
    lines = [
        f"Questions in {source}: {len(evaluation.outcomes)}.",
        f"  answered with the right entry: {evaluation.in_scope_accuracy:.1%} of {len(in_scope)}",
    ]
    if out_scope:
        lines.append(
            f"  out of scope and given the fallback: {evaluation.fallback_rate:.1%} of "
            f"{len(out_scope)} (kept from any fact: {evaluation.no_fact_rate:.1%})"
        )
    answered = (ReplyKind.ANSWER, ReplyKind.SMALL_TALK)
    wrong = [o for o in evaluation.outcomes if o.kind in answered and not o.correct]
    missed = [o for o in in_scope if o.kind not in answered]
    offered = [o for o in out_scope if o.kind is ReplyKind.DID_YOU_MEAN]
    if wrong:
        lines.append(f"\n{_count(len(wrong), 'question')} answered with a different entry:")
        lines += [
            f"  {_quote(o.question.text, 70)}\n"
            f"      expected {o.question.expect or '(fallback)'}, answered by {o.entry_id} "
            f"(score {o.score:.0f})"
            for o in wrong
        ]
    if missed:
        lines.append(f"\n{_count(len(missed), 'question')} with an entry but not answered:")
        lines += [
            f"  {_quote(o.question.text, 70)}\n"
            f"      expected {o.question.expect}, got "
            + (
                f'"did you mean" (best: {o.top_candidate}, score {o.score:.0f})'
                if o.kind is ReplyKind.DID_YOU_MEAN
                else f"the fallback (score {o.score:.0f})"
            )
            for o in missed
        ]
    if offered:
        lines.append(
            f'\n{_count(len(offered), "out-of-scope question")} got "did you mean" instead of '
            "the fallback (no wrong fact given)."
        )
    return "\n".join(lines)


def run_evaluation(faq: FAQ, questions: list[LabelledQuestion]) -> Evaluation:
    """Run a labelled question set through the bot."""
    return evaluate(faq.reply, questions)
