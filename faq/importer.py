"""``bot.py import ARTICLE...``: draft knowledge entries from articles, for staff to review.

Each heading of an article becomes a draft entry:

* its **question** is the heading, turned into a question when it is a statement
  ("Micro needling for Stretch Marks Removal" -> "Can micro needling help with stretch
  marks?");
* its **answer** is the article's own sentences below the heading, in order, shortened to
  a chat-sized reply: nothing is reworded, so nothing is said that the article does not;
* five to eight **alternate questions** are made from the heading and the terms the text
  itself names ("Does it help with melasma?");
* an **id**, a **topic** (from the nearest existing entry, when there is one) and
  **related** links to the drafts that share the most terms.

Drafts go to their own file, never into knowledge.yaml: staff read them, edit them and
copy the good ones across. An existing id is never reused, and a draft whose question the
current knowledge already answers is reported as a repeat.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from faq.articles import Article, Section
from faq.engine import FAQ
from faq.grounding import specialised_terms
from faq.knowledge import Clinic
from faq.text import STOPWORDS, tokenize

MAX_ANSWER_CHARACTERS = 600
MIN_ANSWER_SENTENCES = 2
MAX_QUESTIONS = 9
"""The heading's question plus at most eight alternates."""
MIN_ALTERNATES = 5
DRAFT_TOPIC = "New drafts"

_CONCERN_HEADING = re.compile(
    r"^(?P<subject>.+?)\s+(?:for|against|and)\s+(?P<concern>.+?)"
    r"(?:\s+(?:removal|treatment|reduction|therapy))?$",
    re.IGNORECASE,
)
_HOW_HELPS = re.compile(
    r"^how\s+(?P<subject>.+?)\s+(?:helps?|works?)\s+(?:with|for|on)\s+(?P<concern>.+)$",
    re.IGNORECASE,
)
_WHAT_TO = re.compile(r"^what\s+to\s+(?P<verb>\w+)\s*(?P<rest>.*)$", re.IGNORECASE)
_BENEFITS = re.compile(r"^(?:the\s+)?(?:benefits|advantages)\s+of\s+(?P<subject>.+)$", re.I)
_SUMMARY = re.compile(r"^(?:conclusion|summary|in summary|final thoughts|overview|"
                      r"in conclusion|the bottom line)$", re.IGNORECASE)  # fmt: skip
_QUESTION_START = re.compile(
    r"^(?:how|what|why|when|where|who|which|is|are|can|could|does|do|will|should|would)\b",
    re.IGNORECASE,
)


@dataclass(slots=True)
class Draft:
    """One drafted entry and where it came from."""

    id: str
    topic: str
    questions: list[str]
    answer: str
    source: Path
    line: int
    heading: str | None
    terms: list[str] = field(default_factory=list)
    related: list[str] = field(default_factory=list)
    repeats: str | None = None
    """The id of an existing entry that already answers the draft's question."""
    repeat_score: float = 0.0


def _sentence_case(text: str) -> str:
    """ "What Is Micro Needling" -> "What is micro needling" (acronyms stay)."""
    words = text.strip().split()
    out = [
        w if (w.isupper() and len(w) > 1) else w.lower() if i else w[:1].upper() + w[1:].lower()
        for i, w in enumerate(words)
    ]
    return " ".join(out)


def main_subject(article: Article) -> str:
    """What the article is about: the content word or word pair its headings share most."""
    counts: dict[str, int] = {}
    headings = [s.heading for s in article.sections if s.heading]
    for heading in headings or [article.text[:200]]:
        words = [w for w in tokenize(heading) if w not in STOPWORDS]
        for gram in {*words, *(f"{a} {b}" for a, b in itertools.pairwise(words))}:
            counts[gram] = counts.get(gram, 0) + 1
    if not counts:
        return "this treatment"
    best = max(counts.values())
    # Prefer the longer phrase among the most shared: "micro needling", not "needling".
    return max((g for g, c in counts.items() if c == best), key=len)


