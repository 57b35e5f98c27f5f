"""A strict fake of the Telegram Bot API, served over HTTP on 127.0.0.1 for the tests.

The real bot (in-process or as a ``python bot.py`` subprocess) talks to it through
``TELEGRAM_API_BASE_URL``. Tests inject updates, which ``getUpdates`` long polling hands
out, and read back every call the bot made. Like Telegram it refuses, with a 400:
HTML it cannot parse, texts that are empty or over 4,096 characters, buttons whose
callback data is empty or over 64 bytes, and edits of unknown or unchanged messages.
It can answer the next call of a method with a 429 ``retry_after`` or a 502.

From a shell it serves on a fixed port and prints every call the bot makes (the bot
started elsewhere with TELEGRAM_API_BASE_URL set to the printed address)::

    .venv/bin/python tests/fake_bot_api.py --port 8081

``bot.py try-telegram`` (tests/try_telegram.py) starts it, the bot and a chat prompt.
"""

from __future__ import annotations

import argparse
import html
import itertools
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

BOT_ID = 7000000001
BOT_USERNAME = "clinic_faq_test_bot"
MAX_TEXT = 4096
MAX_CALLBACK_DATA = 64
LONG_POLL_CAP = 5.0
"""getUpdates never holds a request longer than this, whatever timeout the bot asks."""

