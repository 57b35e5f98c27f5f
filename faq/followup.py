"""Reading a message with the conversation so far: follow-ups and two questions in one.

A follow-up ("and for melasma?", "will it work on them", "no, I meant stretch marks") is
weak on its own: its best entry scores low, or barely ahead of the next one, or it
names almost nothing. Such a message is ranked twice: alone, and joined to the topic
of the conversation (the client's words that led to the last answer). Each entry's
*context score* mixes the two readings, so an entry wins only if it fits the new words
and the topic together. The context reading is taken only when it gives a clear answer
that the message alone does not; a message that stands on its own is answered on its
own, whatever came before.

A message asking two things ("does it help open pores and acne scars and how much is
it") is split where a second question starts; when each part has its own clear answer,
both are given (at most two), or a choice between them if together they are too long.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from faq.engine import FAQ
from faq.knowledge import Knowledge
from faq.matcher import EVERYDAY_STEMS, Candidate
from faq.replies import Reply, ReplyKind, answer_reply, decide, option_for
from faq.text import STOPWORDS, join_topic, tokenize

RANKED = 12
"""How many entries each reading ranks (the rest count as 0 in the mix)."""
_QUESTION_START = (
    r"(?:how|what|whats|when|where|why|which|who|can|could|do|does|did|is|are|will|would|"
    r"should|shall|may|am|any|has|have)\b"
)
# Where a second question starts: after a question mark, or after "and" / "also" / ","
# followed by a question word ("... acne scars and how much is it").
_SECOND_QUESTION = re.compile(
    rf"(?<=\?)\s+(?=\S)|\s*(?:,\s*|\s)(?:and\s+also|and|also|plus|oh and)\s+(?={_QUESTION_START})",
    re.IGNORECASE,
)
MAX_ANSWERS = 2
"""A message asking several things gets at most this many answers."""

COMBINED_ANSWER_LIMIT = 2500
"""Two answers longer than this together are offered as a choice instead: a long double
reply is hard to read on a phone."""


@dataclass(frozen=True, slots=True)
class ContextParams:
    """Tuning of the context reading (measured in bench/conversations.py)."""

    alone_weight: float = 0.5
    """Share of an entry's context score given by the message alone (the rest: joined)."""
    strong_margin: float = 15.0
    """A best entry this far above answer_threshold, and clearly ahead, stands alone."""
    clear_lead: float = 5.0
    """How far ahead of the second entry a message's best entry must be to stand alone."""
    few_content_words: int = 2
    """A message naming at most this many content words may lean on the topic."""
    bare_content_words: int = 1
    """A message naming at most this many content words ("for how long?", "and the
    price?") is read leaning more on its topic: ``bare_alone_weight``."""
    bare_alone_weight: float = 0.4
    """``alone_weight`` for such a message."""
    followup_floor: float = 35.0
    """A follow-up's own best entry, this high and clearly ahead (``followup_lead``), is
    answered even below answer_threshold when the topic does not point elsewhere: a short
    "and opening times for that branch" cannot score like a full question."""
    followup_lead: float = 10.0
    """How far ahead of the message's second entry its best must be for that."""
    echo_lead: float = 8.0
    """A context reading that repeats the topic's own entry gives way to the message's own
    best entry when that is this far ahead of the repeated one on the message alone."""


@dataclass(frozen=True, slots=True)
class Reading:
    """The reply to one message and how it was reached."""

    reply: Reply
    followup: bool = False
    """The conversation's topic changed the reply (a follow-up read in context)."""
    entry_ids: tuple[str, ...] = ()
    """The entries answered (two when the message asked two things)."""
    read_as: str = ""
    """The text the reply was ranked on (the message, or the topic and the message)."""


def content_words(faq: FAQ, text: str) -> int:
    """How many terms of ``text`` name something (not function or everyday words)."""
    terms = faq.matcher.analyse(text).terms
    return sum(1 for term in terms if term not in STOPWORDS and term not in EVERYDAY_STEMS)


def stands_alone(faq: FAQ, text: str, ranked: list[Candidate], params: ContextParams) -> bool:
    """Whether the message's own best entry is clear enough to need no context."""
    if not ranked:
        return False
    settings = faq.knowledge.settings
    best = ranked[0]
    second = ranked[1].score if len(ranked) > 1 else 0.0
    entry = faq.knowledge.entry(best.entry_id)
    if entry is not None and entry.small_talk and best.score >= settings.answer_threshold:
        return True  # "hi", "thanks": never read with the topic
    return (
        best.score >= settings.answer_threshold + params.strong_margin
        and best.score - second >= params.clear_lead
        and content_words(faq, text) > params.few_content_words
    )


def mixed_candidates(
    knowledge: Knowledge, alone: list[Candidate], joined: list[Candidate], alone_weight: float
) -> list[Candidate]:
    """Every entry ranked in either reading, scored by the mix of both (best first; on a
    tie, the entry first in the file)."""
    alone_by_id = {c.entry_id: c for c in alone}
    joined_by_id = {c.entry_id: c for c in joined}
    order = {entry.id: index for index, entry in enumerate(knowledge.entries)}
    mixed = []
    for entry_id in {*alone_by_id, *joined_by_id}:
        a, j = alone_by_id.get(entry_id), joined_by_id.get(entry_id)
        score = alone_weight * (a.score if a else 0.0) + (1 - alone_weight) * (
            j.score if j else 0.0
        )
        phrasing = a.phrasing if a is not None else j.phrasing if j is not None else ""
        mixed.append(Candidate(entry_id, round(score, 1), phrasing))
    mixed.sort(key=lambda c: (-c.score, order.get(c.entry_id, len(order))))
    return mixed


