"""The knowledge file: what staff write (``knowledge.yaml``) and how it is checked.

``load_knowledge(path)`` reads the file with a safe YAML loader, checks every block, and
returns an immutable ``Knowledge``. Every mistake it finds is collected into one
``KnowledgeError`` whose problems name the file, the line and the fix, so staff can
correct a file in one pass instead of one error at a time.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import yaml

from faq.errors import KnowledgeError, Problem
from faq.yaml_lines import (
    DuplicateKeyError,
    ScalarNote,
    item_line,
    item_note,
    key_line,
    key_note,
    load_yaml_with_lines,
)
from faq.yaml_mistakes import explain

ENTRY_ID_PATTERN = re.compile(r"[a-z0-9][a-z0-9_]{0,39}\Z")
"""Used with ``match``; ``\\Z`` (not ``$``) so that an id ending in a newline is refused."""
MAX_FILE_BYTES = 5_000_000
"""The largest knowledge file read (the shipped one is about 150 kB)."""
PLACEHOLDER_PATTERN = re.compile(r"\{([^{}\s]*)\}")


@dataclass(frozen=True, slots=True)
class Entry:
    """One question–answer entry. The first question is the one shown on buttons."""

    id: str
    questions: tuple[str, ...]
    answer: str
    topic: str | None = None
    related: tuple[str, ...] = ()
    small_talk: bool = False
    line: int | None = None
    question_lines: tuple[int | None, ...] = ()
    source: str | None = None
    """``source: clinic`` marks the clinic's own information (booking, prices, hours): the
    grounding check does not look for it in the source articles."""

    @property
    def label(self) -> str:
        """The short question shown on a button for this entry."""
        return self.questions[0]


DEFAULT_URGENT = "call your local emergency number now, or go to the nearest emergency department"
"""``clinic.urgent`` when staff have not set it: no number is assumed for any country."""


@dataclass(frozen=True, slots=True)
class Clinic:
    """The clinic's contact details, filled in once by staff and used in answers."""

    name: str = "our clinic"
    phone: str = ""
    email: str = ""
    website: str = ""
    booking: str = ""
    address: str = ""
    hours: str = ""
    urgent: str = DEFAULT_URGENT
    """Where to get urgent medical help, said first to a client with urgent signs."""


@dataclass(frozen=True, slots=True)
class Settings:
    """Thresholds on the matcher's 0–100 score that decide how the bot replies."""

    answer_threshold: float = 45.0
    suggest_threshold: float = 41.0
    ambiguity_margin: float = 2.0
    max_suggestions: int = 3


DEFAULT_MESSAGES: dict[str, str] = {
    "welcome": (
        "Hello! I'm the assistant of {clinic.name}. Ask me anything about microneedling: "
        "what it is, whether it hurts, how long it takes, how many sessions you need, "
        "what to expect afterwards, or how to book."
    ),
    "did_you_mean": "I'm not quite sure I understood. Did you mean one of these?",
    "fallback": (
        "I'm sorry, I'm not sure about that one. I can answer questions about microneedling, "
        "pigmentation, stretch marks, the treatment itself and booking. "
        "For anything else, please contact {clinic.name}: {clinic.phone}, {clinic.email}."
    ),
    # Texts for conversations (faq.conversation); an older file without them still loads.
    "acknowledgement": "Is there anything else you'd like to know? Just type your question.",
    "clarify": (
        "Could you tell me a little more about what you'd like to know? "
        "For example: does it hurt, how many sessions, or what happens afterwards."
    ),
    "not_covered": (
        "Sorry, I can't help with {subject}: I only answer questions about microneedling. "
        "Our team at {clinic.name} can tell you more:\n{contacts}"
    ),
    "two_questions": "You asked about two things. Which would you like to start with?",
    "person": "Of course. You can reach our team at {clinic.name}:\n{contacts}",
    # The clinic's phone and email are added below these two by the bot when the text
    # does not already hold them, so a file without them still loads.
    "problem": (
        "I'm sorry you're going through this. What you describe is more than the usual "
        "reaction after treatment, so please don't wait for it to settle: contact "
        "{clinic.name} now, so a practitioner can check your skin and advise you."
    ),
    "urgent": (
        "⚠️ Please get urgent medical help now: {clinic.urgent}. These can be signs of "
        "a serious reaction.\nWhen you are safe, please also let {clinic.name} know."
    ),
}

