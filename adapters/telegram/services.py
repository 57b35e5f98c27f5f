"""The bot's services, typed, handed to every handler as ``context.bot_data``.

python-telegram-bot builds ``bot_data`` with no arguments (``ContextTypes(bot_data=...)``),
so every field has a default; ``build_application`` fills them in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from telegram.ext import Application, CallbackContext, ContextTypes, ExtBot, JobQueue

from faq import FAQ
from faq.conversation import Conversations
from faq.handoff import Handoffs
from faq.live import LiveFAQ


def _no_faq() -> FAQ:
    raise RuntimeError("Services.get_faq was not set: build the bot with build_application()")


@dataclass
class Services:
    """What the handlers use: the FAQ, the optional store and live reload, and settings."""

    get_faq: Callable[[], FAQ] = _no_faq
    """The FAQ to answer with right now (a reload swaps it)."""
    store: Any = None
    """A ``faq.store.ConversationStore`` (or any object with its methods), or None."""
    live: LiveFAQ | None = None
    """Live reload of the knowledge file, for ``/reload`` and the reload job."""
    admin_ids: frozenset[int] = frozenset()
    handoffs: Handoffs | None = None
    """The hand-off threads with the staff chat (FAQ_STAFF_CHAT_ID), or None: no hand-off,
    clients are given the contacts instead."""
    staff_chat_id: int | None = None
    """FAQ_STAFF_CHAT_ID as configured (even when the hand-off is off), for /chatid."""
    concerns_told: dict[int, float] = field(default_factory=dict)
    """When the staff were last told that a client (chat id) reported a problem."""
    log_text: bool = False
    """FAQ_LOG_TEXT=1: log lines may carry the client's text."""
    reload_seconds: float = 2.0
    """Seconds between checks of the knowledge file."""
    notified_error: str | None = None
    """The knowledge-file error the admins were last told about."""
    errors_told: dict[str, float] = field(default_factory=dict)
    """When the admins were last told of each kind of handler error (monotonic seconds)."""
    conversations: Conversations = field(init=False)
    """Each chat's context (per person in a group), answering with ``get_faq()``."""

    def __post_init__(self) -> None:
        # Through a lambda: get_faq is filled in after PTB builds the services.
        self.conversations = Conversations(lambda: self.get_faq())


Context = CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], Services]
"""The context every handler receives."""

CONTEXT_TYPES = ContextTypes(bot_data=Services)

BotApp = Application[ExtBot[None], Context, dict[Any, Any], dict[Any, Any], Services, JobQueue[Any]]
"""The bot's Application, typed with its services."""
