"""The hand-off to a person at the clinic: threads between a client and the staff chat.

A client who presses "Send my question to the team" opens a *thread*: the staff chat
gets one message with the client's first name and their recent messages with the bot's
replies. A staff member *replies* to that message and the text goes to the client as
the clinic team; the client's later messages go to the staff chat as replies to it, not
to the FAQ, until staff send /done or ``THREAD_HOURS`` pass without a message.

Threads live in the conversation store's ``handoffs`` table (ids only, never a text or a
name), so a restart loses none. This module knows nothing of Telegram: the adapter sends
the messages and hands the ids here. It also words what each side is told.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Protocol

from faq.knowledge import Knowledge
from faq.replies import ReplyKind
from faq.store import HandoffThread

THREAD_HOURS = 24
"""A thread closes by itself after this many hours without a message either way."""
MAX_STAFF_MESSAGE = 3800
"""The hand-off message stays in one Telegram message (4096), with room to spare."""
MAX_CLIENT_TEXT = 1000
MAX_BOT_TEXT = 300
"""The bot's replies are shortened in the hand-off message: staff need the gist."""
SEND_TO_TEAM = "🙋 Send my question to the team"
CONTACT_CLINIC = "📞 Contact the clinic"


class ThreadTable(Protocol):
    """Where threads are kept: ``faq.store.ConversationStore`` (its hand-off methods)."""

    def open_handoff(
        self, staff_chat: int, staff_message_id: int, client_chat: int, user: str, at: float
    ) -> HandoffThread: ...
    def add_handoff_message(
        self, thread: HandoffThread, staff_message_id: int, at: float
    ) -> None: ...
    def touch_handoff(self, thread: HandoffThread, at: float) -> None: ...
    def handoff_for_staff_message(
        self, staff_chat: int, staff_message_id: int, active_since: float
    ) -> HandoffThread | None: ...
    def handoff_for_client(
        self, staff_chat: int, client_chat: int, active_since: float
    ) -> HandoffThread | None: ...
    def close_handoff(self, thread: HandoffThread) -> bool: ...
    def expire_handoffs(self, active_since: float) -> int: ...


class Exchanged(Protocol):
    """One client message and the bot's reply (``faq.conversation.Exchange``)."""

    @property
    def text(self) -> str: ...
    @property
    def reply(self) -> _ReplyLike: ...


class _ReplyLike(Protocol):
    @property
    def kind(self) -> ReplyKind: ...
    @property
    def text(self) -> str: ...


