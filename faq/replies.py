"""Deciding the reply: answer, "did you mean", small talk or a kind fallback.

The decision reads only the ranked candidates and the staff's ``settings:``:

* the best entry scores at least ``answer_threshold`` and no other entry is within
  ``ambiguity_margin`` of it: answer it (small talk entries answer as small talk);
* otherwise, if the best scores at least ``suggest_threshold``: "did you mean ...?"
  with up to ``max_suggestions`` entries that score at least ``suggest_threshold``;
* otherwise: the fallback message, with what the bot can help with and the contacts.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from faq.knowledge import Entry, Knowledge
from faq.matcher import Candidate


class ReplyKind(StrEnum):
    """What sort of reply the bot gives."""

    ANSWER = "answer"
    SMALL_TALK = "small_talk"
    DID_YOU_MEAN = "did_you_mean"
    FALLBACK = "fallback"
    PROBLEM = "problem"
    """A client reports a problem after treatment: contact the clinic now."""
    URGENT = "urgent"
    """Signs that need urgent medical help first, before the clinic."""


@dataclass(frozen=True, slots=True)
class Option:
    """A follow-up an adapter can show as a button: pressing it answers ``entry_id``."""

    entry_id: str
    label: str


@dataclass(frozen=True, slots=True)
class Reply:
    """What the bot says to one message, whatever the chat it goes to."""

    kind: ReplyKind
    text: str
    entry_id: str | None = None
    score: float = 0.0
    options: tuple[Option, ...] = ()
    """Related questions after an answer, or the choices of a "did you mean"."""
    candidates: tuple[Candidate, ...] = ()
    """The ranked candidates behind the decision (for logs, debugging and the store)."""
    offer_handoff: bool = False
    """Offer "Send my question to the team" (a person at the clinic) with this reply."""


def option_for(entry: Entry) -> Option:
    """The button for an entry."""
    return Option(entry.id, entry.label)


def answer_reply(
    knowledge: Knowledge, entry: Entry, score: float = 100.0, candidates: tuple[Candidate, ...] = ()
) -> Reply:
    """The reply that answers ``entry``, with its related entries as options."""
    related = tuple(
        option_for(other) for rid in entry.related if (other := knowledge.entry(rid)) is not None
    )
    kind = ReplyKind.SMALL_TALK if entry.small_talk else ReplyKind.ANSWER
    return Reply(kind, entry.answer, entry.id, score, related, candidates)


def fallback_reply(knowledge: Knowledge, candidates: tuple[Candidate, ...] = ()) -> Reply:
    """The kind "I'm not sure" reply, with how to reach the clinic."""
    score = candidates[0].score if candidates else 0.0
    return Reply(ReplyKind.FALLBACK, knowledge.messages["fallback"], None, score, (), candidates)


def decide(knowledge: Knowledge, candidates: list[Candidate]) -> Reply:
    """Choose the reply for a message from its ranked candidates (best first)."""
    settings = knowledge.settings
    ranked = tuple(candidates)
    if not ranked or ranked[0].score < settings.suggest_threshold:
        return fallback_reply(knowledge, ranked)
    best = ranked[0]
    best_entry = knowledge.entry(best.entry_id)
    if best_entry is None:  # the matcher and knowledge are built together; defensive only
        return fallback_reply(knowledge, ranked)
    close = [
        c
        for c in ranked[1:]
        if c.score >= settings.suggest_threshold
        and best.score - c.score < settings.ambiguity_margin
    ]
    if best.score >= settings.answer_threshold and not close:
        return answer_reply(knowledge, best_entry, best.score, ranked)
    choices = [
        entry
        for c in ranked
        if c.score >= settings.suggest_threshold
        and (entry := knowledge.entry(c.entry_id)) is not None
        and not (entry.small_talk and c is not best)
    ][: settings.max_suggestions]
    if best.score >= settings.answer_threshold and len(choices) == 1:
        return answer_reply(knowledge, best_entry, best.score, ranked)
    text = knowledge.messages["did_you_mean"]
    options = tuple(option_for(entry) for entry in choices)
    return Reply(ReplyKind.DID_YOU_MEAN, text, None, best.score, options, ranked)
