"""Reports for staff: what clients asked that the bot could not answer, and how it did.

``python bot.py report [--days N] [--csv]`` prints, for the period:

* the most frequent unanswered questions (fallbacks and "did you mean"), with
  near-identical ones counted together, and the entry each nearly matched — the first
  place to look for questions to add to ``knowledge.yaml``;
* the entries with the most "not helpful" votes — answers to reread;
* how often each entry was answered.

The same summaries, shorter, answer the Telegram admin commands ``/stats`` and
``/unanswered``. Grouping compares the questions' content words with rapidfuzz, so
"parking?", "Parking" and "is there parking" count as one question.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from rapidfuzz import fuzz, process, utils

from faq.config import CoreConfig
from faq.errors import KnowledgeError
from faq.replies import ReplyKind
from faq.text import STOPWORDS

if TYPE_CHECKING:
    from faq.store import ConversationStore, EntryCount, UnansweredQuestion

SIMILARITY_CUTOFF = 80.0
"""Two questions whose content words agree at least this much (0–100) are grouped."""


@dataclass(slots=True)
class QuestionGroup:
    """Near-identical unanswered questions counted together."""

    question: str
    """The most frequent wording (the most recent among equals)."""
    count: int = 0
    variants: Counter[str] = field(default_factory=Counter)
    near_entries: Counter[str] = field(default_factory=Counter)
    best_score: float = 0.0
    chosen: Counter[str] = field(default_factory=Counter)
    not_covered: str | None = None
    """The not_covered subject these questions are about ("botox"), if any."""

    @property
    def nearly_matched(self) -> str | None:
        """The entry these questions most often came closest to."""
        return self.near_entries.most_common(1)[0][0] if self.near_entries else None

    @property
    def other_wordings(self) -> list[str]:
        """The other wordings, most frequent first."""
        return [text for text, _ in self.variants.most_common() if text != self.question]


def content_words(question: str) -> str:
    """The question's words that carry meaning, normalised ("is there parking?" -> "parking").

    Questions made only of function words ("how are you") keep all their words.
    """
    normal = utils.default_process(question)
    content = [word for word in normal.split() if word not in STOPWORDS]
    return " ".join(content) if content else normal


def not_covered_subject(question: str, subjects: Sequence[str]) -> str | None:
    """The not_covered subject ``question`` names ("do you do botx" -> "botox"), if any."""
    words = utils.default_process(question).split()
    for subject in subjects:
        wanted = utils.default_process(subject).split()
        if not wanted:
            continue
        for start in range(len(words) - len(wanted) + 1):
            typed = " ".join(words[start : start + len(wanted)])
            # A typo ("botx") still names the subject; short subjects must match exactly.
            cutoff = 100.0 if len(subject) < 5 else 85.0
            if fuzz.ratio(typed, " ".join(wanted)) >= cutoff:
                return subject
    return None


def group_questions(
    questions: list[UnansweredQuestion],
    cutoff: float = SIMILARITY_CUTOFF,
    not_covered: Sequence[str] = (),
) -> list[QuestionGroup]:
    """Group near-identical questions; the biggest groups first (ties: alphabetical).

    Questions about a ``not_covered`` subject are grouped by that subject.
    """
    by_text: dict[str, list[UnansweredQuestion]] = {}
    for item in questions:
        key = content_words(item.question)
        if key:
            by_text.setdefault(key, []).append(item)
    # The most frequent exact wordings found the groups, so they name them.
    ordered = sorted(by_text.items(), key=lambda kv: -len(kv[1]))
    groups: list[QuestionGroup] = []
    keys: list[str] = []
    by_subject: dict[str, QuestionGroup] = {}
    for key, items in ordered:
        subject = not_covered_subject(items[0].question, not_covered)
        if subject is not None:
            group = by_subject.get(subject) or QuestionGroup(
                question=items[0].question.strip(), not_covered=subject
            )
            if subject not in by_subject:
                by_subject[subject] = group
                groups.append(group)
                keys.append("\0" + subject)  # never matched by a client's wording
            _add(group, items)
            continue
        match = process.extractOne(
            key, keys, scorer=fuzz.token_set_ratio, processor=None, score_cutoff=cutoff
        )
        if match is None:
            group = QuestionGroup(question=items[0].question.strip())
            groups.append(group)
            keys.append(key)
        else:
            group = groups[match[2]]
        _add(group, items)
    # Name each group by its most frequent wording.
    for group in groups:
        group.question = group.variants.most_common(1)[0][0]
    return sorted(groups, key=lambda g: (-g.count, g.question.casefold()))


def _add(group: QuestionGroup, items: list[UnansweredQuestion]) -> None:
    for item in items:
        group.count += 1
        group.variants[item.question.strip()] += 1
        if item.top_entry:
            group.near_entries[item.top_entry] += 1
            group.best_score = max(group.best_score, item.top_score)
        if item.chosen_entry:
            group.chosen[item.chosen_entry] += 1


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _clip(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _group_line(group: QuestionGroup) -> str:
    if group.not_covered is not None:
        return (
            f'{group.count:>3}×  "{_clip(group.question, 70)}"\n'
            f"      asked about {group.not_covered}, which the bot does not cover: nothing to add"
        )
    near = (
        f"nearest: {group.nearly_matched} ({group.best_score:.0f})" if group.nearly_matched else ""
    )
    chosen = ""
    if group.chosen:
        entry, n = group.chosen.most_common(1)[0]
        chosen = f"; then pressed {entry} ×{n}"
    similar = f" (+{group.count - group.variants[group.question]} similar)"
    if group.count == group.variants[group.question]:
        similar = ""
    return f'{group.count:>3}×  "{_clip(group.question, 70)}"{similar}\n      {near}{chosen}'


def summary_line(store: ConversationStore, days: int) -> str:
    """One line: questions, people and what kind of replies they got."""
    kinds = store.kind_counts(days)
    total = sum(kinds.values())
    if not total:
        return f"No questions in the last {_plural(days, 'day')}."
    people = store.people_count(days)
    parts = [
        f"{kinds.get(ReplyKind.ANSWER.value, 0)} answered",
        f'{kinds.get(ReplyKind.DID_YOU_MEAN.value, 0)} "did you mean"',
        f"{kinds.get(ReplyKind.FALLBACK.value, 0)} not understood",
        f"{kinds.get(ReplyKind.SMALL_TALK.value, 0)} small talk",
    ]
    return (
        f"Last {_plural(days, 'day')}: {_plural(total, 'question')} from "
        f"{_plural(people, 'person') if people == 1 else f'{people} people'}: "
        + ", ".join(parts)
        + "."
    )


def format_stats(store: ConversationStore, days: int) -> str:
    """The /stats message: the summary, top answered entries and feedback."""
    lines = [summary_line(store, days)]
    counts = store.entry_counts(days)
    answered = [c for c in counts if c.answers][:5]
    if answered:
        lines += ["", "Most answered:"]
        lines += [f"  {c.answers:>4}  {c.entry_id}" for c in answered]
    helpful = sum(c.helpful for c in counts)
    not_helpful = sum(c.not_helpful for c in counts)
    if helpful or not_helpful:
        lines += ["", f"Feedback: {helpful} helpful, {not_helpful} not helpful."]
        worst = worst_entries(counts)[:3]
        if worst:
            lines.append(
                "Most 'not helpful': " + ", ".join(f"{c.entry_id} ({c.not_helpful})" for c in worst)
            )
    return "\n".join(lines)


def format_unanswered(store: ConversationStore, days: int, limit: int = 10) -> str:
    """The /unanswered message: the most frequent unanswered questions, grouped."""
    groups = group_questions(store.unanswered_questions(days))
    if not groups:
        return f"No unanswered questions in the last {_plural(days, 'day')}."
    lines = [
        f"Most frequent unanswered questions, last {_plural(days, 'day')} "
        f"({_plural(len(groups), 'different question')}):"
    ]
    lines += [_group_line(group) for group in groups[:limit]]
    return "\n".join(lines)


def worst_entries(counts: list[EntryCount]) -> list[EntryCount]:
    """Entries with at least one "not helpful" vote, the most first."""
    worst = [c for c in counts if c.not_helpful]
    return sorted(worst, key=lambda c: (-c.not_helpful, c.helpful, c.entry_id))


def format_report(
    store: ConversationStore, days: int, limit: int = 20, not_covered: Sequence[str] = ()
) -> str:
    """The terminal report for staff (``not_covered``: the knowledge's subjects)."""
    counts = store.entry_counts(days)
    lines = [summary_line(store, days), "", "== Questions the bot could not answer =="]
    groups = group_questions(store.unanswered_questions(days), not_covered=not_covered)
    if groups:
        lines.append(
            "Add these as questions to the nearest entry if it answers them, or write a new entry."
        )
        lines += [_group_line(group) for group in groups[:limit]]
        if len(groups) > limit:
            lines.append(f"  … and {len(groups) - limit} more (use --csv for all).")
    else:
        lines.append("  none")
    lines += ["", '== Entries with "not helpful" votes ==']
    worst = worst_entries(counts)
    if worst:
        lines.append("  not helpful  helpful  entry")
        lines += [f"  {c.not_helpful:>11}  {c.helpful:>7}  {c.entry_id}" for c in worst[:limit]]
    else:
        lines.append("  none")
    lines += ["", "== Answers per entry =="]
    answered = [c for c in counts if c.answers]
    if answered:
        lines += [f"  {c.answers:>5}  {c.entry_id}" for c in answered]
    else:
        lines.append("  none")
    return "\n".join(lines)


CSV_COLUMNS = [
    "section",
    "entry",
    "question",
    "count",
    "nearest_score",
    "pressed_after",
    "similar_questions",
    "answers",
    "helpful",
    "not_helpful",
]


def format_csv(store: ConversationStore | None, days: int, not_covered: Sequence[str] = ()) -> str:
    """The whole report as one CSV table (a ``section`` column tells the parts apart).

    With no store (nothing recorded yet) it is the header row alone.
    """
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    if store is None:
        return out.getvalue()
    unanswered = store.unanswered_questions(days)
    for group in group_questions(unanswered, not_covered=not_covered):
        writer.writerow(
            {
                "section": "not_covered" if group.not_covered else "unanswered",
                "entry": group.not_covered or group.nearly_matched or "",
                "question": group.question,
                "count": group.count,
                "nearest_score": f"{group.best_score:.1f}",
                "pressed_after": "; ".join(f"{e} x{n}" for e, n in group.chosen.most_common()),
                "similar_questions": " | ".join(group.other_wordings),
            }
        )
    for count in store.entry_counts(days):
        writer.writerow(
            {
                "section": "entry",
                "entry": count.entry_id,
                "answers": count.answers,
                "helpful": count.helpful,
                "not_helpful": count.not_helpful,
            }
        )
    return out.getvalue()


def run_report(
    days: int,
    *,
    as_csv: bool = False,
    knowledge: Path | None = None,
    config: CoreConfig | None = None,
) -> tuple[str, int]:
    """The whole ``report`` command on the store configured by the environment.

    ``knowledge`` names the not_covered subjects and, with the environment, the data
    folder. Returns the output and the exit status (2 when the store cannot be used).
    """
    from faq.knowledge import load_knowledge
    from faq.store import DB_NAME, StoreError, data_dir_from_env, open_store_from_env

    if days < 1:
        return "--days should be 1 or more.", 2
    not_covered: tuple[str, ...] = ()
    if knowledge is not None:
        try:
            not_covered = load_knowledge(knowledge).not_covered
        except KnowledgeError as error:
            return f"{error}\n\nThe report needs {knowledge} to load; fix it first.", 2
    try:
        database = data_dir_from_env(knowledge, config) / DB_NAME
    except StoreError as error:
        return f"Cannot read the conversations: {error}", 2
    if not database.exists():
        if as_csv:
            return format_csv(None, days).rstrip("\n"), 0
        return (
            f"No conversations recorded yet: {database} does not exist. The Telegram bot "
            "creates it (set FAQ_DATA_DIR if it keeps its data elsewhere).",
            0,
        )
    try:
        with open_store_from_env(knowledge, config) as store:
            if as_csv:
                text = format_csv(store, days, not_covered)
            else:
                text = format_report(store, days, not_covered=not_covered)
    except StoreError as error:
        return f"Cannot read the conversations: {error}", 2
    return text, 0
