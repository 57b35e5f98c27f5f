"""The data carried by inline buttons, and reading it back safely.

Telegram hands a pressed button's ``callback_data`` back verbatim, but it may come from a
message sent before the knowledge changed, or be forged by a client: :func:`parse` never
raises, it returns None for anything it does not recognise. Every form stays under
Telegram's 64-byte limit because entry ids are at most 40 characters.

Forms: ``e:<entry>`` answer an entry; ``c:<interaction>:<entry>`` a "did you mean"
choice; ``f:<interaction>:1|0`` helpful / not helpful; ``t:<topic key>`` a topic's
questions; ``T`` the list of topics; ``H`` send my question to the team (the hand-off);
``K`` the clinic's contacts (offered instead when there is no staff chat).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from enum import StrEnum

MAX_CALLBACK_BYTES = 64

_ENTRY = r"[a-z0-9][a-z0-9_]{0,39}"


class ButtonKind(StrEnum):
    """The kinds of inline button the bot sends."""

    ENTRY = "entry"
    CHOICE = "choice"
    FEEDBACK = "feedback"
    TOPIC = "topic"
    TOPICS = "topics"
    HANDOFF = "handoff"
    CONTACT = "contact"


# Anchored with \Z (not $, which also matches before a final newline), so that
# ``re.match`` (as CallbackQueryHandler uses) means a whole match.
PATTERNS = {
    ButtonKind.ENTRY: re.compile(rf"e:(?P<entry>{_ENTRY})\Z"),
    ButtonKind.CHOICE: re.compile(rf"c:(?P<interaction>\d{{1,15}}):(?P<entry>{_ENTRY})\Z"),
    ButtonKind.FEEDBACK: re.compile(r"f:(?P<interaction>\d{1,15}):(?P<helpful>[01])\Z"),
    ButtonKind.TOPIC: re.compile(r"t:(?P<topic>[0-9a-f]{10})\Z"),
    ButtonKind.TOPICS: re.compile(r"T\Z"),
    ButtonKind.HANDOFF: re.compile(r"H\Z"),
    ButtonKind.CONTACT: re.compile(r"K\Z"),
}
"""The pattern of each kind's callback data, for ``CallbackQueryHandler(pattern=...)``."""


@dataclass(frozen=True, slots=True)
class Callback:
    """A parsed button press."""

    action: ButtonKind
    entry_id: str | None = None
    interaction_id: int | None = None
    helpful: bool | None = None
    topic_key: str | None = None


def topic_key(topic: str) -> str:
    """A short, stable key for a topic name (topic names may be long or non-ASCII)."""
    return hashlib.sha1(topic.encode("utf-8"), usedforsecurity=False).hexdigest()[:10]


def entry(entry_id: str) -> str:
    """Data for a button that answers ``entry_id``."""
    return f"e:{entry_id}"


def choice(interaction_id: int, entry_id: str) -> str:
    """Data for a "did you mean" option, linked to the recorded question."""
    return f"c:{interaction_id}:{entry_id}"


def feedback(interaction_id: int, helpful: bool) -> str:
    """Data for a helpful / not helpful button under a recorded answer."""
    return f"f:{interaction_id}:{int(helpful)}"


def topic(name: str) -> str:
    """Data for a button that lists a topic's questions."""
    return f"t:{topic_key(name)}"


TOPICS = "T"
"""Data for the button back to the list of topics."""
HANDOFF = "H"
"""Data for "Send my question to the team"."""
CONTACT = "K"
"""Data for the button that shows the clinic's contacts."""


def parse(data: str | None) -> Callback | None:
    """The button press ``data`` stands for, or None when it is unknown or malformed."""
    # surrogatepass: a forged callback may carry lone surrogates; it is still only refused.
    if not data or len(data.encode("utf-8", "surrogatepass")) > MAX_CALLBACK_BYTES:
        return None
    for action, pattern in PATTERNS.items():
        match = pattern.match(data)
        if match is None:
            continue
        fields = match.groupdict()
        return Callback(
            action=action,
            entry_id=fields.get("entry"),
            interaction_id=int(fields["interaction"]) if "interaction" in fields else None,
            helpful=fields["helpful"] == "1" if "helpful" in fields else None,
            topic_key=fields.get("topic"),
        )
    return None
