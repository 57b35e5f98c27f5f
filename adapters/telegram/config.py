"""The Telegram bot's settings, read once from the environment.

The Telegram variables are read here (``TELEGRAM_VARIABLES`` documents each); the core's
(FAQ_LOG_TEXT, FAQ_RECORD, FAQ_RELOAD_SECONDS...) come from ``faq.config``. A bad value
stops the bot at start with a message naming the variable and the fix, never with a
traceback.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from faq.config import DEFAULT_RELOAD_SECONDS, ConfigError, Variable, load_core_config

DEFAULT_API_BASE_URL = "https://api.telegram.org/bot"
DEFAULT_PORT = 8080
DEFAULT_LISTEN = "127.0.0.1"
"""The webhook receiver listens on this host only: a reverse proxy in front of it takes
Telegram's HTTPS. Set WEBHOOK_LISTEN=0.0.0.0 only to expose it on purpose."""
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")

TELEGRAM_VARIABLES: tuple[Variable, ...] = (
    Variable(
        "TELEGRAM_BOT_TOKEN",
        "(none)",
        "The bot's token from @BotFather. When set, `bot.py` runs the Telegram bot; "
        "otherwise the REPL.",
    ),
    Variable(
        "TELEGRAM_API_BASE_URL",
        f"`{DEFAULT_API_BASE_URL}`",
        "Bot API server to talk to (a self-hosted one; `try-telegram` and the tests point "
        "it at a fake). The token is appended to it.",
    ),
    Variable("WEBHOOK_URL", "(unset: long polling)", "Public `https://` URL for webhook mode."),
    Variable("PORT", str(DEFAULT_PORT), "Local port for the webhook receiver."),
    Variable(
        "WEBHOOK_LISTEN",
        f"`{DEFAULT_LISTEN}`",
        "Local address for the webhook receiver: `127.0.0.1` behind a reverse proxy on the "
        "same host; `0.0.0.0` only to expose it on purpose.",
    ),
    Variable(
        "WEBHOOK_SECRET",
        "random at each start",
        "Secret Telegram sends with every webhook request (letters, digits, `_`, `-`; up to 256).",
    ),
    Variable(
        "FAQ_ADMIN_IDS",
        "(none)",
        "Comma-separated Telegram user ids allowed `/stats`, `/unanswered`, `/reload`, and "
        "told about failed reloads and errors.",
    ),
    Variable(
        "FAQ_STAFF_CHAT_ID",
        "(none: no hand-off)",
        'Numeric id of the staff group that clients\' "Send my question to the team" goes to '
        '(the bot must be a member). See "Answering clients the bot hands over".',
    ),
)
"""The Telegram adapter's variables, in the order the README lists them."""


@dataclass(frozen=True)
class Config:
    """Everything the Telegram adapter reads from the environment."""

    token: str
    api_base_url: str = DEFAULT_API_BASE_URL
    webhook_url: str | None = None
    listen: str = DEFAULT_LISTEN
    port: int = DEFAULT_PORT
    webhook_secret: str = field(default_factory=lambda: secrets.token_urlsafe(32), repr=False)
    admin_ids: frozenset[int] = frozenset()
    log_text: bool = False
    record: bool = True
    reload_seconds: float = DEFAULT_RELOAD_SECONDS
    staff_chat_id: int | None = None
    """FAQ_STAFF_CHAT_ID: the staff group that clients' hand-offs go to (None: none)."""

    @property
    def webhook_path(self) -> str:
        """The URL path Telegram posts updates to (that of ``webhook_url``)."""
        return urlsplit(self.webhook_url or "").path or "/"

    def __repr__(self) -> str:  # never show the token
        mode = f"webhook {self.webhook_url}" if self.webhook_url else "polling"
        return f"Config({mode}, api={self.api_base_url!r}, admins={len(self.admin_ids)})"


def _admin_ids(raw: str) -> frozenset[int]:
    ids = set()
    for part in re.split(r"[,\s]+", raw.strip()):
        if not part:
            continue
        if not re.fullmatch(r"-?\d+", part):
            raise ConfigError(
                f"FAQ_ADMIN_IDS should list numeric Telegram user ids separated by commas, "
                f"but holds {part!r}. Ask each admin to send /start to @userinfobot to see "
                "their id."
            )
        ids.add(int(part))
    return frozenset(ids)


def _staff_chat_id(raw: str) -> int | None:
    raw = raw.strip()
    if not raw:
        return None
    if not re.fullmatch(r"-?\d{1,20}", raw):
        raise ConfigError(
            f"FAQ_STAFF_CHAT_ID should be the numeric id of the staff group, such as "
            f"-1001234567890, not {raw!r}. The README says how to find it."
        )
    return int(raw)


def token_given(env: Mapping[str, str] | None = None) -> bool:
    """Whether TELEGRAM_BOT_TOKEN is set (then ``bot.py`` runs the Telegram bot)."""
    env = os.environ if env is None else env
    return bool((env.get("TELEGRAM_BOT_TOKEN") or "").strip())


def load_config(env: Mapping[str, str] | None = None) -> Config:
    """The settings from ``env`` (default: ``os.environ``); raises ``ConfigError``.

    Checks the core's settings too, so one bad variable of either kind stops the start."""
    env = os.environ if env is None else env
    token = (env.get("TELEGRAM_BOT_TOKEN") or "").strip()
    if not token:
        raise ConfigError("TELEGRAM_BOT_TOKEN is not set: get a token from @BotFather.")
    if any(c.isspace() or c == "/" for c in token):
        raise ConfigError("TELEGRAM_BOT_TOKEN looks wrong (spaces or '/'): copy it again.")
    base_url = (env.get("TELEGRAM_API_BASE_URL") or DEFAULT_API_BASE_URL).strip()
    if urlsplit(base_url).scheme not in ("http", "https"):
        raise ConfigError(
            f"TELEGRAM_API_BASE_URL should start with https:// (or http://), not {base_url!r}."
        )
    webhook_url = (env.get("WEBHOOK_URL") or "").strip() or None
    if webhook_url and urlsplit(webhook_url).scheme != "https":
        raise ConfigError("WEBHOOK_URL must be a public https:// address (Telegram requires it).")
    raw_port = (env.get("PORT") or str(DEFAULT_PORT)).strip()
    if not raw_port.isdigit() or not 0 < int(raw_port) < 65536:
        raise ConfigError(f"PORT should be a port number such as 8080, not {raw_port!r}.")
    secret = (env.get("WEBHOOK_SECRET") or "").strip()
    if secret and not _SECRET.fullmatch(secret):
        raise ConfigError(
            "WEBHOOK_SECRET may hold only letters, digits, '_' and '-' (1 to 256 of them)."
        )
    settings = load_core_config(env)
    return Config(
        token=token,
        api_base_url=base_url,
        webhook_url=webhook_url,
        listen=(env.get("WEBHOOK_LISTEN") or DEFAULT_LISTEN).strip(),
        port=int(raw_port),
        webhook_secret=secret or secrets.token_urlsafe(32),
        admin_ids=_admin_ids(env.get("FAQ_ADMIN_IDS") or ""),
        log_text=settings.log_text,
        record=settings.record,
        reload_seconds=settings.reload_seconds,
        staff_chat_id=_staff_chat_id(env.get("FAQ_STAFF_CHAT_ID") or ""),
    )


__all__ = ["TELEGRAM_VARIABLES", "Config", "ConfigError", "load_config", "token_given"]
