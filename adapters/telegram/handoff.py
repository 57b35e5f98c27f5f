"""The hand-off in Telegram: a client's conversation passed to the staff group and back.

The threads themselves (which client a staff-chat message belongs to) are
``faq.handoff.Handoffs``, kept in the SQLite store. Here:

* the "Send my question to the team" button (``H``): the staff chat gets one message
  with the client's first name and their recent exchanges with the bot, and the client
  is told when to expect an answer; the "contacts" button (``K``) when there is no staff
  chat;
* in the staff chat, a *reply* to one of the bot's thread messages goes to that client
  as the clinic team; ``/done`` as a reply closes the thread;
* a client with an open thread: their messages go to the staff chat (as replies to the
  thread), not to the FAQ. Urgent signs still get the urgent reply at once.

The staff and client handlers run in their own group, before the FAQ's handlers, and
stop the update there when they handled it. Only messages *in* the staff chat are ever
passed to a client, so nobody outside it can post into a client's chat. Nothing here
logs a message's text or a name.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

from telegram import Chat, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop, CommandHandler, MessageHandler, filters

from adapters.telegram import callbacks, keyboards, texts
from adapters.telegram.admins import notify_admins
from adapters.telegram.render import escape
from adapters.telegram.sending import send_html, send_plain
from adapters.telegram.services import BotApp, Context
from faq import Knowledge, Reply, ReplyKind
from faq import handoff as core
from faq.aftercare import Concern, assess, concern_reply
from faq.store import HandoffThread

log = logging.getLogger(__name__)

HANDLER_GROUP = -1
"""Before the FAQ's handlers (group 0): a thread's messages never reach the FAQ."""
CONCERN_NOTICE_SECONDS = 1800.0
"""The staff are told at most once in this time that the same client reported a problem."""
EXPIRE_JOB = "handoff-expiry"
EXPIRE_SECONDS = 3600.0
T = TypeVar("T")


def _knowledge(context: Context) -> Knowledge:
    return context.bot_data.get_faq().knowledge


def staff_chat_for(context: Context, chat: Chat | None) -> bool:
    """Whether a reply in ``chat`` may offer the hand-off: a staff chat is set up and
    this is a client's private chat (never a group, where others would read along)."""
    return (
        context.bot_data.handoffs is not None and chat is not None and chat.type == ChatType.PRIVATE
    )


async def _threads(context: Context, call: Callable[..., T], *args: Any) -> T | None:
    """A ``Handoffs`` call in a worker thread; a failing store is logged, never raised."""
    try:
        return await asyncio.to_thread(call, *args)
    except Exception:
        log.exception("the hand-off store failed in %s", getattr(call, "__name__", call))
        return None


def _message_ids(sent: list[Message]) -> list[int]:
    return [message.message_id for message in sent]


def _cannot_post(error: TelegramError, staff_chat: int) -> None:
    log.error(
        "cannot post in the staff chat %s (FAQ_STAFF_CHAT_ID): %s. Add the bot to the staff "
        "group again, or fix FAQ_STAFF_CHAT_ID; until then clients are asked to phone.",
        staff_chat,
        error,
    )


# -- the client's side ----------------------------------------------------------------


async def on_handoff_button(update: Update, context: Context) -> None:
    """ "Send my question to the team": open a thread with the staff chat."""
    query = update.callback_query
    if query is None or query.message is None:
        return
    chat = query.message.chat
    knowledge = _knowledge(context)
    desk = context.bot_data.handoffs
    await _acknowledge(query)
    if desk is None or not staff_chat_for(context, chat):
        await _send_contacts(context, chat.id, knowledge)
        return
    if await _threads(context, desk.for_client, chat.id) is not None:
        await send_plain(context.bot, chat.id, core.already_with_team(knowledge))
        log.info("handoff already open")
        return
    history = context.bot_data.conversations.history(chat.id)
    text = core.staff_message(query.from_user.first_name, history)
    try:
        sent = await send_plain(context.bot, desk.staff_chat, text)
    except TelegramError as error:
        _cannot_post(error, desk.staff_chat)
        await send_plain(context.bot, chat.id, core.team_unreachable(knowledge))
        return
    thread = await _threads(
        context, desk.open, chat.id, str(query.from_user.id), _message_ids(sent)
    )
    if thread is None:
        await send_plain(context.bot, chat.id, core.team_unreachable(knowledge))
        return
    await _drop_offer(context, query.message)
    await send_plain(context.bot, chat.id, core.client_confirmation(knowledge))
    log.info("handoff opened thread=%d exchanges=%d", thread.thread_id, len(history))


async def on_contact_button(update: Update, context: Context) -> None:
    """The clinic's contacts (offered instead of the hand-off when there is no staff chat)."""
    query = update.callback_query
    if query is None or query.message is None:
        return
    await _acknowledge(query)
    await _send_contacts(context, query.message.chat.id, _knowledge(context))


async def _send_contacts(context: Context, chat_id: int, knowledge: Knowledge) -> None:
    await send_plain(context.bot, chat_id, texts.contact(knowledge))
    log.info("button reply=contact")


