"""Loading knowledge.yaml, and every mistake staff can make in it.

Each error test asserts what the message says AND the line it points to: the line is
found in the snippet itself (``line_of``), so the tests read like the files staff edit.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from adapters.telegram.render import MAX_MESSAGE_LENGTH
from faq import Knowledge, KnowledgeError, Problem, Settings, load_knowledge, parse_knowledge
from faq.knowledge import MESSAGE_PLACEHOLDERS

REPO = Path(__file__).resolve().parent.parent

VALID = """\
clinic:
  name: Test Clinic
  phone: "+44 20 0000 0000"
  email: hello@test.example
settings:
  answer_threshold: 60
  suggest_threshold: 35
entries:
  - id: sessions
    topic: Treatment
    questions:
      - How many sessions will I need?
      - how many treatments
    answer: Three to six sessions, four to six weeks apart.
    related: [pain]
  - id: pain
    topic: Treatment
    questions:
      - Does it hurt?
      - is it painful
    answer: We apply a numbing cream first. Questions? Call {clinic.phone}.
small_talk:
  - id: hello
    questions: [hello, hi]
    answer: Hello!
"""


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """The 1-based number of the line holding the ``occurrence``-th ``needle``."""
    found = [n for n, line in enumerate(text.splitlines(), start=1) if needle in line]
    assert len(found) >= occurrence, f"{needle!r} not in the snippet"
    return found[occurrence - 1]


def problems_of(text: str) -> list[Problem]:
    with pytest.raises(KnowledgeError) as info:
        parse_knowledge(text, "kb.yaml")
    return info.value.problems


def only_problem(text: str) -> Problem:
    problems = problems_of(text)
    assert len(problems) == 1, "\n".join(str(p) for p in problems)
    return problems[0]


def edited(old: str, new: str, text: str = VALID) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


# -- what loads -------------------------------------------------------------------------


def test_shipped_knowledge_loads_and_is_consistent() -> None:
    knowledge = load_knowledge(REPO / "knowledge.yaml")
    ids = [entry.id for entry in knowledge.entries]
    assert len(ids) == len(set(ids))
    faq_entries = [e for e in knowledge.entries if not e.small_talk]
    assert len(faq_entries) >= 12
    assert any(e.small_talk for e in knowledge.entries)
    for entry in knowledge.entries:
        assert entry.questions, entry.id
        assert all(knowledge.entry(rid) for rid in entry.related), entry.id
        assert len(entry.answer) <= MAX_MESSAGE_LENGTH, entry.id
        assert "{" not in entry.answer, f"unfilled placeholder in {entry.id}"
        assert entry.small_talk or entry.topic, entry.id
    for name, text in knowledge.messages.items():
        assert text.strip(), name
        for kept in MESSAGE_PLACEHOLDERS.get(name, ()):  # filled when the bot sends it
            text = text.replace(f"{{{kept}}}", kept)
        assert "{" not in text, name
    assert knowledge.clinic.phone in knowledge.messages["fallback"]
    assert knowledge.settings.suggest_threshold < knowledge.settings.answer_threshold
    assert knowledge.topics(), "entries should be browsable by topic"


def test_valid_snippet_builds_the_knowledge() -> None:
    knowledge = parse_knowledge(VALID, "kb.yaml")
    assert isinstance(knowledge, Knowledge)
    assert [e.id for e in knowledge.entries] == ["sessions", "pain", "hello"]
    sessions, pain, hello = knowledge.entries
    assert sessions.label == "How many sessions will I need?"
    assert sessions.related == ("pain",)
    assert sessions.line == line_of(VALID, "id: sessions")
    assert sessions.question_lines == (
        line_of(VALID, "How many sessions"),
        line_of(VALID, "how many treatments"),
    )
    assert pain.answer.endswith("Call +44 20 0000 0000."), "placeholders are filled in"
    assert hello.small_talk
    assert hello.topic is None
    assert not sessions.small_talk
    assert knowledge.settings == Settings(answer_threshold=60, suggest_threshold=35)
    assert knowledge.entries_in_topic("Treatment") == [sessions, pain]
    assert knowledge.entry("nope") is None


def test_load_knowledge_reads_a_file(tmp_path: Path) -> None:
    path = tmp_path / "kb.yaml"
    path.write_text(VALID, encoding="utf-8")
    knowledge = load_knowledge(path)
    assert knowledge.path == path
    assert knowledge.entry("pain") is not None


def test_yaml_tags_never_build_objects(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    text = edited("answer: Hello!", f'answer: !!python/object/apply:os.system ["touch {marker}"]')
    problem = only_problem(text)
    assert not marker.exists()
    assert problem.line == line_of(text, "!!python")
    assert "not valid YAML" in problem.message


# -- YAML syntax ------------------------------------------------------------------------

SYNTAX_CASES = [
    # (old, new, the text on the line the error must point at)
    ("      - is it painful", "     - is it painful", "     - is it painful"),
]


@pytest.mark.parametrize(
    ("old", "new", "bad_line"),
    SYNTAX_CASES,
    ids=["bad-indentation"],
)
def test_yaml_syntax_error_names_the_line(old: str, new: str, bad_line: str) -> None:
    text = edited(old, new)
    problem = only_problem(text)
    assert problem.line == line_of(text, bad_line)
    assert problem.message.startswith("the file is not valid YAML")
    assert "tab instead of spaces" in problem.fix
    assert "indentation" in problem.fix


def test_unclosed_quote_at_the_end_points_near_it() -> None:
    text = edited("answer: Hello!", 'answer: "Hello!')
    problem = only_problem(text)
    assert problem.message.startswith("the file is not valid YAML")
    assert "quoted scalar" in problem.message
    # The stream ends on the line after the opening quote; the fix says to look above.
    assert problem.line in (line_of(text, '"Hello!'), line_of(text, '"Hello!') + 1)
    assert "unclosed quote" in problem.fix


def test_unclosed_quote_mid_file_names_the_line_it_opens_on() -> None:
    text = edited("answer: Three to six", "answer: 'Three to six")
    problem = only_problem(text)
    opened = line_of(text, "'Three to six")
    assert problem.line == opened or f"line {opened}" in problem.message


def test_duplicate_key_names_both_lines() -> None:
    text = edited("    topic: Treatment\n", "    topic: Treatment\n    topic: Other\n")
    problem = only_problem(text)
    first = line_of(text, "topic: Treatment")
    assert problem.line == line_of(text, "topic: Other")
    assert f"the key 'topic' appears twice here (first on line {first})" in problem.message
    assert problem.fix == "remove or rename one of the two keys."


# -- blocks and keys --------------------------------------------------------------------


def test_unknown_top_level_block_suggests_the_right_one() -> None:
    text = VALID + "setings:\n  answer_threshold: 70\n"
    problem = only_problem(text)
    assert problem.line == line_of(text, "setings:")
    assert problem.message == "unknown block 'setings'."
    assert problem.fix.startswith("did you mean 'settings'?")


def test_misspelt_entry_key_suggests_the_right_one() -> None:
    text = edited("    questions:\n      - Does it hurt?", "    qustions:\n      - Does it hurt?")
    problems = problems_of(text)
    typo = problems[0]
    assert typo.line == line_of(text, "qustions:")
    assert typo.message == "entry 'pain' has an unknown key 'qustions'."
    assert typo.fix.startswith("did you mean 'questions'?")
    # The entry then has no questions: that is said too, at the entry.
    assert any("needs 'questions:'" in p.message for p in problems[1:])


def test_unknown_key_in_small_talk_entry() -> None:
    text = edited("    questions: [hello, hi]", "    topic: Chat\n    questions: [hello, hi]")
    problem = only_problem(text)
    assert problem.line == line_of(text, "topic: Chat")
    assert problem.message == "small talk entry 'hello' has an unknown key 'topic'."


def test_missing_answer_points_at_the_entry() -> None:
    text = edited("    answer: Three to six sessions, four to six weeks apart.\n", "")
    problem = only_problem(text)
    assert problem.line == line_of(text, "id: sessions")
    assert problem.message == "entry 'sessions' has no 'answer'."
    assert "answer: |" in problem.fix


def test_empty_answer_counts_as_missing() -> None:
    text = edited("answer: Hello!", 'answer: "  "')
    problem = only_problem(text)
    assert problem.line == line_of(text, 'answer: "  "')
    assert problem.message == "small talk entry 'hello' has no 'answer'."


def test_missing_questions_points_at_the_entry() -> None:
    text = edited(
        "    questions:\n      - How many sessions will I need?\n      - how many treatments\n", ""
    )
    problem = only_problem(text)
    assert problem.line == line_of(text, "id: sessions")
    assert problem.message == "entry 'sessions' needs 'questions:' with at least one question."
    assert problem.fix == "add a 'questions:' list, one '- question' per line."


def test_questions_must_not_be_an_empty_list() -> None:
    text = edited(
        "    questions:\n      - How many sessions will I need?\n      - how many treatments\n",
        "    questions: []\n",
    )
    problem = only_problem(text)
    assert problem.line == line_of(text, "questions: []")
    assert problem.message == "entry 'sessions' needs 'questions:' with at least one question."


def test_empty_question_names_its_line() -> None:
    text = edited("      - how many treatments", '      - ""')
    problem = only_problem(text)
    assert problem.line == line_of(text, '- ""')
    assert problem.message == "entry 'sessions' has an empty question."


def test_question_with_a_colon_asks_for_quotes() -> None:
    text = edited("      - is it painful", "      - pain level: is it bad")
    problem = only_problem(text)
    assert problem.line == line_of(text, "pain level: is it bad")
    assert "empty" not in problem.message
    assert "quote" in f"{problem.message} {problem.fix}"


@pytest.mark.parametrize(
    ("new_id", "shown"),
    [
        ("Sessions", "'Sessions'"),
        ("how-many", "'how-many'"),
        ("two words", "'two words'"),
        ("x" * 41, "'" + "x" * 41 + "'"),
        ("42", "42"),
        ('""', "''"),
    ],
    ids=["uppercase", "hyphen", "space", "too-long", "number", "empty"],
)
def test_bad_id(new_id: str, shown: str) -> None:
    text = edited("id: sessions", f"id: {new_id}")
    problems = problems_of(text)
    bad = problems[0]
    assert bad.line == line_of(text, f"id: {new_id}")
    assert "needs an 'id' of lowercase letters, digits and '_' (at most 40)" in bad.message
    assert bad.message.endswith(f"not {shown}.")
    assert bad.fix == "for example: id: stretch_marks"


def test_missing_id() -> None:
    text = edited("  - id: sessions\n    topic: Treatment\n", "  - topic: Treatment\n")
    problem = only_problem(text)
    assert problem.line == line_of(text, "- topic: Treatment")
    assert problem.message.startswith("the entry starting here needs an 'id'")


def test_missing_topic() -> None:
    text = edited("    topic: Treatment\n", "", VALID)
    problem = only_problem(text)
    assert problem.line == line_of(text, "id: sessions")
    assert problem.message == "entry 'sessions' needs a 'topic'."


def test_duplicate_ids_name_the_first_one() -> None:
    text = edited("id: pain", "id: sessions")
    problems = problems_of(text)
    duplicate = problems[0]
    assert duplicate.line == line_of(text, "id: sessions", 2)
    assert duplicate.message == (
        f"the id 'sessions' is used twice (first on line {line_of(text, 'id: sessions')})."
    )
    assert duplicate.fix == "give each entry its own id."


def test_related_pointing_nowhere_suggests_the_closest_id() -> None:
    text = edited("related: [pain]", "related: [pian]")
    problem = only_problem(text)
    assert problem.line == line_of(text, "id: sessions")
    assert problem.message == "entry 'sessions' lists related 'pian', which is no entry."
    assert problem.fix == "did you mean 'pain'?"


def test_related_with_nothing_close_says_to_use_an_id() -> None:
    text = edited("related: [pain]", "related: [zzzzzz]")
    problem = only_problem(text)
    assert problem.message == "entry 'sessions' lists related 'zzzzzz', which is no entry."
    assert problem.fix == "use the id of an entry."


def test_related_must_be_a_list_of_ids() -> None:
    text = edited("related: [pain]", "related: {pain: 1}")
    problem = only_problem(text)
    assert problem.line == line_of(text, "related:")
    assert problem.message == "entry 'sessions': 'related' should be a list of ids."


# -- answers and placeholders -----------------------------------------------------------


def test_a_long_answer_loads_whole() -> None:
    # The core has no message limit: the Telegram adapter splits a long answer into
    # messages, and ``check`` warns staff (tests/test_lint.py).
    text = edited("answer: Hello!", "answer: " + "x" * 10_000)
    assert parse_knowledge(text).entry("hello").answer == "x" * 10_000


@pytest.mark.parametrize(
    "placeholder", ["{clinic.fax}", "{price}", "{clinic.}"], ids=["fax", "no-prefix", "empty"]
)
def test_unknown_placeholder(placeholder: str) -> None:
    text = edited("answer: Hello!", f"answer: Fax us on {placeholder}")
    problem = only_problem(text)
    assert problem.line == line_of(text, "id: hello")
    assert problem.message == (f"entry 'hello' uses an unknown placeholder '{placeholder}'.")
    assert "{clinic.phone}" in problem.fix
    assert "{clinic.booking}" in problem.fix


def test_placeholder_with_empty_clinic_value() -> None:
    text = edited("answer: Hello!", "answer: See {clinic.website}")
    problem = only_problem(text)
    assert problem.line == line_of(text, "id: hello")
    assert problem.message == (
        "entry 'hello' uses {clinic.website}, but the clinic block has no 'website'."
    )
    assert problem.fix == "add 'website: ...' under 'clinic:'."


def test_placeholder_in_a_message_names_the_message_line() -> None:
    text = VALID + "messages:\n  welcome: Hi from {clinic.fax}\n"
    problem = only_problem(text)
    assert problem.line == line_of(text, "welcome:")
    assert problem.message == "message welcome uses an unknown placeholder '{clinic.fax}'."


def test_unknown_clinic_detail() -> None:
    text = edited("  email: hello@test.example", "  email: hello@test.example\n  emial: x")
    problem = only_problem(text)
    assert problem.line == line_of(text, "emial:")
    assert problem.message == "unknown clinic detail 'emial'."
    assert problem.fix.startswith("did you mean 'email'?")


# -- settings ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("answer_threshold: high", "setting 'answer_threshold' should be a number, not 'high'."),
        ("answer_threshold: true", "setting 'answer_threshold' should be a number, not 'True'."),
        (
            "answer_threshold: 150",
            "setting 'answer_threshold' should be between 0 and 100, not 150.",
        ),
        ("ambiguity_margin: -1", "setting 'ambiguity_margin' should be between 0 and 100, not -1."),
        ("max_suggestions: 0", "max_suggestions should be a whole number from 1 to 5."),
        ("max_suggestions: 2.5", "max_suggestions should be a whole number from 1 to 5."),
        ("answer_treshold: 70", "unknown setting 'answer_treshold'."),
    ],
    ids=["word", "boolean", "above-100", "negative", "zero-suggestions", "fraction", "typo"],
)
def test_bad_setting(setting: str, message: str) -> None:
    text = edited("  answer_threshold: 60\n  suggest_threshold: 35", f"  {setting}")
    problem = only_problem(text)
    assert problem.line == line_of(text, setting)
    assert problem.message == message


def test_misspelt_setting_suggests_the_right_one() -> None:
    text = edited("  suggest_threshold: 35", "  suggest_threshold: 35\n  answer_treshold: 70")
    assert only_problem(text).fix.startswith("did you mean 'answer_threshold'?")


def test_suggest_threshold_above_answer_threshold() -> None:
    text = edited("suggest_threshold: 35", "suggest_threshold: 75")
    problem = only_problem(text)
    assert problem.line == line_of(text, "suggest_threshold: 75")
    assert problem.message == "suggest_threshold (75) is above answer_threshold (60)."
    assert problem.fix == "suggest_threshold must be the lower of the two."


# -- synonyms ---------------------------------------------------------------------------


def test_synonyms_are_loaded_lowercase() -> None:
    text = VALID + "synonyms:\n  Pain: [Hurt, SORE, pain]\n"
    assert parse_knowledge(text).synonyms == {"pain": ("hurt", "sore")}


def test_synonym_variant_in_two_lists() -> None:
    text = VALID + "synonyms:\n  pain: [hurt, sore]\n  ache: [aching, sore]\n"
    problem = only_problem(text)
    assert problem.line == line_of(text, "ache:")
    assert problem.message == "'sore' is listed as a synonym of both 'pain' and 'ache'."
    assert problem.fix == "keep it in one list only."


def test_synonyms_must_be_a_list() -> None:
    text = VALID + "synonyms:\n  pain: {hurt: 1}\n"
    problem = only_problem(text)
    assert problem.line == line_of(text, "pain: {hurt")
    assert problem.message == "synonyms for 'pain' should be a list of words."


# -- the file itself --------------------------------------------------------------------


def test_file_that_does_not_exist(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeError) as info:
        load_knowledge(tmp_path / "missing.yaml")
    (problem,) = info.value.problems
    assert problem.line is None
    assert problem.message == "the file does not exist."
    assert str(problem) == (
        "missing.yaml: the file does not exist.\n  Fix: check the path, or create it."
    )


def test_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(VALID.replace("Test Clinic", "Caf\u00e9 Clinic").encode("latin-1"))
    with pytest.raises(KnowledgeError) as info:
        load_knowledge(path)
    (problem,) = info.value.problems
    assert problem.message.startswith("the file is not UTF-8 text")
    assert "UTF-8" in problem.fix
    assert str(problem).startswith("latin1.yaml, line ")


def test_file_that_is_not_utf8_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(VALID.replace("Test Clinic", "Caf\u00e9 Clinic").encode("latin-1"))
    with pytest.raises(KnowledgeError) as info:
        load_knowledge(path)
    assert info.value.problems[0].line == line_of(VALID, "Test Clinic")


@pytest.mark.parametrize(
    "text", ["", "\n\n", "# just a comment\n"], ids=["empty", "blank", "comment"]
)
def test_empty_file(text: str) -> None:
    problems = problems_of(text)
    assert problems[0].message == "there is no 'entries:' block."
    assert problems[0].line is None
    assert problems[0].fix == "add 'entries:' with a list."


@pytest.mark.parametrize("text", ["- a\n- b\n", "just some words\n"], ids=["list", "scalar"])
def test_top_level_must_be_blocks(text: str) -> None:
    problem = only_problem(text)
    assert problem.line == 1
    assert problem.message == (
        "the file should be a set of blocks (clinic:, settings:, entries: ...)."
    )


def test_entries_must_be_a_list() -> None:
    text = "clinic:\n  phone: '1'\n  email: e@x\nentries:\n  id: pain\n"
    problem = only_problem(text)
    assert problem.line == line_of(text, "entries:")
    assert problem.message.startswith("'entries:' should be a list of entries")


def test_clinic_must_be_a_mapping() -> None:
    text = edited("  name: Test Clinic\n", "  - Test Clinic\n").replace(
        '  phone: "+44 20 0000 0000"\n  email: hello@test.example\n', ""
    )
    problems = problems_of(text)
    assert problems[0].line == line_of(text, "clinic:")
    assert problems[0].message == "'clinic:' should hold 'key: value' lines."


# -- many problems at once, and how they read -------------------------------------------


def test_several_problems_are_reported_together() -> None:
    text = (
        edited("related: [pain]", "related: [pian]")
        .replace("    questions:\n      - Does it hurt?", "    qustions:\n      - Does it hurt?")
        .replace("answer: Hello!", "answer: Fax {clinic.fax}")
        .replace("answer_threshold: 60", "answer_threshold: lots")
        + "extras: 1\n"
    )
    found = {(p.line, p.message) for p in problems_of(text)}
    expected = {
        (line_of(text, "extras:"), "unknown block 'extras'."),
        (
            line_of(text, "answer_threshold"),
            "setting 'answer_threshold' should be a number, not 'lots'.",
        ),
        (line_of(text, "qustions:"), "entry 'pain' has an unknown key 'qustions'."),
        (
            line_of(text, "id: sessions"),
            "entry 'sessions' lists related 'pian', which is no entry.",
        ),
        (line_of(text, "id: hello"), "entry 'hello' uses an unknown placeholder '{clinic.fax}'."),
    }
    assert expected <= found, found


def test_error_text_names_the_file_the_line_and_the_fix() -> None:
    text = edited("related: [pain]", "related: [pian]") + "extras: 1\n"
    with pytest.raises(KnowledgeError) as info:
        parse_knowledge(text, Path("clinic") / "kb.yaml")
    message = str(info.value)
    lines = message.splitlines()
    assert lines[0] == "2 problems in the knowledge file:"
    assert f"kb.yaml, line {line_of(text, 'extras:')}: unknown block 'extras'." in lines
    assert f"kb.yaml, line {line_of(text, 'id: sessions')}: entry 'sessions' lists" in message
    assert "  Fix: did you mean 'pain'?" in lines
    assert all(re.match(r"(kb\.yaml, line \d+: |  Fix: )", line) for line in lines[1:])


def test_one_problem_reads_in_the_singular() -> None:
    with pytest.raises(KnowledgeError, match=r"^1 problem in the knowledge file:\n"):
        parse_knowledge(VALID + "extras: 1\n", "kb.yaml")


def test_a_broken_entry_does_not_make_related_ids_look_missing() -> None:
    text = edited(
        "    answer: We apply a numbing cream first.", "    anwser: We apply a numbing cream first."
    )
    problems = problems_of(text)
    assert not any("which is no entry" in p.message for p in problems), problems


# -- not_covered ------------------------------------------------------------------------


def test_not_covered_is_a_list_of_words_and_phrases() -> None:
    knowledge = parse_knowledge(VALID + "not_covered: [Botox, lip filler, botox, ' ']\n")
    assert knowledge.not_covered == ("botox", "lip filler")


def test_not_covered_must_be_a_list() -> None:
    text = VALID + "not_covered:\n  botox: yes\n"
    problem = only_problem(text)
    assert problem.line == line_of(text, "not_covered:")
    assert "should be a list of words" in problem.message
    assert "not_covered: [botox" in problem.fix
