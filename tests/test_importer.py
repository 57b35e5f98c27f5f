"""``bot.py import``: articles drafted into entries staff review before clients see them."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import main
from faq import load_knowledge, parse_knowledge
from faq.articles import read_article, split_sentences
from faq.importer import draft_entries, heading_question

ROOT = Path(__file__).resolve().parent.parent
ARTICLE = ROOT / "sources" / "microneedling-article.txt"

SMALL_KNOWLEDGE = """
clinic: {name: Test Clinic, phone: "+44 1", email: a@b.example}
entries:
  - id: stretch_marks
    topic: Skin concerns
    questions:
      - Can microneedling help stretch marks?
      - does it work on stretch marks
    answer: It can help.
"""


@pytest.mark.parametrize(
    ("heading", "question"),
    [
        ("Micro needling for Stretch Marks Removal", "Can micro needling help with stretch marks?"),
        (
            "How Micro needling Helps with Pigmentation",
            "How does micro needling help with pigmentation?",
        ),
        ("What to Expect During the Treatment", "What should I expect during the treatment?"),
        ("How Many Sessions Are Needed?", "How many sessions are needed?"),
        ("Benefits of Microneedling", "What are the benefits of microneedling?"),
        ("Conclusion", "What can micro needling do for my skin?"),
        ("Is It Painful", "Is it painful?"),
    ],
)  # fmt: skip
def test_headings_become_questions(heading: str, question: str) -> None:
    assert heading_question(heading, "micro needling") == question


def run_import(tmp_path: Path, *articles: Path) -> tuple[int, Path]:
    knowledge = tmp_path / "knowledge.yaml"
    knowledge.write_text(SMALL_KNOWLEDGE, encoding="utf-8")
    out = tmp_path / "drafts.yaml"
    status = main(["import", "--knowledge", str(knowledge), *map(str, articles)])
    return status, out


def test_the_seed_article_becomes_drafts_that_load_and_hold_only_its_sentences(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out = run_import(tmp_path, ARTICLE)
    assert status == 0
    drafts = load_knowledge(out)  # the drafts file is a knowledge file of its own
    article = read_article(ARTICLE)
    headings = [s.heading for s in article.sections if s.heading]
    assert len(drafts.entries) == len(article.sections)  # every heading, and the opening
    article_sentences = {s for section in article.sections for s in section.sentences}
    for entry in drafts.entries:
        assert 6 <= len(entry.questions) <= 9, entry.questions
        assert entry.topic
        assert entry.id
        for sentence in split_sentences(entry.answer):
            assert sentence in article_sentences, sentence
    printed = capsys.readouterr().out
    for heading in headings:
        assert heading in printed
    assert "already answered by entry 'stretch_marks'" in printed
    # An id the knowledge already has is never reused.
    assert "stretch_marks" not in {e.id for e in drafts.entries}


def test_the_seed_drafts_pass_check_with_no_errors(tmp_path: Path) -> None:
    status, out = run_import(tmp_path, ARTICLE)
    assert status == 0
    # No alternate question is shared by two drafts ("micro needling?" once was).
    assert main(["check", "--knowledge", str(out)]) == 0


def test_drafts_can_be_added_to_the_knowledge(tmp_path: Path) -> None:
    knowledge = parse_knowledge(SMALL_KNOWLEDGE, tmp_path / "k.yaml")
    drafts = draft_entries([read_article(ARTICLE)])
    from faq.engine import FAQ

    merged = draft_entries([read_article(ARTICLE)], FAQ(knowledge))
    assert {d.id for d in merged}.isdisjoint({e.id for e in knowledge.entries})
    assert len(merged) == len(drafts)


def test_markdown_and_html_articles(tmp_path: Path) -> None:
    markdown = tmp_path / "peels.md"
    markdown.write_text(
        "# Chemical peels\n\nIntro text about **peels**. It has two sentences.\n\n"
        "## Peels for Acne Scars\n\nPeels can soften [acne scars](http://x). They take "
        "about 20 minutes.\n",
        encoding="utf-8",
    )
    html = tmp_path / "peels.html"
    html.write_text(
        "<html><head><title>x</title><style>p{}</style></head><body>"
        "<h2>What is a peel?</h2><p>A peel removes dead skin cells.</p>"
        "<p>It feels <b>warm</b> for a few minutes.</p></body></html>",
        encoding="utf-8",
    )
    md_sections = read_article(markdown).sections
    assert [s.heading for s in md_sections] == ["Chemical peels", "Peels for Acne Scars"]
    assert md_sections[1].sentences == [
        "Peels can soften acne scars.",
        "They take about 20 minutes.",
    ]
    html_sections = read_article(html).sections
    assert [s.heading for s in html_sections] == ["What is a peel?"]
    assert html_sections[0].sentences[-1] == "It feels warm for a few minutes."
    drafts = draft_entries([read_article(markdown)])
    assert drafts[1].questions[0] == "Can peels help with acne scars?"
    assert "How long does it take?" in drafts[1].questions


def test_an_existing_drafts_file_is_not_overwritten(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "drafts.yaml").write_text("# staff notes\n", encoding="utf-8")
    status, out = run_import(tmp_path, ARTICLE)
    assert status == 2
    assert out.read_text(encoding="utf-8") == "# staff notes\n"
    assert "--overwrite" in capsys.readouterr().err


def test_a_missing_article_writes_nothing(tmp_path: Path) -> None:
    status, out = run_import(tmp_path, tmp_path / "nope.txt")
    assert status == 2
    assert not out.exists()
