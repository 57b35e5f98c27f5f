"""Updates python-telegram-bot cannot read are skipped, never retried forever.

When one update in a ``getUpdates`` answer cannot be parsed (a message without a date,
a message id or a chat type), PTB fails the whole batch, logs its raw JSON (clients'
text, names and usernames) as CRITICAL and asks again with the same offset, forever:
polling stops for good. :class:`SkippingRequest` is the connection PTB uses for
``getUpdates`` (``ExtBot(get_updates_request=...)``): it checks every update of an
answer and puts a bare ``{"update_id": n}`` in place of one PTB cannot read, so the
offset moves past it and polling goes on. The webhook uses :func:`read_update` too.

The log line for a skipped update names the kind of error only, never its content,
whatever FAQ_LOG_TEXT says: an unreadable update may hold anything.
"""

from __future__ import annotations

import json
import logging
from http import HTTPStatus
from typing import Any

from telegram import Bot, Update
from telegram.request import HTTPXRequest

log = logging.getLogger(__name__)


def _update_id(data: object) -> int | None:
    if isinstance(data, dict):
        value = data.get("update_id")
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return value
    return None


def read_update(data: object, bot: Bot | None = None) -> Update | int | None:
    """The Update PTB makes of ``data``; its ``update_id`` alone if PTB cannot read the
    rest (logged without content: skip it, but acknowledge it); None if ``data`` is not
    an update at all (no update id)."""
    update_id = _update_id(data)
    if update_id is None:
        return None
    try:
        update = Update.de_json(data, bot)  # type: ignore[arg-type]
    except Exception as error:
        log.warning(
            "skipped update %d: python-telegram-bot cannot read it (%s); its content is not logged",
            update_id,
            type(error).__name__,
        )
        return update_id
    return update if update is not None else update_id


class SkippingRequest(HTTPXRequest):
    """PTB's HTTP connection for ``getUpdates``, with unreadable updates replaced by
    their bare id (same settings as PTB's default: one connection). PTB's ``post``
    parses what ``do_request`` returns, so the check sits in ``do_request``."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("connection_pool_size", 1)
        super().__init__(**kwargs)

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        """The Bot API's answer, every unreadable update in its result replaced."""
        status, payload = await super().do_request(*args, **kwargs)
        if status != HTTPStatus.OK:
            return status, payload
        try:
            answer = json.loads(payload)
        except ValueError:
            return status, payload  # PTB reports it
        result = answer.get("result") if isinstance(answer, dict) else None
        if not isinstance(result, list) or not result:
            return status, payload
        kept = skip_unreadable(result)
        if kept is result:
            return status, payload
        return status, json.dumps({**answer, "result": kept}).encode()


def skip_unreadable(updates: list[Any]) -> list[Any]:
    """``updates`` itself when PTB reads every one, else a copy with each unreadable
    update replaced by its bare id (and anything without an id left out)."""
    kept: list[Any] = []
    changed = False
    for item in updates:
        read = read_update(item)
        if isinstance(read, Update):
            kept.append(item)
            continue
        changed = True
        if read is not None:
            kept.append({"update_id": read})
        else:
            log.warning("skipped an item of getUpdates that is not an update (no update_id)")
    return kept if changed else updates


__all__ = ["SkippingRequest", "read_update", "skip_unreadable"]