def heading_question(heading: str | None, subject: str) -> str:
    """The client's question a heading answers."""
    if heading is None:
        return f"What should I know about {subject}?"
    text = _sentence_case(heading.rstrip(" .:!"))
    if text.endswith("?"):
        return text
    if match := _HOW_HELPS.match(text):
        return f"How does {match['subject'].lower()} help with {match['concern'].lower()}?"
    if match := _WHAT_TO.match(text):
        rest = f" {match['rest'].lower()}" if match["rest"] else ""
        return f"What should I {match['verb'].lower()}{rest}?"
    if match := _BENEFITS.match(text):
        return f"What are the benefits of {match['subject'].lower()}?"
    if _SUMMARY.match(text):
        return f"What can {subject} do for my skin?"
    if _QUESTION_START.match(text):
        return f"{text}?"
    if match := _CONCERN_HEADING.match(text):
        return f"Can {match['subject'].lower()} help with {match['concern'].lower()}?"
    return f"What should I know about {text[0].lower()}{text[1:]}?"


def draft_answer(section: Section) -> str:
    """The section's own sentences, in order, up to a chat-sized answer."""
    chosen: list[str] = []
    length = 0
    for sentence in section.sentences:
        if (
            chosen
            and len(chosen) >= MIN_ANSWER_SENTENCES
            and (length + len(sentence) > MAX_ANSWER_CHARACTERS)
        ):
            break
        chosen.append(sentence)
        length += len(sentence) + 1
    return " ".join(chosen)


_LIST_INTRO = re.compile(
    r"\b(?:such as|like|including|e\.g\.|for example|due to|from)\s+(?P<items>[^.;:]+)",
    re.IGNORECASE,
)
_LIST_SPLIT = re.compile(r"\s*(?:,|\bor\b|\band\b|\bto\b)\s*", re.IGNORECASE)
MAX_TERM_WORDS = 3


def key_terms(section: Section, subject: str, limit: int = 6) -> list[str]:
    """Subjects the section's own text names, most telling first: the items of its lists
    ("such as dark spots, melasma, or sun damage") and the specialised words it repeats
    ("collagen")."""
    text = " ".join(section.sentences)
    subject_words = set(subject.split())
    terms: list[str] = []
    for match in _LIST_INTRO.finditer(text):
        for item in _LIST_SPLIT.split(match["items"]):
            words = [w for w in tokenize(item) if w not in {"the", "a", "an", "your"}]
            if 0 < len(words) <= MAX_TERM_WORDS and not set(words) <= subject_words | STOPWORDS:
                terms.append(" ".join(words))
    counts: dict[str, int] = {}
    for word in tokenize(text):
        counts[word] = counts.get(word, 0) + 1
    terms += [w for w in specialised_terms(text) if counts[w] >= 2 and w not in subject_words]
    chosen: list[str] = []
    for term in terms:
        if not any(term == other or f" {term} " in f" {other} " for other in chosen):
            chosen.append(term)
    return chosen[:limit]


_FACT_QUESTIONS = (
    (re.compile(r"\b\d+\s*(?:minutes?|hours?)\b", re.I), "How long does it take?"),
    (re.compile(r"\b\d+\s*(?:-|–|to)?\s*\d*\s*sessions?\b", re.I), "How many sessions do I need?"),
    (re.compile(r"\bweeks?\s+apart\b", re.I), "How far apart are the sessions?"),
    (re.compile(r"\b(?:caused by|due to)\b", re.I), "What causes {concern}?"),
    (re.compile(r"\bafterwards?\b", re.I), "What happens afterwards?"),
)
"""Questions a sentence of the source answers, recognised by what it states."""


def short_form(question: str) -> str:
    """How clients type a question in chat: its content words ("sessions needed?")."""
    words = [w for w in tokenize(question) if w not in STOPWORDS or w in {"how", "many"}]
    return " ".join(words) + "?" if words else ""


def _lowered(question: str) -> str:
    core = question.rstrip("?")
    return core[0].lower() + core[1:]


def chat_wrappings(question: str) -> list[str]:
    """The question wrapped the way clients ask anything in chat; built on the question
    itself, so never shared with another draft's."""
    lowered = _lowered(question)
    return [f"I wanted to ask, {lowered}?", f"Can you tell me {lowered}?"]