def read_in_context(
    faq: FAQ,
    text: str,
    topic: tuple[str, ...],
    params: ContextParams | None = None,
    topic_entry: str | None = None,
) -> Reading:
    """The reply to ``text`` after a conversation about ``topic``: the client's messages
    that led to the last answer (empty: no topic), which was about ``topic_entry``."""
    params = params or ContextParams()
    knowledge = faq.knowledge
    alone = faq.rank(text, RANKED)
    alone_reply = decide(knowledge, alone)
    if not topic or stands_alone(faq, text, alone, params):
        return Reading(alone_reply, False, _answered(alone_reply), text)
    read_as = join_topic(" ".join(topic), text)
    joined = faq.rank_with_topic(topic, text, RANKED)
    weight = params.alone_weight
    # "for how long?" names one thing: its topic counts for more. A message naming nothing
    # ("7", a typo) does not: it must never be answered with the last subject.
    recognises = faq.matcher.analyzer.recognises
    named = [w for w in tokenize(text) if w not in STOPWORDS and recognises(w)]
    if named and content_words(faq, text) <= params.bare_content_words:
        weight = params.bare_alone_weight
    mixed = mixed_candidates(knowledge, alone, joined, weight)
    context_reply = decide(knowledge, mixed)
    best = knowledge.entry(mixed[0].entry_id) if mixed else None
    if best is not None and best.small_talk:
        return Reading(alone_reply, False, _answered(alone_reply), text)
    # Only a clear answer the message alone does not give is worth the context: a "did
    # you mean" about the topic would answer a typo or nonsense with the last subject.
    better = context_reply.kind is ReplyKind.ANSWER and (
        alone_reply.kind is not ReplyKind.ANSWER or context_reply.entry_id != alone_reply.entry_id
    )
    if better and _echo(topic_entry, context_reply, alone, params):
        own = _own_answer(knowledge, alone, alone, replace(params, followup_lead=0.0))
        if own is not None:
            return Reading(own, True, _answered(own), text)
    if better:
        return Reading(context_reply, True, _answered(context_reply), read_as)
    own = _own_answer(knowledge, alone, mixed, params)
    if own is not None and alone_reply.kind is not ReplyKind.ANSWER:
        return Reading(own, True, _answered(own), text)
    return Reading(alone_reply, False, _answered(alone_reply), text)


def _echo(
    topic_entry: str | None, context_reply: Reply, alone: list[Candidate], params: ContextParams
) -> bool:
    """Whether the context reading only repeats the topic's own entry ("I have melasma",
    then "how many would I need": the topic's pigmentation again) while the message alone
    points clearly at another entry (sessions)."""
    if not alone or alone[0].entry_id == context_reply.entry_id:
        return False
    if topic_entry is None or topic_entry != context_reply.entry_id:
        return False
    repeated = next((c.score for c in alone if c.entry_id == context_reply.entry_id), 0.0)
    return alone[0].score - repeated >= params.echo_lead


def _own_answer(
    knowledge: Knowledge, alone: list[Candidate], mixed: list[Candidate], params: ContextParams
) -> Reply | None:
    """The answer to a follow-up's own best entry, when it is clearly ahead on the message
    alone and still among the two best once the topic is read with it."""
    if not alone or alone[0].score < params.followup_floor:
        return None
    best = alone[0]
    second = alone[1].score if len(alone) > 1 else 0.0
    entry = knowledge.entry(best.entry_id)
    if entry is None or entry.small_talk or best.score - second < params.followup_lead:
        return None
    if best.entry_id not in {c.entry_id for c in mixed[:2]}:
        return None
    return answer_reply(knowledge, entry, best.score, tuple(alone))


def _answered(reply: Reply) -> tuple[str, ...]:
    return (reply.entry_id,) if reply.kind is ReplyKind.ANSWER and reply.entry_id else ()


def question_parts(text: str) -> list[str]:
    """The questions in ``text``, split where a second one starts (at least one part)."""
    parts = [part.strip(" ,") for part in _SECOND_QUESTION.split(text)]
    return [part for part in parts if part] or [text]


def two_answers(faq: FAQ, text: str) -> Reading | None:
    """Both answers when ``text`` asks two things each with its own clear answer (or a
    choice between them when together they are too long); None otherwise."""
    parts = question_parts(text)
    if len(parts) < 2:
        return None
    knowledge = faq.knowledge
    answers: list[Reply] = []
    for part in parts:
        reply = faq.reply(part)
        entry = knowledge.entry(reply.entry_id) if reply.entry_id else None
        if reply.kind is not ReplyKind.ANSWER or entry is None or entry.small_talk:
            continue
        if all(reply.entry_id != other.entry_id for other in answers):
            answers.append(reply)
    if len(answers) < 2:
        return None
    first, second = answers[:MAX_ANSWERS]
    ids = (str(first.entry_id), str(second.entry_id))
    combined = f"{first.text.strip()}\n\n{second.text.strip()}"
    if len(combined) > COMBINED_ANSWER_LIMIT:
        choices = tuple(option_for(e) for i in ids if (e := knowledge.entry(i)) is not None)
        text_ = knowledge.messages["two_questions"]
        return Reading(Reply(ReplyKind.DID_YOU_MEAN, text_, None, first.score, choices), False)
    related = tuple(
        dict.fromkeys(o for o in (*first.options, *second.options) if o.entry_id not in ids)
    )[: knowledge.settings.max_suggestions]
    reply = Reply(
        ReplyKind.ANSWER,
        combined,
        ids[0],
        min(first.score, second.score),
        related,
        first.candidates,
    )
    return Reading(reply, False, ids, text)
