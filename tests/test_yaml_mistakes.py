"""Twenty typical mistakes staff make in knowledge.yaml, each refused or warned.

Every row is one edit of a small valid file: the loader must name the line of the
mistake (never the one after), say what is wrong in plain words, and give the fix for
that case; a value read as the text typed is a warning, never a silent change.
``python -m tests.test_yaml_mistakes`` prints the table (mistake, message, line).
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from faq import KnowledgeError, Problem, parse_knowledge

BASE = """\
clinic:
  name: Test Clinic
  phone: "+44 20 7946 0123"
  email: hello@test-clinic.co.uk
entries:
  - id: pain
    topic: Treatment
    questions:
      - Does microneedling hurt?
      - is it painful
      - will it hurt
    answer: Most clients feel only mild discomfort.
    related: [price]
  - id: price
    topic: Booking
    questions:
      - How much does it cost?
      - what is the price
    answer: |
      Prices are on our website.
      Call {clinic.phone}.
"""


@dataclass(frozen=True)
class Mistake:
    name: str
    old: str
    new: str
    line_text: str
    """The text on the line the message must name (its first occurrence)."""
    words: str
    """Words the message or fix must contain."""
    warning: bool = False


MISTAKES = [
    Mistake(
        "'#' in an answer",
        "answer: Most clients feel only mild discomfort.",
        "answer: We are the #1 clinic for gift vouchers, ask at reception.",
        "#1 clinic",
        "starts a comment",
    ),
    Mistake("'#' in a question", "- is it painful", "- is it the #1 treatment", "#1", "comment"),
    Mistake("question 'yes'", "- is it painful", "- yes", "- yes", "true/false", warning=True),
    Mistake("question 'no'", "- is it painful", "- no", "- no", "true/false", warning=True),
    Mistake("question 'on'", "- is it painful", "- on", "- on", "true/false", warning=True),
    Mistake("question 'off'", "- is it painful", "- off", "- off", "true/false", warning=True),
    Mistake("question a number", "- is it painful", "- 3", "- 3", "a number", warning=True),
    Mistake("question a date", "- is it painful", "- 2024-05-01", "2024-05", "date", warning=True),
    Mistake("question 'null'", "- is it painful", "- null", "- null", "null", warning=True),
    Mistake(
        "answer 'yes'",
        "answer: Most clients feel only mild discomfort.",
        "answer: yes",
        "answer: yes",
        "true/false",
        warning=True,
    ),
    Mistake(
        "indentation with a tab",
        "    topic: Treatment",
        "\ttopic: Treatment",
        "\ttopic",
        "tab",
    ),
    Mistake(
        "a question with no '- '",
        "      - is it painful",
        "      is it painful",
        "      is it painful",
        "no '- ' in front",
    ),
    Mistake(
        "missing dash on the first question",
        "      - Does microneedling hurt?",
        "      Does microneedling hurt?",
        "Does microneedling",
        "no '- ' in front",
    ),
    Mistake(
        "answer text not indented further than 'answer:'",
        "answer: Most clients feel only mild discomfort.",
        "answer: |\n    Most clients feel only mild discomfort.",
        "    Most clients",
        "indented further than 'answer:'",
    ),
    Mistake(
        "answer continued on a line under 'answer:'",
        "answer: Most clients feel only mild discomfort.",
        "answer: Most clients feel\n    only mild discomfort.",
        "    only mild",
        "indented further than 'answer:'",
    ),
    Mistake(
        "a quote inside a quoted answer",
        "answer: Most clients feel only mild discomfort.",
        'answer: "Clients say "barely felt it" afterwards."',
        "barely",
        "answer: |",
    ),
    Mistake(
        "an answer starting with '{' unquoted, more text after",
        "answer: Most clients feel only mild discomfort.",
        "answer: {clinic.phone} is the number to call.",
        "answer: {clinic",
        "double quotes",
    ),
    Mistake(
        "an answer that is only '{clinic.phone}' unquoted",
        "answer: Most clients feel only mild discomfort.",
        "answer: {clinic.phone}",
        "answer: {clinic",
        "double quotes",
    ),
    Mistake(
        "'answer: [unclosed'",
        "answer: Most clients feel only mild discomfort.",
        "answer: [unclosed",
        "answer: [unclosed",
        "never closed",
    ),
    Mistake(
        "'related:' list never closed",
        "related: [price]",
        "related: [price",
        "related: [price",
        "never closed",
    ),
    Mistake(
        "a colon in an unquoted clinic detail",
        "  name: Test Clinic",
        "  name: Test Clinic\n  address: 1 Street: Town",
        "1 Street: Town",
        "double quotes",
    ),
    Mistake(
        "an id ending in a newline",
        "- id: pain",
        '- id: "pain\\n"',
        "- id:",
        "lowercase letters",
    ),
]


def line_of(text: str, fragment: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if fragment in line)


def finding(mistake: Mistake) -> tuple[Problem, str]:
    """The one problem the edit causes, and the edited text."""
    assert BASE.count(mistake.old) >= 1
    text = BASE.replace(mistake.old, mistake.new, 1)
    if not mistake.warning:
        with pytest.raises(KnowledgeError) as raised:
            parse_knowledge(text, "knowledge.yaml")
        assert len(raised.value.problems) == 1, str(raised.value)
        return raised.value.problems[0], text
    knowledge = parse_knowledge(text, "knowledge.yaml")
    assert len(knowledge.warnings) == 1
    return knowledge.warnings[0], text


@pytest.mark.parametrize("mistake", MISTAKES, ids=[m.name for m in MISTAKES])
def test_each_mistake_is_refused_or_warned_at_its_line(mistake: Mistake) -> None:
    problem, text = finding(mistake)
    assert problem.line == line_of(text, mistake.line_text)
    assert mistake.words in problem.message + " " + problem.fix
    assert problem.fix
    assert "<block end>" not in problem.message
    assert "scalar" not in problem.message


def test_the_table_has_twenty_mistakes() -> None:
    assert len(MISTAKES) >= 20


def test_values_read_as_typed_keep_the_text() -> None:
    text = BASE.replace("- is it painful", "- yes\n      - 007\n      - 10:30")
    knowledge = parse_knowledge(text)
    pain = knowledge.entry("pain")
    assert pain is not None
    assert pain.questions[1:4] == ("yes", "007", "10:30")


def test_a_quoted_hash_is_kept() -> None:
    text = BASE.replace(
        "answer: Most clients feel only mild discomfort.", 'answer: "We are the #1 clinic."'
    )
    pain = parse_knowledge(text).entry("pain")
    assert pain is not None
    assert pain.answer == "We are the #1 clinic."


def test_deep_nesting_is_a_staff_error_not_a_crash() -> None:
    text = "entries: " + "[" * 10_000 + "]" * 10_000 + "\n"
    with pytest.raises(KnowledgeError, match="nested far too deeply"):
        parse_knowledge(text)


def table() -> str:
    """The mistakes table as Markdown: mistake, message, line."""
    rows = ["| mistake | message (and fix) | line |", "|---|---|---|"]
    for mistake in MISTAKES:
        problem, _ = finding(mistake)
        kind = "warning" if mistake.warning else "error"
        message = f"{kind}: {problem.message} Fix: {problem.fix}".replace("|", "\\|")
        rows.append(f"| {mistake.name} | {message} | {problem.line} |")
    return "\n".join(rows)


if __name__ == "__main__":
    print(table())
