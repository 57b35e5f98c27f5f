"""Live reload: the bot picks up a saved knowledge file without a restart.

``LiveFAQ`` holds the FAQ built from the knowledge file and hands it out through
``current()`` (or by calling it: it is the REPL's provider; Telegram's handlers use
``loaded()`` while a background task calls ``current()``). At most
every ``check_interval`` seconds it looks at the file's modification time and size —
one ``stat``, no extra dependency — and when they changed it loads the file again.

A change is loaded only once the file has stayed the same for ``settle`` seconds (by
default one check interval), so a
file written in place in pieces (``scp``, ``cat >``, some editors) is never read half-way.
A file that loads but lost more than half of its entries, or all of them, is held back as
suspicious, like a file that does not load.

A save that does not load (a typo in the YAML, a missing answer) never takes the bot
down: the last good knowledge keeps answering, the problems are logged at ERROR with
their lines, kept in ``last_error``, and passed to ``on_error`` (Telegram tells the
admins). The next save is tried again. ``reload()`` forces a load now (``/reload``).

Usage::

    live = LiveFAQ("knowledge.yaml")          # raises KnowledgeError if it cannot load
    reply = live.current().reply("does it hurt?")
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

from faq.config import DEFAULT_RELOAD_SECONDS
from faq.engine import FAQ
from faq.errors import KnowledgeError
from faq.fusion import EmbeddingCache

log = logging.getLogger(__name__)

Signature = tuple[int, int, int] | None
"""What tells a changed file: (modification time in ns, size, inode); None if missing."""


def _signature(path: Path) -> Signature:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


class LiveFAQ:
    """The current FAQ for a knowledge file, reloaded when the file changes."""

    def __init__(
        self,
        path: str | Path,
        check_interval: float = DEFAULT_RELOAD_SECONDS,
        *,
        on_error: Callable[[str], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
        settle: float | None = None,
        cache: EmbeddingCache | None = None,
    ) -> None:
        """Load ``path`` now; raises ``KnowledgeError`` if the first load fails.

        ``on_error(message)`` is called (from whichever thread noticed the change) when an
        automatic reload fails; ``message`` is ready to show to staff.
        """
        self.path = Path(path)
        self.cache = cache
        """Embeddings for the encoder (None: lexical only); a reload embeds only new text."""
        self.check_interval = check_interval
        self.on_error = on_error
        self.last_error: str | None = None
        self._clock = clock
        self.settle = check_interval if settle is None else settle
        """A changed file must stay the same this long before it is loaded."""
        self._pending: tuple[Signature, float] | None = None
        """A changed signature not loaded yet, and when it was first seen."""
        self._lock = threading.Lock()
        self._signature = _signature(self.path)  # taken before reading: no save is missed
        self._faq = FAQ.from_file(self.path, cache=cache)
        self._loaded_at = time.strftime("%H:%M:%S")
        self._next_check = clock() + check_interval

    def current(self) -> FAQ:
        """The FAQ to answer with now; cheap (a ``stat`` at most every check_interval)."""
        now = self._clock()
        if now < self._next_check:
            return self._faq
        # Another thread is already checking or loading: answer with what we have.
        if not self._lock.acquire(blocking=False):
            return self._faq
        try:
            self._next_check = now + self.check_interval
            signature = _signature(self.path)
            if signature is None or signature == self._signature:
                self._pending = None
            elif not self._settled(signature, now):
                # Still being written, or just saved: look again once it may have settled.
                self._next_check = now + min(self.check_interval, self.settle)
            else:
                self._pending = None
                ok, message = self._load(signature)
                if not ok and self.on_error is not None:
                    try:
                        self.on_error(message)
                    except Exception:
                        log.exception("the on_error callback failed")
        finally:
            self._lock.release()
        return self._faq

    __call__ = current

    def loaded(self) -> FAQ:
        """The FAQ loaded last, without looking at the file: for callers that must not
        wait on a load (an event loop) while a background task calls ``current()``."""
        return self._faq

    def _settled(self, signature: Signature, now: float) -> bool:
        """Has the file stayed as ``signature`` for ``settle`` seconds?

        True when its modification time is that old already, or when this signature was
        first seen that long ago (the clock may be a test's).
        """
        if signature is None:
            return False
        if time.time() - signature[0] / 1e9 >= self.settle:
            return True
        if self._pending is None or self._pending[0] != signature:
            self._pending = (signature, now)
            return False
        return now - self._pending[1] >= self.settle

    def reload(self) -> tuple[bool, str]:
        """Load the file now, changed or not; returns (ok, a message for staff).

        Unlike an automatic reload it does not wait for the file to settle, and it loads
        a file that lost more than half of its entries (an admin asked for it).
        """
        with self._lock:
            self._next_check = self._clock() + self.check_interval
            return self._load(_signature(self.path), trust_drop=True)

    def _load(self, signature: Signature, *, trust_drop: bool = False) -> tuple[bool, str]:
        """Build a new FAQ from the file; the caller holds the lock.

        ``trust_drop`` (an admin's explicit reload) loads a file that lost more than half
        of its entries; an automatic reload holds it back.
        """
        # Remember this version even if it fails, so a broken save is reported once and
        # the next save is tried again.
        self._signature = signature
        try:
            faq = FAQ.from_file(self.path, cache=self.cache)
        except KnowledgeError as error:
            self.last_error = (
                f"{self.path.name} was NOT reloaded: the bot keeps answering from the version "
                f"loaded at {self._loaded_at}.\n{error}"
            )
            log.error("%s", self.last_error)
            return False, self.last_error
        count = _entry_count(faq)
        before = _entry_count(self._faq)
        if count == 0 or (count * 2 < before and not trust_drop):
            self.last_error = (
                f"{self.path.name} was NOT reloaded: it has {count} entries where the version "
                f"loaded at {self._loaded_at} has {before}. That looks like a file saved only "
                "half-way, so the bot keeps answering from the earlier version. If the "
                "entries were removed on purpose, check the file with 'python bot.py check' "
                "and send /reload to load it anyway."
            )
            log.error("%s", self.last_error)
            return False, self.last_error
        self._faq = faq
        self._loaded_at = time.strftime("%H:%M:%S")
        self.last_error = None
        message = f"Reloaded {self.path.name}: {count} entries."
        log.info("%s", message)
        return True, message


def _entry_count(faq: FAQ) -> int:
    return sum(1 for entry in faq.knowledge.entries if not entry.small_talk)
