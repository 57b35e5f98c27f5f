"""The client's /forget command: delete everything the bot stored about them.

Self-contained so it can be registered on any Application: ``register(application)``.
The store (``context.bot_data.store``, possibly None when recording is off) deletes the
client's interactions with their choices and feedback; the conversation memory held
for the chat is cleared too. The client's message itself is never stored or logged.
"""

from __future__ import annotations

import asyncio
import logging

from telegram import Update
from telegram.ext import CommandHandler, filters

from adapters.telegram import handoff
from adapters.telegram.services import BotApp, Context

log = logging.getLogger(__name__)

FORGOTTEN = (
    "Done: everything this bot had stored about your questions has been deleted. "
    "Anything you send from now on is kept for the usual period; send /forget again "
    "at any time."
)
NOTHING_STORED = "This bot keeps no record of your questions, so there is nothing to delete."
FAILED = (
    "Sorry, I could not delete your records just now. Please try again later, or ask "
    "the clinic to do it for you."
)


async def forget_command(update: Update, context: Context) -> None:
    """/forget: delete the sender's stored questions, votes and conversation memory."""
    user = update.effective_user
    message = update.effective_message
    if user is None or message is None:
        return
    store = context.bot_data.store
    if context.user_data is not None:
        context.user_data.clear()
    chat = update.effective_chat
    # A private chat is this client's alone; a group's chat data is everyone's.
    if context.chat_data is not None and chat is not None and chat.id == user.id:
        context.chat_data.clear()
    await handoff.on_forget(context, message.chat_id)  # an open hand-off ends
    if store is None:
        await message.reply_text(NOTHING_STORED)
        return
    try:
        await asyncio.to_thread(store.forget, str(user.id))
    except Exception:
        log.exception("deleting a client's records failed")
        await message.reply_text(FAILED)
        return
    await message.reply_text(FORGOTTEN)


def register(application: BotApp) -> None:
    """Add the /forget command to ``application``."""
    application.add_handler(
        CommandHandler("forget", forget_command, filters=filters.UpdateType.MESSAGE)
    )
