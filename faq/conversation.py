"""Conversations: each chat's recent messages, so a reply can follow what came before.

``Conversations.reply(key, text)`` answers a message in the context of its chat (the
adapter picks the key: the chat id in a private chat, ``(chat id, user id)`` in a group)
and records the exchange. What it adds to a single answer, in order:

0. a problem after treatment or urgent signs (``faq.aftercare``) come before anything
   else, also when the message completes the one before ("it's been a week");
1. acknowledgements ("ok", "really?", "hmm") get a short neutral reply with the last
   answer's related questions, and a lone "why?" asks what they would like to know;
2. a request for a person gets the best contact answer with the offer of a hand-off;
3. a message asking two things gets both answers (``faq.followup.two_answers``);
4. a follow-up is read with the topic of the conversation (``faq.followup``);
5. a subject the knowledge lists as ``not_covered`` is named in a kind reply with the
   contacts, not "I didn't understand"; two fallbacks in a row offer a hand-off.

Context is kept in memory only, per key, for at most ``history_size`` exchanges and
``ttl_seconds`` (30 minutes) after the last one, for at most ``max_chats`` chats (the
least recently active is dropped first). ``forget`` (at /start) drops a chat at once.
It is safe to call from several threads.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field, replace

from faq.aftercare import Concern, adds_to_concern, assess, concern_reply
from faq.engine import FAQ
from faq.followup import ContextParams, Reading, read_in_context, two_answers
from faq.knowledge import Knowledge
from faq.replies import Option, Reply, ReplyKind, answer_reply
from faq.smalltalk import MessageKind, asks_for_person, message_kind, not_covered_subject

FALLBACKS_BEFORE_HANDOFF = 2
"""After this many fallbacks in a row, the reply offers to send the question to the team."""
TOPIC_TURNS = 2
"""How many of the client's recent words about the topic make the context of a follow-up."""


@dataclass(frozen=True, slots=True)
class Exchange:
    """One client message and the bot's reply."""

    text: str
    reply: Reply
    at: float
    """``clock()`` seconds when the reply was made."""


@dataclass(frozen=True, slots=True)
class Turn:
    """One reply and how it was reached (for ``ask --json --conversations`` and logs)."""

    reply: Reply
    followup: bool = False
    """The conversation's topic changed the reply."""
    entry_ids: tuple[str, ...] = ()
    """The entries answered (two for a message that asked two things)."""
    read_as: str = ""
    """What was ranked when the context was used: the topic joined to the message."""


@dataclass(slots=True)
class _Chat:
    """What is remembered of one chat."""

    exchanges: deque[Exchange]
    topic: tuple[str, ...] = ()
    """The client's recent words that led to the current answer (the context)."""
    last_options: tuple[Option, ...] = ()
    """The related questions of the last answer: a next step after "ok"."""
    fallbacks: int = 0
    """Fallbacks in a row."""
    last_at: float = 0.0
    entry_ids: list[str] = field(default_factory=list)