MESSAGE_PLACEHOLDERS: dict[str, tuple[str, ...]] = {"not_covered": ("subject",)}
"""Placeholders a message may use besides the clinic's: filled in when it is sent.
Every message may also use ``{contacts}``: the clinic's phone, email and booking lines
that the clinic block has, one per line."""


def contact_lines(clinic: Clinic) -> str:
    """The clinic's ways of being reached that staff filled in, one per line."""
    rows = (("Phone", clinic.phone), ("Email", clinic.email), ("Book", clinic.booking))
    return "\n".join(f"{name}: {value}" for name, value in rows if value)


@dataclass(frozen=True, slots=True)
class Knowledge:
    """Everything the bot knows, loaded and checked from one knowledge file."""

    path: Path
    entries: tuple[Entry, ...]
    clinic: Clinic = field(default_factory=Clinic)
    settings: Settings = field(default_factory=Settings)
    messages: Mapping[str, str] = field(default_factory=dict)
    synonyms: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    not_covered: tuple[str, ...] = ()
    """Words and phrases for subjects the bot does not answer about ("botox")."""
    warnings: tuple[Problem, ...] = field(default=(), compare=False)
    """Things read in a way staff should confirm (``- yes`` read as the text 'yes')."""
    sources: tuple[Path, ...] = ()
    """The articles the answers come from (``sources:``), for ``check``'s grounding."""
    _by_id: dict[str, Entry] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {entry.id: entry for entry in self.entries})

    def entry(self, entry_id: str) -> Entry | None:
        """The entry with this id, or None."""
        return self._by_id.get(entry_id)

    def topics(self) -> list[str]:
        """Topic names in the order they first appear (small talk has none)."""
        return list(dict.fromkeys(e.topic for e in self.entries if e.topic))

    def entries_in_topic(self, topic: str) -> list[Entry]:
        """The entries filed under ``topic``, in file order."""
        return [e for e in self.entries if e.topic == topic]


TOP_LEVEL_KEYS = (
    "clinic",
    "settings",
    "messages",
    "synonyms",
    "not_covered",
    "entries",
    "small_talk",
    "sources",
)
ENTRY_KEYS = ("id", "topic", "questions", "answer", "related", "source")
SMALL_TALK_KEYS = ("id", "questions", "answer", "related")
CLINIC_KEYS = tuple(f.name for f in fields(Clinic))
SETTINGS_KEYS = tuple(f.name for f in fields(Settings))


def load_knowledge(path: str | Path) -> Knowledge:
    """Read, check and return the knowledge in ``path``.

    Raises ``KnowledgeError`` listing every problem (with its line) when the file cannot
    be used. Never raises anything else for a mistake in the file's content.
    """
    path = Path(path)
    try:
        if path.stat().st_size > 4 * MAX_FILE_BYTES:  # UTF-8: up to 4 bytes a character
            raise KnowledgeError([_size_problem(path, path.stat().st_size)])
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise KnowledgeError(
            [Problem(path, None, "the file does not exist.", "check the path, or create it.")]
        ) from None
    except UnicodeDecodeError as exc:
        line = exc.object[: exc.start].count(b"\n") + 1
        raise KnowledgeError(
            [
                Problem(
                    path,
                    line,
                    f"the file is not UTF-8 text (byte {exc.object[exc.start]:#04x} on this line).",
                    "save the file as UTF-8 (in most editors: Save As, Encoding: UTF-8).",
                )
            ]
        ) from None
    except OSError as exc:
        raise KnowledgeError(
            [Problem(path, None, f"the file cannot be read ({exc.strerror}).", "check the path.")]
        ) from None
    return parse_knowledge(text, path)


