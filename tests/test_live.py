"""Live reload: a saved knowledge file is picked up; a broken save keeps the last good."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from faq import KnowledgeError
from faq.live import LiveFAQ

NEW_ENTRY = """\
  - id: aftercare
    topic: Aftercare
    questions:
      - What should I do after microneedling?
      - aftercare tips
      - how to look after my skin afterwards
    answer: Keep your skin clean and use sunscreen.
"""


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def save(path: Path, text: str) -> None:
    """Write ``text`` and make sure the modification time moves on."""
    before = path.stat().st_mtime_ns if path.exists() else 0
    path.write_text(text, encoding="utf-8")
    if path.stat().st_mtime_ns == before:  # coarse file-system clocks
        os.utime(path, ns=(before + 1_000_000, before + 1_000_000))


def with_new_entry(text: str) -> str:
    return text.replace("small_talk:", NEW_ENTRY + "small_talk:")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def test_first_load_failure_raises(tmp_path: Path) -> None:
    path = tmp_path / "knowledge.yaml"
    path.write_text("entries:\n  - id: x\n    questions: [a\n", encoding="utf-8")
    with pytest.raises(KnowledgeError, match="line"):
        LiveFAQ(path)


def test_change_is_picked_up_after_the_interval(
    knowledge_file: Path, knowledge_text: str, clock: FakeClock
) -> None:
    live = LiveFAQ(knowledge_file, check_interval=2.0, clock=clock)
    first = live.current()
    assert first.reply("aftercare tips").entry_id is None

    save(knowledge_file, with_new_entry(knowledge_text))
    clock.now += 1.0
    assert live.current() is first, "checked before the interval passed"
    clock.now += 1.5
    assert live.current() is first, "the change is seen, but it has not settled yet"
    clock.now += 2.0
    assert live().reply("aftercare tips").entry_id == "aftercare"
    assert live.last_error is None


def test_unchanged_file_is_not_reloaded(knowledge_file: Path, clock: FakeClock) -> None:
    live = LiveFAQ(knowledge_file, check_interval=2.0, clock=clock)
    first = live.current()
    clock.now += 10
    assert live.current() is first


def test_broken_save_keeps_last_good_and_reports_once(
    knowledge_file: Path, knowledge_text: str, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    errors: list[str] = []
    live = LiveFAQ(knowledge_file, check_interval=2.0, clock=clock, on_error=errors.append)
    broken = knowledge_text.replace(
        "    answer: Prices are on our website; call {clinic.phone}.\n", ""
    )
    save(knowledge_file, broken)
    clock.now += 3
    live.current()  # the change is seen; it is loaded once it has settled
    clock.now += 3
    with caplog.at_level(logging.ERROR, logger="faq.live"):
        faq = live.current()
    assert faq.reply("is it painful").entry_id == "pain"  # still the old knowledge
    assert faq.knowledge.entry("price") is not None
    assert live.last_error is not None
    assert "NOT reloaded" in live.last_error
    assert "knowledge.yaml, line 15" in live.last_error  # where entry 'price' starts
    assert len(errors) == 1
    assert errors[0] == live.last_error
    assert any("line 15" in r.getMessage() for r in caplog.records)

    clock.now += 3
    live.current()
    assert len(errors) == 1, "the same broken save is reported once"

    save(knowledge_file, with_new_entry(knowledge_text))
    clock.now += 3
    live.current()
    clock.now += 3
    assert live.current().reply("aftercare tips").entry_id == "aftercare"
    assert live.last_error is None


def test_forced_reload_reports_success_and_failure(
    knowledge_file: Path, knowledge_text: str, clock: FakeClock
) -> None:
    live = LiveFAQ(knowledge_file, check_interval=60, clock=clock)
    save(knowledge_file, with_new_entry(knowledge_text))
    ok, message = live.reload()
    assert ok
    assert message == "Reloaded knowledge.yaml: 3 entries."
    assert live.current().knowledge.entry("aftercare") is not None

    save(knowledge_file, "entries:\n  - id: pain\n    questions: [a\n")
    ok, message = live.reload()
    assert not ok
    assert "knowledge.yaml, line 3" in message  # the unclosed bracket
    assert live.current().knowledge.entry("aftercare") is not None


def test_missing_file_keeps_answering(knowledge_file: Path, clock: FakeClock) -> None:
    live = LiveFAQ(knowledge_file, check_interval=1, clock=clock)
    first = live.current()
    knowledge_file.unlink()  # an editor replacing the file
    clock.now += 2
    assert live.current() is first


def test_half_written_saves_never_reach_clients(
    knowledge_file: Path, knowledge_text: str, clock: FakeClock
) -> None:
    """20 in-place rewrites, each in pieces 0.3 s apart, while a client asks every 0.2 s."""
    good = with_new_entry(knowledge_text)
    save(knowledge_file, good)
    errors: list[str] = []
    live = LiveFAQ(knowledge_file, check_interval=0.2, clock=clock, on_error=errors.append)
    good_count = sum(1 for e in live.loaded().knowledge.entries if not e.small_talk)
    assert good_count == 3

    def client_asks() -> None:
        faq = live.current()
        assert sum(1 for e in faq.knowledge.entries if not e.small_talk) >= good_count
        assert faq.reply("hello").entry_id == "hello"
        assert faq.reply("is it painful").entry_id == "pain"
        assert faq.reply("aftercare tips").entry_id == "aftercare"

    pieces = 7
    for round_ in range(20):
        size = len(good) // pieces + round_  # cut at different places each round
        with knowledge_file.open("w", encoding="utf-8") as file:
            for start in range(0, len(good), size):
                file.write(good[start : start + size])
                file.flush()
                for _ in range(3):  # 0.3 s of a slow writer, the client asking every 0.2 s
                    clock.now += 0.1
                    if _ != 1:
                        client_asks()
        for _ in range(10):
            clock.now += 0.2
            client_asks()
    assert errors == [], "a complete save was never refused, and no half-save was loaded"


def test_a_file_that_lost_most_entries_is_held_back(
    knowledge_file: Path, knowledge_text: str, clock: FakeClock
) -> None:
    save(knowledge_file, with_new_entry(knowledge_text))
    errors: list[str] = []
    live = LiveFAQ(knowledge_file, check_interval=1, clock=clock, on_error=errors.append)
    cut = (
        knowledge_text.split("  - id: price")[0]
        + "small_talk:"
        + knowledge_text.split("small_talk:")[1]
    )
    save(knowledge_file, cut)  # a valid file with 1 entry where there were 3
    for _ in range(4):
        clock.now += 1
        faq = live.current()
    assert faq.knowledge.entry("price") is not None, "the last good version keeps answering"
    assert len(errors) == 1
    assert "NOT reloaded: it has 1 entries where" in errors[0]
    assert "/reload" in errors[0]

    ok, message = live.reload()  # an admin who removed them on purpose
    assert ok, message
    assert live.current().knowledge.entry("price") is None


def test_a_file_cut_after_entries_is_refused(
    knowledge_file: Path, knowledge_text: str, clock: FakeClock
) -> None:
    live = LiveFAQ(knowledge_file, check_interval=60, clock=clock)
    save(knowledge_file, knowledge_text.split("entries:")[0] + "entries:\n")
    ok, message = live.reload()
    assert not ok
    assert "'entries:' block is empty" in message
    assert live.current().knowledge.entry("pain") is not None
