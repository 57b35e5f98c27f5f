"""``check``: every finding names its line; errors fail, warnings alone do not."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from faq import FAQ, Candidate, Reply, ReplyKind, parse_knowledge
from faq.lint import (
    ANSWER_MARGIN,
    Severity,
    check_knowledge,
    check_routing,
    run_check,
)
from faq.replies import answer_reply

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "knowledge.yaml"


def load_bot_module():  # bot.py is a script beside the packages, not a package itself
    spec = importlib.util.spec_from_file_location("bot", ROOT / "bot.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "knowledge.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def messages(path: Path, **options: int) -> list[tuple[Severity, int | None, str]]:
    findings = check_knowledge(path, **options).findings
    return [(f.severity, f.problem.line, f.problem.message) for f in findings]


def test_clean_file_passes(knowledge_file: Path) -> None:
    output, status = run_check(knowledge_file)
    assert status == 0
    assert output == "knowledge.yaml: OK — 2 entries, 13 questions, no problems found."


def test_syntax_error_names_the_line_and_exits_2(tmp_path: Path, knowledge_text: str) -> None:
    path = write(
        tmp_path, knowledge_text.replace("    topic: Booking\n", "    topic: Booking: prices\n")
    )
    output, status = run_check(path)
    assert status == 2
    assert "ERROR: knowledge.yaml, line 16: the text on this line contains ': '" in output
    assert output.endswith(
        "the bot cannot load this file; fix the lines above and run the check again."
    )


def test_missing_answer_names_the_entry_line(tmp_path: Path, knowledge_text: str) -> None:
    path = write(
        tmp_path,
        knowledge_text.replace("    answer: Prices are on our website; call {clinic.phone}.\n", ""),
    )
    output, status = run_check(path)
    assert status == 2
    assert "ERROR: knowledge.yaml, line 15: entry 'price' has no 'answer'." in output


def test_unknown_related_is_an_error(tmp_path: Path, knowledge_text: str) -> None:
    path = write(
        tmp_path,
        knowledge_text.replace(
            "    topic: Treatment\n", "    topic: Treatment\n    related: [prices]\n"
        ),
    )
    (finding,) = check_knowledge(path).findings
    assert finding.severity is Severity.ERROR
    assert finding.problem.line == 6  # the entry's first line
    assert finding.problem.message == "entry 'pain' lists related 'prices', which is no entry."
    assert finding.problem.fix == "did you mean 'price'?"


class MisroutingFAQ(FAQ):
    """Answers one of price's own questions with the pain entry, as a bad edit could."""

    def reply(self, text: str) -> Reply:
        if text == "prices please":
            pain = self.knowledge.entry("pain")
            assert pain is not None
            candidates = (Candidate("pain", 80.0, "is it painful"), Candidate("price", 70.0, text))
            return answer_reply(self.knowledge, pain, 80.0, candidates)
        return super().reply(text)


def test_question_answered_by_another_entry_is_an_error(knowledge_text: str) -> None:
    faq = MisroutingFAQ(parse_knowledge(knowledge_text, "knowledge.yaml"))
    (finding,) = check_routing(faq)
    assert finding.severity is Severity.ERROR
    assert finding.problem.line == 21
    assert finding.problem.message == (
        "the question \"prices please\" of entry 'price' is answered by entry 'pain' (line 6) "
        "(scores: pain 80, price 70)."
    )


def test_identical_questions_in_two_entries_name_both_lines(
    tmp_path: Path, knowledge_text: str
) -> None:
    path = write(
        tmp_path,
        knowledge_text.replace(
            "      - what do you charge for a session\n",
            "      - what do you charge for a session\n      - Is it painful?\n",
        ),
    )
    found = messages(path)
    assert (
        Severity.WARNING,
        23,
        "\"Is it painful?\" (entry 'price', line 23) and \"is it painful\" (entry 'pain', "
        "line 10) are identical.",
    ) in found
    # Only one entry can answer it, so the other entry's copy is routed away: an error.
    assert any(
        severity is Severity.ERROR and line == 23 and "is answered by entry 'pain'" in text
        for severity, line, text in found
    ), found
    output, status = run_check(path)
    assert status == 1
    assert output.splitlines()[-1].startswith("knowledge.yaml: 1 error")


