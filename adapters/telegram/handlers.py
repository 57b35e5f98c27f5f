"""Telegram handlers: each turns one update into the core's reply and sends it.

Handlers hold no FAQ of their own: they ask ``context.bot_data.get_faq()`` (a typed
``Services``) each time, so a reloaded knowledge file is used at once. The optional
``store`` records questions, "did you mean" choices and feedback; a failing store is
logged and never stops a client getting an answer.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Hashable
from functools import partial
from typing import Any

from telegram import CallbackQuery, Message, MessageEntity, Update
from telegram.constants import ChatType
from telegram.error import TelegramError

from adapters.telegram import callbacks, handoff, keyboards, texts
from adapters.telegram.admins import notify_admins
from adapters.telegram.render import escape
from adapters.telegram.scheduling import MATCHING
from adapters.telegram.sending import edit_or_send, send_html, send_plain
from adapters.telegram.services import Context
from faq import FAQ, Knowledge, Reply
from faq.report import format_stats, format_unanswered

log = logging.getLogger(__name__)

ADMIN_ERROR_INTERVAL = 600.0
"""Seconds before the admins are told again of the same kind of error."""
DEFAULT_REPORT_DAYS = 7
MAX_REPORT_DAYS = 3650


# -- services from bot_data -----------------------------------------------------------


def get_faq(context: Context) -> FAQ:
    """The FAQ to answer with right now."""
    return context.bot_data.get_faq()


def _store(context: Context) -> Any:
    return context.bot_data.store


async def _store_call(context: Context, method: str | Callable[..., Any], *args: Any) -> Any:
    """Call a store method (by name), or ``method(store, *args)``, in a worker thread
    (SQLite may wait on a lock; other chats must not); on any failure log it and return
    None, and the chat goes on."""
    store = _store(context)
    if store is None:
        return None
    call = getattr(store, method) if isinstance(method, str) else partial(method, store)
    try:
        return await asyncio.to_thread(call, *args)
    except Exception:
        log.exception("the conversation store failed in %s", getattr(method, "__name__", method))
        return None


def _is_admin(update: Update, context: Context) -> bool:
    user = update.effective_user
    chat = update.effective_chat
    admins = context.bot_data.admin_ids
    return (
        user is not None
        and chat is not None
        and chat.type == ChatType.PRIVATE  # never print the data into a group
        and user.id in admins
    )


def _log_reply(context: Context, source: str, reply: Reply, started: float, text: str) -> None:
    """The one INFO line per handled message; the user's text only if FAQ_LOG_TEXT=1."""
    elapsed_ms = (time.perf_counter() - started) * 1000
    extra = f" text={text!r}" if context.bot_data.log_text else ""
    log.info(
        "%s reply=%s entry=%s score=%.0f ms=%.1f%s",
        source,
        reply.kind.value,
        reply.entry_id or "-",
        reply.score,
        elapsed_ms,
        extra,
    )


def _log_command(name: str, started: float) -> None:
    """The INFO line for a handled command."""
    log.info("command /%s ms=%.1f", name, (time.perf_counter() - started) * 1000)


# -- groups ---------------------------------------------------------------------------


def addressed_text(message: Message, bot_id: int, bot_username: str | None) -> str | None:
    """In a group, the message's text without the bot's @mention if it is meant for the
    bot (it mentions the bot or replies to it), else None. In a private chat, the text."""
    text = message.text or ""
    if message.chat.type == ChatType.PRIVATE:
        return text
    replied = message.reply_to_message
    addressed = bool(replied and replied.from_user and replied.from_user.id == bot_id)
    if bot_username:
        mention = f"@{bot_username}".lower()
        for value in message.parse_entities([MessageEntity.MENTION]).values():
            if value.lower() == mention:
                addressed = True
                text = text.replace(value, " ")
    return " ".join(text.split()) if addressed else None


def _reply_to(message: Message) -> int | None:
    """Quote the client's message in groups, so it is clear whom the bot answers."""
    return None if message.chat.type == ChatType.PRIVATE else message.message_id


