"""Plain-word explanations of YAML syntax errors, for staff who are not programmers.

PyYAML reports where it got stuck, often a line after the mistake, in parser terms
("expected <block end>, but found '<scalar>'"). ``explain(lines, stuck_line)`` looks at the
text up to that point for the usual mistakes and returns the line of the mistake itself,
what is wrong and how to fix it; ``None`` when it recognises none of them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Mistake:
    """A recognised mistake: its line (1-based), what is wrong, and the fix."""

    line: int
    message: str
    fix: str


_KEY = re.compile(r"^(?P<indent> *)(?P<dash>- +)?(?P<key>[A-Za-z_][\w ]*?):(?: +(?P<value>.*))?$")
_DASH = re.compile(r"^ *- ")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _content(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith("#")


def _tab(lines: list[str], stuck: int) -> Mistake | None:
    for number, line in enumerate(lines[: stuck + 1], start=1):
        if "\t" in line[: len(line) - len(line.lstrip(" \t"))]:
            return Mistake(
                number,
                "this line starts with a tab; YAML only understands spaces for indentation.",
                "delete the tab and indent with spaces, lined up with the lines around it.",
            )
    return None


def _value_mistake(number: int, key: str, value: str) -> Mistake | None:
    """Mistakes visible in one 'key: value' (or '- value') line."""
    value = value.rstrip()
    if value[:1] in "[{":
        closing = "]" if value[0] == "[" else "}"
        if closing not in value:
            return Mistake(
                number,
                f"the '{value[0]}' on this line is never closed with '{closing}'.",
                f"close the list on the same line, e.g. related: [pain, price]; or, if "
                f"'{value[0]}' is part of the text, put the whole text in double quotes.",
            )
        if value[0] == "{" or not value.endswith(closing):
            return Mistake(
                number,
                f"{'a question' if key == '-' else f'the {key}'} starts with '{value[0]}', "
                "so it must be quoted: YAML reads '{' and '[' at the start as a list or a "
                "block of keys.",
                'put the whole text in double quotes, e.g. answer: "{clinic.phone} is our number."',
            )
    if ": " in value and value[:1] not in "\"'[{" and not value.startswith("|"):
        return Mistake(
            number,
            "the text on this line contains ': ', which YAML reads as a second 'key: value'.",
            f'put the text in double quotes, e.g. {key}: "{value}"'
            if key != "-"
            else f'put the question in double quotes, e.g. - "{value}"',
        )
    if value[:1] in "\"'":
        quote = value[0]
        end = value.find(quote, 1)
        while quote == "'" and end >= 0 and value[end + 1 : end + 2] == "'":
            end = value.find(quote, end + 2)
        rest = value[end + 1 :].strip() if end >= 0 else ""
        if end >= 0 and rest and not rest.startswith("#"):
            return Mistake(
                number,
                f"there is a {quote} inside a quoted text on this line, so the text ends early.",
                "write 'answer: |' alone on its line and the text on the lines below it, "
                "indented further (no quotes needed); or use the other kind of quote "
                "around the text.",
            )
    return None


def _line_mistake(lines: list[str], stuck: int) -> Mistake | None:
    for number, line in enumerate(lines[: stuck + 1], start=1):
        match = _KEY.match(line)
        if match and match.group("value"):
            found = _value_mistake(number, match.group("key"), match.group("value"))
        elif _DASH.match(line):
            found = _value_mistake(number, "-", line.lstrip(" ")[2:].lstrip(" "))
        else:
            found = None
        if found:
            return found
    return None


def _indentation(lines: list[str], stuck: int) -> Mistake | None:
    """A line that is not a key or an item, indented no further than the key above it."""
    for number in range(stuck, 0, -1):
        line = lines[number - 1] if number <= len(lines) else ""
        if not _content(line) or _KEY.match(line) or _DASH.match(line):
            continue
        above = next((n for n in range(number - 1, 0, -1) if _content(lines[n - 1])), None)
        if above is None:
            return None
        previous = lines[above - 1]
        key = _KEY.match(previous)
        if _DASH.match(previous) and _indent(line) <= _indent(previous) + 1:
            return Mistake(
                number,
                "this question has no '- ' in front (or is not lined up with the ones above it).",
                "start it with '- ' (a dash and a space), lined up under the questions above.",
            )
        if key and _indent(line) <= _indent(previous) + len(key.group("dash") or ""):
            name = key.group("key")
            return Mistake(
                number,
                f"the text on this line must be indented further than '{name}:'.",
                f"add spaces in front of the text so it starts to the right of '{name}:'; "
                f"for an answer, write 'answer: |' and indent every line below it.",
            )
        return None
    return None


def _first_question(lines: list[str], stuck: int) -> Mistake | None:
    for number in range(1, min(stuck, len(lines))):
        match = _KEY.match(lines[number - 1])
        if match and match.group("key") == "questions" and not match.group("value"):
            nxt = next((n for n in range(number + 1, len(lines) + 1) if _content(lines[n - 1])), 0)
            if nxt and not _DASH.match(lines[nxt - 1]) and not _KEY.match(lines[nxt - 1]):
                return Mistake(
                    nxt,
                    "this question has no '- ' in front.",
                    "start every question with '- ' (a dash and a space), lined up under "
                    "each other.",
                )
    return None


_CHECKS: tuple[Callable[[list[str], int], Mistake | None], ...] = (
    _tab,
    _line_mistake,
    _first_question,
    _indentation,
)


def explain(lines: list[str], stuck_line: int) -> Mistake | None:
    """The mistake behind a YAML error noticed on ``stuck_line`` (1-based), if recognised."""
    stuck = min(max(stuck_line, 1), len(lines))
    for check in _CHECKS:
        found = check(lines, stuck)
        if found is not None:
            return found
    return None