def test_nearly_identical_questions(tmp_path: Path, knowledge_text: str) -> None:
    path = write(
        tmp_path,
        knowledge_text.replace(
            "      - what do you charge for a session\n",
            "      - what do you charge for a session\n      - how much pain is there?!\n",
        ),
    )
    assert any(
        line == 23 and "(entry 'pain', line 11) are identical" in text
        for _, line, text in messages(path)
    )
    path = write(
        tmp_path,
        knowledge_text.replace(
            "      - what do you charge for a session\n",
            "      - what do you charge for a session\n      - how much pains is there\n",
        ),
    )
    assert any(
        line == 23 and "(entry 'pain', line 11) are nearly identical" in text
        for _, line, text in messages(path)
    )


def test_too_few_questions(tmp_path: Path, knowledge_text: str) -> None:
    path = write(tmp_path, knowledge_text.replace("      - prices please\n", ""))
    assert messages(path) == [
        (
            Severity.WARNING,
            15,
            "entry 'price' has only 4 questions; with fewer than 5 clients' own wordings "
            "are often missed.",
        )
    ]


def test_too_many_questions(tmp_path: Path, knowledge_text: str) -> None:
    extra = "".join(f"      - what is the price of session number {n}\n" for n in range(50))
    path = write(tmp_path, knowledge_text.replace("      - prices please\n", extra))
    found = [m for m in messages(path) if "nobody can review" in m[2]]
    assert found == [
        (
            Severity.WARNING,
            15,
            "entry 'price' has 54 questions; over 50 nobody can review them, and a big entry "
            "wins messages meant for a smaller one.",
        )
    ]


def test_question_naming_a_not_covered_subject(tmp_path: Path, knowledge_text: str) -> None:
    text = knowledge_text.replace("      - prices please\n", "      - price of botox\n")
    path = write(tmp_path, text + "not_covered: [botox]\n")
    line = text.splitlines().index("      - price of botox") + 1
    found = [m for m in messages(path) if "not_covered" in m[2]]
    assert found == [
        (
            Severity.WARNING,
            line,
            "the question \"price of botox\" of entry 'price' names a subject listed under "
            "'not_covered:', so it counts against the entry.",
        )
    ]


LIMIT = 1000  # as if the chat's messages held 1,000 characters (Telegram's: 4,096)


def with_price_answer(tmp_path: Path, knowledge_text: str, answer: str) -> Path:
    return write(
        tmp_path, knowledge_text.replace("Prices are on our website; call {clinic.phone}.", answer)
    )


def test_answer_close_to_the_message_limit(tmp_path: Path, knowledge_text: str) -> None:
    path = with_price_answer(tmp_path, knowledge_text, "x" * (LIMIT - ANSWER_MARGIN + 1))
    ((severity, line, text),) = messages(path, max_answer_length=LIMIT)
    assert (severity, line) == (Severity.WARNING, 15)
    assert text == (
        f"the answer of entry 'price' is {LIMIT - ANSWER_MARGIN + 1} characters; one message "
        f"holds {LIMIT}, so clinic details that grow may not fit."
    )
    short = with_price_answer(tmp_path, knowledge_text, "x" * (LIMIT - ANSWER_MARGIN))
    assert messages(short, max_answer_length=LIMIT) == []


def test_answer_over_the_message_limit_loads_and_is_a_warning(
    tmp_path: Path, knowledge_text: str
) -> None:
    path = with_price_answer(tmp_path, knowledge_text, "x" * (LIMIT - 10) + " {clinic.phone}")
    ((severity, line, text),) = messages(path, max_answer_length=LIMIT)
    assert (severity, line) == (Severity.WARNING, 15)
    # The phone number (16 characters) is counted as clients see it, filled in.
    assert text.startswith(f"the answer of entry 'price' is {LIMIT - 10 + 17} characters;")
    assert text.endswith("so clients get it in several messages.")


def test_the_core_has_no_message_limit_of_its_own(tmp_path: Path, knowledge_text: str) -> None:
    path = with_price_answer(tmp_path, knowledge_text, "x" * 10_000)
    assert messages(path) == []


