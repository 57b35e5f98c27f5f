"""The Telegram adapter: python-telegram-bot v22 around the FAQ core.

It only translates between Telegram and ``faq``: the same question gets the same reply
as in the terminal REPL.
"""

from adapters.telegram.app import build_application, register_handlers, run_bot, run_telegram
from adapters.telegram.config import Config, ConfigError, load_config

__all__ = [
    "Config",
    "ConfigError",
    "build_application",
    "load_config",
    "register_handlers",
    "run_bot",
    "run_telegram",
]
