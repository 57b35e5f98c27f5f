"""Limits for python-telegram-bot's webhook server (tornado), for unauthenticated load.

PTB's ``run_webhook`` lets a bot set the address, port, path, secret token, TLS files and
how many connections *Telegram* opens (``max_connections``). It offers no way to bound
the server itself: it reads the whole body (tornado allows 100 MB) before it checks the
secret, it has no cap on connections, an idle connection may wait an hour, and running
out of file descriptors makes tornado's accept loop log a traceback per attempt.

This module keeps PTB's pieces and bounds them, in the smallest way PTB allows (it has
no setting for any of this, so it is a subclass of each piece):

* :class:`LimitedUpdater` is PTB's ``Updater`` (given to ``ApplicationBuilder().updater``)
  whose webhook is built from the classes below. It overrides one private method,
  ``_start_webhook``, with the same steps as PTB's own; the tests start a real webhook,
  so a change in PTB shows up as a failing test, not a silent loss of the limits.
* :class:`GuardedTelegramHandler` is PTB's request handler with tornado's streamed body:
  the content type, the secret and the declared length are checked on the headers,
  before one byte of body is read; a refused request is answered and its connection
  closed unread. The body is then capped, JSON that is not an update (``null``, ``[]``)
  gets a 400, and an update PTB cannot read gets a 200 (skipped, so Telegram does not
  send it again) and a log line without its content.
* :class:`LimitedHTTPServer` is tornado's ``HTTPServer`` with capped header, body and
  buffer sizes, header and body timeouts (idle connections are closed), a cap on open
  connections (the oldest is closed to make room, one that showed the secret token
  last, so a flood of connections cannot lock Telegram out), and an accept loop that,
  out of file descriptors, logs once, pauses accepting for a moment and tells when it
  accepts again.

What is *not* bounded here: the kernel's accept backlog and TLS (done by the proxy in
front, as the README describes); connections are counted per server, not per client
address (behind a proxy every client has the proxy's address).
"""

from __future__ import annotations

import asyncio
import errno
import hmac
import json
import logging
import socket
import time
import weakref
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from typing import Any

import tornado.web
from telegram import Bot, Update
from telegram.ext import ExtBot, Updater
from telegram.ext._utils.webhookhandler import (  # PTB's webhook pieces (no public name)
    TelegramHandler,
    WebhookAppClass,
    WebhookServer,
)
from tornado.httpserver import HTTPServer
from tornado.ioloop import IOLoop
from tornado.iostream import IOStream

from adapters.telegram.unparseable import read_update

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
_OUT_OF_FILES = {errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM}


@dataclass(frozen=True, slots=True)
class WebhookLimits:
    """The webhook server's bounds (Telegram's own requests are far inside them)."""

    max_header_bytes: int = 16 * 1024
    max_body_bytes: int = 1024 * 1024
    """An update is a few kilobytes; the largest (a long message quoting another) is
    well under this."""
    chunk_bytes: int = 16 * 1024
    """Read size per connection: what a connection can make the bot hold at a time
    before its headers are checked."""
    max_connections: int = 256
    """Open connections; the oldest is closed to make room for a new one (one that sent the
    secret token only when every open connection has)."""
    header_seconds: float = 10.0
    """Time for a request's headers to arrive, also between two requests on one
    connection (so an idle connection is closed after this)."""
    body_seconds: float = 10.0
    """Time for a request's body to arrive."""
    accept_pause: float = 1.0
    """Out of file descriptors: seconds without accepting before trying again."""
    log_interval: float = 60.0
    """Seconds between two "out of file descriptors" warnings."""


AUTHENTICATED_STREAMS: weakref.WeakSet[IOStream] = weakref.WeakSet()
"""Connections that sent the secret token (Telegram's), spared when one must be closed."""