def alternate_questions(
    question: str, terms: Sequence[str], subject: str, section: Section
) -> list[str]:
    """Other ways a client asks the heading's question, built from the text's own terms
    and from what its sentences state."""
    core = question.rstrip("?")
    concern = re.search(r"help with (.+)$", core)
    alternates = [core.replace(subject, "it") + "?" if subject in core else "", short_form(core)]
    if concern:
        alternates += [f"Does {subject} work for {concern[1]}?", f"{subject} for {concern[1]}"]
        alternates.append(f"Can it get rid of {concern[1]}?")
    text = " ".join(section.sentences)
    for pattern, template in _FACT_QUESTIONS:
        if pattern.search(text) and (concern or "{concern}" not in template):
            alternates.append(template.format(concern=concern[1] if concern else ""))
    causes = {t for m in re.finditer(r"(?:caused by|due to)\s+([^.;:]+)", text) for t in [m[1]]}
    for term in terms:
        is_cause = any(term in cause for cause in causes)
        alternates.append(
            f"Does it help with {term}?" if concern and not is_cause else f"What about {term}?"
        )
    # Too few from the text: the ways clients wrap any question in chat.
    padding = chat_wrappings(question)
    if subject not in short_form(core):
        padding.append(f"{subject} {short_form(core)}")
    padding.append(f"{_lowered(question)} exactly?")
    unique = [q for q in dict.fromkeys(alternates) if q and q.lower() != question.lower()]
    for extra in padding:
        if len(unique) >= MIN_ALTERNATES:
            break
        if extra.lower() not in {q.lower() for q in unique}:
            unique.append(extra)
    return unique[: MAX_QUESTIONS - 1]


def _slug(question: str, subject: str, heading: str | None) -> str:
    if heading is None:
        return "about_" + "_".join(subject.split())
    if _SUMMARY.match(heading.strip(" .:")):
        return "summary"
    words = [
        w
        for w in tokenize(question)
        if w not in STOPWORDS and w not in subject.split() and w not in {"help", "know"}
    ]
    slug = "_".join(words[:4]) or "_".join(subject.split())
    return re.sub(r"[^a-z0-9_]", "", slug)[:36].strip("_") or "article"


def _unique_id(base: str, taken: set[str]) -> str:
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}_{n}", n + 1
    taken.add(candidate)
    return candidate


def draft_entries(articles: Sequence[Article], faq: FAQ | None = None) -> list[Draft]:
    """Draft entries from every headed section of ``articles``."""
    taken = {e.id for e in faq.knowledge.entries} if faq else set()
    drafts: list[Draft] = []
    for article in articles:
        subject = main_subject(article)
        for section in article.sections:
            if not section.sentences:
                continue
            question = heading_question(section.heading, subject)
            terms = key_terms(section, subject)
            questions = [question, *alternate_questions(question, terms, subject, section)]
            draft = Draft(
                id=_unique_id(_slug(question, subject, section.heading), taken),
                topic=DRAFT_TOPIC,
                questions=questions,
                answer=draft_answer(section),
                source=article.path,
                line=section.line,
                heading=section.heading,
                terms=terms,
            )
            if faq is not None and (ranked := faq.rank(question, limit=1)):
                best = ranked[0]
                existing = faq.knowledge.entry(best.entry_id)
                if existing is not None and not existing.small_talk:
                    if existing.topic and best.score >= faq.knowledge.settings.suggest_threshold:
                        draft.topic = existing.topic
                    if best.score >= faq.knowledge.settings.answer_threshold:
                        draft.repeats, draft.repeat_score = existing.id, best.score
            drafts.append(draft)
    _drop_shared_alternates(drafts)
    _link_related(drafts)
    return drafts