async def _acknowledge(query: Any) -> None:
    try:
        await query.answer()
    except TelegramError as error:
        log.info("could not answer a button press (%s)", error)


async def _drop_offer(context: Context, message: Any) -> None:
    """Take the hand-off button off the message it was pressed on (it has done its job)."""
    markup = message.reply_markup if isinstance(message, Message) else None
    if markup is None:
        return
    rows = [
        [button for button in row if button.callback_data != callbacks.HANDOFF]
        for row in markup.inline_keyboard
    ]
    kept = InlineKeyboardMarkup([row for row in rows if row]) if any(rows) else None
    try:
        await context.bot.edit_message_reply_markup(
            message.chat.id, message.message_id, reply_markup=kept
        )
    except TelegramError as error:
        log.info("could not remove the hand-off button (%s)", error)


async def on_client_message(update: Update, context: Context) -> None:
    """A client with an open thread: pass the message to the staff chat, not the FAQ."""
    desk = context.bot_data.handoffs
    message = update.effective_message
    chat = update.effective_chat
    if desk is None or message is None or chat is None or chat.type != ChatType.PRIVATE:
        return
    thread = await _threads(context, desk.for_client, chat.id)
    if thread is None:
        return  # the FAQ answers
    knowledge = _knowledge(context)
    if message.text is None:
        await send_plain(
            context.bot,
            chat.id,
            "I can only pass text messages to the team: please describe it in words.",
        )
        raise ApplicationHandlerStop
    user = update.effective_user
    staff_text = core.passed_on_message(user.first_name if user else None, message.text)
    try:
        sent = await send_plain(context.bot, desk.staff_chat, staff_text, None, thread.thread_id)
    except TelegramError as error:
        _cannot_post(error, desk.staff_chat)
        await send_plain(context.bot, chat.id, core.team_unreachable(knowledge))
        raise ApplicationHandlerStop from None
    await _threads(context, desk.passed_on, thread, _message_ids(sent))
    if assess(message.text) is Concern.URGENT:  # safety first, even mid-conversation
        await send_plain(context.bot, chat.id, concern_reply(knowledge, Concern.URGENT).text)
    log.info("handoff message passed on thread=%d", thread.thread_id)
    raise ApplicationHandlerStop


# -- the staff's side -----------------------------------------------------------------


async def _thread_replied_to(
    context: Context, message: Message
) -> tuple[bool, HandoffThread | None]:
    """Whether ``message`` replies to one of the bot's messages, and the open thread it is in.

    (False, None): staff talking among themselves; (True, None): a reply to the bot that
    points at no open thread (closed, expired, or not a thread message at all).
    """
    desk = context.bot_data.handoffs
    replied = message.reply_to_message
    if replied is None or replied.from_user is None or replied.from_user.id != context.bot.id:
        return False, None
    if desk is None:
        return True, None
    return True, await _threads(context, desk.for_staff_message, replied.message_id)


async def on_staff_reply(update: Update, context: Context) -> None:
    """A staff reply to a thread message goes to that client as the clinic team."""
    desk = context.bot_data.handoffs
    message = update.effective_message
    if desk is None or message is None:
        return
    is_reply, thread = await _thread_replied_to(context, message)
    if not is_reply:
        return  # staff talking among themselves
    if thread is None:
        await _tell_staff(context, message, core.CLOSED_THREAD)
        raise ApplicationHandlerStop
    if not message.text:
        await _tell_staff(context, message, core.TEXT_ONLY_TO_CLIENT)
        raise ApplicationHandlerStop
    try:
        await send_plain(
            context.bot, thread.client_chat, core.team_says(_knowledge(context), message.text)
        )
    except TelegramError as error:
        log.warning("a staff reply could not reach the client (%s)", error)
        await _tell_staff(
            context,
            message,
            f"⚠️ Not delivered: Telegram refused it ({error}). The client may have blocked "
            "the bot; please phone them instead.",
        )
        raise ApplicationHandlerStop from None
    await _threads(context, desk.answered, thread)
    log.info("handoff staff reply delivered thread=%d", thread.thread_id)
    raise ApplicationHandlerStop


async def done_command(update: Update, context: Context) -> None:
    """/done in the staff chat, as a reply to a thread message: close that thread."""
    desk = context.bot_data.handoffs
    message = update.effective_message
    if desk is None or message is None:
        return
    is_reply, thread = await _thread_replied_to(context, message)
    if thread is None:
        await _tell_staff(context, message, core.CLOSED_THREAD if is_reply else core.DONE_HOW)
        raise ApplicationHandlerStop
    await _close(context, thread)
    await _tell_staff(context, message, core.closed_for_staff())
    raise ApplicationHandlerStop


async def _close(context: Context, thread: HandoffThread) -> None:
    desk = context.bot_data.handoffs
    if desk is None or not await _threads(context, desk.close, thread):
        return
    try:
        await send_plain(
            context.bot, thread.client_chat, core.closed_for_client(_knowledge(context))
        )
    except TelegramError as error:
        log.info("could not tell the client their conversation is closed (%s)", error)
    log.info("handoff closed thread=%d", thread.thread_id)


