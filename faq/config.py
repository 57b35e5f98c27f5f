"""The core's settings: every environment variable the core reads, read here and only here.

``load_core_config()`` reads them once into a frozen ``CoreConfig``; a value the bot cannot use
raises ``ConfigError`` naming the variable and the fix. ``VARIABLES`` documents each one
(its default and what it does); the README's table and the deployment files are checked
against it by the tests. The Telegram adapter's own variables live in
``adapters/telegram/config.py``, built on the same ``Variable`` and ``ConfigError``.

Usage::

    config = load_core_config()              # os.environ
    config = load_core_config({"FAQ_RECORD": "0"})
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path


class ConfigError(ValueError):
    """A setting in the environment that the bot cannot use; the message says which."""


@dataclass(frozen=True, slots=True)
class Variable:
    """One environment variable: its name, its default (in words) and what it does."""

    name: str
    default: str
    meaning: str


DEFAULT_RELOAD_SECONDS = 2.0
MIN_RELOAD_SECONDS = 0.1
DEFAULT_RETENTION_DAYS = 90
DEFAULT_LOG_LEVEL = "INFO"

VARIABLES: tuple[Variable, ...] = (
    Variable(
        "FAQ_KNOWLEDGE", "`knowledge.yaml` beside `bot.py`", "The knowledge file (= `--knowledge`)."
    ),
    Variable(
        "FAQ_DATA_DIR",
        "`$STATE_DIRECTORY`, else `data/` beside the knowledge file",
        "Folder for the conversation database and its hash salt (created if missing).",
    ),
    Variable(
        "STATE_DIRECTORY",
        "(set by systemd)",
        "systemd's `StateDirectory=` folder; the data folder when `FAQ_DATA_DIR` is unset.",
    ),
    Variable(
        "FAQ_RETENTION_DAYS",
        str(DEFAULT_RETENTION_DAYS),
        "Recorded conversations older than this many days are deleted.",
    ),
    Variable(
        "FAQ_HASH_SALT",
        "random, kept in the data folder",
        "Secret used to hash user ids. Keep it stable: a new one makes everyone a new client.",
    ),
    Variable(
        "FAQ_RELOAD_SECONDS",
        f"{DEFAULT_RELOAD_SECONDS:g}",
        "How often the bot and the REPL look at the knowledge file for a saved change.",
    ),
    Variable("FAQ_RECORD", "1", "`0` turns off recording of questions and feedback."),
    Variable(
        "FAQ_SEMANTIC",
        "1",
        "`0` matches by words only, without the sentence encoder (which is also skipped, "
        "with a warning, when its model package is missing; bench/README.md has the figures).",
    ),
    Variable(
        "FAQ_CACHE_DIR",
        "`embeddings/` in the data folder",
        "Folder for the cached sentence embeddings of the knowledge (rebuilt when missing).",
    ),
    Variable("FAQ_LOG_TEXT", "0", "`1` also logs clients' message text (debugging only)."),
    Variable("LOG_LEVEL", DEFAULT_LOG_LEVEL, "`DEBUG`, `INFO`, `WARNING`, `ERROR`."),
)
"""The core's variables, in the order the README lists them."""

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}
_LOG_LEVELS = {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}


