"""Safe YAML loading that remembers line numbers, so errors can point staff to a line.

It uses PyYAML's ``SafeLoader`` (plain data only: no object construction), and returns
dicts and lists that carry the line they start on and the line of each key or item.
Duplicate keys in one mapping, which YAML would silently overwrite, are reported.

YAML quietly turns some unquoted text into something else: ``yes`` becomes true, ``2024-01-02``
a date, ``1.5`` a number, and a `` #`` starts a comment that cuts the rest of the line. For
every unquoted value the loader keeps a ``ScalarNote`` with the text exactly as typed, so the
knowledge checks can read it as text, or refuse it, instead of losing it silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml

_TAG_KINDS = {
    "tag:yaml.org,2002:bool": "true/false",
    "tag:yaml.org,2002:int": "a number",
    "tag:yaml.org,2002:float": "a number",
    "tag:yaml.org,2002:timestamp": "a date",
    "tag:yaml.org,2002:null": "nothing (null)",
}
_COMMENT_AFTER = re.compile(r"[ \t]+#(.*)")


@dataclass(frozen=True, slots=True)
class ScalarNote:
    """An unquoted value as it was typed, and what YAML would otherwise make of it."""

    text: str
    """The characters typed, e.g. ``yes`` or ``We are the``."""
    kind: str | None = None
    """What YAML reads instead of text ("true/false", "a number", ...), or None for text."""
    comment: str | None = None
    """Text after a `` #`` on the value's last line, which YAML dropped as a comment."""


class LineDict(dict[Any, Any]):
    """A mapping from YAML, with ``line`` (where it starts) and ``key_lines``."""

    line: int = 0
    key_lines: dict[Any, int]
    notes: dict[Any, ScalarNote]


class LineList(list[Any]):
    """A sequence from YAML, with ``line`` (where it starts) and ``item_lines``."""

    line: int = 0
    item_lines: list[int]
    notes: list[ScalarNote | None]


class DuplicateKeyError(yaml.MarkedYAMLError):
    """The same key appears twice in one mapping."""


class _LineLoader(yaml.SafeLoader):
    """SafeLoader that builds LineDict/LineList instead of dict/list."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    mapping = LineDict()
    mapping.line = node.start_mark.line + 1
    mapping.key_lines = {}
    mapping.notes = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str | int | float | bool) and key is not None:
            raise yaml.constructor.ConstructorError(
                None, None, "a key must be a plain word", key_node.start_mark
            )
        if key in mapping:
            raise DuplicateKeyError(
                None,
                None,
                f"the key '{key}' appears twice here (first on line {mapping.key_lines[key]})",
                key_node.start_mark,
            )
        mapping[key] = loader.construct_object(value_node, deep=True)
        mapping.key_lines[key] = key_node.start_mark.line + 1
        note = _note(loader, value_node)
        if note is not None:
            mapping.notes[key] = note
    return mapping


def _construct_sequence(loader: _LineLoader, node: yaml.SequenceNode) -> LineList:
    items = LineList(loader.construct_object(child, deep=True) for child in node.value)
    items.line = node.start_mark.line + 1
    items.item_lines = [child.start_mark.line + 1 for child in node.value]
    items.notes = [_note(loader, child) for child in node.value]
    return items


def _note(loader: _LineLoader, node: yaml.Node) -> ScalarNote | None:
    """A note for an unquoted scalar that is not plain text, or was cut by a comment."""
    if not isinstance(node, yaml.ScalarNode) or node.style is not None:
        return None
    kind = _TAG_KINDS.get(node.tag)
    comment = None
    buffer: str = getattr(loader, "buffer", "")
    end = node.end_mark.index
    line_end = buffer.find("\n", end)
    rest = buffer[end : line_end if line_end >= 0 else len(buffer)].rstrip("\0")
    match = _COMMENT_AFTER.match(rest)
    if match and node.value:
        comment = match.group(1)
    if kind is None and comment is None:
        return None
    return ScalarNote(node.value, kind, comment)


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def load_yaml_with_lines(text: str) -> Any:
    """Parse YAML text safely; mappings and sequences remember their line numbers.

    Raises ``yaml.YAMLError`` (with ``problem_mark``) on syntax errors and duplicate keys.
    """
    # _LineLoader is a SafeLoader subclass: plain data only, never arbitrary objects.
    return yaml.load(text, Loader=_LineLoader)


def key_line(mapping: Any, key: Any) -> int | None:
    """The line of ``key`` in a LineDict, else of the mapping itself, else None."""
    if isinstance(mapping, LineDict):
        return mapping.key_lines.get(key, mapping.line)
    return None


def key_note(mapping: Any, key: Any) -> ScalarNote | None:
    """The note on the value of ``key`` in a LineDict, if YAML changed or cut it."""
    if isinstance(mapping, LineDict):
        return mapping.notes.get(key)
    return None


def item_note(items: Any, index: int) -> ScalarNote | None:
    """The note on item ``index`` of a LineList, if YAML changed or cut it."""
    if isinstance(items, LineList) and index < len(items.notes):
        return items.notes[index]
    return None


def item_line(items: Any, index: int) -> int | None:
    """The line of item ``index`` in a LineList, else of the list itself, else None."""
    if isinstance(items, LineList):
        return items.item_lines[index] if index < len(items.item_lines) else items.line
    return None
