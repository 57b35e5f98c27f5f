"""Running the Telegram bot on python-telegram-bot's own lifecycle.

Usage (normally through ``bot.py``)::

    TELEGRAM_BOT_TOKEN=123:abc python bot.py              # long polling
    WEBHOOK_URL=https://bot.example.com/tg PORT=8080 ...  # webhook behind a proxy

``run_bot`` hands the Application to ``run_polling`` or ``run_webhook`` (PTB's tornado
server, bounded by ``webhook_limits``). Updates go through ``scheduling.FairScheduler``
(a lane per chat, bounded queues); ``getUpdates`` answers through
``unparseable.SkippingRequest`` (an update PTB cannot read is skipped, not retried
forever). ``post_init`` registers the command menu and starts the knowledge reload job
on the JobQueue; ``post_stop`` drops queued updates and cancels slow ones, so a stop
takes seconds; ``post_shutdown`` closes the store.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any, cast

from telegram import BotCommand, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import (
    AIORateLimiter,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    Defaults,
    ExtBot,
    MessageHandler,
    filters,
)
from telegram.request import HTTPXRequest

from adapters.telegram import handlers, handoff, privacy, texts
from adapters.telegram.admins import notify_admins
from adapters.telegram.callbacks import PATTERNS, ButtonKind
from adapters.telegram.config import Config, ConfigError, load_config
from adapters.telegram.render import escape
from adapters.telegram.scheduling import FairScheduler, Limits
from adapters.telegram.sending import send_html
from adapters.telegram.services import CONTEXT_TYPES, BotApp, Context
from adapters.telegram.unparseable import SkippingRequest
from adapters.telegram.webhook_limits import LimitedUpdater, WebhookLimits
from faq import FAQ, KnowledgeError
from faq.config import load_core_config
from faq.fusion import startup_cache
from faq.handoff import Handoffs, ThreadTable
from faq.live import LiveFAQ
from faq.store import ConversationStore, open_store_or_none

log = logging.getLogger(__name__)

ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY]
"""Edits, channel posts and the rest are never even fetched."""
RELOAD_JOB = "knowledge-reload"


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


BUTTON_HANDLERS = {
    ButtonKind.ENTRY: handlers.on_answer_button,
    ButtonKind.CHOICE: handlers.on_answer_button,
    ButtonKind.FEEDBACK: handlers.on_feedback_button,
    ButtonKind.TOPIC: handlers.on_topic_button,
    ButtonKind.TOPICS: handlers.on_topic_button,
    ButtonKind.HANDOFF: handoff.on_handoff_button,
    ButtonKind.CONTACT: handoff.on_contact_button,
}


def register_handlers(application: BotApp) -> None:
    """Every client, admin and button handler, in the order PTB should try them.

    Extra features (hand-off, say) add their own handlers after this, in group 0 or
    their own group."""
    new = filters.UpdateType.MESSAGE  # not edits: a reply to an edit would be noise
    private = filters.ChatType.PRIVATE
    add = application.add_handler
    # Client commands
    add(CommandHandler("start", handlers.start, filters=new))
    add(CommandHandler("help", handlers.help_command, filters=new))
    add(CommandHandler("topics", handlers.topics_command, filters=new))
    add(CommandHandler("contact", handlers.contact_command, filters=new))
    privacy.register(application)  # /forget
    add(CommandHandler("chatid", handoff.chatid_command, filters=new))  # for FAQ_STAFF_CHAT_ID
    # Admin commands (refused to everyone else)
    add(CommandHandler("stats", handlers.stats_command, filters=new))
    add(CommandHandler("unanswered", handlers.unanswered_command, filters=new))
    add(CommandHandler("reload", handlers.reload_command, filters=new))
    # Questions, buttons (one handler per kind; anything else is out of date)
    add(MessageHandler(new & filters.TEXT & ~filters.COMMAND, handlers.on_text))
    for kind, callback in BUTTON_HANDLERS.items():
        add(CallbackQueryHandler(callback, pattern=PATTERNS[kind]))
    add(CallbackQueryHandler(handlers.on_stale_button))
    # Everything else a private chat can send
    add(MessageHandler(new & private & filters.COMMAND, handlers.unknown_command))
    add(
        MessageHandler(
            new & private & ~filters.TEXT & ~filters.StatusUpdate.ALL, handlers.on_other_message
        )
    )
    application.add_error_handler(handlers.error_handler)


def build_application(
    config: Config,
    get_faq: Callable[[], FAQ],
    *,
    store: ConversationStore | Any = None,
    live: LiveFAQ | None = None,
    limits: Limits | None = None,
    webhook_limits: WebhookLimits | None = None,
    threads: ThreadTable | None = None,
) -> BotApp:
    """The Application with its services, lifecycle hooks and every handler registered.

    The bot is built here rather than by the builder, because PTB takes a custom
    Updater (the bounded webhook) only together with its bot. The hand-off to
    ``config.staff_chat_id`` keeps its threads in ``threads`` (default: ``store``);
    without either, or without a staff chat, clients get the contacts."""
    bot = ExtBot(
        config.token,
        base_url=config.api_base_url,
        defaults=Defaults(
            parse_mode=ParseMode.HTML,
            link_preview_options=LinkPreviewOptions(is_disabled=True),
        ),
        rate_limiter=AIORateLimiter(max_retries=3),
        request=HTTPXRequest(connection_pool_size=64, pool_timeout=30.0),
        get_updates_request=SkippingRequest(),
    )
    scheduler = FairScheduler(limits)
    built = (
        ApplicationBuilder()
        .updater(LimitedUpdater(bot, asyncio.Queue(), webhook_limits))
        .context_types(CONTEXT_TYPES)
        .concurrent_updates(scheduler)
        .post_init(post_init)
        .post_stop(post_stop)
        .post_shutdown(post_shutdown)
        .build()
    )
    # The builder's types cannot follow context_types(); this is what it built.
    application = cast(BotApp, built)
    scheduler.notify = partial(slow_down_notice, application.bot)
    services = application.bot_data
    services.get_faq = get_faq
    services.store = store
    services.live = live
    services.admin_ids = config.admin_ids
    services.log_text = config.log_text
    services.reload_seconds = config.reload_seconds
    threads = threads if threads is not None else store
    services.staff_chat_id = config.staff_chat_id
    if config.staff_chat_id is not None:
        if threads is None:
            log.warning(
                "FAQ_STAFF_CHAT_ID is set, but the data folder cannot be written, so open "
                "hand-offs could not survive a restart: the hand-off is off and clients get "
                "the clinic's contacts instead. Make FAQ_DATA_DIR writable."
            )
        else:
            services.handoffs = Handoffs(threads, config.staff_chat_id)
            handoff.register(application, config.staff_chat_id)
    register_handlers(application)
    return application


async def slow_down_notice(bot: Any, update: object) -> None:
    """Tell a chat that sent too much that some of it was skipped: a toast for a button,
    a message for a message meant for the bot (in groups: addressed to it)."""
    if not isinstance(update, Update):
        return
    if update.callback_query is not None:
        await update.callback_query.answer(texts.SLOW_DOWN[:200])
        return
    message = update.effective_message
    if message is None or message.text is None:
        return
    if handlers.addressed_text(message, bot.id, bot.username) is None:
        return  # group chatter, not meant for the bot
    await send_html(bot, message.chat_id, escape(texts.SLOW_DOWN))


async def reload_job(context: Context) -> None:
    """Check the knowledge file (in a worker thread: a YAML load never holds up the event
    loop); tell admins when a save fails to load, and again when it loads after that."""
    services = context.bot_data
    if services.live is None:
        return
    try:
        await asyncio.to_thread(services.live.current)
    except Exception:
        log.exception("checking the knowledge file failed")
        return
    error = services.live.last_error
    if error == services.notified_error:
        return
    services.notified_error = error
    text = f"⚠️ {error}" if error else "✅ The knowledge file loads again; reloaded."
    await notify_admins(context.bot, services.admin_ids, text)


async def post_init(application: BotApp) -> None:
    """Register the command menu and start the reload job (PTB calls this at start)."""
    try:
        await application.bot.set_my_commands(
            [BotCommand(name, about) for name, about in texts.COMMANDS]
        )
    except TelegramError as error:
        log.warning("could not register the command menu (%s)", error)
    services = application.bot_data
    if services.live is not None and application.job_queue is not None:
        interval = services.reload_seconds
        application.job_queue.run_repeating(reload_job, interval, first=interval, name=RELOAD_JOB)
    if services.handoffs is not None and application.job_queue is not None:
        application.job_queue.run_repeating(
            handoff.expire_job, handoff.EXPIRE_SECONDS, first=60, name=handoff.EXPIRE_JOB
        )
    store = services.store
    log.info(
        "bot @%s is starting; live reload %s; recording %s; %d admin(s); hand-off %s",
        application.bot.username,
        "on" if services.live is not None else "off",
        f"to {store.path}" if getattr(store, "path", None) else "off",
        len(services.admin_ids),
        f"to staff chat {services.handoffs.staff_chat}" if services.handoffs else "off",
    )


async def post_stop(application: BotApp) -> None:
    """Drop queued updates and give running ones a short grace (PTB calls this after it
    stops fetching, while the bot can still send)."""
    processor = application.update_processor
    if isinstance(processor, FairScheduler):
        await processor.stop()


async def post_shutdown(application: BotApp) -> None:
    """Close the store (PTB calls this last, after every handler has finished)."""
    store = application.bot_data.store
    if store is not None and hasattr(store, "close"):
        await asyncio.to_thread(store.close)
    log.info("stopped")


def run_bot(
    application: BotApp, config: Config, *, stop_signals: Sequence[int] | None = None
) -> None:
    """Run until a stop signal (default SIGINT, SIGTERM, SIGABRT) or ``stop_running()``:
    PTB's ``run_webhook`` when WEBHOOK_URL is set, else ``run_polling``."""
    # PTB's default stop signals unless told otherwise (a thread may set none).
    signals: dict[str, Any] = {} if stop_signals is None else {"stop_signals": stop_signals}
    if config.webhook_url:
        log.info("webhook on %s:%d%s", config.listen, config.port, config.webhook_path)
        application.run_webhook(
            listen=config.listen,
            port=config.port,
            url_path=config.webhook_path.lstrip("/"),
            webhook_url=config.webhook_url,
            secret_token=config.webhook_secret,
            allowed_updates=ALLOWED_UPDATES,
            bootstrap_retries=5,
            close_loop=False,
            **signals,
        )
    else:
        log.info("long polling")
        application.run_polling(
            allowed_updates=ALLOWED_UPDATES,
            bootstrap_retries=5,
            close_loop=False,
            **signals,
        )


