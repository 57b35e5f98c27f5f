"""A small webhook receiver on the standard library, for hosting behind a reverse proxy.

Telegram POSTs each update as JSON to the bot's webhook URL, with the secret token given
to ``setWebhook`` in the ``X-Telegram-Bot-Api-Secret-Token`` header. This server checks
that header on every request (403 otherwise), accepts only POST on the webhook's path,
and puts each update on the application's queue. It needs no extra dependency.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from http import HTTPStatus

from telegram import Update
from telegram.ext import Application

log = logging.getLogger(__name__)

SECRET_HEADER = "x-telegram-bot-api-secret-token"
MAX_BODY = 1_000_000
READ_TIMEOUT = 30.0


def _response(status: HTTPStatus) -> bytes:
    body = status.phrase.encode()
    return (
        f"HTTP/1.1 {status.value} {status.phrase}\r\n"
        f"Content-Type: text/plain\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body


class WebhookServer:
    """Receives updates for ``application`` on ``path``, checking ``secret``."""

    def __init__(self, application: Application, path: str, secret: str) -> None:
        self.application = application
        self.path = path
        self._secret = secret.encode()
        self._server: asyncio.Server | None = None

    async def start(self, host: str, port: int) -> int:
        """Listen on ``host:port``; returns the port (useful with port 0)."""
        self._server = await asyncio.start_server(self._connection, host, port)
        return self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Stop listening and close the open connections."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:  # keep-alive: Telegram reuses connections
                status = await asyncio.wait_for(self._request(reader), READ_TIMEOUT)
                if status is None:
                    break
                writer.write(_response(status))
                await writer.drain()
                if status is not HTTPStatus.OK:
                    break
        except (TimeoutError, ConnectionError, asyncio.IncompleteReadError, ValueError):
            pass
        finally:
            writer.close()

    async def _request(self, reader: asyncio.StreamReader) -> HTTPStatus | None:
        """Read one request and handle it; None when the client closed the connection."""
        request_line = await reader.readline()
        if not request_line:
            return None
        method, target, *_ = [*request_line.decode("latin-1").split(), "", ""]
        headers: dict[str, str] = {}
        while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length") or 0)
        if length > MAX_BODY:
            return HTTPStatus.REQUEST_ENTITY_TOO_LARGE
        body = await reader.readexactly(length) if length else b""
        if target.split("?")[0] != self.path:
            return HTTPStatus.NOT_FOUND
        if method != "POST":
            return HTTPStatus.METHOD_NOT_ALLOWED
        if not hmac.compare_digest(headers.get(SECRET_HEADER, "").encode(), self._secret):
            log.warning("webhook request with a wrong or missing secret token refused")
            return HTTPStatus.FORBIDDEN
        try:
            update = Update.de_json(json.loads(body), self.application.bot)
        except (ValueError, TypeError, KeyError):
            return HTTPStatus.BAD_REQUEST
        await self.application.update_queue.put(update)
        return HTTPStatus.OK