def parse_knowledge(text: str, path: str | Path = "knowledge.yaml") -> Knowledge:
    """Check and build ``Knowledge`` from YAML text; ``path`` is used in messages."""
    path = Path(path)
    if len(text) > MAX_FILE_BYTES:
        raise KnowledgeError([_size_problem(path, len(text))])
    try:
        data = load_yaml_with_lines(text)
    except yaml.YAMLError as exc:
        raise KnowledgeError([_syntax_problem(path, exc, text)]) from None
    except RecursionError:
        raise KnowledgeError(
            [
                Problem(
                    path,
                    None,
                    "the file is nested far too deeply (lists inside lists, or blocks "
                    "inside blocks, hundreds of levels down) to be a knowledge file.",
                    "restore the last good copy; entries need only a few levels.",
                )
            ]
        ) from None
    return _Builder(path).build(data)


def _size_problem(path: Path, size: int) -> Problem:
    return Problem(
        path,
        None,
        f"the file is {size:,} characters long; the limit is {MAX_FILE_BYTES:,}.",
        "check that this is the knowledge file and not something else saved under its "
        "name; remove entries the bot does not need.",
    )


def _syntax_problem(path: Path, exc: yaml.YAMLError, text: str = "") -> Problem:
    mark = getattr(exc, "problem_mark", None)
    line = mark.line + 1 if mark is not None else None
    if line is not None and not isinstance(exc, DuplicateKeyError):
        mistake = explain(text.splitlines(), line)
        if mistake is not None:
            return Problem(path, mistake.line, mistake.message, mistake.fix)
    what = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    message = f"the file is not valid YAML: {what}" + (f" ({context})" if context else "") + "."
    context_mark = getattr(exc, "context_mark", None)
    if context and "quoted scalar" in context and context_mark is not None:
        # The parser notices an unclosed quote only where the text runs out; the place to
        # fix is where the quote was opened.
        line = context_mark.line + 1
        message = (
            f"the file is not valid YAML: a quote opened on this line is never closed "
            f"({what}, {context})."
        )
    fix = (
        "look at this line and the one above it: a missing space after ':', a tab instead "
        "of spaces, wrong indentation, or an unclosed quote are the usual causes. Put text "
        "that contains ': ' or starts with a quote or '#' inside double quotes."
    )
    if "appears twice" in str(what):
        fix = "remove or rename one of the two keys."
    return Problem(path, line, message, fix)


