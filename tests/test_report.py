"""``report`` on a seeded database: grouped unanswered questions, feedback, answer counts."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from faq import Candidate, Reply, ReplyKind
from faq.report import format_csv, format_report, group_questions, run_report
from faq.store import DB_NAME, ConversationStore


def fallback(nearest: str | None = None, score: float = 0.0) -> Reply:
    candidates = (Candidate(nearest, score, "..."),) if nearest else ()
    return Reply(ReplyKind.FALLBACK, "Sorry", None, score, (), candidates)


def did_you_mean(nearest: str, score: float) -> Reply:
    return Reply(
        ReplyKind.DID_YOU_MEAN, "Did you mean", None, score, (), (Candidate(nearest, score, "..."),)
    )


def answer(entry_id: str, score: float = 90.0) -> Reply:
    return Reply(
        ReplyKind.ANSWER, "An answer", entry_id, score, (), (Candidate(entry_id, score, "..."),)
    )


@pytest.fixture
def seeded(tmp_path: Path) -> ConversationStore:
    """Two weeks of chats from a few clients, plus one old row outside the period."""
    store = ConversationStore(tmp_path / DB_NAME, salt="s")
    now = datetime.now(UTC)
    chats = [
        ("Is there parking?", fallback("contact", 21.0)),
        ("parking", fallback()),
        ("is there any parking near you", fallback("contact", 25.0)),
        ("Do you do botox", fallback("price", 30.0)),
        ("do you do botox?", fallback("price", 32.0)),
        ("how long does it last", did_you_mean("results", 55.0)),
        ("how long does it last", did_you_mean("results", 55.0)),
        ("does it hurt", answer("pain")),
        ("does it hurt a lot", answer("pain")),
        ("price?", answer("price")),
    ]
    ids = []
    for number, (question, reply) in enumerate(chats):
        at = now - timedelta(days=number % 5, hours=1)
        ids.append(store.record_reply(f"user{number % 3}", question, reply, at=at))
    store.record_choice(ids[5], "results")
    store.record_feedback(ids[5], helpful=False)  # the pressed option's answer did not help
    store.record_feedback(ids[7], helpful=False)
    store.record_feedback(ids[8], helpful=False)
    store.record_feedback(ids[9], helpful=True)
    store.record_reply(
        "user9", "old question about parking", fallback(), at=now - timedelta(days=20)
    )
    yield store
    store.close()


def test_report_on_seeded_database(seeded: ConversationStore) -> None:
    report = format_report(seeded, days=7)
    assert report == "\n".join(
        [
            'Last 7 days: 10 questions from 3 people: 3 answered, 2 "did you mean", '
            "5 not understood, 0 small talk.",
            "",
            "== Questions the bot could not answer ==",
            "Add these as questions to the nearest entry if it answers them, or write a new entry.",
            '  3×  "Is there parking?" (+2 similar)',
            "      nearest: contact (25)",
            '  2×  "Do you do botox" (+1 similar)',
            "      nearest: price (32)",
            '  2×  "how long does it last"',
            "      nearest: results (55); then pressed results ×1",
            "",
            '== Entries with "not helpful" votes ==',
            "  not helpful  helpful  entry",
            "            2        0  pain",
            "            1        0  results",
            "",
            "== Answers per entry ==",
            "      2  pain",
            "      1  price",
            "      1  results",
        ]
    )


def test_period_includes_older_rows_when_longer(seeded: ConversationStore) -> None:
    report = format_report(seeded, days=30)
    assert report.startswith("Last 30 days: 11 questions from 4 people")
    assert '  4×  "Is there parking?" (+3 similar)' in report


def test_csv_is_one_table(seeded: ConversationStore) -> None:
    rows = list(csv.DictReader(io.StringIO(format_csv(seeded, days=7))))
    unanswered = [r for r in rows if r["section"] == "unanswered"]
    assert [(r["question"], r["count"], r["entry"]) for r in unanswered] == [
        ("Is there parking?", "3", "contact"),
        ("Do you do botox", "2", "price"),
        ("how long does it last", "2", "results"),
    ]
    assert unanswered[0]["similar_questions"] == "parking | is there any parking near you"
    entries = {r["entry"]: r for r in rows if r["section"] == "entry"}
    assert (entries["pain"]["answers"], entries["pain"]["not_helpful"]) == ("2", "2")


def test_grouping_keeps_different_questions_apart(seeded: ConversationStore) -> None:
    groups = group_questions(seeded.unanswered_questions(7))
    assert [g.question for g in groups] == [
        "Is there parking?",
        "Do you do botox",
        "how long does it last",
    ]


def test_run_report_without_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAQ_DATA_DIR", str(tmp_path / "nothing"))
    text, status = run_report(30)
    assert status == 0
    assert text.startswith("No conversations recorded yet:")
    assert not (tmp_path / "nothing").exists(), "report creates nothing"


def test_run_report_reads_the_env_store(
    seeded: ConversationStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAQ_DATA_DIR", str(seeded.path.parent))
    monkeypatch.setenv("FAQ_HASH_SALT", "s")
    text, status = run_report(7)
    assert status == 0
    assert '3×  "Is there parking?"' in text
    text, status = run_report(7, as_csv=True)
    assert text.startswith("section,entry,question,count")
    assert run_report(0)[1] == 2


@pytest.fixture
def knowledge_with_botox(tmp_path: Path, knowledge_text: str) -> Path:
    path = tmp_path / "clinic" / "knowledge.yaml"
    path.parent.mkdir()
    path.write_text(knowledge_text + "not_covered: [botox, lip filler]\n", encoding="utf-8")
    return path


def test_not_covered_subjects_are_grouped_as_such(seeded: ConversationStore) -> None:
    seeded.record_reply("9", "botx for wrinkles?", fallback("price", 20.0))
    report = format_report(seeded, 30, not_covered=("botox", "lip filler"))
    assert (
        '  3×  "Do you do botox"\n'
        "      asked about botox, which the bot does not cover: nothing to add"
    ) in report.replace('"do you do botox?"', '"Do you do botox"')
    assert "nearest: price" not in report
    assert "nearest: contact" in report  # parking is still a question to add


def test_csv_marks_not_covered_subjects(seeded: ConversationStore) -> None:
    rows = list(csv.DictReader(io.StringIO(format_csv(seeded, 30, ("botox",)))))
    botox = [r for r in rows if r["section"] == "not_covered"]
    assert [(r["entry"], r["count"]) for r in botox] == [("botox", "2")]


def test_csv_without_database_is_a_header_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAQ_DATA_DIR", str(tmp_path / "nothing"))
    output, status = run_report(30, as_csv=True)
    assert status == 0
    rows = list(csv.reader(io.StringIO(output)))
    assert rows == [list(csv.DictReader(io.StringIO(format_csv(None, 30))).fieldnames or [])]
    assert rows[0][0] == "section"


def test_run_report_reads_the_knowledge_and_its_data_folder(
    knowledge_with_botox: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FAQ_DATA_DIR", raising=False)
    monkeypatch.delenv("STATE_DIRECTORY", raising=False)
    data = knowledge_with_botox.parent / "data"
    data.mkdir()
    with ConversationStore(data / DB_NAME, salt="s") as store:
        store.record_reply("1", "do you do botox", fallback("price", 30.0))
    output, status = run_report(30, knowledge=knowledge_with_botox)
    assert status == 0
    assert "asked about botox, which the bot does not cover" in output