class Conversations:
    """The context of every active chat, and replies read in that context."""

    def __init__(
        self,
        get_faq: Callable[[], FAQ],
        *,
        ttl_seconds: float = 1800,
        max_chats: int = 10_000,
        history_size: int = 6,
        clock: Callable[[], float] = time.monotonic,
        params: ContextParams | None = None,
    ) -> None:
        if ttl_seconds <= 0 or max_chats < 1 or history_size < 1:
            raise ValueError("ttl_seconds, max_chats and history_size must be positive")
        self.get_faq = get_faq
        self.ttl_seconds = ttl_seconds
        self.max_chats = max_chats
        self.history_size = history_size
        self.clock = clock
        self.params = params or ContextParams()
        self._chats: OrderedDict[Hashable, _Chat] = OrderedDict()
        self._lock = threading.Lock()

    # -- the shared API -----------------------------------------------------------------

    def reply(self, key: Hashable, text: str) -> Reply:
        """The reply to ``text`` in the context of chat ``key``; the exchange is recorded."""
        return self.turn(key, text).reply

    def reply_for_entry(self, key: Hashable, entry_id: str) -> Reply | None:
        """The answer to a pressed button (None if the entry no longer exists); it becomes
        the topic of the chat."""
        faq = self.get_faq()
        entry = faq.knowledge.entry(entry_id)
        if entry is None:
            return None
        reply = answer_reply(faq.knowledge, entry)
        self._record(key, entry.label, Turn(reply, False, (entry.id,)), entry.label)
        return reply

    def history(self, key: Hashable) -> tuple[Exchange, ...]:
        """The chat's exchanges within the time limit, oldest first."""
        with self._lock:
            chat = self._live_chat(key, self.clock())
            return tuple(chat.exchanges) if chat is not None else ()

    def forget(self, key: Hashable) -> None:
        """Drop everything remembered about chat ``key`` (/start, /forget)."""
        with self._lock:
            self._chats.pop(key, None)

    # -- more detail ----------------------------------------------------------------------

    def __len__(self) -> int:
        """How many chats are remembered (expired ones may still count until touched)."""
        with self._lock:
            return len(self._chats)

    def turn(self, key: Hashable, text: str) -> Turn:
        """Like ``reply``, with whether the context was used and the entries answered."""
        faq = self.get_faq()
        with self._lock:
            chat = self._live_chat(key, self.clock())
            topic = chat.topic if chat is not None else ()
            topic_entry = chat.entry_ids[0] if chat is not None and chat.entry_ids else None
            last_options = chat.last_options if chat is not None else ()
            fallbacks = chat.fallbacks if chat is not None else 0
            last_text = chat.exchanges[-1].text if chat is not None and chat.exchanges else ""
        # Matching runs outside the lock: other chats are not held up by this one.
        concern = _concern(text, last_text)
        if concern is not None:
            turn = Turn(concern_reply(faq.knowledge, concern))
        else:
            turn = self._respond(faq, text, topic, topic_entry, last_options)
        if turn.reply.kind is ReplyKind.FALLBACK and fallbacks + 1 >= FALLBACKS_BEFORE_HANDOFF:
            turn = replace(turn, reply=replace(turn.reply, offer_handoff=True))
        self._record(key, text, turn, text)
        return turn

    # -- deciding -----------------------------------------------------------------------

    def _respond(
        self,
        faq: FAQ,
        text: str,
        topic: tuple[str, ...],
        topic_entry: str | None,
        last_options: tuple[Option, ...],
    ) -> Turn:
        knowledge = faq.knowledge
        kind = message_kind(text)
        if kind is MessageKind.ACKNOWLEDGEMENT:
            return Turn(_small_reply(knowledge, "acknowledgement", last_options))
        if kind is MessageKind.THANKS:
            return Turn(_thanks_reply(faq, last_options))
        if kind is MessageKind.LONE_QUESTION_WORD:
            return Turn(_small_reply(knowledge, "clarify", last_options))
        if asks_for_person(text):
            reply = _person_reply(faq, text)
            return Turn(reply, False, (reply.entry_id,) if reply.entry_id else ())
        both = two_answers(faq, text)
        reading: Reading = both or read_in_context(faq, text, topic, self.params, topic_entry)
        reply = reading.reply
        if reply.kind is ReplyKind.FALLBACK:
            subject = not_covered_subject(text, knowledge.not_covered)
            if subject is not None:
                message = knowledge.messages["not_covered"].replace("{subject}", subject)
                reply = replace(reply, text=message)
        return Turn(reply, reading.followup, reading.entry_ids, reading.read_as)

    # -- state ----------------------------------------------------------------------------

    def _live_chat(self, key: Hashable, now: float) -> _Chat | None:
        """The chat if it was active within the time limit (lock held); old chats go."""
        self._expire(now)
        chat = self._chats.get(key)
        if chat is None:
            return None
        if now - chat.last_at > self.ttl_seconds:
            del self._chats[key]
            return None
        cutoff = now - self.ttl_seconds
        while chat.exchanges and chat.exchanges[0].at < cutoff:
            chat.exchanges.popleft()
        return chat

    def _expire(self, now: float) -> None:
        """Drop chats idle past the time limit, oldest first (lock held)."""
        while self._chats:
            oldest_key, oldest = next(iter(self._chats.items()))
            if now - oldest.last_at <= self.ttl_seconds:
                break
            del self._chats[oldest_key]

    def _record(self, key: Hashable, text: str, turn: Turn, topic_words: str) -> None:
        now = self.clock()
        reply = turn.reply
        with self._lock:
            chat = self._live_chat(key, now)
            if chat is None:
                chat = _Chat(deque(maxlen=self.history_size))
                self._chats[key] = chat
                while len(self._chats) > self.max_chats:
                    self._chats.popitem(last=False)
            self._chats.move_to_end(key)
            chat.exchanges.append(Exchange(text, reply, now))
            chat.last_at = now
            if reply.kind is ReplyKind.FALLBACK:
                chat.fallbacks += 1
            elif reply.kind is not ReplyKind.SMALL_TALK:
                chat.fallbacks = 0
            if turn.entry_ids and reply.kind is ReplyKind.ANSWER and not reply.offer_handoff:
                # The words that led to this answer become the topic; a follow-up read in
                # context keeps the words before it, so "and for melasma?" still means
                # "does it help ...".
                words = (*chat.topic, topic_words) if turn.followup else (topic_words,)
                chat.topic = words[-TOPIC_TURNS:]
                chat.last_options = reply.options
                chat.entry_ids = list(turn.entry_ids)


def _concern(text: str, last_text: str) -> Concern | None:
    """A problem after treatment or urgent signs in ``text``, or in ``text`` read after
    the client's previous message ("is redness normal?" then "it's been a week") when
    that message alone reported none."""
    concern = assess(text)
    if concern is not None or not last_text or not adds_to_concern(text):
        return concern
    if assess(last_text) is not None:
        return None
    return assess(f"{last_text}\n{text}")


def _small_reply(knowledge: Knowledge, message: str, options: tuple[Option, ...]) -> Reply:
    """A short reply of the bot's own (no fact), with the last answer's next steps."""
    return Reply(ReplyKind.SMALL_TALK, knowledge.messages[message], None, 0.0, options)


def _thanks_reply(faq: FAQ, options: tuple[Option, ...]) -> Reply:
    """The knowledge's own small talk for thanks ("You're welcome!"), however the thanks
    were typed; without one, the short acknowledgement."""
    reply = faq.reply("thank you")
    entry = faq.knowledge.entry(reply.entry_id) if reply.entry_id else None
    if reply.kind is ReplyKind.SMALL_TALK or (entry is not None and entry.small_talk):
        return reply
    return _small_reply(faq.knowledge, "acknowledgement", options)


def _person_reply(faq: FAQ, text: str) -> Reply:
    """The best answer about reaching the clinic, with the offer of a hand-off."""
    knowledge = faq.knowledge
    threshold = knowledge.settings.suggest_threshold
    for candidate in faq.rank(text, 8):
        entry = knowledge.entry(candidate.entry_id)
        if entry is None or entry.small_talk or candidate.score < threshold:
            continue
        reply = answer_reply(knowledge, entry, candidate.score)
        return replace(reply, offer_handoff=True)
    return Reply(ReplyKind.SMALL_TALK, knowledge.messages["person"], None, 0.0, offer_handoff=True)
