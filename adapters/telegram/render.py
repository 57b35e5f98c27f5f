"""Turning the core's plain text into what Telegram accepts: escaped HTML, split messages.

Everything the bot sends is sent with ``parse_mode=HTML``, so every text that comes from
``knowledge.yaml`` or from a user goes through :func:`escape` first. Telegram refuses a
message whose text, once its HTML is parsed, is longer than 4,096 characters (UTF-16
code units, so an emoji counts twice), or an empty one; :func:`split_message` cuts a long
text at paragraph boundaries (then lines, then words) so that no piece is over the limit,
and escapes each piece.
"""

from __future__ import annotations

import html
import re

MAX_MESSAGE_LENGTH = 4096
"""Telegram's limit for one message's text."""

_PARAGRAPH = re.compile(r"\n\s*\n")


def escape(text: str) -> str:
    """``text`` escaped for Telegram's HTML parse mode (``<``, ``>`` and ``&``)."""
    return html.escape(text, quote=False)


def telegram_length(text: str) -> int:
    """The length Telegram counts: UTF-16 code units (an emoji counts as two)."""
    return len(text.encode("utf-16-le")) // 2


def _hard_cut(text: str, limit: int) -> list[str]:
    """Cut ``text`` into pieces that each fit, without regard to words (last resort)."""
    pieces: list[str] = []
    current: list[str] = []
    length = 0
    for char in text:
        size = telegram_length(char)
        if current and length + size > limit:
            pieces.append("".join(current))
            current, length = [], 0
        current.append(char)
        length += size
    if current:
        pieces.append("".join(current))
    return pieces


def _split_units(text: str, limit: int, level: int) -> list[str]:
    """Pieces of ``text`` that fit, cut at paragraphs, then lines, then spaces."""
    if telegram_length(text) <= limit:
        return [text]
    separators = ("\n\n", "\n", " ")
    if level >= len(separators):
        return _hard_cut(text, limit)
    separator = separators[level]
    units = _PARAGRAPH.split(text) if level == 0 else text.split(separator)
    pieces: list[str] = []
    current = ""
    for unit in units:
        candidate = f"{current}{separator}{unit}" if current else unit
        if telegram_length(candidate) <= limit:
            current = candidate
            continue
        if current:
            pieces.append(current)
        if telegram_length(unit) <= limit:
            current = unit
        else:
            *whole, current = _split_units(unit, limit, level + 1)
            pieces.extend(whole)
    if current:
        pieces.append(current)
    return pieces


def split_message(text: str, limit: int = MAX_MESSAGE_LENGTH) -> list[str]:
    """``text`` as escaped HTML messages, each non-empty and at most ``limit`` long once
    parsed (the HTML itself may be longer: Telegram counts the text after parsing).

    Paragraphs are kept whole when they fit; an empty or blank text gives no message.
    """
    pieces = _split_units(text.strip(), limit, 0) if text.strip() else []
    return [escape(piece.strip()) for piece in pieces if piece.strip()]