def test_check_command_uses_the_telegram_limit(
    tmp_path: Path, knowledge_text: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = with_price_answer(tmp_path, knowledge_text, "x" * 4100)
    bot = load_bot_module()
    assert bot.main(["check", "--knowledge", str(path)]) == 0
    assert "is 4100 characters; one message holds 4096, so clients get" in capsys.readouterr().out
    assert bot.main(["check", "--knowledge", str(path), "--max-answer-length", "4500"]) == 0
    assert "one message holds 4500, so clinic details" in capsys.readouterr().out


def test_entry_related_to_itself(tmp_path: Path, knowledge_text: str) -> None:
    path = write(
        tmp_path,
        knowledge_text.replace(
            "    topic: Booking\n", "    topic: Booking\n    related: [price]\n"
        ),
    )
    assert messages(path) == [(Severity.WARNING, 15, "entry 'price' lists itself under 'related'.")]


@pytest.mark.parametrize(
    ("line", "value"),
    [
        ('  name: "Example Skin Clinic"', "Example"),
        ('  phone: "+44 20 0000 0000"', "0000"),
        ('  email: "hello@example-clinic.com"', "example"),
    ],
    ids=["name", "phone", "email"],
)
def test_clinic_example_values(tmp_path: Path, knowledge_text: str, line: str, value: str) -> None:
    key = line.split(":")[0].strip()
    lines = knowledge_text.splitlines(keepends=True)
    number = next(i for i, text in enumerate(lines, start=1) if text.startswith(f"  {key}:"))
    lines[number - 1] = line + "\n"
    path = write(tmp_path, "".join(lines))
    ((severity, found_line, text),) = messages(path)
    assert (severity, found_line) == (Severity.WARNING, number)
    assert text.startswith(f"the clinic's {key} still looks like an example value:")
    assert text.endswith(f"(contains '{value}').")


def test_questions_file_reports_accuracy_and_misrouted(
    knowledge_file: Path, tmp_path: Path
) -> None:
    questions = tmp_path / "questions.yaml"
    questions.write_text(
        '- q: "is it painful"\n  expect: pain\n'
        '- q: "prices please"\n  expect: pain\n'
        '- q: "do you sell gift cards for christmas"\n  expect: null\n',
        encoding="utf-8",
    )
    output, status = run_check(knowledge_file, questions)
    assert status == 0
    assert "answered with the right entry: 50.0% of 2" in output
    assert "1 question answered with a different entry:" in output
    assert '"prices please"\n      expected pain, answered by price (score' in output
    assert output.splitlines()[-1].startswith("knowledge.yaml: OK")


def test_unreadable_questions_file(knowledge_file: Path, tmp_path: Path) -> None:
    output, status = run_check(knowledge_file, tmp_path / "missing.yaml")
    assert status == 2
    assert "cannot read the question file" in output


def test_cli_exit_codes(
    knowledge_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bot = load_bot_module()
    assert bot.main(["check", "--knowledge", str(knowledge_file)]) == 0
    broken = tmp_path / "broken.yaml"
    broken.write_text("entries:\n  - id: x\n    questions: [a\n", encoding="utf-8")
    assert bot.main(["check", "--knowledge", str(broken)]) == 2
    assert "broken.yaml, line 3: the '[' on this line is never closed" in capsys.readouterr().out


def test_shipped_knowledge_has_no_errors() -> None:
    output, status = run_check(SHIPPED)
    assert status == 0, output


class LowScoringFAQ(FAQ):
    """Offers price's own question only as a "did you mean", below the answer threshold."""

    def reply(self, text: str) -> Reply:
        if text == "prices please":
            candidates = (Candidate("price", 41.0, text),)
            return Reply(ReplyKind.DID_YOU_MEAN, "Did you mean", None, 41.0, (), candidates)
        return super().reply(text)


def test_own_question_below_threshold_is_a_warning(knowledge_text: str) -> None:
    faq = LowScoringFAQ(parse_knowledge(knowledge_text, "knowledge.yaml"))
    (finding,) = check_routing(faq)
    assert finding.severity is Severity.WARNING
    assert finding.problem.line == 21
    assert finding.problem.message == (
        'the question "prices please" of entry \'price\' only gets "did you mean": it scores '
        "41.0, below answer_threshold (45) (scores: price 41)."
    )


def test_similar_pairs_match_comparing_every_pair() -> None:
    """The length-windowed, blocked search finds exactly the pairs a full comparison does."""
    import random

    import numpy as np
    from rapidfuzz import fuzz, process

    from faq import lint

    rng = random.Random(1)
    words = "how long does it take many sessions hurt price book skin red after cream my".split()
    texts = [" ".join(rng.choice(words) for _ in range(rng.randint(1, 9))) for _ in range(700)]
    full = process.cdist(texts, texts, scorer=fuzz.token_sort_ratio, processor=None)
    expected = sorted(
        (int(i), int(j)) for i, j in zip(*np.nonzero(np.triu(full >= 90, k=1)), strict=True)
    )
    assert expected  # the set has near-identical pairs to find
    assert sorted(lint._similar_pairs(texts, 90.0)) == expected