# -- commands -------------------------------------------------------------------------


async def _answer_command(
    update: Update,
    context: Context,
    name: str,
    send: Callable[..., Awaitable[Any]],
    text_for: Callable[[Knowledge], str],
    keyboard_for: Callable[[Knowledge], Any] | None = None,
) -> None:
    """Send a command's text (and buttons) built from the current knowledge; log it."""
    started = time.perf_counter()
    message = update.effective_message
    if message is None:
        return
    knowledge = get_faq(context).knowledge
    keyboard = keyboard_for(knowledge) if keyboard_for else None
    await send(context.bot, message.chat_id, text_for(knowledge), keyboard, _reply_to(message))
    _log_command(name, started)


async def start(update: Update, context: Context) -> None:
    """Greet the client with the clinic's welcome and the topics as buttons; the
    conversation starts afresh (its context is forgotten)."""
    context.bot_data.conversations.forget(conversation_key(update))
    await _answer_command(
        update, context, "start", send_plain, texts.start, keyboards.topics_keyboard
    )


async def help_command(update: Update, context: Context) -> None:
    """Explain how to use the bot when the command /help is issued."""
    await _answer_command(update, context, "help", send_html, texts.help_text)


async def topics_command(update: Update, context: Context) -> None:
    """List the topics as buttons when the command /topics is issued."""
    await _answer_command(
        update,
        context,
        "topics",
        send_html,
        lambda _knowledge: texts.CHOOSE_TOPIC,
        keyboards.topics_keyboard,
    )


async def contact_command(update: Update, context: Context) -> None:
    """Send the clinic's contact details when the command /contact is issued."""
    await _answer_command(update, context, "contact", send_plain, texts.contact)


async def unknown_command(update: Update, context: Context) -> None:
    """Point to /help for a command the bot does not know (private chats only)."""
    message = update.effective_message
    if message is not None:
        await send_html(context.bot, message.chat_id, escape(texts.UNKNOWN_COMMAND))
        log.info("command unknown")


# -- admin commands -------------------------------------------------------------------


def _days(context: Context) -> int:
    """The number of days given after an admin command (default 7)."""
    args = context.args or []
    # Strictly ASCII digits: "²".isdigit() is True, but int("²") raises.
    if args and args[0].isascii() and args[0].isdecimal():
        return max(1, min(int(args[0]), MAX_REPORT_DAYS))
    return DEFAULT_REPORT_DAYS


async def _admin_reply(
    update: Update,
    context: Context,
    produce: Callable[[], Awaitable[str]],
) -> None:
    """Send ``produce()`` (plain text) to an admin; everyone else gets 'not available'."""
    message = update.effective_message
    if message is None:
        return
    name = (message.text or "/").split()[0].split("@")[0]
    if not _is_admin(update, context):
        await send_html(context.bot, message.chat_id, escape(texts.NOT_AVAILABLE))
        log.info("command %s refused: not an admin", name)
        return
    await send_plain(context.bot, message.chat_id, await produce())
    log.info("command %s by an admin", name)


async def stats_command(update: Update, context: Context) -> None:
    """Send an admin the summary of recent conversations (/stats [days])."""

    async def produce() -> str:
        if _store(context) is None:
            return texts.NO_STORE
        result = await _store_call(context, format_stats, _days(context))
        return result if result is not None else "Sorry, the statistics could not be read."

    await _admin_reply(update, context, produce)


async def unanswered_command(update: Update, context: Context) -> None:
    """Send an admin the most frequent unanswered questions (/unanswered [days])."""

    async def produce() -> str:
        if _store(context) is None:
            return texts.NO_STORE
        result = await _store_call(context, format_unanswered, _days(context), 15)
        return result if result is not None else "Sorry, the questions could not be read."

    await _admin_reply(update, context, produce)


async def reload_command(update: Update, context: Context) -> None:
    """Reload the knowledge file now, for an admin (/reload)."""

    async def produce() -> str:
        live = context.bot_data.live
        if live is None:
            return texts.NO_LIVE
        ok, result = await asyncio.to_thread(live.reload)
        context.bot_data.notified_error = live.last_error  # told here, not again later
        return result if ok else f"⚠️ {result}"

    await _admin_reply(update, context, produce)