def _suggest(word: str, choices: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(str(word), choices, n=1, cutoff=0.6)
    if close:
        return f"did you mean '{close[0]}'? Allowed keys: {', '.join(choices)}."
    return f"allowed keys are: {', '.join(choices)}."


def _ids_written(data: dict[Any, Any]) -> set[str]:
    """Every id written in the entry blocks, including entries with mistakes."""
    ids: set[str] = set()
    for block_name in ("entries", "small_talk"):
        block = data.get(block_name)
        if isinstance(block, list):
            ids.update(
                item["id"]
                for item in block
                if isinstance(item, dict) and isinstance(item.get("id"), str)
            )
    return ids


class _Builder:
    """Turns parsed YAML into Knowledge, collecting every problem on the way."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []
        self.all_ids: set[str] = set()

    def problem(self, line: int | None, message: str, fix: str = "") -> None:
        self.problems.append(Problem(self.path, line, message, fix))

    def as_typed(self, value: Any, note: ScalarNote | None, line: int | None, what: str) -> Any:
        """The text staff typed for a question or answer that YAML changed or cut.

        A '#' that cut the text is an error (it may be a real comment); a value YAML read
        as true/false, a number, a date or null is read back as the typed text, with a
        warning.
        """
        if note is None or not note.text:
            return value
        if note.comment is not None:
            self.problem(
                line,
                f"{what}: the ' #' on this line starts a comment, so only "
                f"'{note.text}' would be kept and '#{note.comment.rstrip()}' would be lost.",
                'put the whole text in double quotes, e.g. "We are the #1 clinic" '
                "(for an answer you can also write 'answer: |' and the text on the next "
                "lines, indented).",
            )
            return note.text
        if note.kind is not None:
            self.warnings.append(
                Problem(
                    self.path,
                    line,
                    f"{what}: YAML would read '{note.text}' as {note.kind}; the bot reads "
                    f"it as the text '{note.text}'.",
                    f'put it in double quotes ("{note.text}") to make that clear.',
                )
            )
            return note.text
        return value

    def build(self, data: Any) -> Knowledge:
        if data is None:
            data = {}
        if not isinstance(data, dict):
            self.problem(
                getattr(data, "line", 1),
                "the file should be a set of blocks (clinic:, settings:, entries: ...).",
                "start the file with 'clinic:' and 'entries:' blocks, as in the shipped example.",
            )
            raise KnowledgeError(self.problems)
        for key in data:
            if key not in TOP_LEVEL_KEYS:
                self.problem(
                    key_line(data, key), f"unknown block '{key}'.", _suggest(key, TOP_LEVEL_KEYS)
                )
        clinic = self.clinic(data.get("clinic"), key_line(data, "clinic"))
        settings = self.settings(data.get("settings"), key_line(data, "settings"))
        synonyms = self.synonyms(data.get("synonyms"), key_line(data, "synonyms"))
        not_covered = self.not_covered(data.get("not_covered"), key_line(data, "not_covered"))
        entries = self.entries(data, "entries", small_talk=False)
        entries += self.entries(data, "small_talk", small_talk=True)
        self.all_ids = _ids_written(data)
        if "entries" not in data:
            self.problem(None, "there is no 'entries:' block.", "add 'entries:' with a list.")
        elif not any(not entry.small_talk for entry in entries) and not self.problems:
            self.problem(
                key_line(data, "entries"),
                "the 'entries:' block is empty, so the bot could answer nothing.",
                "restore the entries (the file may have been saved only half-way), or "
                "add at least one '- id:' entry below 'entries:'.",
            )
        self.check_ids_and_related(entries)
        messages = self.messages(data.get("messages"), key_line(data, "messages"))
        sources = self.sources(data.get("sources"), key_line(data, "sources"))
        entries = [self.fill_answer(entry, clinic) for entry in entries]
        messages = {
            name: self.fill(
                text,
                clinic,
                key_line(data.get("messages"), name),
                f"message {name}",
                MESSAGE_PLACEHOLDERS.get(name, ()),
                {"contacts": contact_lines(clinic)},
            )
            for name, text in messages.items()
        }
        if self.problems:
            raise KnowledgeError(self.problems)
        return Knowledge(
            path=self.path,
            entries=tuple(entries),
            clinic=clinic,
            settings=settings,
            messages=messages,
            synonyms=synonyms,
            not_covered=not_covered,
            warnings=tuple(self.warnings),
            sources=sources,
        )

    # -- blocks -------------------------------------------------------------------------

    def mapping(self, value: Any, line: int | None, name: str) -> dict[Any, Any]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.problem(line, f"'{name}:' should hold 'key: value' lines.", "see the example.")
            return {}
        return value

    def clinic(self, value: Any, line: int | None) -> Clinic:
        block = self.mapping(value, line, "clinic")
        details: dict[str, str] = {}
        for key, item in block.items():
            if key not in CLINIC_KEYS:
                self.problem(
                    key_line(block, key),
                    f"unknown clinic detail '{key}'.",
                    _suggest(key, CLINIC_KEYS),
                )
            elif item is None:
                continue
            elif not isinstance(item, str | int | float):
                self.problem(key_line(block, key), f"clinic '{key}' should be text.")
            else:
                details[key] = str(item).strip()
        return Clinic(**details)

    def settings(self, value: Any, line: int | None) -> Settings:
        block = self.mapping(value, line, "settings")
        values: dict[str, Any] = {}
        for key, item in block.items():
            where = key_line(block, key)
            if key not in SETTINGS_KEYS:
                self.problem(where, f"unknown setting '{key}'.", _suggest(key, SETTINGS_KEYS))
                continue
            if isinstance(item, bool) or not isinstance(item, int | float):
                self.problem(where, f"setting '{key}' should be a number, not '{item}'.")
                continue
            if key == "max_suggestions":
                if item != int(item) or not 1 <= item <= 5:
                    self.problem(where, "max_suggestions should be a whole number from 1 to 5.")
                    continue
                values[key] = int(item)
            elif not 0 <= item <= 100:
                self.problem(where, f"setting '{key}' should be between 0 and 100, not {item}.")
            else:
                values[key] = float(item)
        settings = Settings(**values)
        if settings.suggest_threshold > settings.answer_threshold:
            self.problem(
                key_line(block, "suggest_threshold") or line,
                f"suggest_threshold ({settings.suggest_threshold:g}) is above answer_threshold "
                f"({settings.answer_threshold:g}).",
                "suggest_threshold must be the lower of the two.",
            )
        return settings

    def messages(self, value: Any, line: int | None) -> dict[str, str]:
        block = self.mapping(value, line, "messages")
        messages = dict(DEFAULT_MESSAGES)
        for key, item in block.items():
            where = key_line(block, key)
            if key not in DEFAULT_MESSAGES:
                self.problem(
                    where, f"unknown message '{key}'.", _suggest(key, tuple(DEFAULT_MESSAGES))
                )
            elif not isinstance(item, str) or not item.strip():
                self.problem(where, f"message '{key}' should be some text.")
            else:
                messages[key] = item.strip()
        return messages

    def synonyms(self, value: Any, line: int | None) -> dict[str, tuple[str, ...]]:
        block = self.mapping(value, line, "synonyms")
        result: dict[str, tuple[str, ...]] = {}
        owner: dict[str, str] = {}
        for key, variants in block.items():
            where = key_line(block, key)
            canonical = str(key).strip().lower()
            if isinstance(variants, str):
                variants = [variants]
            if not isinstance(variants, list) or not all(
                isinstance(v, str | int | float) for v in variants
            ):
                self.problem(
                    where,
                    f"synonyms for '{key}' should be a list of words.",
                    f"write it as: {key}: [word one, word two]",
                )
                continue
            cleaned = []
            for variant in variants:
                variant = str(variant).strip().lower()
                if not variant or variant == canonical:
                    continue
                if variant in owner and owner[variant] != canonical:
                    self.problem(
                        where,
                        f"'{variant}' is listed as a synonym of both '{owner[variant]}' and "
                        f"'{canonical}'.",
                        "keep it in one list only.",
                    )
                    continue
                owner[variant] = canonical
                cleaned.append(variant)
            result[canonical] = tuple(cleaned)
        return result

    def not_covered(self, value: Any, line: int | None) -> tuple[str, ...]:
        if value is None:
            return ()
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str | int | float) for v in value):
            self.problem(
                line,
                "'not_covered:' should be a list of words.",
                "write it as: not_covered: [botox, lip filler, laser hair removal]",
            )
            return ()
        words = (str(v).strip().lower() for v in value)
        return tuple(dict.fromkeys(w for w in words if w))

    def sources(self, value: Any, line: int | None) -> tuple[Path, ...]:
        """``sources:``: article files, relative to the knowledge file."""
        if value is None:
            return ()
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not all(isinstance(i, str) and i.strip() for i in items):
            self.problem(
                line,
                "'sources:' should be a list of article files.",
                "write it as: sources: [articles/microneedling.txt]",
            )
            return ()
        return tuple(self.path.parent / item.strip() for item in items)

    def entries(self, data: dict[Any, Any], block_name: str, *, small_talk: bool) -> list[Entry]:
        block = data.get(block_name)
        if block is None:
            return []
        if not isinstance(block, list):
            self.problem(
                key_line(data, block_name),
                f"'{block_name}:' should be a list of entries, each starting with '- id:'.",
            )
            return []
        return [
            entry
            for index, item in enumerate(block)
            if (entry := self.entry(item, item_line(block, index), small_talk=small_talk))
        ]

    def entry(self, item: Any, line: int | None, *, small_talk: bool) -> Entry | None:
        kind = "small talk entry" if small_talk else "entry"
        if not isinstance(item, dict):
            self.problem(line, f"this {kind} should be a block of keys starting with '- id:'.")
            return None
        entry_id = item.get("id")
        name = f"{kind} {entry_id!r}" if entry_id else f"the {kind} starting here"
        allowed = SMALL_TALK_KEYS if small_talk else ENTRY_KEYS
        ok = True
        for key in item:
            if key not in allowed:
                self.problem(
                    key_line(item, key),
                    f"{name} has an unknown key '{key}'.",
                    _suggest(key, allowed),
                )
                ok = False
        if not isinstance(entry_id, str) or not ENTRY_ID_PATTERN.match(entry_id):
            self.problem(
                key_line(item, "id"),
                f"{name} needs an 'id' of lowercase letters, digits and '_' (at most 40), "
                f"not {entry_id!r}.",
                "for example: id: stretch_marks",
            )
            ok = False
        topic = item.get("topic")
        if not small_talk and (not isinstance(topic, str) or not topic.strip()):
            self.problem(
                key_line(item, "topic"),
                f"{name} needs a 'topic'.",
                "add a line like: topic: The treatment",
            )
            ok = False
        questions = item.get("questions")
        question_lines: list[int | None] = []
        written = questions
        if isinstance(questions, list):
            questions = [
                self.as_typed(q, item_note(written, i), item_line(written, i), name)
                for i, q in enumerate(questions)
            ]
        if isinstance(questions, str) and questions.strip():
            self.problem(
                (key_line(item, "questions") or 0) + 1 if line else None,
                f"{name}: the first question has no '- ' in front, so YAML reads all the "
                "questions as one line of text.",
                "start every question with '- ' (a dash and a space), lined up under each other.",
            )
            ok = False
            questions = []
        elif not isinstance(questions, list) or not questions:
            self.problem(
                key_line(item, "questions"),
                f"{name} needs 'questions:' with at least one question.",
                "add a 'questions:' list, one '- question' per line.",
            )
            ok = False
            questions = []
        else:
            for index, question in enumerate(questions):
                if isinstance(question, dict):
                    self.problem(
                        item_line(written, index),
                        f"{name} has a question containing ': ', which YAML reads as a "
                        "'key: value' pair, not as text.",
                        'put the question in double quotes: - "pain level: is it bad"',
                    )
                    ok = False
                elif not isinstance(question, str | int | float) or not str(question).strip():
                    self.problem(item_line(written, index), f"{name} has an empty question.")
                    ok = False
                question_lines.append(item_line(written, index))
        answer = self.as_typed(
            item.get("answer"), key_note(item, "answer"), key_line(item, "answer"), name
        )
        if isinstance(answer, dict | list):
            self.problem(
                key_line(item, "answer"),
                f"{name}: an answer that starts with '{{' or '[' is read by YAML as a list "
                "or a block of keys, not as text.",
                'put the answer in double quotes: answer: "{clinic.phone} is our number."',
            )
            ok = False
        elif not isinstance(answer, str) or not answer.strip():
            self.problem(
                key_line(item, "answer"),
                f"{name} has no 'answer'.",
                "add 'answer: |' followed by the answer text, indented on the next lines.",
            )
            ok = False
        related = item.get("related") or []
        if isinstance(related, str):
            related = [related]
        if not isinstance(related, list) or not all(isinstance(r, str) for r in related):
            self.problem(
                key_line(item, "related"),
                f"{name}: 'related' should be a list of ids.",
                "write it as: related: [pain, duration]",
            )
            ok = False
            related = []
        source = item.get("source")
        if source is not None and not (isinstance(source, str) and source.strip()):
            self.problem(
                key_line(item, "source"),
                f"{name}: 'source' should be the word clinic (or left out).",
                "write: source: clinic   for the clinic's own information, such as prices",
            )
            ok = False
        if not ok:
            return None
        return Entry(
            id=str(entry_id),
            questions=tuple(str(q).strip() for q in questions),
            answer=str(answer).strip(),
            topic=None if small_talk else str(topic).strip(),
            related=tuple(related),
            small_talk=small_talk,
            line=line,
            question_lines=tuple(question_lines),
            source=source.strip() if isinstance(source, str) else None,
        )

    # -- across entries -----------------------------------------------------------------

    def check_ids_and_related(self, entries: list[Entry]) -> None:
        first_line: dict[str, int | None] = {}
        for entry in entries:
            if entry.id in first_line:
                self.problem(
                    entry.line,
                    f"the id '{entry.id}' is used twice (first on line {first_line[entry.id]}).",
                    "give each entry its own id.",
                )
            else:
                first_line[entry.id] = entry.line
        for entry in entries:
            for related_id in entry.related:
                # An entry with a mistake of its own is reported once, not again here.
                if related_id not in first_line and related_id not in self.all_ids:
                    close = difflib.get_close_matches(related_id, list(first_line), n=1)
                    hint = f"did you mean '{close[0]}'?" if close else "use the id of an entry."
                    self.problem(
                        entry.line,
                        f"entry '{entry.id}' lists related '{related_id}', which is no entry.",
                        hint,
                    )

    def fill_answer(self, entry: Entry, clinic: Clinic) -> Entry:
        # No length limit here: a chat's message limit is the adapter's business (Telegram
        # splits a long answer into messages; ``check --max-answer-length`` warns staff).
        answer = self.fill(entry.answer, clinic, entry.line, f"entry '{entry.id}'")
        if answer == entry.answer:
            return entry
        return Entry(
            **{**{f.name: getattr(entry, f.name) for f in fields(Entry)}, "answer": answer}
        )

    def fill(
        self,
        text: str,
        clinic: Clinic,
        line: int | None,
        where: str,
        keep: tuple[str, ...] = (),
        values: Mapping[str, str] | None = None,
    ) -> str:
        """Replace ``{clinic.phone}``-style placeholders with the clinic's details, and
        the names in ``values`` (``{contacts}``) with theirs; the names in ``keep``
        (``{subject}``) are left for the bot to fill when it sends the text."""
        values = values or {}

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in keep:
                return match.group(0)
            if name in values:
                return values[name]
            key = name.removeprefix("clinic.")
            if not name.startswith("clinic.") or key not in CLINIC_KEYS:
                names = [f"{{clinic.{k}}}" for k in CLINIC_KEYS]
                names += [f"{{{k}}}" for k in (*keep, *values)]
                self.problem(
                    line,
                    f"{where} uses an unknown placeholder '{{{name}}}'.",
                    "placeholders are: " + ", ".join(names),
                )
                return match.group(0)
            value = getattr(clinic, key)
            if not value:
                self.problem(
                    line,
                    f"{where} uses {{clinic.{key}}}, but the clinic block has no '{key}'.",
                    f"add '{key}: ...' under 'clinic:'.",
                )
            return str(value)

        return PLACEHOLDER_PATTERN.sub(replace, text)
