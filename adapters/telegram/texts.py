"""The Telegram bot's own texts (the FAQ answers themselves come from knowledge.yaml).

Functions return HTML ready to send: every value from the knowledge file is escaped.
"""

from __future__ import annotations

from adapters.telegram.render import escape
from faq import Knowledge

COMMANDS = (
    ("start", "Welcome and topics"),
    ("topics", "Browse questions by topic"),
    ("contact", "Phone, email, address and opening hours"),
    ("help", "How to use this bot"),
)
"""The public command menu registered with Telegram (admin commands stay unlisted)."""

OUT_OF_DATE = "Sorry, that option is out of date. Please type your question, or pick a topic:"
NOT_AVAILABLE = "Sorry, this command is not available."
TEXT_ONLY = (
    "Sorry, I can only read text messages. Please type your question in words, "
    "or use /topics to browse."
)
UNKNOWN_COMMAND = "Sorry, I don't know that command. Try /help."
CHOOSE_TOPIC = "Choose a topic:"
THANKS_HELPFUL = "Thank you for your feedback!"
THANKS_NOT_HELPFUL = "Thank you, this helps us improve our answers."
NO_STORE = "Conversation records are turned off for this bot (no data store)."
NO_LIVE = "Live reload is not enabled for this bot."


def start(knowledge: Knowledge) -> str:
    """The /start greeting (plain text): the clinic's welcome message and how to begin."""
    return (
        f"{knowledge.messages['welcome'].strip()}\n\n"
        "Tap a topic below to browse, or just type your question."
    )


def help_text(knowledge: Knowledge) -> str:
    """The /help message (HTML)."""
    commands = "\n".join(f"/{name} – {escape(about)}" for name, about in COMMANDS)
    return (
        f"I answer common questions for <b>{escape(knowledge.clinic.name)}</b>. "
        "Type a question in your own words, for example <i>does it hurt?</i> or "
        "<i>how many sessions do I need?</i>, and tap the buttons for related questions.\n\n"
        f"{commands}\n\n"
        "In a group, mention me or reply to one of my messages."
    )


def contact(knowledge: Knowledge) -> str:
    """The /contact message (plain text): the clinic's details from the knowledge file."""
    clinic = knowledge.clinic
    rows = [
        ("Phone", clinic.phone),
        ("Email", clinic.email),
        ("Website", clinic.website),
        ("Booking", clinic.booking),
        ("Address", clinic.address),
        ("Opening hours", clinic.hours),
    ]
    lines = [clinic.name, *(f"{name}: {value}" for name, value in rows if value.strip())]
    return "\n".join(lines)


def topic_header(topic: str) -> str:
    """The text above a topic's questions."""
    return f"<b>{escape(topic)}</b>\nChoose a question:"


SLOW_DOWN = (
    "You are sending messages faster than I can answer, so I skipped some of them. "
    "Please wait a moment, then send your question again."
)
