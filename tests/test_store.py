"""The conversation store: recorded once, linked feedback, retention, threads, privacy."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import threading
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from faq import FAQ, Option, Reply, ReplyKind, parse_knowledge
from faq.report import format_stats, format_unanswered
from faq.store import (
    ConversationStore,
    StoreError,
    StoreUnavailableError,
    data_dir_from_env,
    open_store_from_env,
    open_store_or_none,
)

USER = "123456789"


@pytest.fixture
def faq(knowledge_text: str) -> FAQ:
    return FAQ(parse_knowledge(knowledge_text))


@pytest.fixture
def store(tmp_path: Path) -> ConversationStore:
    with ConversationStore(tmp_path / "c.sqlite3", salt="test-salt") as opened:
        yield opened


def rows(path: Path, sql: str) -> list[tuple]:
    # sqlite3's own context manager commits but does not close: Python 3.13 reports the leak.
    with closing(sqlite3.connect(path)) as db:
        return db.execute(sql).fetchall()


def test_a_question_is_recorded_once_with_its_reply(store: ConversationStore, faq: FAQ) -> None:
    reply = faq.reply("botox?")
    iid = store.record_reply(USER, "botox?", reply)
    assert iid > 0
    stored = rows(
        store.path, "SELECT id, question, kind, entry_id, score, candidates FROM interactions"
    )
    assert len(stored) == 1
    row_id, question, kind, entry_id, score, candidates = stored[0]
    assert (row_id, question, kind, entry_id) == (iid, "botox?", "fallback", None)
    assert score == round(reply.score, 1)
    assert json.loads(candidates) == [
        {"entry": c.entry_id, "score": round(c.score, 1)} for c in reply.candidates[:5]
    ]


def test_database_is_in_wal_mode(store: ConversationStore) -> None:
    assert rows(store.path, "PRAGMA journal_mode") == [("wal",)]


def test_feedback_and_choice_are_linked_to_their_interaction(
    store: ConversationStore, faq: FAQ
) -> None:
    answered = store.record_reply(USER, "is it painful", faq.reply("is it painful"))
    choices = (Option("price", "How much is it?"), Option("pain", "Does it hurt?"))
    unsure = Reply(ReplyKind.DID_YOU_MEAN, "Did you mean", None, 42.0, choices)
    vague = store.record_reply(USER, "cost hurt", unsure)
    store.record_feedback(answered, helpful=False)
    store.record_feedback(answered, helpful=True)  # changed their mind: the last vote counts
    store.record_choice(vague, "price")
    store.record_feedback(vague, helpful=False)
    assert rows(store.path, "SELECT interaction_id, entry_id FROM choices") == [(vague, "price")]
    assert sorted(rows(store.path, "SELECT interaction_id, entry_id, helpful FROM feedback")) == [
        (answered, "pain", 1),
        (vague, "price", 0),
    ]
    counts = {c.entry_id: c for c in store.entry_counts(7)}
    assert (counts["pain"].answers, counts["pain"].helpful) == (1, 1)
    assert (counts["price"].answers, counts["price"].not_helpful) == (1, 1)


def test_feedback_on_unknown_interaction_is_ignored(store: ConversationStore) -> None:
    store.record_feedback(999, helpful=True)
    store.record_choice(999, "pain")
    assert rows(store.path, "SELECT COUNT(*) FROM feedback") == [(0,)]
    assert rows(store.path, "SELECT COUNT(*) FROM choices") == [(0,)]


def test_retention_deletes_old_rows_with_their_feedback(tmp_path: Path, faq: FAQ) -> None:
    path = tmp_path / "c.sqlite3"
    old = datetime.now(UTC) - timedelta(days=40)
    with ConversationStore(path, salt="s", retention_days=90) as store:
        old_id = store.record_reply(USER, "old question", faq.reply("price"), at=old)
        store.record_feedback(old_id, helpful=True, at=old)
        store.record_choice(old_id, "price", at=old)
        store.record_reply(USER, "new question", faq.reply("price"))
        assert store.purge() == 0  # 40 days is within 90
        assert store.purge(older_than_days=30) == 1
        assert [q for (q,) in rows(path, "SELECT question FROM interactions")] == ["new question"]
        assert rows(path, "SELECT COUNT(*) FROM feedback") == [(0,)]
        assert rows(path, "SELECT COUNT(*) FROM choices") == [(0,)]


def test_retention_runs_when_the_store_opens(tmp_path: Path, faq: FAQ) -> None:
    path = tmp_path / "c.sqlite3"
    with ConversationStore(path, salt="s", retention_days=90) as store:
        store.record_reply(
            USER, "ancient", faq.reply("x"), at=datetime.now(UTC) - timedelta(days=91)
        )
        store.record_reply(USER, "recent", faq.reply("x"))
    with ConversationStore(path, salt="s", retention_days=90) as store:
        assert store.count_interactions() == 1


def test_concurrent_writes_from_many_chats_lose_nothing(store: ConversationStore, faq: FAQ) -> None:
    reply = faq.reply("is it painful")
    threads_count, per_thread = 16, 25
    errors: list[BaseException] = []

    def chat(number: int) -> None:
        try:
            for i in range(per_thread):
                iid = store.record_reply(f"user{number}", f"question {number}-{i}", reply)
                store.record_feedback(iid, helpful=i % 2 == 0)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=chat, args=(n,)) for n in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    total = threads_count * per_thread
    assert store.count_interactions() == total
    assert rows(store.path, "SELECT COUNT(DISTINCT question) FROM interactions") == [(total,)]
    assert rows(store.path, "SELECT COUNT(*) FROM feedback") == [(total,)]
    assert store.people_count(1) == threads_count


def test_nothing_identifies_a_user_in_clear(store: ConversationStore, faq: FAQ) -> None:
    store.record_reply(USER, "is it painful", faq.reply("is it painful"))
    store.record_reply("987654321", "botox?", faq.reply("botox?"))
    store.close()
    raw = b"".join(p.read_bytes() for p in store.path.parent.iterdir() if p.is_file())
    assert USER.encode() not in raw
    assert b"987654321" not in raw
    hashes = [h for (h,) in rows(store.path, "SELECT user_hash FROM interactions")]
    assert len(set(hashes)) == 2
    assert all(len(h) == 64 and USER not in h for h in hashes)


def test_same_user_same_hash_but_salt_matters(tmp_path: Path) -> None:
    with (
        ConversationStore(tmp_path / "a.sqlite3", salt="one") as a,
        ConversationStore(tmp_path / "b.sqlite3", salt="two") as b,
    ):
        assert a.user_hash(USER) == a.user_hash(USER)
        assert a.user_hash(USER) != b.user_hash(USER)


def test_open_from_env_creates_dir_and_private_salt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    monkeypatch.setenv("FAQ_DATA_DIR", str(data))
    monkeypatch.delenv("FAQ_HASH_SALT", raising=False)
    monkeypatch.setenv("FAQ_RETENTION_DAYS", "30")
    with open_store_from_env() as store:
        assert store.retention_days == 30
        first = store.user_hash(USER)
    salt_file = data / "hash_salt"
    assert stat.S_IMODE(salt_file.stat().st_mode) == 0o600
    assert stat.S_IMODE((data / "conversations.sqlite3").stat().st_mode) == 0o600
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    with open_store_from_env() as store:
        assert store.user_hash(USER) == first, "the salt is kept between runs"
    monkeypatch.setenv("FAQ_HASH_SALT", "from-env")
    with open_store_from_env() as store:
        assert store.user_hash(USER) != first


def test_bad_retention_setting_says_what_to_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAQ_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("FAQ_RETENTION_DAYS", "ninety")
    with pytest.raises(StoreError, match="FAQ_RETENTION_DAYS should be a whole number"):
        open_store_from_env()


def test_admin_summaries(store: ConversationStore, faq: FAQ) -> None:
    assert format_stats(store, 7) == "No questions in the last 7 days."
    assert format_unanswered(store, 7) == "No unanswered questions in the last 7 days."
    for question in ("botox?", "Botox", "do you do botox?", "parking near you"):
        store.record_reply(USER, question, faq.reply(question))
    iid = store.record_reply("u2", "is it painful", faq.reply("is it painful"))
    store.record_feedback(iid, helpful=False)
    stats = format_stats(store, 7)
    assert stats.startswith("Last 7 days: 5 questions from 2 people: 1 answered,")
    assert "Feedback: 0 helpful, 1 not helpful." in stats
    unanswered = format_unanswered(store, 7)
    assert unanswered.startswith(
        "Most frequent unanswered questions, last 7 days (2 different questions):\n"
        '  3×  "do you do botox?" (+2 similar)\n'
    )
    assert '  1×  "parking near you"\n' in unanswered


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("call me on 07700 900123 please", "call me on [number] please"),
        ("+44 (20) 7946-0123 is my number", "[number] is my number"),
        ("write to jane.doe@mail.co.uk", "write to [email]"),
        ("I'm @jane_doe on here", "I'm [username] on here"),
        ("3 sessions in 2024-2025?", "3 sessions in 2024-2025?"),
    ],
    ids=["phone", "international", "email", "username", "no-contact-details"],
)
def test_contact_details_in_questions_are_masked(
    store: ConversationStore, faq: FAQ, typed: str, stored: str
) -> None:
    store.record_reply(USER, typed, faq.reply(typed))
    assert rows(store.path, "SELECT question FROM interactions") == [(stored,)]


def test_a_long_running_store_purges_as_it_writes(tmp_path: Path, faq: FAQ) -> None:
    with ConversationStore(tmp_path / "c.sqlite3", salt="s", retention_days=30) as store:
        store.record_reply(USER, "old", faq.reply("x"), at=datetime.now(UTC) - timedelta(days=31))
        assert store.count_interactions() == 1  # not due yet
        store._next_purge = 0.0  # hours later
        store.record_reply(USER, "new", faq.reply("x"))
        assert [q for (q,) in rows(store.path, "SELECT question FROM interactions")] == ["new"]


def test_the_ten_personal_formats_never_reach_the_database(
    store: ConversationStore, faq: FAQ
) -> None:
    typed = {
        "name": "hi im Sarah Jones",
        "date of birth": "dob 12/03/1990",
        "date": "can I come on 14 May 2026",
        "address": "I live at 12 High Street",
        "postcode": "near SW1A 1AA",
        "nhs number": "my nhs no is 943 476 5919",
        "card": "card 4111-1111-1111-1111",
        "iban": "refund to GB82WEST12345698765432",
        "email": "sarah@example.com",
        "phone": "07700 900123",
    }
    for text in typed.values():
        store.record_reply(USER, text, faq.reply(text))
    stored = " ".join(q for (q,) in rows(store.path, "SELECT question FROM interactions"))
    for secret in (
        "Sarah",
        "1990",
        "May 2026",
        "High Street",
        "SW1A",
        "5919",
        "4111",
        "GB82",
        "example.com",
        "900123",
    ):
        assert secret not in stored


def test_forget_leaves_no_row_for_that_client(store: ConversationStore, faq: FAQ) -> None:
    mine = store.record_reply(USER, "does it hurt", faq.reply("does it hurt"))
    store.record_feedback(mine, helpful=True)
    store.record_choice(mine, "pain")
    store.record_reply("someone else", "price?", faq.reply("price?"))
    assert store.forget(USER) == 1
    assert store.user_hash(USER) not in str(rows(store.path, "SELECT * FROM interactions"))
    assert rows(store.path, "SELECT COUNT(*) FROM feedback") == [(0,)]
    assert rows(store.path, "SELECT COUNT(*) FROM choices") == [(0,)]
    assert store.count_interactions() == 1  # the other client's row stays


def test_data_folder_does_not_depend_on_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FAQ_DATA_DIR", raising=False)
    monkeypatch.delenv("STATE_DIRECTORY", raising=False)
    knowledge = tmp_path / "clinic" / "knowledge.yaml"
    monkeypatch.chdir(tmp_path)
    assert data_dir_from_env(knowledge) == tmp_path.resolve() / "clinic" / "data"
    assert data_dir_from_env().is_absolute()
    monkeypatch.setenv("STATE_DIRECTORY", str(tmp_path / "state"))
    assert data_dir_from_env(knowledge) == tmp_path.resolve() / "state"
    monkeypatch.setenv("FAQ_DATA_DIR", "custom")
    assert data_dir_from_env(knowledge) == tmp_path.resolve() / "custom"


def test_a_read_only_data_folder_degrades_to_no_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    folder.chmod(0o500)
    monkeypatch.setenv("FAQ_DATA_DIR", str(folder))
    monkeypatch.delenv("FAQ_HASH_SALT", raising=False)
    if os.access(folder, os.W_OK):  # root writes anyway: a folder under a file cannot exist
        monkeypatch.setenv("FAQ_DATA_DIR", str(tmp_path / "a-file" / "data"))
        (tmp_path / "a-file").write_text("not a folder", encoding="utf-8")
    try:
        with pytest.raises(StoreUnavailableError):
            open_store_from_env()
        assert open_store_or_none() is None
        assert "answering without recording" in caplog.text
    finally:
        folder.chmod(0o700)


def test_a_bad_setting_still_stops_the_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAQ_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("FAQ_RETENTION_DAYS", "ninety")
    with pytest.raises(StoreError, match="FAQ_RETENTION_DAYS"):
        open_store_or_none()