@tornado.web.stream_request_body
class GuardedTelegramHandler(TelegramHandler):
    """PTB's handler, checking the headers before the body is read (see the module)."""

    def initialize(  # type: ignore[override]  # tornado passes the app's shared objects
        self,
        bot: Bot,
        update_queue: asyncio.Queue[object],
        secret_token: str,
        limits: WebhookLimits,
    ) -> None:
        """Per request: PTB's objects plus the limits."""
        self.bot = bot
        self.update_queue = update_queue
        self.secret_token = secret_token
        self.limits = limits
        self.body = bytearray()

    def prepare(self) -> None:
        """On the headers alone: JSON, the secret, a declared length within the cap."""
        if self.request.headers.get("Content-Type") != "application/json":
            raise tornado.web.HTTPError(HTTPStatus.FORBIDDEN)
        if self.secret_token is not None:
            given = self.request.headers.get(SECRET_HEADER, "")
            if not hmac.compare_digest(given.encode(), self.secret_token.encode()):
                raise tornado.web.HTTPError(HTTPStatus.FORBIDDEN, reason="Wrong secret token")
        stream = getattr(self.request.connection, "stream", None)
        if stream is not None:
            AUTHENTICATED_STREAMS.add(stream)
        declared = self.request.headers.get("Content-Length")
        if declared is not None and (
            not declared.isdigit() or int(declared) > self.limits.max_body_bytes
        ):
            raise tornado.web.HTTPError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
        connection = self.request.connection
        if connection is not None and hasattr(connection, "set_max_body_size"):
            connection.set_max_body_size(self.limits.max_body_bytes)

    def data_received(self, chunk: bytes) -> None:
        """Collect the body (a chunked one too) up to the cap."""
        if len(self.body) + len(chunk) > self.limits.max_body_bytes:
            raise tornado.web.HTTPError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
        self.body += chunk

    async def post(self) -> None:
        """Queue the update; 400 for a body that is not one; 200 for one PTB cannot read."""
        try:
            data = json.loads(self.body)
        except ValueError:  # also invalid UTF-8
            raise tornado.web.HTTPError(HTTPStatus.BAD_REQUEST, reason="Not JSON") from None
        read = read_update(data, self.bot)
        if read is None:
            raise tornado.web.HTTPError(HTTPStatus.BAD_REQUEST, reason="Not a Telegram update")
        self.set_status(HTTPStatus.OK)
        if isinstance(read, Update):
            if isinstance(self.bot, ExtBot):
                self.bot.insert_callback_data(read)
            await self.update_queue.put(read)


@tornado.web.stream_request_body
class NotFoundHandler(tornado.web.RequestHandler):
    """Any other path: 404 on the headers, the body never read."""

    def prepare(self) -> None:
        """Refuse before the body."""
        raise tornado.web.HTTPError(HTTPStatus.NOT_FOUND)

    def data_received(self, chunk: bytes) -> None:
        """Never reached: ``prepare`` refused the request."""


class GuardedWebhookApp(WebhookAppClass):
    """PTB's webhook application with :class:`GuardedTelegramHandler` on its path."""

    def __init__(
        self,
        webhook_path: str,
        bot: Bot,
        update_queue: asyncio.Queue[object],
        secret_token: str | None,
        limits: WebhookLimits,
    ) -> None:
        self.shared_objects = {
            "bot": bot,
            "update_queue": update_queue,
            "secret_token": secret_token,
            "limits": limits,
        }
        handlers = [(rf"{webhook_path}/?", GuardedTelegramHandler, self.shared_objects)]
        tornado.web.Application.__init__(self, handlers, default_handler_class=NotFoundHandler)


class LimitedHTTPServer(HTTPServer):
    """tornado's HTTPServer with the bounds of :class:`WebhookLimits` (see the module)."""

    def initialize(  # type: ignore[override]
        self, request_callback: Any, limits: WebhookLimits, **kwargs: Any
    ) -> None:
        """tornado's settings from ``limits``, plus the connection cap."""
        super().initialize(
            request_callback,
            chunk_size=limits.chunk_bytes,
            max_header_size=limits.max_header_bytes,
            idle_connection_timeout=limits.header_seconds,
            body_timeout=limits.body_seconds,
            max_body_size=limits.max_body_bytes,
            max_buffer_size=limits.max_body_bytes + limits.max_header_bytes,
            **kwargs,
        )
        self.limits = limits
        self._streams: deque[IOStream] = deque()
        self._out_of_files_since: float | None = None
        self._refused_accepts = 0
        self._last_warning = -float("inf")
        self.evicted = 0

    # -- connections ----------------------------------------------------------------------

    def handle_stream(self, stream: IOStream, address: tuple[Any, ...]) -> None:
        """Serve a new connection; at the cap, close the oldest first."""
        if len(self._streams) >= self.limits.max_connections:
            self._streams = deque(s for s in self._streams if not s.closed())
            while len(self._streams) >= self.limits.max_connections:
                self._evict_oldest()
        self._streams.append(stream)
        super().handle_stream(stream, address)

    def _evict_oldest(self) -> None:
        """Close the oldest connection that has not shown the secret token: Telegram's own
        connections, waiting for their answer, are kept while a flood's can go."""
        victim = next((s for s in self._streams if s not in AUTHENTICATED_STREAMS), None)
        if victim is None:
            victim = self._streams[0]
        self._streams.remove(victim)
        victim.close()
        self.evicted += 1

    @property
    def open_connections(self) -> int:
        """Connections open now."""
        return sum(1 for s in self._streams if not s.closed())

    # -- accepting ------------------------------------------------------------------------

    def add_sockets(self, sockets: Iterable[socket.socket]) -> None:
        """As tornado's, with an accept loop that survives running out of files."""
        for sock in sockets:
            self._sockets[sock.fileno()] = sock
            self._handlers[sock.fileno()] = self._accept_on(sock)

    def _accept_on(self, sock: socket.socket) -> Callable[[], None]:
        io_loop = IOLoop.current()
        state = {"removed": False, "paused": False}

        def accept(_fd: Any, _events: int) -> None:
            for _ in range(128):  # tornado's batch: other work must not starve
                if state["removed"]:
                    return
                try:
                    connection, address = sock.accept()
                except BlockingIOError:
                    return
                except ConnectionAbortedError:
                    continue
                except OSError as error:
                    if error.errno not in _OUT_OF_FILES:
                        raise
                    self._out_of_files(error)
                    io_loop.remove_handler(sock)
                    state["paused"] = True
                    io_loop.call_later(self.limits.accept_pause, resume)
                    return
                self._accepting_again()
                self._handle_connection(connection, address)

        def resume() -> None:
            if not state["removed"] and state["paused"]:
                state["paused"] = False
                io_loop.add_handler(sock, accept, IOLoop.READ)

        def remove() -> None:
            if not state["paused"] and not state["removed"]:
                io_loop.remove_handler(sock)
            state["removed"] = True

        io_loop.add_handler(sock, accept, IOLoop.READ)
        return remove

    def _out_of_files(self, error: OSError) -> None:
        """Log once per episode (and at most once per ``log_interval``); shed the oldest
        connection so Telegram's next request can get in."""
        self._refused_accepts += 1
        if self._streams:
            self._evict_oldest()
        now = time.monotonic()
        if self._out_of_files_since is None:
            self._out_of_files_since = now
            if now - self._last_warning >= self.limits.log_interval:
                self._last_warning = now
                log.warning(
                    "webhook: out of file descriptors (%s): not accepting connections for "
                    "%.1f s at a time until some close. Raise the limit (LimitNOFILE= in "
                    "the systemd unit, ulimit -n) or lower WebhookLimits.max_connections.",
                    error.strerror or errno.errorcode.get(error.errno or 0, "?"),
                    self.limits.accept_pause,
                )

    def _accepting_again(self) -> None:
        if self._out_of_files_since is None:
            return
        log.info(
            "webhook: accepting connections again after %.1f s (%d attempts refused)",
            time.monotonic() - self._out_of_files_since,
            self._refused_accepts,
        )
        self._out_of_files_since = None
        self._refused_accepts = 0