ALLOWED_TAGS = {
    "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre",
    "span", "tg-spoiler", "blockquote", "tg-emoji",
}  # fmt: skip
_TAG = re.compile(
    r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[a-zA-Z-]+(?:=\"[^\"<>]*\"|='[^'<>]*')?)*)\s*>"
)
_ENTITY = re.compile(r"&(?:lt|gt|amp|quot|#\d{1,7}|#x[0-9a-fA-F]{1,6});")
JSON_PARAMS = {"reply_markup", "allowed_updates", "commands", "reply_parameters",
               "link_preview_options", "entities", "scope"}  # fmt: skip


class ApiError(Exception):
    """An error answer: HTTP status, description and optional parameters."""

    def __init__(self, status: int, description: str, parameters: dict | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters


def parse_html(text: str) -> str:
    """The plain text of Telegram-HTML ``text``; raises ApiError like Telegram does."""
    out: list[str] = []
    stack: list[str] = []
    pos = 0
    while pos < len(text):
        char = text[pos]
        if char == "<":
            match = _TAG.match(text, pos)
            if match is None:
                raise ApiError(400, f"Bad Request: can't parse entities: unexpected < at {pos}")
            closing, name = match.group(1), match.group(2).lower()
            if name not in ALLOWED_TAGS:
                raise ApiError(400, f"Bad Request: can't parse entities: unsupported tag {name}")
            if closing:
                if not stack or stack[-1] != name:
                    raise ApiError(400, f"Bad Request: can't parse entities: unmatched </{name}>")
                stack.pop()
            else:
                stack.append(name)
            pos = match.end()
        elif char == "&":
            match = _ENTITY.match(text, pos)
            if match is None:
                raise ApiError(400, f"Bad Request: can't parse entities: bare & at {pos}")
            out.append(html.unescape(match.group(0)))
            pos = match.end()
        elif char == ">":
            raise ApiError(400, f"Bad Request: can't parse entities: unexpected > at {pos}")
        else:
            out.append(char)
            pos += 1
    if stack:
        raise ApiError(400, f"Bad Request: can't parse entities: can't find end tag {stack[-1]}")
    return "".join(out)


def utf16_len(text: str) -> int:
    """Telegram's length: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


@dataclass
class Call:
    """One request the bot made, with its decoded parameters and the answer's status."""

    method: str
    params: dict[str, Any]
    at: float
    status: int = 200
    result: Any = None
    done: float = 0.0
    """When the fake answered (``at`` is when the request arrived)."""
    error: str = ""
    """The description of an error answer."""


@dataclass
class _Failure:
    status: int
    retry_after: int | None
    times: int


@dataclass
class FakeBotAPI:
    """The fake server; use ``start()`` / ``stop()`` or as a context manager."""

    token: str
    calls: list[Call] = field(default_factory=list)
    injected_at: dict[int, float] = field(default_factory=dict)
    messages: dict[tuple[int, int], dict] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._cond = threading.Condition()
        self._updates: list[dict] = []
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1000)
        self._query_ids = itertools.count(1)
        self._failures: dict[str, _Failure] = {}
        self._slow_chats: dict[int, float] = {}
        self._closing = False
        self._server: ThreadingHTTPServer | None = None

    # -- lifecycle ---------------------------------------------------------------------

    def start(self, port: int = 0) -> FakeBotAPI:
        """Serve on 127.0.0.1:``port`` (0: a free port) in a background thread."""
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Keep-alive answers are written in two parts; with Nagle's algorithm on, the
            # second waits ~40 ms for an ACK on loopback, which would dwarf the bot's time.
            disable_nagle_algorithm = True

            def do_POST(self) -> None:
                api._handle(self)

            do_GET = do_POST  # noqa: N815  (http.server's naming)

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def stop(self) -> None:
        """Wake long polls and stop serving."""
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self) -> FakeBotAPI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """The value for TELEGRAM_API_BASE_URL."""
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}/bot"

    # -- driving it from a test --------------------------------------------------------

    def fail_next(self, method: str, status: int, retry_after: int | None = None) -> None:
        """Answer the next call of ``method`` with ``status`` (429 with retry_after, 502)."""
        with self._cond:
            self._failures[method] = _Failure(status, retry_after, 1)

    def slow_down(self, chat_id: int, seconds: float) -> None:
        """Make every sendMessage to ``chat_id`` take ``seconds`` (a slow chat)."""
        with self._cond:
            self._slow_chats[chat_id] = seconds

    def inject(self, update: dict) -> int:
        """Queue an update for getUpdates; returns its update_id."""
        with self._cond:
            update_id = next(self._update_ids)
            self._updates.append({"update_id": update_id, **update})
            self.injected_at[update_id] = time.monotonic()
            self._cond.notify_all()
        return update_id

    def wait_for(
        self, predicate: Callable[[Call], bool], count: int = 1, timeout: float = 20.0
    ) -> list[Call]:
        """Wait until ``count`` calls match ``predicate``; returns them (AssertionError on
        timeout, listing the calls seen)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = [c for c in self.calls if predicate(c)]
                if len(found) >= count:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = [(c.method, c.status, c.params.get("chat_id")) for c in self.calls]
                    raise AssertionError(f"only {len(found)} of {count} calls arrived: {seen}")
                self._cond.wait(min(left, 0.5))

    def sent(self, chat_id: int, count: int = 1, timeout: float = 20.0) -> list[Call]:
        """The first ``count`` successful sendMessage calls to ``chat_id`` (waits for them)."""
        return self.wait_for(
            lambda c: (
                c.method == "sendMessage" and c.status == 200 and c.params["chat_id"] == chat_id
            ),
            count,
            timeout,
        )[:count]

    def calls_since(self, index: int) -> list[Call]:
        """The calls recorded after the first ``index`` ones (``len(api.calls)`` earlier)."""
        with self._cond:
            return self.calls[index:]

    def wait_quiet(self, index: int, quiet: float, timeout: float) -> list[Call]:
        """Wait for calls after the first ``index`` ones until none came for ``quiet``
        seconds (or ``timeout`` passed); returns them."""
        deadline = time.monotonic() + timeout
        with self._cond:
            seen = len(self.calls)
            last = time.monotonic()
            while True:
                now = time.monotonic()
                if len(self.calls) != seen:
                    seen, last = len(self.calls), now
                if (seen > index and now - last >= quiet) or now >= deadline:
                    return self.calls[index:]
                self._cond.wait(min(quiet, deadline - now))

    def calls_to(self, method: str) -> list[Call]:
        """Every call of ``method`` so far."""
        with self._cond:
            return [c for c in self.calls if c.method == method]

    # -- update builders ---------------------------------------------------------------

    @staticmethod
    def user(user_id: int) -> dict:
        """A client user."""
        return {"id": user_id, "is_bot": False, "first_name": f"Client{user_id}"}

    @staticmethod
    def chat(chat_id: int, chat_type: str = "private") -> dict:
        """A chat: private by default, or a group."""
        if chat_type == "private":
            return {"id": chat_id, "type": "private", "first_name": f"Client{chat_id}"}
        return {"id": chat_id, "type": chat_type, "title": "Clinic fans"}

    def message(
        self,
        chat_id: int,
        text: str | None = None,
        *,
        user_id: int | None = None,
        chat_type: str = "private",
        kind: str = "message",
        **extra: Any,
    ) -> int:
        """Inject a message (``kind`` may be edited_message); returns the update_id."""
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": self.chat(chat_id, chat_type),
            "from": self.user(user_id or abs(chat_id)),
            **extra,
        }
        if text is not None:
            message["text"] = text
            if text.startswith("/"):
                command = text.split()[0]
                message["entities"] = [
                    {"type": "bot_command", "offset": 0, "length": utf16_len(command)}
                ]
            mention = f"@{BOT_USERNAME}"
            if mention in text:
                offset = utf16_len(text[: text.index(mention)])
                message.setdefault("entities", []).append(
                    {"type": "mention", "offset": offset, "length": utf16_len(mention)}
                )
        return self.inject({kind: message})

    def press(self, chat_id: int, message_id: int, data: str, *, user_id: int | None = None) -> int:
        """Inject a button press on a message the bot sent; returns the update_id."""
        with self._cond:
            message = self.messages[(chat_id, message_id)]
        query = {
            "id": str(next(self._query_ids)),
            "from": self.user(user_id or abs(chat_id)),
            "chat_instance": str(chat_id),
            "data": data,
            "message": message,
        }
        return self.inject({"callback_query": query})

    # -- serving -----------------------------------------------------------------------

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        match = re.fullmatch(r"/bot(?P<token>[^/]+)/(?P<method>\w+)", request.path.split("?")[0])
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length) if length else b""
        if match is None or match["token"] != self.token:
            self._answer(request, 401 if match else 404, {"ok": False, "error_code": 401,
                         "description": "Unauthorized"})  # fmt: skip
            return
        method = match["method"]
        params = self._params(request.headers.get("Content-Type") or "", body)
        call = Call(method, params, time.monotonic())
        try:
            failure = self._take_failure(method)
            if failure is not None:
                raise failure
            result = self._dispatch(method, params)
        except ApiError as error:
            call.status = error.status
            call.error = error.description
            payload: dict[str, Any] = {
                "ok": False,
                "error_code": error.status,
                "description": error.description,
            }
            if error.parameters:
                payload["parameters"] = error.parameters
        else:
            call.result = result
            payload = {"ok": True, "result": result}
        call.done = time.monotonic()
        if method != "getUpdates" or call.status != 200 or call.result:
            with self._cond:
                self.calls.append(call)
                self._cond.notify_all()
        self._answer(request, call.status, payload)

    @staticmethod
    def _answer(request: BaseHTTPRequestHandler, status: int, payload: dict) -> None:
        data = json.dumps(payload).encode()
        try:
            request.send_response(status)
            request.send_header("Content-Type", "application/json")
            request.send_header("Content-Length", str(len(data)))
            request.end_headers()
            request.wfile.write(data)
        except OSError:  # the bot gave up on a long poll while stopping
            pass

    @staticmethod
    def _params(content_type: str, body: bytes) -> dict[str, Any]:
        if not body:
            return {}
        if "json" in content_type:
            return json.loads(body)
        if "multipart" in content_type:
            raise ApiError(400, "Bad Request: the fake does not take files")
        params: dict[str, Any] = dict(parse_qsl(body.decode(), keep_blank_values=True))
        for key, value in params.items():
            if key in JSON_PARAMS or key in ("chat_id", "message_id", "offset", "limit"):
                try:
                    params[key] = json.loads(value)
                except json.JSONDecodeError as exc:
                    raise ApiError(400, f"Bad Request: can't parse {key}") from exc
        return params

    def _take_failure(self, method: str) -> ApiError | None:
        with self._cond:
            failure = self._failures.get(method)
            if failure is None:
                return None
            failure.times -= 1
            if failure.times <= 0:
                del self._failures[method]
        if failure.status == 429:
            return ApiError(
                429,
                f"Too Many Requests: retry after {failure.retry_after}",
                {"retry_after": failure.retry_after},
            )
        return ApiError(failure.status, "Bad Gateway")

    def _dispatch(self, method: str, params: dict[str, Any]) -> Any:
        handler = getattr(self, f"_api_{method.lower()}", None)
        if handler is None:
            raise ApiError(404, "Not Found: method not found")
        return handler(params)

    # -- methods -----------------------------------------------------------------------

    def _api_getme(self, params: dict) -> dict:
        return {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": "Clinic FAQ",
            "username": BOT_USERNAME,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    def _api_getupdates(self, params: dict) -> list[dict]:
        offset = int(params.get("offset") or 0)
        timeout = min(float(params.get("timeout") or 0), LONG_POLL_CAP)
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
                if self._updates or self._closing:
                    return list(self._updates[: int(params.get("limit") or 100)])
                left = deadline - time.monotonic()
                if left <= 0:
                    return []
                self._cond.wait(left)

    def _api_deletewebhook(self, params: dict) -> bool:
        return True

    def _api_setwebhook(self, params: dict) -> bool:
        return True

    def _api_setmycommands(self, params: dict) -> bool:
        commands = params.get("commands") or []
        for command in commands:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", command.get("command", "")):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(command.get("description", "")) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        return True

    def _api_sendchataction(self, params: dict) -> bool:
        return True

    def _api_answercallbackquery(self, params: dict) -> bool:
        if not params.get("callback_query_id"):
            raise ApiError(400, "Bad Request: query id is empty")
        if len(params.get("text") or "") > 200:
            raise ApiError(400, "Bad Request: callback answer text is too long")
        return True

    def _text(self, params: dict) -> str:
        text = params.get("text")
        if not isinstance(text, str):
            raise ApiError(400, "Bad Request: message text is empty")
        plain = parse_html(text) if (params.get("parse_mode") or "").upper() == "HTML" else text
        if not plain.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if utf16_len(plain) > MAX_TEXT:
            raise ApiError(400, "Bad Request: message is too long")
        return plain

    @staticmethod
    def _markup(params: dict) -> dict | None:
        markup = params.get("reply_markup")
        if markup is None:
            return None
        rows = markup.get("inline_keyboard")
        if not isinstance(rows, list):
            raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
        for row in rows:
            for button in row:
                if not str(button.get("text") or "").strip():
                    raise ApiError(400, "Bad Request: BUTTON_TEXT_INVALID")
                data = button.get("callback_data")
                if data is not None and not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA:
                    raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
        return markup

    def _chat_id(self, params: dict) -> int:
        chat_id = params.get("chat_id")
        if not isinstance(chat_id, int):
            raise ApiError(400, "Bad Request: chat not found")
        return chat_id

    def _api_sendmessage(self, params: dict) -> dict:
        chat_id = self._chat_id(params)
        with self._cond:
            delay = self._slow_chats.get(chat_id, 0.0)
        if delay:
            time.sleep(delay)  # this request's own thread: other chats go on
        plain = self._text(params)
        markup = self._markup(params)
        chat_type = "private" if chat_id > 0 else "supergroup"
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": self.chat(chat_id, chat_type),
            "from": {
                "id": BOT_ID,
                "is_bot": True,
                "first_name": "Clinic FAQ",
                "username": BOT_USERNAME,
            },
            "text": plain,
        }
        if markup:
            message["reply_markup"] = markup
        with self._cond:
            self.messages[(chat_id, message["message_id"])] = message
        return message

    def _stored(self, params: dict) -> dict:
        key = (self._chat_id(params), int(params.get("message_id") or 0))
        with self._cond:
            message = self.messages.get(key)
        if message is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        return message

    def _api_editmessagetext(self, params: dict) -> dict:
        message = self._stored(params)
        plain = self._text(params)
        markup = self._markup(params)
        if plain == message["text"] and markup == message.get("reply_markup"):
            raise ApiError(400, "Bad Request: message is not modified")
        message["text"] = plain
        message.pop("reply_markup", None)
        if markup:
            message["reply_markup"] = markup
        return message

    def _api_editmessagereplymarkup(self, params: dict) -> dict:
        message = self._stored(params)
        markup = self._markup(params)
        if markup == message.get("reply_markup"):
            raise ApiError(400, "Bad Request: message is not modified")
        message.pop("reply_markup", None)
        if markup:
            message["reply_markup"] = markup
        return message


def main(argv: list[str] | None = None) -> int:
    """Serve on a fixed port until Ctrl-C, printing each call the bot makes."""
    parser = argparse.ArgumentParser(description="A fake Telegram Bot API on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=8081, help="port (default: 8081)")
    parser.add_argument("--token", default="7000000001:fake-token", help="the token to accept")
    args = parser.parse_args(argv)
    api = FakeBotAPI(args.token).start(args.port)
    print(f"TELEGRAM_API_BASE_URL={api.base_url} TELEGRAM_BOT_TOKEN={args.token}", flush=True)
    shown = 0
    try:
        while True:
            for call in api.wait_quiet(shown, 0.2, 3600):
                print(f"{call.status} {call.method} {json.dumps(call.params)[:200]}", flush=True)
                shown += 1
    except KeyboardInterrupt:
        pass
    finally:
        api.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