async def _tell_staff(context: Context, message: Message, text: str) -> None:
    try:
        await send_html(context.bot, message.chat_id, escape(text), None, message.message_id)
    except TelegramError as error:
        log.warning("could not answer in the staff chat (%s)", error)


# -- hooks for the FAQ's handlers -----------------------------------------------------


def keyboard_for(context: Context, chat: Chat | None, knowledge: Knowledge, reply: Reply,
                 interaction_id: int | None = None) -> Any:  # fmt: skip
    """The reply's buttons, with the hand-off offer suited to this chat."""
    return keyboards.reply_keyboard(
        knowledge, reply, interaction_id, staff_chat=staff_chat_for(context, chat)
    )


async def after_reply(update: Update, context: Context, reply: Reply) -> None:
    """After a problem or urgent reply: tell the staff chat (or the admins) the fact
    only, at most once per client in ``CONCERN_NOTICE_SECONDS``; the conversation goes
    to them only if the client presses to send it."""
    if reply.kind not in (ReplyKind.PROBLEM, ReplyKind.URGENT):
        return
    chat = update.effective_chat
    if chat is None:
        return
    told = context.bot_data.concerns_told
    now = time.monotonic()
    if now - told.get(chat.id, -CONCERN_NOTICE_SECONDS) < CONCERN_NOTICE_SECONDS:
        return
    told[chat.id] = now
    if len(told) > 10_000:  # bounded: forget the oldest notices
        for key in sorted(told, key=told.__getitem__)[: len(told) - 10_000]:
            del told[key]
    text = core.concern_notice(reply.kind)
    desk = context.bot_data.handoffs
    log.info("client reported a concern kind=%s", reply.kind.value)
    if desk is None:
        await notify_admins(context.bot, context.bot_data.admin_ids, text)
        return
    try:
        await send_plain(context.bot, desk.staff_chat, text)
    except TelegramError as error:
        _cannot_post(error, desk.staff_chat)


async def offer_after_not_helpful(context: Context, chat: Chat) -> None:
    """After a 👎: offer the hand-off (or the clinic's contacts without a staff chat)."""
    knowledge = _knowledge(context)
    if staff_chat_for(context, chat):
        markup = InlineKeyboardMarkup([keyboards.handoff_row(True)])
        await send_plain(context.bot, chat.id, core.NOT_HELPFUL_OFFER, markup)
    else:
        contacts = f"{core.NOT_HELPFUL_CONTACTS}\n{texts.contact(knowledge)}"
        await send_plain(context.bot, chat.id, contacts)


async def on_forget(context: Context, chat_id: int) -> None:
    """A client's /forget: close their open thread and tell the staff chat why."""
    desk = context.bot_data.handoffs
    if desk is None:
        return
    thread = await _threads(context, desk.for_client, chat_id)
    if thread is None or not await _threads(context, desk.close, thread):
        return
    try:
        await send_plain(
            context.bot,
            desk.staff_chat,
            "The client used /forget: their conversation is closed and the bot keeps nothing "
            "of it. Replies can no longer reach them through the bot.",
            None,
            thread.thread_id,
        )
    except TelegramError as error:
        _cannot_post(error, desk.staff_chat)


async def expire_job(context: Context) -> None:
    """Delete the threads that were quiet for 24 hours (the JobQueue runs this hourly)."""
    desk = context.bot_data.handoffs
    if desk is not None:
        deleted = await _threads(context, desk.expire)
        if deleted:
            log.info("handoff threads expired rows=%d", deleted)


async def chatid_command(update: Update, context: Context) -> None:
    """/chatid in a group: the id to put in FAQ_STAFF_CHAT_ID (works before it is set)."""
    message = update.effective_message
    chat = update.effective_chat
    if message is None or chat is None:
        return
    if chat.type == ChatType.PRIVATE:
        text = "Send /chatid in the staff group (with the bot added to it) to get its id."
    elif chat.id == context.bot_data.staff_chat_id:
        text = f"This group's id is {chat.id}. It is the staff chat: hand-offs come here."
    else:
        text = (
            f"This group's id is {chat.id}. To send clients' hand-offs here, set "
            f"FAQ_STAFF_CHAT_ID={chat.id} in the bot's environment and restart the bot."
        )
    await send_plain(context.bot, chat.id, text, None, message.message_id)
    log.info("chat id asked in a %s chat", chat.type)


def register(application: BotApp, staff_chat_id: int) -> None:
    """The staff chat's and the thread's handlers, in their own group before the FAQ's."""
    new = filters.UpdateType.MESSAGE
    staff = filters.Chat(chat_id=staff_chat_id)
    private = filters.ChatType.PRIVATE
    add = application.add_handler
    add(CommandHandler("done", done_command, filters=new & staff), HANDLER_GROUP)
    add(
        MessageHandler(new & staff & filters.REPLY & ~filters.COMMAND, on_staff_reply),
        HANDLER_GROUP,
    )
    add(MessageHandler(new & private & ~filters.COMMAND & ~filters.StatusUpdate.ALL,
                       on_client_message), HANDLER_GROUP)  # fmt: skip
