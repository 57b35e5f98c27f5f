"""Safe YAML loading that remembers line numbers, so errors can point staff to a line.

It uses PyYAML's ``SafeLoader`` (plain data only: no object construction), and returns
dicts and lists that carry the line they start on and the line of each key or item.
Duplicate keys in one mapping, which YAML would silently overwrite, are reported.
"""

from __future__ import annotations

from typing import Any

import yaml


class LineDict(dict[Any, Any]):
    """A mapping from YAML, with ``line`` (where it starts) and ``key_lines``."""

    line: int = 0
    key_lines: dict[Any, int]


class LineList(list[Any]):
    """A sequence from YAML, with ``line`` (where it starts) and ``item_lines``."""

    line: int = 0
    item_lines: list[int]


class DuplicateKeyError(yaml.MarkedYAMLError):
    """The same key appears twice in one mapping."""


class _LineLoader(yaml.SafeLoader):
    """SafeLoader that builds LineDict/LineList instead of dict/list."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    mapping = LineDict()
    mapping.line = node.start_mark.line + 1
    mapping.key_lines = {}
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
    return mapping


def _construct_sequence(loader: _LineLoader, node: yaml.SequenceNode) -> LineList:
    items = LineList(loader.construct_object(child, deep=True) for child in node.value)
    items.line = node.start_mark.line + 1
    items.item_lines = [child.start_mark.line + 1 for child in node.value]
    return items


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


def item_line(items: Any, index: int) -> int | None:
    """The line of item ``index`` in a LineList, else of the list itself, else None."""
    if isinstance(items, LineList):
        return items.item_lines[index] if index < len(items.item_lines) else items.line
    return None
