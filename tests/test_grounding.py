"""Answers checked against their source articles (``check --source``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from faq import parse_knowledge
from faq.articles import read_article
from faq.grounding import check_grounding
from faq.lint import run_check

ROOT = Path(__file__).resolve().parent.parent
ARTICLE = ROOT / "sources" / "microneedling-article.txt"
SEED = ROOT.parent / "shared" / "seed" / "microneedling-article.txt"

KNOWLEDGE = """
clinic:
  name: Test Clinic
  phone: "+44 1"
  email: a@b.example
entries:
  - id: sessions
    topic: Results
    questions:
      - "How many sessions will I need?"
    answer: |
      Depending on your skin concerns, 3–6 sessions spaced 4–6 weeks apart are common.
      The treatment itself usually takes about 30 minutes. Call us on {clinic.phone}.
      PLANTED
  - id: prices
    topic: Booking
    source: clinic
    questions:
      - "How much is it?"
    answer: A session costs £150 and a course of 3 is £400, guaranteed lowest price.
  - id: rosacea
    topic: Suitability
    questions:
      - "Can I have it with rosacea?"
    answer: Our information doesn't cover microneedling with rosacea or eczema.
small_talk:
  - id: thanks
    questions:
      - "thanks"
    answer: You're welcome, always happy to help 100%!
"""

INVENTED_CLAIMS = [
    "You will see results in 2 weeks.",
    "Microneedling is safe in pregnancy.",
    "The results are permanent.",
    "It is guaranteed to remove stretch marks.",
    "Each session takes 90 minutes.",
    "Most clients need 10 sessions.",
    "It cures rosacea.",
    "We apply tranexamic acid serum after every session.",
    "There are no side effects at all.",
    "It works for everyone, whatever their skin.",
]


def knowledge_with(claim: str):
    return parse_knowledge(KNOWLEDGE.replace("PLANTED", claim), ROOT / "k.yaml")


def test_the_article_copy_is_the_seed_article() -> None:
    if not SEED.exists():
        pytest.skip(f"{SEED} is absent (the shared folder is not beside this checkout)")
    assert ARTICLE.read_bytes() == SEED.read_bytes()


def test_faithful_answers_pass() -> None:
    findings = check_grounding(knowledge_with(""), [read_article(ARTICLE)])
    assert findings == []


@pytest.mark.parametrize("claim", INVENTED_CLAIMS)
def test_every_invented_claim_is_flagged(claim: str) -> None:
    findings = check_grounding(knowledge_with(claim), [read_article(ARTICLE)])
    assert [f.sentence for f in findings] == [claim]
    assert findings[0].entry_id == "sessions"


SEED_ENTRIES = (
    "what_is how_it_works benefits non_invasive treatment_areas pigmentation "
    "pigmentation_creams stretch_marks stretch_mark_causes stretch_mark_creams skin_texture "
    "other_concerns what_to_expect pain duration aftercare sessions results suitability "
    "pregnancy medication active_acne skin_conditions skin_type booking price contact_human "
    "location opening_hours"
).split()
"""The entries shipped with the project, drafted from the seed article. Entries staff add
later are theirs: ``check`` warns about their unsourced facts, the suite does not fail."""


def test_shipped_entries_pass_against_the_seed_article() -> None:
    knowledge = parse_knowledge((ROOT / "knowledge.yaml").read_text("utf-8"), "knowledge.yaml")
    findings = check_grounding(knowledge, [read_article(ARTICLE)])
    assert [f for f in findings if f.entry_id in SEED_ENTRIES] == []
    _, status = run_check(ROOT / "knowledge.yaml", sources=[ARTICLE])
    assert status == 0


def test_check_names_the_entry_the_fact_and_the_fix(tmp_path: Path) -> None:
    path = tmp_path / "knowledge.yaml"
    text = KNOWLEDGE.replace("PLANTED", "You will see results in 2 weeks.")
    path.write_text(f"sources: [{ARTICLE}]\n{text}", encoding="utf-8")
    output, status = run_check(path)
    assert status == 0  # a warning: the bot still works
    assert "entry 'sessions' says" in output
    assert "2 week appears in no source article (microneedling-article.txt)" in output
    assert "source: clinic" in output


def test_a_missing_source_is_reported_not_fatal(tmp_path: Path) -> None:
    path = tmp_path / "knowledge.yaml"
    path.write_text("sources: [nowhere.txt]\n" + KNOWLEDGE.replace("PLANTED", ""), "utf-8")
    output, status = run_check(path)
    assert status == 0
    assert "nowhere.txt not found" in output