class Handoffs:
    """The open threads with one staff chat: open, find, extend and close them."""

    def __init__(
        self,
        table: ThreadTable,
        staff_chat: int,
        *,
        hours: float = THREAD_HOURS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.table = table
        self.staff_chat = staff_chat
        self.seconds = hours * 3600
        self.clock = clock

    def _since(self) -> float:
        return self.clock() - self.seconds

    def open(self, client_chat: int, user: str, staff_message_ids: Sequence[int]) -> HandoffThread:
        """A new thread at the staff-chat messages just sent for the client (the first
        names the thread; a staff reply to any of them reaches the client)."""
        now = self.clock()
        thread = self.table.open_handoff(
            self.staff_chat, staff_message_ids[0], client_chat, user, now
        )
        for message_id in staff_message_ids[1:]:
            self.table.add_handoff_message(thread, message_id, now)
        return thread

    def for_client(self, client_chat: int) -> HandoffThread | None:
        """The client's open thread, or None (the bot answers them)."""
        return self.table.handoff_for_client(self.staff_chat, client_chat, self._since())

    def for_staff_message(self, staff_message_id: int) -> HandoffThread | None:
        """The open thread a staff-chat message of the bot belongs to, or None."""
        return self.table.handoff_for_staff_message(
            self.staff_chat, staff_message_id, self._since()
        )

    def passed_on(self, thread: HandoffThread, staff_message_ids: Sequence[int]) -> None:
        """A client's later message was passed on as these staff-chat messages."""
        for message_id in staff_message_ids:
            self.table.add_handoff_message(thread, message_id, self.clock())

    def answered(self, thread: HandoffThread) -> None:
        """A staff reply reached the client: the thread stays open from now."""
        self.table.touch_handoff(thread, self.clock())

    def close(self, thread: HandoffThread) -> bool:
        """Close the thread (/done); False if it was closed already."""
        return self.table.close_handoff(thread)

    def expire(self) -> int:
        """Delete the threads quiet for longer than the limit; returns the rows deleted."""
        return self.table.expire_handoffs(self._since())


# -- what each side is told -----------------------------------------------------------


def _name(first_name: str | None) -> str:
    return " ".join((first_name or "").split())[:64] or "A client"


def _cut(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def staff_message(first_name: str | None, history: Sequence[Exchanged]) -> str:
    """The one message the staff chat gets when a client sends their question: who,
    their recent messages with the bot's replies, and how to answer and close."""
    name = _name(first_name)
    kinds = {exchange.reply.kind for exchange in history}
    head = [f"🙋 {name} would like to talk to the team."]
    if ReplyKind.URGENT in kinds:
        head.append(
            "🚨 They described urgent signs and were told to get urgent medical help first."
        )
    elif ReplyKind.PROBLEM in kinds:
        head.append("⚠️ They reported a problem after treatment and were told to contact you.")
    how = (
        f"To answer: reply to this message; the bot sends your text to {name} as the clinic "
        "team. Their next messages arrive here as replies to it.\n"
        f"To close: reply /done to any message of this conversation (it closes by itself "
        f"after {THREAD_HOURS} hours without messages)."
    )
    lines = [
        f"{name}: {_cut(exchange.text, MAX_CLIENT_TEXT)}\n"
        f"Bot ({exchange.reply.kind.value}): {_cut(exchange.reply.text, MAX_BOT_TEXT)}"
        for exchange in history
    ]
    if not lines:
        body = "No recent messages: they will write their question next."
    else:
        while len(lines) > 1 and sum(len(line) + 1 for line in lines) > MAX_STAFF_MESSAGE - 600:
            lines.pop(0)  # the oldest first: the latest messages matter most
        body = "Their recent messages and the bot's replies:\n" + "\n".join(lines)
    return "\n".join(head) + "\n\n" + body + "\n\n" + how


def passed_on_message(first_name: str | None, text: str) -> str:
    """A client's later message, as the staff chat gets it (a reply to the thread)."""
    return f"💬 {_name(first_name)}: {text}"


def _hours(knowledge: Knowledge) -> str:
    hours = knowledge.clinic.hours.strip()
    return f" during opening hours ({hours})" if hours else " as soon as they can"


def client_confirmation(knowledge: Knowledge) -> str:
    """What the client is told once the team has their question."""
    return (
        f"Thank you, the team at {knowledge.clinic.name} has your question and will reply "
        f"here{_hours(knowledge)}. Anything else you write here now goes to them too, "
        "until they close the conversation."
    )


def already_with_team(knowledge: Knowledge) -> str:
    """A second press while the thread is open."""
    return (
        f"Your question is already with the team at {knowledge.clinic.name}; they will "
        f"reply here{_hours(knowledge)}. Just write here to add anything."
    )


def team_says(knowledge: Knowledge, text: str) -> str:
    """A staff reply, as the client gets it."""
    return f"💬 The team at {knowledge.clinic.name}:\n{text}"


def closed_for_client(knowledge: Knowledge) -> str:
    """The client is told when staff close the thread."""
    return (
        f"The team at {knowledge.clinic.name} has closed this conversation. I'm the clinic's "
        "assistant again: ask me anything, or send /contact for the clinic's details."
    )


def closed_for_staff(first_name: str | None = None) -> str:
    """The staff chat is told a thread is closed (/done)."""
    who = f" with {first_name}" if first_name else ""
    return f"✅ Closed: the conversation{who} is over; the bot answers them again."


def team_unreachable(knowledge: Knowledge) -> str:
    """The staff chat cannot be reached (the bot was removed from it): phone instead."""
    clinic = knowledge.clinic
    phone = f" on {clinic.phone}" if clinic.phone else ""
    hours = f" ({clinic.hours})" if clinic.hours else ""
    return (
        f"Sorry, I couldn't pass your question to the team just now. Please phone "
        f"{clinic.name}{phone}{hours}."
    )


def concern_notice(kind: ReplyKind) -> str:
    """The staff chat (or admins) are told a client reported a problem: the fact only."""
    what = (
        "described urgent signs and was told to get urgent medical help first"
        if kind is ReplyKind.URGENT
        else "reported a problem after treatment and was told to contact the clinic"
    )
    return (
        f"⚠️ A client {what}. They were offered to send their conversation to the team; "
        "you will see it here only if they do."
    )


CLOSED_THREAD = (
    f"That conversation is closed (/done, or {THREAD_HOURS} hours without messages), so "
    "the bot no longer passes replies on. Ask the client to write to the bot again."
)
DONE_HOW = "Reply /done to a message of the conversation you want to close."
TEXT_ONLY_TO_CLIENT = "Only text is passed on to the client; please write your answer."
NOT_HELPFUL_OFFER = "Sorry that didn't help. Would you like to send your question to our team?"
NOT_HELPFUL_CONTACTS = "Sorry that didn't help. You can reach our team directly:"