class LimitedWebhookServer(WebhookServer):
    """PTB's thin wrapper around the HTTP server, holding a :class:`LimitedHTTPServer`."""

    def __init__(
        self,
        listen: str,
        port: int,
        webhook_app: WebhookAppClass,
        limits: WebhookLimits,
    ) -> None:
        super().__init__(listen, port, webhook_app, None)
        self._http_server = LimitedHTTPServer(webhook_app, limits)

    @property
    def http_server(self) -> LimitedHTTPServer:
        """The tornado server (for tests and benchmarks)."""
        server = self._http_server
        assert isinstance(server, LimitedHTTPServer)
        return server


class LimitedUpdater(Updater):
    """PTB's Updater whose webhook server is bounded by ``limits`` (polling unchanged)."""

    __slots__ = ("webhook_limits",)

    def __init__(
        self,
        bot: Bot,
        update_queue: asyncio.Queue[object],
        limits: WebhookLimits | None = None,
    ) -> None:
        super().__init__(bot=bot, update_queue=update_queue)
        self.webhook_limits = limits or WebhookLimits()

    @property
    def webhook_server(self) -> LimitedWebhookServer | None:
        """The running webhook server, if any."""
        server = self._httpd
        return server if isinstance(server, LimitedWebhookServer) else None

    async def _start_webhook(  # PTB's steps, with the bounded server
        self,
        listen: str,
        port: int,
        url_path: str,
        bootstrap_retries: int,
        allowed_updates: Any,
        cert: str | Path | None = None,
        key: str | Path | None = None,
        drop_pending_updates: bool | None = None,
        webhook_url: str | None = None,
        ready: asyncio.Event | None = None,
        ip_address: str | None = None,
        max_connections: int = 40,
        secret_token: str | None = None,
        unix: Any = None,
    ) -> None:
        if cert is not None or key is not None or unix is not None or not webhook_url:
            raise ValueError(
                "this bot's webhook runs behind an HTTPS proxy: give webhook_url, and no "
                "certificate, key or unix socket"
            )
        if not url_path.startswith("/"):
            url_path = f"/{url_path}"
        app = GuardedWebhookApp(
            url_path, self.bot, self.update_queue, secret_token, self.webhook_limits
        )
        self._httpd = LimitedWebhookServer(listen, port, app, self.webhook_limits)
        await self._bootstrap(
            max_retries=bootstrap_retries,
            drop_pending_updates=drop_pending_updates,
            webhook_url=webhook_url,
            allowed_updates=allowed_updates,
            ip_address=ip_address,
            max_connections=max_connections,
            secret_token=secret_token,
        )
        await self._httpd.serve_forever(ready=ready)


__all__ = ["LimitedUpdater", "WebhookLimits"]