def _drop_shared_alternates(drafts: list[Draft]) -> None:
    """An alternate question made for two drafts ("micro needling?" from both "What is
    micro needling?" and "What should I know about micro needling?") cannot tell them
    apart: it is left out of both, so the drafts pass ``check``. Headings stay."""

    def key(question: str) -> str:
        return " ".join(tokenize(question))

    owners: dict[str, set[str]] = {}
    for draft in drafts:
        for question in draft.questions[1:]:
            owners.setdefault(key(question), set()).add(draft.id)
    for draft in drafts:
        heading, *alternates = draft.questions
        kept = [q for q in alternates if len(owners[key(q)]) == 1]
        for extra in chat_wrappings(heading):
            if len(kept) >= MIN_ALTERNATES:
                break
            if key(extra) not in {key(q) for q in kept}:
                kept.append(extra)
        draft.questions = [heading, *kept]


def _link_related(drafts: list[Draft]) -> None:
    """Each draft's related: up to two other drafts sharing the most words with it."""
    words = {
        d.id: {w for w in tokenize(" ".join([*d.questions, *d.terms])) if w not in STOPWORDS}
        for d in drafts
    }
    for draft in drafts:
        shared = sorted(
            (
                (len(words[draft.id] & words[o.id]), o.id)
                for o in drafts
                if o is not draft and o.source == draft.source
            ),
            key=lambda pair: -pair[0],
        )
        draft.related = [other for count, other in shared[:2] if count >= 2]


def drafts_yaml(drafts: Sequence[Draft], knowledge_dir: Path, clinic: Clinic | None = None) -> str:
    """The drafts file: a knowledge file of its own, so it loads and can be tried with
    ``bot.py repl --knowledge drafts.yaml`` before entries are copied across."""

    def relative(path: Path) -> str:
        try:
            return str(path.resolve().relative_to(knowledge_dir.resolve()))
        except ValueError:
            return str(path.resolve())

    sources = list(dict.fromkeys(relative(d.source) for d in drafts))
    header = (
        "# DRAFT entries made by `bot.py import` from the articles below.\n"
        "# Nothing here reaches clients until you copy an entry into knowledge.yaml.\n"
        "# Check each one: the answer is the article's own sentences; reword it kindly,\n"
        "# keep only what the article says, and add the questions clients really ask.\n"
        "# Try them first:  .venv/bin/python bot.py repl --knowledge <this file>\n"
    )
    entries = []
    for d in drafts:
        entry: dict[str, object] = {"id": d.id, "topic": d.topic, "questions": d.questions}
        entry["answer"] = d.answer
        if d.related:
            entry["related"] = d.related
        entries.append(entry)
    body = yaml.safe_dump(
        {"clinic": _clinic_block(clinic), "sources": sources, "entries": entries},
        sort_keys=False,
        allow_unicode=True,
        width=88,
        default_style=None,
    )
    notes = []
    for d in drafts:
        where = f"{d.source.name}, line {d.line}"
        repeat = (
            f"  (repeats existing entry '{d.repeats}', score {d.repeat_score:.0f})"
            if d.repeats
            else ""
        )
        notes.append(f"# {d.id}: from {where}{repeat}")
    return header + "\n".join(notes) + "\n\n" + body


def _clinic_block(clinic: Clinic | None) -> dict[str, str]:
    """The clinic details the drafts are tried with: the knowledge's own, or stand-ins."""
    if clinic is None:
        return {"name": "our clinic", "phone": "(phone)", "email": "(email)"}
    return {name: value for name in clinic.__slots__ if (value := getattr(clinic, name))}


def import_summary(drafts: Sequence[Draft], out: Path) -> str:
    """What ``import`` tells staff: one line per draft, repeats called out."""
    lines = [f"Drafted {len(drafts)} entries into {out} (nothing reaches clients until you copy"]
    lines[0] += " them into knowledge.yaml):"
    for d in drafts:
        heading = d.heading or "(opening paragraphs)"
        lines.append(f"  {d.source.name}, line {d.line}: {heading}")
        lines.append(f"      -> {d.id}: {d.questions[0]}  [{len(d.questions)} questions]")
        if d.repeats:
            lines.append(
                f"      already answered by entry '{d.repeats}' (score {d.repeat_score:.0f}): "
                "merge what is new into it rather than adding a second entry."
            )
    return "\n".join(lines)
