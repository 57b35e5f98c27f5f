"""Running the Telegram bot: building the Application, polling or webhook, shutdown.

Usage (normally through ``bot.py``)::

    TELEGRAM_BOT_TOKEN=123:abc python bot.py              # long polling
    WEBHOOK_URL=https://bot.example.com/tg PORT=8080 ...  # webhook behind a proxy

The knowledge file is watched and reloaded while the bot runs (``faq.live``), and
questions the bot could not answer are recorded (``faq.store``) when those modules are
present; the handlers work without them.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import threading
from collections.abc import Callable
from pathlib import Path

from telegram import BotCommand, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import Forbidden, InvalidToken, NetworkError, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    Defaults,
    MessageHandler,
    filters,
)

from adapters.telegram import handlers, privacy, texts
from adapters.telegram.config import Config, ConfigError, load_config
from adapters.telegram.render import split_message
from adapters.telegram.webhook import WebhookServer
from faq import FAQ, KnowledgeError
from faq.live import LiveFAQ
from faq.store import ConversationStore, open_store_or_none

log = logging.getLogger(__name__)

ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY]
"""Edits, channel posts and the rest are never even fetched."""
RELOAD_CHECK_SECONDS = 2.0


class RedactToken(logging.Filter):
    """Replaces the bot token in every log record (a last line of defence)."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's message if it holds the token."""
        message = record.getMessage()
        if self.token in message:
            record.msg = message.replace(self.token, "<token>")
            record.args = None
        if record.exc_info and record.exc_info[1] and self.token in str(record.exc_info[1]):
            record.exc_text = (
                logging.Formatter().formatException(record.exc_info).replace(self.token, "<token>")
            )
            record.exc_info = None
        return True


def build_application(
    config: Config,
    get_faq: Callable[[], FAQ],
    *,
    store: ConversationStore | None = None,
    live: LiveFAQ | None = None,
) -> Application:
    """The Application with every handler registered and its services in ``bot_data``."""
    application = (
        ApplicationBuilder()
        .token(config.token)
        .base_url(config.api_base_url)
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        )
        .rate_limiter(AIORateLimiter(max_retries=3))
        .concurrent_updates(64)
        .connection_pool_size(64)
        .pool_timeout(30.0)
        .build()
    )
    application.bot_data.update(
        get_faq=get_faq,
        store=store,
        live=live,
        admin_ids=config.admin_ids,
        log_text=config.log_text,
        notified_error=None,
    )
    new = filters.UpdateType.MESSAGE  # not edits: a reply to an edit would be noise
    private = filters.ChatType.PRIVATE

    # Client commands
    application.add_handler(CommandHandler("start", handlers.start, filters=new))
    application.add_handler(CommandHandler("help", handlers.help_command, filters=new))
    application.add_handler(CommandHandler("topics", handlers.topics_command, filters=new))
    application.add_handler(CommandHandler("contact", handlers.contact_command, filters=new))
    privacy.register(application)  # /forget
    # Admin commands (refused to everyone else)
    application.add_handler(CommandHandler("stats", handlers.stats_command, filters=new))
    application.add_handler(CommandHandler("unanswered", handlers.unanswered_command, new))
    application.add_handler(CommandHandler("reload", handlers.reload_command, filters=new))
    # Questions, buttons, and everything else a chat can send
    application.add_handler(MessageHandler(new & filters.TEXT & ~filters.COMMAND, handlers.on_text))
    application.add_handler(CallbackQueryHandler(handlers.on_button))
    application.add_handler(
        MessageHandler(new & private & filters.COMMAND, handlers.unknown_command)
    )
    application.add_handler(
        MessageHandler(
            new & private & ~filters.TEXT & ~filters.StatusUpdate.ALL, handlers.on_other_message
        )
    )
    application.add_error_handler(handlers.error_handler)
    return application


async def notify_admins(application: Application, text: str) -> None:
    """Send plain ``text`` to every admin (those who never started the bot are skipped)."""
    for admin_id in application.bot_data.get("admin_ids") or ():
        try:
            for part in split_message(text):
                await application.bot.send_message(admin_id, part)
        except Forbidden:
            log.warning("an admin has not started the bot, so could not be told")
        except TelegramError as error:
            log.warning("could not tell an admin about the knowledge file (%s)", error)


async def watch_reloads(application: Application, live: LiveFAQ, interval: float) -> None:
    """Check the knowledge file every ``interval`` seconds; tell admins when a save fails
    to load, and again when it loads after that."""
    while True:
        await asyncio.sleep(interval)
        try:
            await asyncio.to_thread(live.current)
        except Exception:
            log.exception("checking the knowledge file failed")
            continue
        error = live.last_error
        if error == application.bot_data.get("notified_error"):
            continue
        application.bot_data["notified_error"] = error
        if error:
            await notify_admins(application, f"⚠️ {error}")
        else:
            await notify_admins(application, "✅ The knowledge file loads again; reloaded.")


