"""Hand-off threads (faq.handoff on the store's handoffs table) and their texts."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import pytest

from faq import Reply, ReplyKind, parse_knowledge
from faq.handoff import (
    MAX_STAFF_MESSAGE,
    THREAD_HOURS,
    Handoffs,
    client_confirmation,
    staff_message,
    team_unreachable,
)
from faq.store import ConversationStore

STAFF = -100500
HOUR = 3600.0


@dataclass(frozen=True)
class Exchange:
    text: str
    reply: Reply
    at: float = 0.0


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def db(tmp_path: Path) -> ConversationStore:
    store = ConversationStore(tmp_path / "c.sqlite3", salt="s")
    yield store
    store.close()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def desk(db: ConversationStore, clock: Clock) -> Handoffs:
    return Handoffs(db, STAFF, clock=clock)


def test_a_thread_is_found_from_its_messages_and_from_the_client(desk: Handoffs) -> None:
    thread = desk.open(42, "42", [7001, 7002])
    assert desk.for_client(42) == thread
    assert desk.for_staff_message(7001) == thread
    assert desk.for_staff_message(7002) == thread  # a second part of a long message
    desk.passed_on(thread, [7010])
    assert desk.for_staff_message(7010) == thread
    assert desk.for_client(43) is None
    assert desk.for_staff_message(9999) is None


def test_two_clients_never_share_a_thread(desk: Handoffs) -> None:
    anna = desk.open(1, "1", [500])
    ben = desk.open(2, "2", [501])
    desk.passed_on(anna, [502])
    desk.passed_on(ben, [503])
    assert desk.for_staff_message(502).client_chat == 1
    assert desk.for_staff_message(503).client_chat == 2
    assert desk.close(anna)
    assert desk.for_client(1) is None
    assert desk.for_client(2) == ben
    assert desk.for_staff_message(502) is None
    assert not desk.close(anna)  # already closed


def test_a_thread_closes_after_24_quiet_hours(desk: Handoffs, clock: Clock) -> None:
    thread = desk.open(42, "42", [100])
    clock.now += (THREAD_HOURS - 1) * HOUR
    desk.answered(thread)  # a staff reply keeps it open from now
    clock.now += (THREAD_HOURS - 1) * HOUR
    assert desk.for_client(42) is not None
    clock.now += 2 * HOUR
    assert desk.for_client(42) is None
    assert desk.for_staff_message(100) is None
    assert desk.expire() == 1


def test_a_later_message_cannot_reopen_a_closed_thread(desk: Handoffs) -> None:
    thread = desk.open(42, "42", [100])
    desk.close(thread)
    desk.passed_on(thread, [101])
    assert desk.for_staff_message(101) is None


def test_threads_survive_a_restart(tmp_path: Path, clock: Clock) -> None:
    path = tmp_path / "c.sqlite3"
    with ConversationStore(path, salt="s") as first:
        Handoffs(first, STAFF, clock=clock).open(42, "42", [100])
    with ConversationStore(path, salt="s") as second:
        thread = Handoffs(second, STAFF, clock=clock).for_staff_message(100)
        assert thread is not None
        assert thread.client_chat == 42


def test_forget_deletes_the_clients_threads_and_no_text_is_stored(
    db: ConversationStore, desk: Handoffs
) -> None:
    desk.open(42, "42", [100])
    desk.open(43, "43", [101])
    db.forget("42")
    assert desk.for_client(42) is None
    assert desk.for_client(43) is not None
    with closing(sqlite3.connect(db.path)) as raw:  # sqlite3's own `with` does not close
        columns = [row[1] for row in raw.execute("PRAGMA table_info(handoffs)")]
    assert not {"text", "name", "first_name", "question"} & set(columns)


def test_another_staff_chat_does_not_see_the_thread(db: ConversationStore, clock: Clock) -> None:
    Handoffs(db, STAFF, clock=clock).open(42, "42", [100])
    other = Handoffs(db, -1, clock=clock)
    assert other.for_staff_message(100) is None
    assert other.for_client(42) is None


KNOWLEDGE = parse_knowledge(
    "clinic:\n  name: Test Clinic\n  phone: '0123'\n  email: a@b.c\n  hours: Mon-Fri 9-5\n"
    "entries:\n  - id: pain\n    topic: T\n    questions: [does it hurt]\n    answer: A bit.\n"
)


def test_the_staff_message_holds_the_name_the_history_and_how_to_answer() -> None:
    history = [
        Exchange("my face is still red 3 days after", Reply(ReplyKind.PROBLEM, "Contact us.")),
        Exchange("can I talk to someone", Reply(ReplyKind.ANSWER, "Call 0123.")),
    ]
    text = staff_message("Anna", history)
    assert text.startswith("🙋 Anna would like to talk to the team.")
    assert "problem after treatment" in text
    assert text.index("my face is still red") < text.index("can I talk to someone")
    assert "Bot (answer): Call 0123." in text
    assert "reply to this message" in text
    assert "/done" in text


def test_a_long_history_keeps_the_latest_messages_in_one_message() -> None:
    history = [
        Exchange(f"message {i} " + "x" * 900, Reply(ReplyKind.ANSWER, "y" * 400)) for i in range(9)
    ]
    text = staff_message(None, history)
    assert len(text) <= MAX_STAFF_MESSAGE
    assert "message 8" in text
    assert "message 0 " not in text
    assert text.startswith("🙋 A client would like")


def test_client_texts_use_the_clinic_hours_and_phone() -> None:
    assert "Mon-Fri 9-5" in client_confirmation(KNOWLEDGE)
    assert "0123" in team_unreachable(KNOWLEDGE)
