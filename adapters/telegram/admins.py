"""Telling the clinic's admins about the bot's own problems (never about clients)."""

from __future__ import annotations

import logging

from telegram import Bot
from telegram.error import Forbidden, TelegramError

from adapters.telegram.render import split_message

log = logging.getLogger(__name__)


async def notify_admins(bot: Bot, admin_ids: frozenset[int], text: str) -> None:
    """Send plain ``text`` (escaped here) to every admin; those who never started the
    bot are skipped."""
    for admin_id in admin_ids:
        try:
            for part in split_message(text):
                await bot.send_message(admin_id, part)  # escaped HTML
        except Forbidden:
            log.warning("an admin has not started the bot, so could not be told")
        except TelegramError as error:
            log.warning("could not tell an admin (%s)", type(error).__name__)