def _open_store(config: Config, knowledge_path: Path) -> ConversationStore | None:
    """The ConversationStore, or None when the folder is read-only, or when recording is
    off and there is no staff chat (whose hand-off threads, ids only, live in it)."""
    wanted = config.record or config.staff_chat_id is not None
    return open_store_or_none(knowledge_path) if wanted else None


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
        cache = startup_cache(load_core_config(), knowledge_path)
        live = LiveFAQ(knowledge_path, check_interval=config.reload_seconds, cache=cache)
    except KnowledgeError as error:
        log.error("the bot cannot start until %s is fixed:\n%s", knowledge_path, error)
        return 2
    try:
        store = _open_store(config, knowledge_path)
    except Exception as error:  # StoreError: a bad setting, with the fix in the message
        log.error("%s", error)
        return 2
    # Handlers take the loaded FAQ as it is; the reload job checks the file in a thread.
    application = build_application(
        config, live.loaded, store=store if config.record else None, live=live, threads=store
    )
    try:
        run_bot(application, config)
    except InvalidToken:
        log.error("Telegram refused TELEGRAM_BOT_TOKEN: copy it again from @BotFather.")
        return 2
    except NetworkError as error:
        log.error("cannot reach the Telegram Bot API at %s (%s)", config.api_base_url, error)
        return 1
    finally:
        if store is not None:
            store.close()  # also after a failed start, when post_shutdown never ran
    return 0


__all__ = ["build_application", "register_handlers", "run_bot", "run_telegram"]
