"""Fair scheduling of updates: one busy chat or user never holds up the others.

python-telegram-bot hands every update to an *update processor*
(``ApplicationBuilder().concurrent_updates(processor)``). :class:`FairScheduler` is one:

* every chat has its own lane, run by its own task, one update at a time, so a group
  waiting out Telegram's 20-messages-a-minute limit waits alone; it never holds a slot
  another chat could use (there is no shared pool of slots to hold);
* each chat, each user and the whole bot are bounded in queued work, and each user has
  a token bucket (a short burst, then a steady rate), admins and their commands too;
* what goes over a bound is dropped at once (never run, never queued), and the chat
  gets one "please slow down" notice a minute at most, however much was dropped;
* on stop, queued work is dropped and running work gets a short grace, then is
  cancelled, so SIGTERM stops the bot within seconds whatever was queued.

``do_process_update`` only admits an update into its lane and returns, so PTB's own
queue never waits on a busy chat. Matching runs in :data:`MATCHING`, a small thread pool
of its own, so one heavy message cannot hold up the event loop.

Log lines here never carry chat or user ids: they count, they do not name.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter, deque
from collections.abc import Awaitable, Callable, Hashable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from enum import StrEnum
from functools import partial
from typing import Any, ParamSpec, TypeVar

from telegram import Update
from telegram.ext import BaseUpdateProcessor

log = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Limits:
    """How much work the bot accepts, per chat, per user and in all."""

    per_chat: int = 8
    """Updates queued or running for one chat (a group shares this between its members)."""
    per_user: int = 4
    """Updates queued or running for one user, over all chats."""
    total: int = 2000
    """Updates queued or running for the whole bot."""
    user_burst: int = 20
    """Updates a user may send at once before the steady rate applies."""
    user_rate: float = 1.0
    """Updates per second a user may keep sending (60 a minute) after the burst."""
    notice_interval: float = 60.0
    """Seconds between two "please slow down" notices to the same chat."""
    stop_grace: float = 2.0
    """Seconds running updates get to finish on stop before they are cancelled."""


class Dropped(StrEnum):
    """Why an update was not run."""

    CHAT = "chat queue full"
    USER = "user queue full"
    RATE = "user over rate"
    TOTAL = "bot queue full"
    STOPPING = "bot stopping"


@dataclass(slots=True)
class _Job:
    chat: Hashable
    user: Hashable | None
    coroutine: Awaitable[Any]


@dataclass(slots=True)
class _Bucket:
    tokens: float
    at: float


@dataclass
class SchedulerStats:
    """Counters for benchmarks and the log (never ids)."""

    admitted: int = 0
    dropped: Counter[Dropped] = field(default_factory=Counter)
    notices: int = 0


Notify = Callable[[object], Awaitable[None]]
"""Sends the "please slow down" notice for a dropped update."""


def _keys(update: object) -> tuple[Hashable, Hashable | None]:
    """The lane (chat) and the user an update belongs to."""
    if not isinstance(update, Update):
        return ("other",), None
    user = update.effective_user
    chat = update.effective_chat
    user_key = user.id if user is not None else None
    if chat is not None:
        return chat.id, user_key
    return ("user", user_key), user_key


def _discard(coroutine: Awaitable[Any]) -> None:
    """Close a coroutine that will never run (no 'never awaited' warning)."""
    close = getattr(coroutine, "close", None)
    if callable(close):
        close()


class FairScheduler(BaseUpdateProcessor):
    """PTB update processor: a lane per chat, bounded queues, prompt stop.

    ``notify`` (settable after construction) sends the "please slow down" notice; it
    runs as its own task, never in a lane."""

    def __init__(
        self,
        limits: Limits | None = None,
        *,
        notify: Notify | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limits = limits or Limits()
        # PTB's semaphore only guards admission, which never waits.
        super().__init__(max_concurrent_updates=self.limits.total)
        self.notify = notify
        self.stats = SchedulerStats()
        self._clock = clock
        self._lanes: dict[Hashable, deque[_Job]] = {}
        self._runners: dict[Hashable, asyncio.Task[None]] = {}
        self._per_user: Counter[Hashable] = Counter()
        self._queued = 0
        self._buckets: dict[Hashable, _Bucket] = {}
        self._noticed: dict[Hashable, float] = {}
        self._notices: set[asyncio.Task[None]] = set()
        self._closing = False
        self._last_drop_log = -float("inf")
        self._drops_since_log = 0

    # -- PTB's interface ------------------------------------------------------------------

    async def initialize(self) -> None:
        """Accept updates (again, after a stop)."""
        self._closing = False

    async def shutdown(self) -> None:
        """Stop, if ``stop`` was not called already (PTB calls this after post_stop)."""
        await self.stop()

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Admit ``update`` into its chat's lane, or drop it; never waits for the lane."""
        chat, user = _keys(update)
        reason = self._refusal(chat, user)
        if reason is not None:
            _discard(coroutine)
            self._dropped(update, chat, reason)
            return
        self.stats.admitted += 1
        self._queued += 1
        if user is not None:
            self._per_user[user] += 1
        self._lanes.setdefault(chat, deque()).append(_Job(chat, user, coroutine))
        if chat not in self._runners:
            self._runners[chat] = asyncio.create_task(self._run_lane(chat), name="chat-lane")

    # -- admission ------------------------------------------------------------------------

    def _refusal(self, chat: Hashable, user: Hashable | None) -> Dropped | None:
        limits = self.limits
        if self._closing:
            return Dropped.STOPPING
        if self._queued >= limits.total:
            return Dropped.TOTAL
        if len(self._lanes.get(chat, ())) >= limits.per_chat:
            return Dropped.CHAT
        if user is not None:
            if self._per_user[user] >= limits.per_user:
                return Dropped.USER
            if not self._take_token(user):
                return Dropped.RATE
        return None

    def _take_token(self, user: Hashable) -> bool:
        """The user's token bucket: ``user_burst`` at once, then ``user_rate`` a second."""
        now = self._clock()
        limits = self.limits
        bucket = self._buckets.get(user)
        if bucket is None:
            if len(self._buckets) >= 4 * limits.total:
                self._forget_full_buckets(now)
            bucket = self._buckets[user] = _Bucket(float(limits.user_burst), now)
        bucket.tokens = min(
            float(limits.user_burst), bucket.tokens + (now - bucket.at) * limits.user_rate
        )
        bucket.at = now
        if bucket.tokens < 1.0:
            return False
        bucket.tokens -= 1.0
        return True

    def _forget_full_buckets(self, now: float) -> None:
        """A bucket that has refilled says nothing: forget it (bounds the memory)."""
        limits = self.limits
        full_after = limits.user_burst / limits.user_rate if limits.user_rate > 0 else 0.0
        self._buckets = {user: b for user, b in self._buckets.items() if now - b.at < full_after}
        self._noticed = {
            chat: at for chat, at in self._noticed.items() if now - at < limits.notice_interval
        }

    def _dropped(self, update: object, chat: Hashable, reason: Dropped) -> None:
        self.stats.dropped[reason] += 1
        if reason is Dropped.STOPPING:
            return
        now = self._clock()
        self._drops_since_log += 1
        if now - self._last_drop_log >= self.limits.notice_interval:
            log.warning(
                "too many messages: dropped %d update(s) in the last %.0f s (latest: %s)",
                self._drops_since_log,
                min(now - self._last_drop_log, 1e9),
                reason.value,
            )
            self._last_drop_log = now
            self._drops_since_log = 0
        if self.notify is None:
            return
        if now - self._noticed.get(chat, -float("inf")) < self.limits.notice_interval:
            return  # coalesced: this chat was told recently
        self._noticed[chat] = now
        self.stats.notices += 1
        task = asyncio.create_task(self._send_notice(update), name="slow-down-notice")
        self._notices.add(task)
        task.add_done_callback(self._notices.discard)

    async def _send_notice(self, update: object) -> None:
        assert self.notify is not None
        try:
            await self.notify(update)
        except Exception as error:  # a notice is best effort; the log says so
            log.warning("could not send a slow-down notice (%s)", type(error).__name__)

    # -- running --------------------------------------------------------------------------

    async def _run_lane(self, chat: Hashable) -> None:
        """Run a chat's updates one after another until its lane is empty."""
        lane = self._lanes[chat]
        try:
            while lane:
                job = lane[0]
                try:
                    await job.coroutine
                except Exception:  # PTB's process_update hands handler errors on already
                    log.exception("an update failed outside its handlers")
                finally:
                    if lane and lane[0] is job:
                        lane.popleft()
                        self._release(job)
        finally:
            for job in lane:  # cancelled while stopping: what is left never runs
                _discard(job.coroutine)
                self._release(job)
            lane.clear()
            self._lanes.pop(chat, None)
            self._runners.pop(chat, None)

    def _release(self, job: _Job) -> None:
        self._queued -= 1
        if job.user is not None:
            self._per_user[job.user] -= 1
            if self._per_user[job.user] <= 0:
                del self._per_user[job.user]

    @property
    def queued(self) -> int:
        """Updates queued or running now."""
        return self._queued

    async def stop(self, grace: float | None = None) -> None:
        """Refuse new updates, drop queued ones, give running ones ``grace`` seconds
        (default ``limits.stop_grace``), then cancel them."""
        self._closing = True
        for task in list(self._notices):
            task.cancel()
        dropped = 0
        for lane in self._lanes.values():
            while len(lane) > 1:  # lane[0] is running
                job = lane.pop()
                _discard(job.coroutine)
                self._release(job)
                dropped += 1
        if dropped:
            log.info("stopping: %d queued update(s) dropped", dropped)
        runners = list(self._runners.values())
        if runners:
            grace = self.limits.stop_grace if grace is None else grace
            _done, pending = await asyncio.wait(runners, timeout=grace)
            for task in pending:
                task.cancel()
            if pending:
                log.info("stopping: %d update(s) still running were cancelled", len(pending))
                await asyncio.wait(pending, timeout=1.0)
        if self._notices:
            await asyncio.wait(list(self._notices), timeout=1.0)


class Offloader:
    """A small thread pool of its own for CPU work (matching): the event loop stays free,
    and a flood can queue work but never start more threads than ``max_workers``."""

    def __init__(self, max_workers: int = 2, name: str = "offload") -> None:
        self.max_workers = max_workers
        self.name = name
        self._executor: ThreadPoolExecutor | None = None

    async def run(self, func: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """``func(*args, **kwargs)`` in the pool, awaited."""
        if self._executor is None:
            self._executor = ThreadPoolExecutor(self.max_workers, thread_name_prefix=self.name)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, partial(func, *args, **kwargs))


MATCHING = Offloader(max_workers=2, name="faq-matching")
"""Where handlers run ``FAQ.reply`` (the FAQ is immutable, so threads may share it)."""


__all__ = ["MATCHING", "Dropped", "FairScheduler", "Limits", "Offloader", "SchedulerStats"]
