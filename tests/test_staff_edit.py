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
  - id: {id}
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
    shipped = FAQ.from_file(SHIPPED)
    # If staff have added this very entry already, add it again under a free id.
    new_id = next(
        i
        for i in ("gift_vouchers", "gift_vouchers_2", "gift_vouchers_3")
        if shipped.knowledge.entry(i) is None
    )
    entry = STAFF_ENTRY.replace("{id}", new_id)
    edited = tmp_path / "knowledge.yaml"
    edited.write_text(text.replace("\nsmall_talk:", "\n" + entry + "small_talk:", 1))

    result = check_knowledge(edited)
    assert result.errors == [], "\n".join(str(f) for f in result.errors)
    faq = result.faq
    assert faq is not None
    if new_id == "gift_vouchers":  # else an identical staff entry may answer first
        assert faq.reply("Do you sell gift vouchers?").entry_id == new_id
        assert faq.reply("can I buy a gift card for a friend").entry_id == new_id

    for old in shipped.knowledge.entries:
        if old.small_talk or old.id.startswith("gift_vouchers"):  # its twin may answer
            continue
        before = shipped.reply(old.label).entry_id
        assert faq.reply(old.label).entry_id == before, old.id