# -- free text and other messages -----------------------------------------------------


def conversation_key(update: Update) -> Hashable:
    """Whose conversation an update belongs to: the chat in a private chat, each person
    on their own in a group (so two clients' follow-ups never mix)."""
    chat = update.effective_chat
    user = update.effective_user
    chat_id = chat.id if chat is not None else None
    if chat is not None and chat.type == ChatType.PRIVATE:
        return chat_id
    return (chat_id, user.id if user is not None else None)


async def on_text(update: Update, context: Context) -> None:
    """Answer a client's question with the core's reply and its buttons."""
    message = update.effective_message
    if message is None or message.text is None:
        return
    text = addressed_text(message, context.bot.id, context.bot.username)
    if text is None:
        return  # a group message not meant for the bot
    started = time.perf_counter()
    faq = get_faq(context)
    if not text.strip():  # only "@bot": greet
        await start(update, context)
        return
    conversations = context.bot_data.conversations
    reply = await MATCHING.run(conversations.reply, conversation_key(update), text)  # off the loop
    user = update.effective_user
    interaction_id = await _store_call(
        context, "record_reply", str(user.id if user else message.chat_id), text, reply
    )
    keyboard = handoff.keyboard_for(context, message.chat, faq.knowledge, reply, interaction_id)
    await send_plain(context.bot, message.chat_id, reply.text, keyboard, _reply_to(message))
    _log_reply(context, "message", reply, started, text)
    await handoff.after_reply(update, context, reply)


async def on_other_message(update: Update, context: Context) -> None:
    """Tell a client in a private chat that the bot reads text only (photos, voice...)."""
    message = update.effective_message
    if message is None:
        return
    await send_html(context.bot, message.chat_id, escape(texts.TEXT_ONLY))
    log.info("message reply=text_only")


# -- buttons --------------------------------------------------------------------------


async def _acknowledge(query: CallbackQuery, text: str | None = None) -> None:
    """Answer the button press (stops the spinner); an expired query is not an error."""
    try:
        await query.answer(text)
    except TelegramError as error:
        log.info("could not answer a button press (%s)", error)


def _message_of(query: CallbackQuery) -> tuple[int | None, int | None, Any]:
    """The chat id, message id and buttons of the message a button was pressed on."""
    message = query.message
    if message is None:
        return None, None, None
    markup = message.reply_markup if isinstance(message, Message) else None
    return message.chat.id, message.message_id, markup


async def _out_of_date(query: CallbackQuery, context: Context, chat_id: int | None) -> None:
    await _acknowledge(query, "That option is out of date.")
    if chat_id is not None:
        knowledge = get_faq(context).knowledge
        await send_html(
            context.bot,
            chat_id,
            escape(texts.OUT_OF_DATE),
            keyboards.topics_keyboard(knowledge),
        )
    log.info("button reply=out_of_date")


def _pressed(update: Update) -> tuple[CallbackQuery, callbacks.Callback | None] | None:
    query = update.callback_query
    if query is None:
        return None
    return query, callbacks.parse(query.data if isinstance(query.data, str) else None)


def _on_its_message(query: CallbackQuery, markup: Any) -> bool:
    """Buttons that point at a recorded question must be on the message they came with."""
    return isinstance(query.data, str) and keyboards.has_button(markup, query.data)


async def on_stale_button(update: Update, context: Context) -> None:
    """A button the bot does not know (old, forged or malformed): say it is out of date."""
    query = update.callback_query
    if query is not None:
        await _out_of_date(query, context, _message_of(query)[0])


