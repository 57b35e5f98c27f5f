"""Reading source articles: plain text, Markdown or HTML, as headed sections of sentences.

Both the importer (articles -> draft entries) and the grounding check (answers -> the
articles they came from) read articles through ``read_article``, so they agree on what a
source says.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"'“‘(]?[A-Z0-9])")
_MARKDOWN_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_MARKDOWN_MARKUP = re.compile(r"\*\*|__|(?<!\w)[*_](?=\S)|(?<=\S)[*_](?!\w)|`")
_MARKDOWN_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_LIST_MARK = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
MAX_HEADING_WORDS = 12


@dataclass(frozen=True, slots=True)
class Section:
    """A heading (None for an article's opening paragraphs) and the text below it."""

    heading: str | None
    paragraphs: tuple[str, ...]
    line: int
    """The line of the heading (or of the first paragraph) in the article."""

    @property
    def sentences(self) -> list[str]:
        """The section's sentences, in order, exactly as the article writes them."""
        return [s for paragraph in self.paragraphs for s in split_sentences(paragraph)]


@dataclass(frozen=True, slots=True)
class Article:
    """One source article."""

    path: Path
    sections: tuple[Section, ...]

    @property
    def text(self) -> str:
        """All of the article's text, headings included."""
        parts = [part for s in self.sections for part in ((s.heading or ""), *s.paragraphs) if part]
        return "\n".join(parts)


def split_sentences(text: str) -> list[str]:
    """Split prose into sentences (a heading or a list item is one sentence)."""
    return [s.strip() for s in _SENTENCE_END.split(text.strip()) if s.strip()]


def _looks_like_heading(line: str, next_line: str | None) -> bool:
    """In plain text: a short line without a final full stop, followed by prose."""
    words = line.split()
    if not words or len(words) > MAX_HEADING_WORDS or line.rstrip()[-1] in ".,;:!":
        return False
    return next_line is not None and len(next_line.split()) > len(words)


def _sections_from_blocks(blocks: list[tuple[int, str, bool]]) -> tuple[Section, ...]:
    """Group (line, text, is_heading) blocks into sections."""
    sections: list[Section] = []
    heading: str | None = None
    heading_line = 1
    paragraphs: list[str] = []
    for line, text, is_heading in blocks:
        if is_heading:
            if heading is not None or paragraphs:
                sections.append(Section(heading, tuple(paragraphs), heading_line))
            heading, heading_line, paragraphs = text, line, []
        else:
            if heading is None and not paragraphs:
                heading_line = line
            paragraphs.append(text)
    if heading is not None or paragraphs:
        sections.append(Section(heading, tuple(paragraphs), heading_line))
    return tuple(sections)


def _plain_blocks(text: str) -> list[tuple[int, str, bool]]:
    lines = [(n, raw.strip()) for n, raw in enumerate(text.splitlines(), start=1)]
    lines = [(n, line) for n, line in lines if line]
    blocks = []
    for index, (number, line) in enumerate(lines):
        following = lines[index + 1][1] if index + 1 < len(lines) else None
        blocks.append((number, line, _looks_like_heading(line, following)))
    return blocks


def _markdown_blocks(text: str) -> list[tuple[int, str, bool]]:
    blocks: list[tuple[int, str, bool]] = []
    paragraph: list[str] = []
    start = 0

    def flush() -> None:
        if paragraph:
            blocks.append((start, " ".join(paragraph), False))
            paragraph.clear()

    for number, raw in enumerate(text.splitlines(), start=1):
        line = _MARKDOWN_MARKUP.sub("", _MARKDOWN_LINK.sub(r"\1", raw)).strip()
        heading = _MARKDOWN_HEADING.match(line)
        if heading:
            flush()
            blocks.append((number, heading.group(2), True))
        elif not line:
            flush()
        elif _LIST_MARK.match(line):
            flush()
            blocks.append((number, _LIST_MARK.sub("", line), False))
        else:
            if not paragraph:
                start = number
            paragraph.append(line)
    flush()
    return blocks


class _HTMLBlocks(HTMLParser):
    """Collects headings (h1–h6) and paragraphs/list items from an HTML page."""

    BLOCKS = frozenset({"p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "div", "td", "dd"})
    SKIP = frozenset({"script", "style", "nav", "footer", "header", "head"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[tuple[int, str, bool]] = []
        self._text: list[str] = []
        self._tag: str | None = None
        self._line = 1
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self._skip += 1
        elif tag in self.BLOCKS:
            self._flush()
            self._tag, self._line = tag, self.getpos()[0]
        elif tag == "br":
            self._text.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self._skip = max(0, self._skip - 1)
        elif tag in self.BLOCKS:
            self._flush()

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self._text.append(data)

    def _flush(self) -> None:
        text = " ".join("".join(self._text).split())
        if text:
            is_heading = self._tag is not None and self._tag[0] == "h" and self._tag[1:].isdigit()
            self.blocks.append((self._line, text, is_heading))
        self._text = []
        self._tag = None

    def close(self) -> None:
        super().close()
        self._flush()


def read_article(path: str | Path) -> Article:
    """Read an article (.txt, .md/.markdown, .html/.htm) into headed sections.

    Raises ``OSError`` when the file cannot be read and ``UnicodeDecodeError`` when it
    is not UTF-8 text.
    """
    path = Path(path)
    text = path.read_text(encoding="utf-8-sig")
    suffix = path.suffix.lower()
    if suffix in {".html", ".htm"}:
        parser = _HTMLBlocks()
        parser.feed(text)
        parser.close()
        blocks = parser.blocks
    elif suffix in {".md", ".markdown"}:
        blocks = _markdown_blocks(text)
    else:
        blocks = _plain_blocks(text)
    return Article(path, _sections_from_blocks(blocks))
