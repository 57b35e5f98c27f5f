"""Inline keyboards: the buttons under the bot's messages.

Buttons carry the data described in :mod:`adapters.telegram.callbacks`. Button labels
are not parsed as HTML by Telegram, so they are sent as they are, only shortened.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from adapters.telegram import callbacks
from faq import Knowledge, Reply, ReplyKind
from faq.handoff import CONTACT_CLINIC, SEND_TO_TEAM

MAX_LABEL = 60
"""Longer button labels are cut with an ellipsis (Telegram would cut them anyway)."""

HELPFUL = "👍 Helpful"
NOT_HELPFUL = "👎 Not helpful"
ALL_TOPICS = "« All topics"


def label(text: str) -> str:
    """A button label: one line, at most ``MAX_LABEL`` characters, never empty."""
    text = " ".join(text.split()) or "…"
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1].rstrip() + "…"


def _button(text: str, data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(label(text), callback_data=data)


def _markup(rows: Iterable[list[InlineKeyboardButton]]) -> InlineKeyboardMarkup | None:
    rows = [row for row in rows if row]
    return InlineKeyboardMarkup(rows) if rows else None


def topics_keyboard(knowledge: Knowledge) -> InlineKeyboardMarkup | None:
    """One button per topic, in the knowledge file's order."""
    return _markup([_button(name, callbacks.topic(name))] for name in knowledge.topics())


def topic_keyboard(knowledge: Knowledge, topic: str) -> InlineKeyboardMarkup | None:
    """The questions of one topic, and a button back to all topics."""
    rows = [[_button(e.label, callbacks.entry(e.id))] for e in knowledge.entries_in_topic(topic)]
    return _markup([*rows, [_button(ALL_TOPICS, callbacks.TOPICS)]])


def reply_keyboard(
    knowledge: Knowledge,
    reply: Reply,
    interaction_id: int | None = None,
    *,
    staff_chat: bool = False,
) -> InlineKeyboardMarkup | None:
    """The buttons for one of the core's replies.

    An answer gets its related questions and, when the question was recorded
    (``interaction_id``), helpful / not helpful buttons; a "did you mean" its choices,
    linked to the recorded question; the fallback the list of topics. A reply that
    offers the hand-off gets "Send my question to the team" first when a staff chat can
    take it (``staff_chat``), else a button with the clinic's contacts.
    """
    if reply.offer_handoff:
        rest = reply_keyboard(knowledge, replace(reply, offer_handoff=False), interaction_id)
        rows = [list(row) for row in (rest.inline_keyboard if rest else ())]
        return _markup([handoff_row(staff_chat), *rows])
    if reply.kind is ReplyKind.FALLBACK:
        return topics_keyboard(knowledge)
    if reply.kind is ReplyKind.DID_YOU_MEAN:
        return _markup(
            [
                _button(
                    option.label,
                    callbacks.choice(interaction_id, option.entry_id)
                    if interaction_id is not None
                    else callbacks.entry(option.entry_id),
                )
            ]
            for option in reply.options
        )
    rows = [[_button(option.label, callbacks.entry(option.entry_id))] for option in reply.options]
    if reply.kind is ReplyKind.ANSWER and interaction_id is not None:
        rows.append(feedback_row(interaction_id))
    return _markup(rows)


def handoff_row(staff_chat: bool) -> list[InlineKeyboardButton]:
    """ "Send my question to the team", or the clinic's contacts without a staff chat
    (never a button that leads nowhere)."""
    if staff_chat:
        return [_button(SEND_TO_TEAM, callbacks.HANDOFF)]
    return [_button(CONTACT_CLINIC, callbacks.CONTACT)]


def feedback_row(interaction_id: int) -> list[InlineKeyboardButton]:
    """The helpful / not helpful buttons for a recorded answer."""
    return [
        InlineKeyboardButton(HELPFUL, callback_data=callbacks.feedback(interaction_id, True)),
        InlineKeyboardButton(NOT_HELPFUL, callback_data=callbacks.feedback(interaction_id, False)),
    ]


def has_button(markup: InlineKeyboardMarkup | None, data: str) -> bool:
    """Whether ``markup`` holds a button carrying ``data``."""
    if markup is None:
        return False
    return any(button.callback_data == data for row in markup.inline_keyboard for button in row)


def without_feedback(markup: InlineKeyboardMarkup | None) -> InlineKeyboardMarkup | None:
    """``markup`` with its helpful / not helpful row removed (after a vote)."""
    if markup is None:
        return None
    return _markup(
        [
            button
            for button in row
            if not (isinstance(button.callback_data, str) and button.callback_data.startswith("f:"))
        ]
        for row in markup.inline_keyboard
    )