async def on_feedback_button(update: Update, context: Context) -> None:
    """Record helpful / not helpful and remove the feedback buttons."""
    got = _pressed(update)
    if got is None:
        return
    query, pressed = got
    chat_id, message_id, markup = _message_of(query)
    if pressed is None or chat_id is None or not _on_its_message(query, markup):
        await _out_of_date(query, context, chat_id)
        return
    assert pressed.interaction_id is not None
    assert pressed.helpful is not None
    await _store_call(context, "record_feedback", pressed.interaction_id, pressed.helpful)
    await _acknowledge(query, texts.THANKS_HELPFUL if pressed.helpful else texts.THANKS_NOT_HELPFUL)
    try:
        await context.bot.edit_message_reply_markup(
            chat_id, message_id, reply_markup=keyboards.without_feedback(markup)
        )
    except TelegramError as error:
        log.info("could not remove the feedback buttons (%s)", error)
    log.info("button reply=feedback helpful=%s", pressed.helpful)
    if not pressed.helpful and query.message is not None:
        await handoff.offer_after_not_helpful(context, query.message.chat)


async def on_topic_button(update: Update, context: Context) -> None:
    """Show the list of topics, or one topic's questions, in place."""
    got = _pressed(update)
    if got is None:
        return
    query, pressed = got
    started = time.perf_counter()
    chat_id, message_id, _markup = _message_of(query)
    if pressed is None or chat_id is None:
        await _out_of_date(query, context, chat_id)
        return
    knowledge = get_faq(context).knowledge
    if pressed.action is callbacks.ButtonKind.TOPICS:
        html, keyboard = texts.CHOOSE_TOPIC, keyboards.topics_keyboard(knowledge)
    else:
        names = {callbacks.topic_key(n): n for n in knowledge.topics()}
        topic = names.get(pressed.topic_key or "")
        if topic is None:
            await _out_of_date(query, context, chat_id)
            return
        html, keyboard = texts.topic_header(topic), keyboards.topic_keyboard(knowledge, topic)
    await _acknowledge(query)
    await edit_or_send(context.bot, message_id, chat_id, html, keyboard)
    log.info("button reply=topics ms=%.1f", (time.perf_counter() - started) * 1000)


async def on_answer_button(update: Update, context: Context) -> None:
    """Answer an entry: a related question, a topic's question or a "did you mean" choice."""
    got = _pressed(update)
    if got is None:
        return
    query, pressed = got
    started = time.perf_counter()
    chat_id, _message_id, markup = _message_of(query)
    is_choice = pressed is not None and pressed.action is callbacks.ButtonKind.CHOICE
    if pressed is None or chat_id is None or (is_choice and not _on_its_message(query, markup)):
        await _out_of_date(query, context, chat_id)
        return
    assert pressed.entry_id is not None
    faq = get_faq(context)
    reply = context.bot_data.conversations.reply_for_entry(
        conversation_key(update), pressed.entry_id
    )
    if reply is None:
        await _out_of_date(query, context, chat_id)
        return
    await _acknowledge(query)
    interaction_id = None
    if is_choice:
        assert pressed.interaction_id is not None
        await _store_call(context, "record_choice", pressed.interaction_id, pressed.entry_id)
        if context.bot_data.store is not None:
            interaction_id = pressed.interaction_id
    keyboard = handoff.keyboard_for(context, query.message.chat if query.message else None,
                                    faq.knowledge, reply, interaction_id)  # fmt: skip
    await send_plain(context.bot, chat_id, reply.text, keyboard)
    _log_reply(context, "button", reply, started, "")


# -- errors ---------------------------------------------------------------------------


async def error_handler(update: object, context: Context) -> None:
    """Log an error raised while handling an update, and tell the admins (the kind of
    error only, never the client's data) at most once per kind every 10 minutes."""
    error = context.error
    log.error("error while handling an update", exc_info=error)
    kind = type(error).__name__
    told = context.bot_data.errors_told
    now = time.monotonic()
    if now - told.get(kind, -ADMIN_ERROR_INTERVAL) < ADMIN_ERROR_INTERVAL:
        return
    told[kind] = now
    await notify_admins(
        context.bot,
        context.bot_data.admin_ids,
        f"⚠️ The bot hit an error ({kind}) while handling a message; it keeps serving. "
        "The details are in its log.",
    )