async def _set_commands(application: Application) -> None:
    try:
        await application.bot.set_my_commands(
            [BotCommand(name, about) for name, about in texts.COMMANDS]
        )
    except TelegramError as error:
        log.warning("could not register the command menu (%s)", error)


async def serve(
    application: Application,
    config: Config,
    stop: asyncio.Event,
    *,
    live: LiveFAQ | None = None,
    reload_interval: float = RELOAD_CHECK_SECONDS,
) -> None:
    """Run ``application`` (polling, or webhook when configured) until ``stop`` is set."""
    async with application:  # initialize (getMe) ... shutdown
        await _set_commands(application)
        await application.start()
        server: WebhookServer | None = None
        if config.webhook_url:
            server = WebhookServer(application, config.webhook_path, config.webhook_secret)
            port = await server.start(config.listen, config.port)
            await application.bot.set_webhook(
                config.webhook_url,
                secret_token=config.webhook_secret,
                allowed_updates=ALLOWED_UPDATES,
            )
            mode = f"webhook on {config.listen}:{port}{config.webhook_path}"
        else:
            assert application.updater is not None
            await application.updater.start_polling(
                allowed_updates=ALLOWED_UPDATES, bootstrap_retries=5
            )
            mode = "long polling"
        watcher = None
        if live is not None:
            watcher = asyncio.create_task(watch_reloads(application, live, reload_interval))
        store = application.bot_data.get("store")
        log.info(
            "bot @%s is running (%s); live reload %s; recording %s; %d admin(s)",
            application.bot.username,
            mode,
            "on" if live is not None else "off",
            f"to {store.path}" if getattr(store, "path", None) else "off",
            len(config.admin_ids),
        )
        try:
            await stop.wait()
        finally:
            log.info("stopping")
            if watcher is not None:
                watcher.cancel()
            if server is not None:
                await server.stop()
            elif application.updater is not None and application.updater.running:
                await application.updater.stop()
            if application.running:
                await application.stop()
    log.info("stopped")


def _open_store(config: Config, knowledge_path: Path) -> ConversationStore | None:
    """The ConversationStore, or None when recording is off or the folder is read-only."""
    return open_store_or_none(knowledge_path) if config.record else None


def run_telegram(knowledge_path: Path) -> int:
    """Run the bot until SIGINT or SIGTERM; returns the process exit status."""
    # Opt in to python-telegram-bot's future timedelta durations now (nothing here reads
    # them), which silences its deprecation warning on every 429 answer.
    os.environ.setdefault("PTB_TIMEDELTA", "1")
    try:
        config = load_config()
    except ConfigError as error:
        log.error("%s", error)
        return 2
    for handler in logging.getLogger().handlers:
        handler.addFilter(RedactToken(config.token))
    logging.getLogger("httpx").setLevel(logging.WARNING)  # its INFO lines hold the token
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    if not config.log_text and logging.getLogger().getEffectiveLevel() < logging.INFO:
        # python-telegram-bot's DEBUG lines hold whole updates, so clients' messages.
        logging.getLogger("telegram").setLevel(logging.INFO)
        log.info("telegram's DEBUG logs stay off: they hold messages (FAQ_LOG_TEXT=1 allows)")
    try:
        live = LiveFAQ(knowledge_path, check_interval=config.reload_seconds)
    except KnowledgeError as error:
        log.error("the bot cannot start until %s is fixed:\n%s", knowledge_path, error)
        return 2
    try:
        store = _open_store(config, knowledge_path)
    except Exception as error:  # StoreError: a bad setting, with the fix in the message
        log.error("%s", error)
        return 2
    # Handlers take the loaded FAQ as it is; watch_reloads checks the file in a worker
    # thread, so a YAML load never holds up the event loop (and every other chat).
    application = build_application(config, live.loaded, store=store, live=live)
    try:
        asyncio.run(_main(application, config, live))
    except InvalidToken:
        log.error("Telegram refused TELEGRAM_BOT_TOKEN: copy it again from @BotFather.")
        return 2
    except NetworkError as error:
        log.error("cannot reach the Telegram Bot API at %s (%s)", config.api_base_url, error)
        return 1
    finally:
        if store is not None:
            store.close()
    return 0


async def _main(application: Application, config: Config, live: LiveFAQ) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
    await serve(application, config, stop, live=live, reload_interval=config.reload_seconds)


__all__ = ["build_application", "run_telegram", "serve"]
