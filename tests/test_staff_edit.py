"""A typical staff edit of the shipped knowledge keeps every knowledge-dependent check green.

Staff add entries with common ids (``gift_vouchers``); the suite must not own those ids.
This appends such an entry to a copy of the shipped knowledge.yaml, the way a receptionist
would write it, and runs what the suite checks on the shipped file: it loads, ``check``
finds no errors, the new entry answers its own questions, and every other entry still
answers its first question.
"""

from __future__ import annotations

from pathlib import Path

from faq import FAQ
from faq.lint import check_knowledge

SHIPPED = Path(__file__).resolve().parent.parent / "knowledge.yaml"

STAFF_ENTRY = """\
  - id: gift_vouchers
    topic: Booking and contact
    questions:
      - Do you sell gift vouchers?
      - gift voucher
      - can I buy a gift card for a friend
      - do you do vouchers for christmas
      - how much is a gift voucher
    answer: Yes, gift vouchers for any treatment are available at reception.
"""


def test_shipped_knowledge_with_a_staff_entry_passes_the_checks(tmp_path: Path) -> None:
    text = SHIPPED.read_text(encoding="utf-8")
    assert "\nsmall_talk:" in text
    edited = tmp_path / "knowledge.yaml"
    edited.write_text(text.replace("\nsmall_talk:", "\n" + STAFF_ENTRY + "small_talk:", 1))

    result = check_knowledge(edited)
    assert result.errors == [], "\n".join(str(f) for f in result.errors)
    faq = result.faq
    assert faq is not None
    assert faq.reply("Do you sell gift vouchers?").entry_id == "gift_vouchers"
    assert faq.reply("can I buy a gift card for a friend").entry_id == "gift_vouchers"

    shipped = FAQ.from_file(SHIPPED)
    for entry in shipped.knowledge.entries:
        if entry.small_talk:
            continue
        before = shipped.reply(entry.label).entry_id
        assert faq.reply(entry.label).entry_id == before, entry.id
