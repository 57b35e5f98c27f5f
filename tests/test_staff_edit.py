"""A typical staff edit of the shipped knowledge keeps every knowledge-dependent check green.

Staff add entries with common ids (``gift_vouchers``); the suite must not own those ids.
This appends such an entry to a copy of the shipped knowledge.yaml, the way a receptionist
would write it, and runs what the suite checks on the shipped file: it loads, ``check``
finds no errors, the new entry answers its own questions, and every other entry still
answers its first question.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from faq import FAQ
from faq.lint import check_knowledge

SHIPPED = Path(__file__).resolve().parent.parent / "knowledge.yaml"

STAFF_ENTRIES = {
    "gift_vouchers": """\
  - id: gift_vouchers
    topic: Booking and contact
    questions:
      - Do you sell gift vouchers?
      - gift voucher
      - can I buy a gift card for a friend
      - do you do vouchers for christmas
      - how much is a gift voucher
    answer: Yes, gift vouchers for any treatment are available at reception.
""",
    "cancellation": """\
  - id: cancellation
    topic: Booking and contact
    questions:
      - What is your cancellation policy?
      - can I cancel my appointment
      - i need to cancel
      - how do I change my booking
      - is there a fee if I cancel late
    answer: Please give us 24 hours' notice to cancel or move an appointment.
""",
}
"""Typical entries staff add, each under the id they would choose. If staff have already
added one (the shipped file holds that id), the next is used: adding it again would only
make two entries answer the same questions."""


def test_shipped_knowledge_with_a_staff_entry_passes_the_checks(tmp_path: Path) -> None:
    text = SHIPPED.read_text(encoding="utf-8")
    assert "\nsmall_talk:" in text
    shipped = FAQ.from_file(SHIPPED)
    free = [i for i in STAFF_ENTRIES if shipped.knowledge.entry(i) is None]
    if not free:
        pytest.skip("the shipped knowledge already holds every typical staff entry")
    new_id = free[0]
    edited = tmp_path / "knowledge.yaml"
    edited.write_text(
        text.replace("\nsmall_talk:", "\n" + STAFF_ENTRIES[new_id] + "small_talk:", 1)
    )

    result = check_knowledge(edited)
    assert result.errors == [], "\n".join(str(f) for f in result.errors)
    faq = result.faq
    assert faq is not None
    questions = [line.strip()[2:] for line in STAFF_ENTRIES[new_id].splitlines() if "- " in line]
    assert faq.reply(questions[1]).entry_id == new_id
    assert faq.reply(questions[3]).entry_id == new_id

    for old in shipped.knowledge.entries:
        if old.small_talk:
            continue
        before = shipped.reply(old.label).entry_id
        assert faq.reply(old.label).entry_id == before, old.id
