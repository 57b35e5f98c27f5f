"""What clients asked and how the bot did: a small SQLite file for staff to learn from.

Every reply the bot sends is one *interaction* row: when, a salted hash of who asked
(never the Telegram id or name in clear: questions may hold health details), the
question text, the kind of reply, the entry answered, its score, and the top
candidates with their scores (JSON). A "did you mean" button the client then pressed
is a *choice*; a helpful / not helpful button is *feedback*; both point at their
interaction and are deleted with it.

Rows older than the retention period are deleted when the store opens, every few
hours while the bot runs, and whenever ``purge()`` runs. Personal details a client
types (contact details, names, dates, addresses, NHS and card numbers: see
``faq.redact``) are masked before the question is stored.

The file uses WAL mode, so ``report`` can read while the bot writes;
one connection behind a lock makes it safe for handlers running concurrently.

Usage::

    store = open_store_from_env()            # FAQ_DATA_DIR, FAQ_RETENTION_DAYS, FAQ_HASH_SALT
    iid = store.record_reply(str(user.id), text, reply)
    store.record_feedback(iid, helpful=True)
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import secrets
import sqlite3
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from faq.config import DEFAULT_RETENTION_DAYS, ConfigError, CoreConfig, load_core_config
from faq.redact import redact
from faq.replies import Reply, ReplyKind

log = logging.getLogger(__name__)

DB_NAME = "conversations.sqlite3"
SALT_NAME = "hash_salt"
MAX_QUESTION_CHARACTERS = 2000
"""Longer messages are cut: the start holds the question, the rest is not needed."""
STORED_CANDIDATES = 5
PURGE_EVERY_SECONDS = 6 * 3600
"""A long-running bot also deletes expired rows this often (checked when writing)."""

SCHEMA = """
CREATE TABLE IF NOT EXISTS interactions (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at  TEXT NOT NULL,          -- UTC, ISO 8601
    user_hash   TEXT NOT NULL,          -- HMAC-SHA256 of the user id with the salt
    question    TEXT NOT NULL,
    kind        TEXT NOT NULL,          -- answer, small_talk, did_you_mean, fallback
    entry_id    TEXT,                   -- the entry answered, if any
    score       REAL NOT NULL,
    candidates  TEXT NOT NULL           -- JSON: [{"entry": id, "score": n}, ...]
);
CREATE INDEX IF NOT EXISTS interactions_created_at ON interactions (created_at);
CREATE TABLE IF NOT EXISTS choices (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    interaction_id  INTEGER NOT NULL REFERENCES interactions (id) ON DELETE CASCADE,
    entry_id        TEXT NOT NULL,
    created_at      TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS choices_interaction ON choices (interaction_id);
CREATE TABLE IF NOT EXISTS feedback (
    interaction_id  INTEGER PRIMARY KEY REFERENCES interactions (id) ON DELETE CASCADE,
    entry_id        TEXT,               -- the entry the vote is about
    helpful         INTEGER NOT NULL,   -- 1 helpful, 0 not helpful (the last vote counts)
    created_at      TEXT NOT NULL
);
-- Hand-off threads (faq.handoff): which client a message in the staff chat belongs to.
-- Ids only, never a text or a name. One row per bot message in the staff chat that
-- belongs to a thread; the thread is named by the message that opened it.
CREATE TABLE IF NOT EXISTS handoffs (
    staff_chat        INTEGER NOT NULL,
    staff_message_id  INTEGER NOT NULL,
    thread_id         INTEGER NOT NULL,  -- the staff_message_id that opened the thread
    client_chat       INTEGER NOT NULL,  -- the client's private chat: where replies go
    user_hash         TEXT NOT NULL,     -- as in interactions, for /forget
    opened_at         REAL NOT NULL,     -- Unix seconds
    last_at           REAL NOT NULL,     -- the thread's latest message (same on every row)
    PRIMARY KEY (staff_chat, staff_message_id)
);
CREATE INDEX IF NOT EXISTS handoffs_client ON handoffs (client_chat, staff_chat);
"""


class StoreError(Exception):
    """The conversation store cannot be opened or used; the message says what to do."""


class StoreUnavailableError(StoreError):
    """The data folder or database cannot be written (read-only, missing, damaged)."""


@dataclass(frozen=True, slots=True)
class UnansweredQuestion:
    """A question the bot did not answer directly (a fallback or a "did you mean")."""

    created_at: datetime
    question: str
    kind: ReplyKind
    top_entry: str | None
    top_score: float
    chosen_entry: str | None
    """The "did you mean" option the client pressed afterwards, if any."""


@dataclass(frozen=True, slots=True)
class HandoffThread:
    """An open hand-off: a client's conversation with the staff chat."""

    staff_chat: int
    thread_id: int
    """The id of the staff-chat message that opened the thread."""
    client_chat: int
    opened_at: float
    last_at: float
    """Unix seconds of the thread's latest message, either way."""


@dataclass(frozen=True, slots=True)
class EntryCount:
    """How often an entry was answered, and its feedback votes, over a period."""

    entry_id: str
    answers: int = 0
    helpful: int = 0
    not_helpful: int = 0


def _utc(at: datetime | None = None) -> str:
    at = at or datetime.now(UTC)
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _since(days: int | float) -> str:
    return _utc(datetime.now(UTC) - timedelta(days=days))


class ConversationStore:
    """The SQLite file of interactions, choices and feedback; safe across threads."""

    def __init__(
        self, path: str | Path, *, salt: str, retention_days: int = DEFAULT_RETENTION_DAYS
    ) -> None:
        """Open (creating if needed) the database at ``path`` and purge expired rows."""
        if not salt:
            raise StoreError("the hash salt is empty; set FAQ_HASH_SALT or leave it unset.")
        if retention_days < 1:
            raise StoreError(f"retention must be at least 1 day, not {retention_days}.")
        self.path = Path(path)
        self.retention_days = retention_days
        self._salt = salt.encode("utf-8")
        self._lock = threading.Lock()
        try:
            if not self.path.exists():  # private from the start: questions may be sensitive
                os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600))
            self._db = sqlite3.connect(self.path, check_same_thread=False, timeout=10.0)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._db.execute("PRAGMA synchronous=NORMAL")
            with self._db:
                self._db.executescript(SCHEMA)
        except (sqlite3.Error, OSError) as exc:
            raise StoreUnavailableError(
                f"cannot open the conversation database {self.path} ({exc}). Check that the "
                "folder exists and is writable (FAQ_DATA_DIR), and that the file is not damaged."
            ) from exc
        self.purge()

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            self._db.close()

    def __enter__(self) -> ConversationStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def user_hash(self, user: str) -> str:
        """A salted, one-way hash of a user id: the same person gives the same value."""
        return hmac.new(self._salt, str(user).encode("utf-8"), hashlib.sha256).hexdigest()

    # -- writing ------------------------------------------------------------------------

    def record_reply(
        self, user: str, question: str, reply: Reply, *, at: datetime | None = None
    ) -> int:
        """Store one question and the bot's reply; returns the interaction id."""
        candidates = json.dumps(
            [
                {"entry": c.entry_id, "score": round(c.score, 1)}
                for c in reply.candidates[:STORED_CANDIDATES]
            ]
        )
        row = (
            _utc(at),
            self.user_hash(user),
            redact(question[:MAX_QUESTION_CHARACTERS]),
            ReplyKind(reply.kind).value,
            reply.entry_id,
            round(float(reply.score), 1),
            candidates,
        )
        with self._lock, self._db:
            cursor = self._db.execute(
                "INSERT INTO interactions"
                " (created_at, user_hash, question, kind, entry_id, score, candidates)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                row,
            )
            interaction_id = int(cursor.lastrowid or 0)
        if time.monotonic() >= self._next_purge:
            self.purge()
        return interaction_id

    def record_choice(
        self, interaction_id: int, entry_id: str, *, at: datetime | None = None
    ) -> None:
        """Store that the client pressed the option for ``entry_id`` after an interaction."""
        with self._lock, self._db:
            self._db.execute(
                "INSERT INTO choices (interaction_id, entry_id, created_at)"
                " SELECT id, ?, ? FROM interactions WHERE id = ?",
                (entry_id, _utc(at), interaction_id),
            )

    def record_feedback(
        self,
        interaction_id: int,
        helpful: bool,
        *,
        entry_id: str | None = None,
        at: datetime | None = None,
    ) -> None:
        """Store a helpful / not helpful vote on an interaction's answer (last vote counts).

        The vote is about ``entry_id`` if given, else the option the client last pressed
        for this interaction, else the entry the interaction answered.
        """
        with self._lock, self._db:
            self._db.execute(
                "INSERT INTO feedback (interaction_id, entry_id, helpful, created_at)"
                " SELECT i.id, COALESCE(?, (SELECT c.entry_id FROM choices c"
                "   WHERE c.interaction_id = i.id ORDER BY c.id DESC LIMIT 1), i.entry_id), ?, ?"
                " FROM interactions i WHERE i.id = ?"
                " ON CONFLICT (interaction_id) DO UPDATE SET entry_id = excluded.entry_id,"
                "   helpful = excluded.helpful, created_at = excluded.created_at",
                (entry_id, 1 if helpful else 0, _utc(at), interaction_id),
            )

    def purge(self, older_than_days: int | None = None) -> int:
        """Delete interactions (with their choices and feedback) older than N days.

        Defaults to the retention period; returns how many interactions were deleted.
        """
        days = self.retention_days if older_than_days is None else older_than_days
        self._next_purge = time.monotonic() + PURGE_EVERY_SECONDS
        with self._lock, self._db:
            cursor = self._db.execute(
                "DELETE FROM interactions WHERE created_at < ?", (_since(days),)
            )
        if cursor.rowcount:
            log.info("deleted %d conversation rows older than %d days", cursor.rowcount, days)
        return cursor.rowcount

    def forget(self, user: str) -> int:
        """Delete every row stored about ``user`` (a client's /forget); returns how many
        interactions were deleted (their choices and feedback, and their hand-off
        threads, go with them)."""
        user_hash = self.user_hash(user)
        with self._lock, self._db:
            cursor = self._db.execute("DELETE FROM interactions WHERE user_hash = ?", (user_hash,))
            self._db.execute("DELETE FROM handoffs WHERE user_hash = ?", (user_hash,))
        log.info("deleted %d conversation rows on a client's request", cursor.rowcount)
        return cursor.rowcount

    # -- hand-off threads ---------------------------------------------------------------

    def open_handoff(
        self, staff_chat: int, staff_message_id: int, client_chat: int, user: str, at: float
    ) -> HandoffThread:
        """Start a thread at the staff-chat message ``staff_message_id`` for a client; any
        older thread of the same client in that staff chat is closed."""
        with self._lock, self._db:
            self._db.execute(
                "DELETE FROM handoffs WHERE client_chat = ? AND staff_chat = ?",
                (client_chat, staff_chat),
            )
            self._db.execute(
                "INSERT OR REPLACE INTO handoffs (staff_chat, staff_message_id, thread_id,"
                " client_chat, user_hash, opened_at, last_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    staff_chat,
                    staff_message_id,
                    staff_message_id,
                    client_chat,
                    self.user_hash(user),
                    at,
                    at,
                ),
            )
        return HandoffThread(staff_chat, staff_message_id, client_chat, at, at)

    def add_handoff_message(self, thread: HandoffThread, staff_message_id: int, at: float) -> None:
        """Record another staff-chat message of ``thread`` (a client's later message passed
        on) and mark the thread active at ``at``; nothing if the thread was closed."""
        with self._lock, self._db:
            self._db.execute(
                "INSERT OR REPLACE INTO handoffs (staff_chat, staff_message_id, thread_id,"
                " client_chat, user_hash, opened_at, last_at)"
                " SELECT staff_chat, ?, thread_id, client_chat, user_hash, opened_at, ?"
                " FROM handoffs WHERE staff_chat = ? AND staff_message_id = thread_id"
                " AND thread_id = ?",
                (staff_message_id, at, thread.staff_chat, thread.thread_id),
            )
            self._touch(thread, at)

    def touch_handoff(self, thread: HandoffThread, at: float) -> None:
        """Mark ``thread`` active at ``at`` (a staff reply reached the client)."""
        with self._lock, self._db:
            self._touch(thread, at)

    def _touch(self, thread: HandoffThread, at: float) -> None:
        self._db.execute(
            "UPDATE handoffs SET last_at = max(last_at, ?) WHERE staff_chat = ? AND thread_id = ?",
            (at, thread.staff_chat, thread.thread_id),
        )

    def handoff_for_staff_message(
        self, staff_chat: int, staff_message_id: int, active_since: float
    ) -> HandoffThread | None:
        """The open thread the staff-chat message belongs to (active since ``active_since``)."""
        return self._thread(
            "staff_chat = ? AND staff_message_id = ?", (staff_chat, staff_message_id), active_since
        )

    def handoff_for_client(
        self, staff_chat: int, client_chat: int, active_since: float
    ) -> HandoffThread | None:
        """The client's open thread with the staff chat (active since ``active_since``)."""
        return self._thread(
            "staff_chat = ? AND client_chat = ?", (staff_chat, client_chat), active_since
        )

    def _thread(
        self, where: str, params: tuple[Any, ...], active_since: float
    ) -> HandoffThread | None:
        rows = self._query(
            "SELECT staff_chat, thread_id, client_chat, opened_at, last_at FROM handoffs"
            f" WHERE {where} AND last_at >= ? ORDER BY last_at DESC LIMIT 1",
            (*params, active_since),
        )
        if not rows:
            return None
        staff_chat, thread_id, client_chat, opened_at, last_at = rows[0]
        return HandoffThread(int(staff_chat), int(thread_id), int(client_chat), opened_at, last_at)

    def close_handoff(self, thread: HandoffThread) -> bool:
        """Close ``thread`` (/done); False if it was already closed."""
        with self._lock, self._db:
            cursor = self._db.execute(
                "DELETE FROM handoffs WHERE staff_chat = ? AND thread_id = ?",
                (thread.staff_chat, thread.thread_id),
            )
        return cursor.rowcount > 0

    def expire_handoffs(self, active_since: float) -> int:
        """Delete the threads with no message since ``active_since``; returns the rows."""
        with self._lock, self._db:
            cursor = self._db.execute("DELETE FROM handoffs WHERE last_at < ?", (active_since,))
        return cursor.rowcount

    # -- reading ------------------------------------------------------------------------

    def _query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    def count_interactions(self) -> int:
        """How many interactions the store holds (all periods)."""
        return int(self._query("SELECT COUNT(*) FROM interactions")[0][0])

    def unanswered_questions(self, days: int) -> list[UnansweredQuestion]:
        """Fallbacks and "did you mean" replies of the last ``days`` days, newest first."""
        rows = self._query(
            "SELECT i.created_at, i.question, i.kind, i.candidates,"
            " (SELECT c.entry_id FROM choices c WHERE c.interaction_id = i.id"
            "  ORDER BY c.id DESC LIMIT 1)"
            " FROM interactions i WHERE i.created_at >= ? AND i.kind IN (?, ?)"
            " ORDER BY i.created_at DESC, i.id DESC",
            (_since(days), ReplyKind.FALLBACK.value, ReplyKind.DID_YOU_MEAN.value),
        )
        result = []
        for created_at, question, kind, candidates, chosen in rows:
            top = (json.loads(candidates) or [{}])[0]
            result.append(
                UnansweredQuestion(
                    datetime.strptime(created_at, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC),
                    question,
                    ReplyKind(kind),
                    top.get("entry"),
                    float(top.get("score", 0.0)),
                    chosen,
                )
            )
        return result

    def entry_counts(self, days: int) -> list[EntryCount]:
        """Per entry over the last ``days`` days: answers given and feedback votes.

        An answer is a direct answer or a "did you mean" option pressed; small talk is
        left out. Sorted by answers, most first.
        """
        since = _since(days)
        counts: dict[str, dict[str, int]] = {}
        for entry_id, n in self._query(
            "SELECT entry_id, COUNT(*) FROM interactions WHERE created_at >= ? AND kind = ?"
            " GROUP BY entry_id",
            (since, ReplyKind.ANSWER.value),
        ) + self._query(
            "SELECT entry_id, COUNT(*) FROM choices WHERE created_at >= ? GROUP BY entry_id",
            (since,),
        ):
            counts.setdefault(entry_id, {"answers": 0, "helpful": 0, "not_helpful": 0})
            counts[entry_id]["answers"] += n
        for entry_id, helpful, n in self._query(
            "SELECT entry_id, helpful, COUNT(*) FROM feedback"
            " WHERE created_at >= ? AND entry_id IS NOT NULL GROUP BY entry_id, helpful",
            (since,),
        ):
            counts.setdefault(entry_id, {"answers": 0, "helpful": 0, "not_helpful": 0})
            counts[entry_id]["helpful" if helpful else "not_helpful"] += n
        result = [EntryCount(entry_id, **c) for entry_id, c in counts.items()]
        return sorted(result, key=lambda c: (-c.answers, c.entry_id))

    def kind_counts(self, days: int) -> dict[str, int]:
        """How many replies of each kind in the last ``days`` days."""
        rows = self._query(
            "SELECT kind, COUNT(*) FROM interactions WHERE created_at >= ? GROUP BY kind",
            (_since(days),),
        )
        return {kind: int(n) for kind, n in rows}

    def people_count(self, days: int) -> int:
        """How many different people asked in the last ``days`` days (by their hash)."""
        rows = self._query(
            "SELECT COUNT(DISTINCT user_hash) FROM interactions WHERE created_at >= ?",
            (_since(days),),
        )
        return int(rows[0][0])


