"""The Telegram adapter: python-telegram-bot v22 around the FAQ core.

It only translates between Telegram and ``faq``: the same question gets the same reply
as in the terminal REPL.

The names below are imported on first use, so that ``bot.py`` can read the Telegram
settings (``adapters.telegram.config``) without loading python-telegram-bot for the REPL.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_HOMES = {
    "Config": "adapters.telegram.config",
    "ConfigError": "adapters.telegram.config",
    "load_config": "adapters.telegram.config",
    "build_application": "adapters.telegram.app",
    "register_handlers": "adapters.telegram.app",
    "run_bot": "adapters.telegram.app",
    "run_telegram": "adapters.telegram.app",
}

__all__ = sorted(_HOMES)


def __getattr__(name: str) -> Any:
    """Import ``name`` from its module the first time it is asked for."""
    if name not in _HOMES:
        raise AttributeError(f"module 'adapters.telegram' has no attribute {name!r}")
    return getattr(import_module(_HOMES[name]), name)
