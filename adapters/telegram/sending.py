"""Sending and editing messages safely: split, escaped, retried once on a bad gateway.

Telegram's flood limits (429 ``retry_after``) are handled by python-telegram-bot's
``AIORateLimiter``; here a plain network error or a 5xx answer (a proxy's 502, say) gets
one more try, since such a request did not reach Telegram. Timeouts are not retried:
the message may have been delivered, and a duplicate is worse than a rare loss.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from telegram import Bot, InlineKeyboardMarkup, Message, ReplyParameters
from telegram.error import BadRequest, NetworkError

from adapters.telegram.render import split_message

log = logging.getLogger(__name__)

T = TypeVar("T")
RETRY_DELAY = 0.5
"""Seconds to wait before the one retry after a network error or 5xx answer."""


async def with_retry(call: Callable[[], Awaitable[T]]) -> T:
    """Run ``call``; after a network error or 5xx answer, wait and try once more."""
    try:
        return await call()
    except NetworkError as error:
        if type(error) is not NetworkError:  # BadRequest and TimedOut are subclasses
            raise
        log.warning("Telegram request failed (%s); retrying once", error)
        await asyncio.sleep(RETRY_DELAY)
        return await call()


async def send_html(
    bot: Bot,
    chat_id: int,
    html: str,
    keyboard: InlineKeyboardMarkup | None = None,
    reply_to: int | None = None,
) -> Message:
    """Send one HTML message (already escaped, under the limit) with optional buttons."""
    if not html.strip():
        raise ValueError("Telegram refuses an empty message")
    reply_parameters = (
        ReplyParameters(reply_to, allow_sending_without_reply=True) if reply_to else None
    )
    return await with_retry(
        lambda: bot.send_message(
            chat_id, html, reply_markup=keyboard, reply_parameters=reply_parameters
        )
    )


async def send_plain(
    bot: Bot,
    chat_id: int,
    text: str,
    keyboard: InlineKeyboardMarkup | None = None,
    reply_to: int | None = None,
) -> list[Message]:
    """Send plain ``text`` escaped, split at paragraphs; the buttons go under the last part."""
    parts = split_message(text) or ["…"]
    sent = []
    for number, part in enumerate(parts, start=1):
        last = number == len(parts)
        sent.append(
            await send_html(
                bot, chat_id, part, keyboard if last else None, reply_to if number == 1 else None
            )
        )
    return sent


async def edit_or_send(
    bot: Bot,
    message_id: int | None,
    chat_id: int,
    html: str,
    keyboard: InlineKeyboardMarkup | None,
) -> None:
    """Replace the text and buttons, or send a new message if it cannot be edited."""
    if message_id is not None:
        try:
            await with_retry(
                lambda: bot.edit_message_text(
                    html, chat_id=chat_id, message_id=message_id, reply_markup=keyboard
                )
            )
            return
        except BadRequest as error:
            if "not modified" in str(error).lower():
                return
            log.info("could not edit a message (%s); sending a new one", error)
    await send_html(bot, chat_id, html, keyboard)