@dataclass(frozen=True, slots=True)
class CoreConfig:
    """What the core reads from the environment, checked."""

    knowledge: Path | None = None
    """FAQ_KNOWLEDGE, or None for the default beside ``bot.py``."""
    data_dir: Path | None = None
    """FAQ_DATA_DIR (absolute), or None: see ``data_folder()``."""
    state_directory: Path | None = None
    """The first folder of systemd's $STATE_DIRECTORY, or None."""
    retention_days: int = DEFAULT_RETENTION_DAYS
    hash_salt: str | None = field(default=None, repr=False)
    reload_seconds: float = DEFAULT_RELOAD_SECONDS
    record: bool = True
    log_text: bool = False
    log_level: str = DEFAULT_LOG_LEVEL
    semantic: bool = True
    """Match with the sentence encoder as well as lexically (FAQ_SEMANTIC=0: lexical only)."""
    cache_dir: Path | None = None
    """FAQ_CACHE_DIR (absolute), or None: see ``cache_folder()``."""

    def data_folder(self, knowledge: Path | None = None) -> Path:
        """The data folder, never dependent on the directory the bot was started from.

        FAQ_DATA_DIR if set; else $STATE_DIRECTORY (systemd's ``StateDirectory=``); else a
        ``data`` folder beside the knowledge file; else ``data`` beside the ``faq`` package.
        """
        if self.data_dir is not None:
            return self.data_dir
        if self.state_directory is not None:
            return self.state_directory
        base = knowledge.resolve().parent if knowledge else Path(__file__).resolve().parent.parent
        return base / "data"

    def cache_folder(self, knowledge: Path | None = None) -> Path:
        """Where the embeddings of the knowledge are cached: FAQ_CACHE_DIR, else an
        ``embeddings`` folder in the data folder."""
        return self.cache_dir or self.data_folder(knowledge) / "embeddings"


def flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    """A yes/no variable: 1/true/yes/on or 0/false/no/off (unset: ``default``)."""
    raw = env.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigError(f"{name} should be 1 or 0, not {raw!r}.")


def _path(env: Mapping[str, str], name: str) -> Path | None:
    raw = (env.get(name) or "").strip()
    return Path(raw).expanduser().resolve() if raw else None


def _reload_seconds(env: Mapping[str, str]) -> float:
    raw = (env.get("FAQ_RELOAD_SECONDS") or "").strip()
    if not raw:
        return DEFAULT_RELOAD_SECONDS
    try:
        seconds = float(raw)
    except ValueError:
        seconds = float("nan")
    if seconds != seconds or seconds in (float("inf"), float("-inf")):  # not a number
        raise ConfigError(
            f"FAQ_RELOAD_SECONDS should be a number of seconds such as 2, not {raw!r}."
        )
    return max(MIN_RELOAD_SECONDS, seconds)


def _retention_days(env: Mapping[str, str]) -> int:
    raw = (env.get("FAQ_RETENTION_DAYS") or "").strip()
    if not raw:
        return DEFAULT_RETENTION_DAYS
    if not raw.isdigit() or int(raw) < 1:
        raise ConfigError(
            f"FAQ_RETENTION_DAYS should be a whole number of days such as 90, not {raw!r}."
        )
    return int(raw)


def _log_level(env: Mapping[str, str]) -> str:
    raw = (env.get("LOG_LEVEL") or DEFAULT_LOG_LEVEL).strip().upper()
    if raw not in _LOG_LEVELS:
        raise ConfigError(f"LOG_LEVEL should be DEBUG, INFO, WARNING or ERROR, not {raw!r}.")
    return raw


def load_core_config(env: Mapping[str, str] | None = None) -> CoreConfig:
    """The core's settings from ``env`` (default: ``os.environ``); raises ``ConfigError``."""
    env = os.environ if env is None else env
    state = (env.get("STATE_DIRECTORY") or "").split(":")[0].strip()
    return CoreConfig(
        knowledge=Path(env["FAQ_KNOWLEDGE"]) if env.get("FAQ_KNOWLEDGE") else None,
        data_dir=_path(env, "FAQ_DATA_DIR"),
        state_directory=Path(state).resolve() if state else None,
        retention_days=_retention_days(env),
        hash_salt=env.get("FAQ_HASH_SALT") or None,
        reload_seconds=_reload_seconds(env),
        record=flag(env, "FAQ_RECORD", True),
        log_text=flag(env, "FAQ_LOG_TEXT", False),
        log_level=_log_level(env),
        semantic=flag(env, "FAQ_SEMANTIC", True),
        cache_dir=_path(env, "FAQ_CACHE_DIR"),
    )


__all__ = ["VARIABLES", "ConfigError", "CoreConfig", "Variable", "flag", "load_core_config"]