def load_or_create_salt(data_dir: Path) -> str:
    """The salt kept in ``data_dir``; a random one is created (mode 0600) the first time."""
    path = data_dir / SALT_NAME
    try:
        salt = path.read_text(encoding="utf-8").strip()
        if salt:
            return salt
    except FileNotFoundError:
        pass
    salt = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(salt + "\n")
    os.chmod(path, 0o600)
    log.info("created a new hash salt in %s (keep it with the database)", path)
    return salt


def data_dir_from_env(knowledge: Path | None = None, config: CoreConfig | None = None) -> Path:
    """The data folder the core settings choose (``CoreConfig.data_folder``); ``config``
    defaults to ``load_core_config()``, so FAQ_DATA_DIR, then $STATE_DIRECTORY, then ``data``
    beside the knowledge file."""
    try:
        chosen = config or load_core_config()
    except ConfigError as error:
        raise StoreError(str(error)) from None
    return chosen.data_folder(knowledge)


def open_store_from_env(
    knowledge: Path | None = None, config: CoreConfig | None = None
) -> ConversationStore:
    """Open the store the core settings configure (FAQ_DATA_DIR, FAQ_RETENTION_DAYS,
    FAQ_HASH_SALT; ``config`` defaults to ``load_core_config()``).

    The data folder is created if missing; without FAQ_HASH_SALT a random salt is
    generated once and kept in the data folder. Raises ``StoreError`` with what to fix on a
    bad setting, ``StoreUnavailableError`` when the folder cannot be written.
    """
    try:
        chosen = config or load_core_config()
    except ConfigError as error:
        raise StoreError(str(error)) from None
    data_dir = chosen.data_folder(knowledge)
    log.info("conversation data folder: %s", data_dir)
    try:
        if not data_dir.exists():
            data_dir.mkdir(parents=True, mode=0o700)
        salt = chosen.hash_salt or load_or_create_salt(data_dir)
    except OSError as exc:
        raise StoreUnavailableError(
            f"cannot use the data folder {data_dir} ({exc}). Set FAQ_DATA_DIR to a writable folder."
        ) from exc
    return ConversationStore(data_dir / DB_NAME, salt=salt, retention_days=chosen.retention_days)


def open_store_or_none(
    knowledge: Path | None = None, config: CoreConfig | None = None
) -> ConversationStore | None:
    """``open_store_from_env``, or None (logged once) when the data folder cannot be written.

    A read-only or missing data folder must not stop the bot answering clients: it
    then answers without recording anything.
    """
    try:
        return open_store_from_env(knowledge, config)
    except StoreUnavailableError as error:
        log.warning("answering without recording conversations: %s", error)
        return None
