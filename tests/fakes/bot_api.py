"""A local Telegram Bot API server for integration and end-to-end tests.

`BotApiServer` listens on 127.0.0.1 and answers the HTTP interface documented at
https://core.telegram.org/bots/api for the methods this bot uses, so a test drives the bot's
real HTTP client (aiogram's `AiohttpSession`, or anything else) and not a mock of it:

- URLs `/bot<token>/<method>` over GET and POST, method names case-insensitive;
- parameters in the query string, `application/x-www-form-urlencoded`, `multipart/form-data` or
  `application/json`; in form and query encodings object-typed parameters are JSON strings;
- every answer `{"ok": true, "result": ...}` or `{"ok": false, "error_code": N, "description":
  ..., "parameters": {...}}` with HTTP status N, and the descriptions the real server gives.

The test plays the people: `server.user(id)` gives a `FakeUser` who writes, sends commands and
contacts, presses inline buttons and blocks the bot, and who sees what the bot sent to them
(`received`, `wait_for`). The server can also answer with flood control (`flood`) and keeps every
call in `requests`.

Simplified against the documentation, on purpose:
- only private chats, with users the test made; such a chat is known to the bot once its user has
  sent anything (as in Telegram, a bot cannot start a conversation); `@username` chat ids are not
  found;
- a webhook can be set (HTTPS, ports 80/88/443/8443), read and deleted and makes getUpdates fail
  with 409, but updates are not pushed to it: they wait in the queue;
- getUpdates: `limit` outside 1..100 is clamped, `timeout` has no upper bound, a negative
  `offset` keeps the last `-offset` updates and forgets the rest; concurrent getUpdates calls do
  not terminate each other with 409;
- parse_mode HTML is parsed into plain text and entities (nested tags give separate entities,
  `<pre><code class=...>` gives no language); Markdown and MarkdownV2 text is kept as sent;
- text limits count code points; entity offsets and lengths count UTF-16 code units;
- callback queries expire only by being answered, not with time; answers are not checked for
  length;
- only messages in chats are edited, not inline messages; a reply keyboard (not inline) is kept
  on the bot's message record when its text is edited, since Telegram attaches it to the chat;
- blocking the bot queues the `my_chat_member` update Telegram sends, but a blocked user may still
  write (in Telegram they would first unblock, see `FakeUser.unblock`).
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import json
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager, suppress
from enum import Enum
from html.parser import HTMLParser
from types import TracebackType
from typing import Any, Final, Self
from urllib.parse import urlsplit

from aiohttp import web

JsonDict = dict[str, Any]
MethodHandler = Callable[[JsonDict], Awaitable[Any]]

MAX_TEXT_CHARS: Final = 4096
MAX_CALLBACK_DATA_BYTES: Final = 64
MAX_UPDATES: Final = 100
MAX_COMMAND_DESCRIPTION: Final = 256
WEBHOOK_PORTS: Final = frozenset({80, 88, 443, 8443})
# Update types a bot receives only when it names them in allowed_updates.
OPT_IN_UPDATES: Final = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
CHAT_ACTIONS: Final = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    },
)
# Parameters whose type is an object or an array: JSON-serialized in form and query encodings.
JSON_PARAMS: Final = frozenset(
    {
        "reply_markup",
        "allowed_updates",
        "commands",
        "scope",
        "entities",
        "caption_entities",
        "link_preview_options",
        "reply_parameters",
        "suggested_post_parameters",
    },
)
INT_PARAMS: Final = frozenset(
    {
        "offset",
        "limit",
        "timeout",
        "message_id",
        "user_id",
        "cache_time",
        "max_connections",
        "message_thread_id",
        "direct_messages_topic_id",
        "reply_to_message_id",
    },
)
BOOL_PARAMS: Final = frozenset(
    {
        "show_alert",
        "drop_pending_updates",
        "disable_notification",
        "protect_content",
        "allow_paid_broadcast",
        "disable_web_page_preview",
    },
)
INLINE_BUTTON_ACTIONS: Final = frozenset(
    {
        "url",
        "callback_data",
        "web_app",
        "login_url",
        "switch_inline_query",
        "switch_inline_query_current_chat",
        "switch_inline_query_chosen_chat",
        "copy_text",
        "callback_game",
        "pay",
    },
)
HTML_ENTITY_TYPES: Final = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "code": "code",
    "pre": "pre",
    "a": "text_link",
    "tg-spoiler": "spoiler",
    "blockquote": "blockquote",
}
COMMAND_NAME: Final = re.compile(r"[a-z0-9_]{1,32}")
INTEGER: Final = re.compile(r"-?\d+")

NOT_MODIFIED: Final = (
    "message is not modified: specified new message content and reply markup are exactly the "
    "same as a current content and reply markup of the message"
)
QUERY_INVALID: Final = "query is too old and response timeout expired or query ID is invalid"
WEBHOOK_ACTIVE: Final = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)


class ApiError(Exception):
    """A refusal as the Bot API sends it; the HTTP status equals `error_code`."""

    def __init__(
        self,
        error_code: int,
        description: str,
        parameters: JsonDict | None = None,
    ) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.parameters = parameters

    def body(self) -> JsonDict:
        """The response body: ok false, the code, the description, parameters if any."""
        body: JsonDict = {
            "ok": False,
            "error_code": self.error_code,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(reason: str) -> ApiError:
    """A 400 with Telegram's "Bad Request: " prefix."""
    return ApiError(400, f"Bad Request: {reason}")


def unix_now() -> int:
    """The current time as the Bot API dates things: whole seconds since the epoch."""
    return int(time.time())


def utf16_length(text: str) -> int:
    """The length Telegram uses for entity offsets: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


# ---------------------------------------------------------------- parameters


async def read_params(request: web.Request) -> JsonDict:
    """The call's parameters from the query string and the body, as they came."""
    raw: JsonDict = dict(request.query)
    if request.method != "POST" or not request.body_exists:
        return raw
    if request.content_type == "application/json":
        try:
            body = await request.json()
        except ValueError:
            raise bad_request("can't parse JSON object") from None
        if not isinstance(body, dict):
            raise bad_request("can't parse JSON object")
        raw.update(body)
    else:
        form = await request.post()
        raw.update({key: _form_value(value) for key, value in form.items()})
    return raw


def _form_value(value: object) -> Any:
    """A form field as a string; an uploaded file as its name."""
    if isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return value.decode()
    return {"file_name": getattr(value, "filename", None)}


def decode_params(raw: Mapping[str, Any]) -> JsonDict:
    """Parameters with the documented types: objects parsed, integers and booleans coerced."""
    return {key: _decode(key, value) for key, value in raw.items()}


def _decode(key: str, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    if key in JSON_PARAMS:
        return _json_param(key, value)
    if key == "chat_id":
        return int(value) if INTEGER.fullmatch(value.strip()) else value
    if key in INT_PARAMS:
        if not INTEGER.fullmatch(value.strip()):
            raise bad_request(f"wrong parameter {key} in request")
        return int(value)
    if key in BOOL_PARAMS:
        return value.strip().lower() in {"true", "1"}
    return value


def _json_param(key: str, value: str) -> Any:
    try:
        return json.loads(value)
    except ValueError:
        what = "reply keyboard markup" if key == "reply_markup" else key
        raise bad_request(f"can't parse {what} JSON object") from None


# ---------------------------------------------------------------- message text


class _HtmlText(HTMLParser):
    """Telegram's HTML parse mode: the text without its tags, and the entities they mark."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.length = 0
        self.entities: list[JsonDict] = []
        self._open: list[tuple[str, int, JsonDict]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._open.append((tag, self.length, _html_entity(tag, dict(attrs))))

    def handle_endtag(self, tag: str) -> None:
        if not self._open or self._open[-1][0] != tag:
            raise _cant_parse(f'Unmatched end tag "{tag}"')
        _, offset, entity = self._open.pop()
        if self.length > offset:
            self.entities.append({**entity, "offset": offset, "length": self.length - offset})

    def handle_data(self, data: str) -> None:
        self.parts.append(data)
        self.length += utf16_length(data)

    def result(self) -> tuple[str, list[JsonDict]]:
        """The plain text and its entities, ordered by offset."""
        self.close()
        if self._open:
            tag = self._open[-1][0]
            raise _cant_parse(f'Can\'t find end tag corresponding to start tag "{tag}"')
        return "".join(self.parts), sorted(self.entities, key=lambda entity: entity["offset"])


def _cant_parse(reason: str) -> ApiError:
    return bad_request(f"can't parse entities: {reason}")


def _html_entity(tag: str, attrs: dict[str, str | None]) -> JsonDict:
    if tag == "span" and attrs.get("class") == "tg-spoiler":
        return {"type": "spoiler"}
    kind = HTML_ENTITY_TYPES.get(tag)
    if kind is None:
        raise _cant_parse(f'Unsupported start tag "{tag}"')
    if kind == "text_link":
        return {"type": kind, "url": attrs.get("href") or ""}
    return {"type": kind}


def parse_text(text: str, parse_mode: str | None) -> tuple[str, list[JsonDict]]:
    """The text as Telegram stores it under `parse_mode`, and its entities."""
    mode = (parse_mode or "").lower()
    if mode == "html":
        parser = _HtmlText()
        parser.feed(text)
        return parser.result()
    if mode in {"", "markdown", "markdownv2"}:
        return text, []
    raise bad_request("unsupported parse_mode")


def message_text(params: JsonDict) -> tuple[str, list[JsonDict]]:
    """The text of sendMessage/editMessageText after entity parsing, checked: 1..4096 chars."""
    raw = params.get("text")
    text = "" if raw is None else str(raw)
    entities = params.get("entities")
    if isinstance(entities, list):
        plain, found = text, entities
    else:
        plain, found = parse_text(text, params.get("parse_mode"))
    if not plain.strip():
        raise bad_request("message text is empty")
    if len(plain) > MAX_TEXT_CHARS:
        raise bad_request("message is too long")
    return plain, found


# ---------------------------------------------------------------- keyboards


def is_inline(markup: Any) -> bool:
    """Whether a reply_markup is an InlineKeyboardMarkup, the only kind a Message carries."""
    return isinstance(markup, dict) and "inline_keyboard" in markup


def check_reply_markup(markup: Any) -> None:
    """Refuses a reply_markup the Bot API would not accept."""
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        for button in _buttons(markup["inline_keyboard"]):
            _check_inline_button(button)
    elif "keyboard" in markup:
        for button in _buttons(markup["keyboard"]):
            if not isinstance(button, str) and not isinstance(_field(button, "text"), str):
                raise bad_request("can't parse keyboard button: Text must be a String")
    elif not {"remove_keyboard", "force_reply"} & markup.keys():
        raise bad_request("can't parse reply keyboard markup JSON object")


def _buttons(rows: Any) -> list[Any]:
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request("can't parse reply keyboard markup JSON object")
    return [button for row in rows for button in row]


def _field(button: Any, name: str) -> Any:
    return button.get(name) if isinstance(button, dict) else None


def _check_inline_button(button: Any) -> None:
    if not isinstance(_field(button, "text"), str):
        raise bad_request("can't parse inline keyboard button: Text must be a String")
    if "callback_data" in button:
        data = button["callback_data"]
        size = len(data.encode()) if isinstance(data, str) else 0
        if not 1 <= size <= MAX_CALLBACK_DATA_BYTES:
            raise bad_request("BUTTON_DATA_INVALID")
    elif not INLINE_BUTTON_ACTIONS & button.keys():
        reason = "Text buttons are unallowed in the inline keyboard"
        raise bad_request(f"can't parse inline keyboard button: {reason}")


def callback_datas(markup: Any) -> list[str]:
    """The callback_data of every button of an inline keyboard, in order."""
    if not is_inline(markup):
        return []
    return [
        button["callback_data"]
        for row in markup["inline_keyboard"]
        for button in row
        if "callback_data" in button
    ]


def api_message(record: JsonDict) -> JsonDict:
    """A message as the Bot API returns it: reply_markup only when it is an inline keyboard."""
    message = copy.deepcopy(record)
    if not is_inline(message.get("reply_markup")):
        message.pop("reply_markup", None)
    return message


# ---------------------------------------------------------------- the users


class _Own(Enum):
    """The default owner of a shared contact: the user who shares it."""

    CONTACT = "own contact"


OWN: Final = _Own.CONTACT


class FakeUser:
    """A Telegram user in a private chat with the bot (chat id == user id), played by the test."""

    def __init__(
        self,
        server: BotApiServer,
        user_id: int,
        first_name: str,
        language_code: str,
    ) -> None:
        self.id = user_id
        self.first_name = first_name
        self.language_code = language_code
        self.received: list[JsonDict] = []
        """Messages the bot sent to this chat, in order, edits applied, any reply_markup kept."""
        self.answers: dict[str, str | None] = {}
        """Answers to this user's callback queries: query id -> notification text or None."""
        self.blocked = False
        self.has_written = False
        self._server = server
        self._changed = asyncio.Condition()

    @property
    def as_user(self) -> JsonDict:
        """This user as a Bot API User object."""
        return {
            "id": self.id,
            "is_bot": False,
            "first_name": self.first_name,
            "language_code": self.language_code,
        }

    @property
    def chat(self) -> JsonDict:
        """The private chat with this user as a Bot API Chat object."""
        return {"id": self.id, "type": "private", "first_name": self.first_name}

    # ------------------------------------------------------------ what the user does

    def send_text(self, text: str) -> JsonDict:
        """Writes `text` to the bot; returns the queued update."""
        return self._send({"text": text})

    def command(self, name: str, args: str | None = None) -> JsonDict:
        """Sends `/name` or `/name args` (e.g. a /start deep link) with its bot_command entity."""
        command = "/" + name.removeprefix("/")
        text = command if args is None else f"{command} {args}"
        entity = {"type": "bot_command", "offset": 0, "length": utf16_length(command)}
        return self._send({"text": text, "entities": [entity]})

    def share_contact(
        self,
        phone_number: str,
        *,
        user_id: int | None | _Own = OWN,
        first_name: str | None = None,
    ) -> JsonDict:
        """Shares a contact: by default their own (user_id is theirs, as with a request_contact
        button); another `user_id`, or None for a forwarded or typed-in contact."""
        contact: JsonDict = {
            "phone_number": phone_number,
            "first_name": first_name or self.first_name,
        }
        owner = self.id if isinstance(user_id, _Own) else user_id
        if owner is not None:
            contact["user_id"] = owner
        return self._send({"contact": contact})

    def press(self, message: JsonDict, data: str) -> JsonDict:
        """Presses the inline button with callback_data `data` on one of the bot's messages;
        returns the queued callback_query update."""
        record = self._server.message_record(self.id, message["message_id"])
        buttons = callback_datas(record.get("reply_markup")) if record else []
        if record is None or data not in buttons:
            msg = f"message {message['message_id']} has no button {data!r}; it has {buttons}"
            raise AssertionError(msg)
        query = {
            "id": self._server.new_query(self),
            "from": self.as_user,
            "message": api_message(record),
            "chat_instance": str(6_000_000_000_000_000_000 + self.id),
            "data": data,
        }
        return self._server.enqueue("callback_query", query)

    def block(self) -> JsonDict:
        """Blocks the bot: sendMessage to this chat answers 403 from now on. Returns the
        my_chat_member update Telegram sends the bot."""
        self.blocked = True
        return self._server.enqueue("my_chat_member", self._membership("member", "kicked"))

    def unblock(self) -> JsonDict:
        """Unblocks the bot ("Restart" in the app). Returns the my_chat_member update."""
        self.blocked = False
        return self._server.enqueue("my_chat_member", self._membership("kicked", "member"))

    # ------------------------------------------------------------ what the user sees

    async def wait_for(
        self,
        predicate: Callable[[JsonDict], bool],
        timeout: float = 10.0,
        *,
        skip: int = 0,
    ) -> JsonDict:
        """The first received message (from index `skip` on) that satisfies `predicate`,
        waiting for it up to `timeout` seconds; AssertionError listing the texts otherwise."""
        found: list[JsonDict] = []

        def arrived() -> bool:
            found.extend(message for message in self.received[skip:] if predicate(message))
            return bool(found)

        try:
            async with asyncio.timeout(timeout), self._changed:
                await self._changed.wait_for(arrived)
        except TimeoutError:
            texts = [message.get("text") for message in self.received]
            msg = f"no message to user {self.id} matched within {timeout} s; received: {texts}"
            raise AssertionError(msg) from None
        return found[0]

    async def wait_for_answer(self, query_id: str, timeout: float = 10.0) -> str | None:
        """The text the bot answered callback query `query_id` with (None: no text), waiting
        for the answer up to `timeout` seconds; AssertionError if it never came."""
        try:
            async with asyncio.timeout(timeout), self._changed:
                await self._changed.wait_for(lambda: query_id in self.answers)
        except TimeoutError:
            msg = f"callback query {query_id} was not answered within {timeout} s"
            raise AssertionError(msg) from None
        return self.answers[query_id]

    async def notify(self) -> None:
        """Wakes whoever waits on what this user sees."""
        async with self._changed:
            self._changed.notify_all()

    # ------------------------------------------------------------ helpers

    def _send(self, content: JsonDict) -> JsonDict:
        self.has_written = True
        record = {
            "message_id": self._server.new_message_id(self.id),
            "from": self.as_user,
            "chat": self.chat,
            "date": unix_now(),
            **content,
        }
        self._server.store(record)
        return self._server.enqueue("message", copy.deepcopy(record))

    def _membership(self, old: str, new: str) -> JsonDict:
        bot = dict(self._server.bot_user)

        def member(status: str) -> JsonDict:
            if status == "kicked":
                return {"status": status, "user": bot, "until_date": 0}
            return {"status": status, "user": bot}

        return {
            "chat": self.chat,
            "from": self.as_user,
            "date": unix_now(),
            "old_chat_member": member(old),
            "new_chat_member": member(new),
        }


# ---------------------------------------------------------------- the server


class BotApiServer:
    """A Bot API server on 127.0.0.1 with a free port: `async with BotApiServer() as server`."""

    def __init__(
        self,
        token: str = "123456:TEST",
        *,
        first_name: str = "Әлеуметтік көмек",
        username: str = "proactive_benefits_bot",
    ) -> None:
        self.token = token
        self.bot_user: JsonDict = {
            "id": int(token.split(":", 1)[0]),
            "is_bot": True,
            "first_name": first_name,
            "username": username,
        }
        self.requests: list[tuple[str, JsonDict]] = []
        """Every call: (method name as called, decoded params)."""
        self._users: dict[int, FakeUser] = {}
        self._messages: dict[tuple[int, int], JsonDict] = {}
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._open_queries: dict[str, FakeUser] = {}
        self._query_ids = itertools.count(4_000_000_000_000_000_001)
        self._updates: list[JsonDict] = []
        self._update_ids = itertools.count(1)
        self._allowed_updates: list[str] = []
        self._update_arrived = asyncio.Event()
        self._pollers = 0
        self._polling = asyncio.Condition()
        self._webhook: JsonDict | None = None
        self._commands: dict[tuple[str, str], list[JsonDict]] = {}
        self._failing: dict[str, int] = {}  # method (lower case) → calls still to fail
        self._slow: dict[str, float] = {}  # method (lower case) → seconds before it answers
        self._floods_left = 0
        self._flood_retry_after = 0
        self._closing = False
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._methods: dict[str, MethodHandler] = {
            "getme": self._get_me,
            "getupdates": self._get_updates,
            "setwebhook": self._set_webhook,
            "deletewebhook": self._delete_webhook,
            "getwebhookinfo": self._get_webhook_info,
            "sendmessage": self._send_message,
            "answercallbackquery": self._answer_callback_query,
            "editmessagereplymarkup": self._edit_message_reply_markup,
            "editmessagetext": self._edit_message_text,
            "setmycommands": self._set_my_commands,
            "deletemycommands": self._delete_my_commands,
            "getmycommands": self._get_my_commands,
            "sendchataction": self._send_chat_action,
        }

    # ------------------------------------------------------------ lifecycle

    async def __aenter__(self) -> Self:
        app = web.Application()
        app.router.add_route("GET", "/bot{token}/{method}", self._handle)
        app.router.add_route("POST", "/bot{token}/{method}", self._handle)
        # A client that goes away (a cancelled long poll) cancels its handler, as it would
        # end the request on the real server; shutdown does not wait for long polls.
        self._runner = web.AppRunner(
            app,
            access_log=None,
            shutdown_timeout=1.0,
            handler_cancellation=True,
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self._port = int(self._runner.addresses[0][1])
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._closing = True
        self._announce_update()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def base_url(self) -> str:
        """`http://127.0.0.1:PORT`, for `TelegramAPIServer.from_base`."""
        if self._port is None:
            msg = "the server is not running: use `async with BotApiServer() as server`"
            raise RuntimeError(msg)
        return f"http://127.0.0.1:{self._port}"

    # ------------------------------------------------------------ the tester's side

    def user(
        self,
        user_id: int,
        first_name: str = "Айгүл",
        language_code: str = "kk",
    ) -> FakeUser:
        """The user with this id (made on first call); their private chat has the same id."""
        if user_id not in self._users:
            self._users[user_id] = FakeUser(self, user_id, first_name, language_code)
        return self._users[user_id]

    def slow(self, method: str, seconds: float) -> None:
        """Every call of `method` answers `seconds` late (a slow network or server)."""
        self._slow[method.lower()] = seconds

    def fail(self, method: str, times: int) -> None:
        """The next `times` calls of `method` answer 500 (a Bot API having a bad moment)."""
        self._failing[method.lower()] = times

    def flood(self, times: int, retry_after: int) -> None:
        """The next `times` sendMessage calls answer 429 with `retry_after` seconds."""
        self._floods_left = times
        self._flood_retry_after = retry_after

    @property
    def pending_updates(self) -> list[JsonDict]:
        """Updates queued and not yet confirmed by a getUpdates offset."""
        return copy.deepcopy(self._updates)

    async def wait_until_polled(self, timeout: float = 10.0) -> None:
        """Returns once a getUpdates call is waiting for updates (a long poll is open)."""
        try:
            async with asyncio.timeout(timeout), self._polling:
                await self._polling.wait_for(lambda: self._pollers > 0)
        except TimeoutError:
            msg = f"no getUpdates call waited within {timeout} s"
            raise AssertionError(msg) from None

    # ------------------------------------------------------------ state the users share

    def message_record(self, chat_id: int, message_id: int) -> JsonDict | None:
        """The message as the chat shows it now, or None."""
        return self._messages.get((chat_id, message_id))

    def new_message_id(self, chat_id: int) -> int:
        """The next message id of a chat: both sides of a private chat share one sequence."""
        return next(self._message_ids.setdefault(chat_id, itertools.count(1)))

    def store(self, record: JsonDict) -> None:
        """Keeps a message so it can be edited, pressed and looked up."""
        self._messages[(record["chat"]["id"], record["message_id"])] = record

    def new_query(self, user: FakeUser) -> str:
        """A fresh callback query id, open until answered."""
        query_id = str(next(self._query_ids))
        self._open_queries[query_id] = user
        return query_id

    def enqueue(self, kind: str, payload: JsonDict) -> JsonDict:
        """Queues an update of `kind` unless allowed_updates excludes it; returns it."""
        update = {"update_id": next(self._update_ids), kind: payload}
        if self._allows(kind):
            self._updates.append(update)
            self._announce_update()
        return copy.deepcopy(update)

    def _allows(self, kind: str) -> bool:
        if not self._allowed_updates:
            return kind not in OPT_IN_UPDATES
        return kind in self._allowed_updates

    def _announce_update(self) -> None:
        self._update_arrived.set()
        self._update_arrived = asyncio.Event()

    # ------------------------------------------------------------ HTTP

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        try:
            result = await self._call(request, method)
        except ApiError as error:
            return web.json_response(error.body(), status=error.error_code)
        return web.json_response({"ok": True, "result": result})

    async def _call(self, request: web.Request, method: str) -> Any:
        params: JsonDict = {}
        try:
            params = await read_params(request)
            params = decode_params(params)
        finally:
            self.requests.append((method, params))
        if request.match_info["token"] != self.token:
            raise ApiError(401, "Unauthorized")
        handler = self._methods.get(method.lower())
        if handler is None:
            raise ApiError(404, "Not Found")
        if method.lower() in self._slow:
            await asyncio.sleep(self._slow[method.lower()])
        if self._failing.get(method.lower(), 0) > 0:
            self._failing[method.lower()] -= 1
            raise ApiError(500, "Internal Server Error")
        return await handler(params)

    # ------------------------------------------------------------ methods: the bot

    async def _get_me(self, params: JsonDict) -> JsonDict:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _set_my_commands(self, params: JsonDict) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise bad_request('parameter "commands" is required')
        for command in commands:
            _check_command(command)
        self._commands[_scope_key(params)] = [
            {"command": command["command"], "description": command["description"]}
            for command in commands
        ]
        return True

    async def _delete_my_commands(self, params: JsonDict) -> bool:
        self._commands.pop(_scope_key(params), None)
        return True

    async def _get_my_commands(self, params: JsonDict) -> list[JsonDict]:
        return copy.deepcopy(self._commands.get(_scope_key(params), []))

    # ------------------------------------------------------------ methods: updates

    async def _get_updates(self, params: JsonDict) -> list[JsonDict]:
        if self._webhook is not None:
            raise ApiError(409, WEBHOOK_ACTIVE)
        if "allowed_updates" in params:
            self._allowed_updates = _update_types(params["allowed_updates"])
        self._confirm(int(params.get("offset", 0)))
        limit = min(max(int(params.get("limit", MAX_UPDATES)), 1), MAX_UPDATES)
        await self._await_updates(float(params.get("timeout", 0)))
        return copy.deepcopy(self._updates[:limit])

    def _confirm(self, offset: int) -> None:
        """Forgets updates below a positive offset; a negative one keeps the last -offset."""
        if offset > 0:
            self._updates = [update for update in self._updates if update["update_id"] >= offset]
        elif offset < 0:
            self._updates = self._updates[offset:]

    async def _await_updates(self, timeout: float) -> None:
        if self._updates or timeout <= 0 or self._closing:
            return
        async with self._poller():
            with suppress(TimeoutError):
                async with asyncio.timeout(timeout):
                    while not self._updates and not self._closing:
                        await self._update_arrived.wait()

    @asynccontextmanager
    async def _poller(self) -> AsyncIterator[None]:
        async with self._polling:
            self._pollers += 1
            self._polling.notify_all()
        try:
            yield
        finally:
            self._pollers -= 1

    async def _set_webhook(self, params: JsonDict) -> bool:
        url = str(params.get("url") or "")
        if url:
            _check_webhook_url(url)
        if "allowed_updates" in params:
            self._allowed_updates = _update_types(params["allowed_updates"])
        if params.get("drop_pending_updates"):
            self._updates.clear()
        self._webhook = (
            {"url": url, "max_connections": int(params.get("max_connections", 40))}
            if url
            else None
        )
        return True

    async def _delete_webhook(self, params: JsonDict) -> bool:
        if params.get("drop_pending_updates"):
            self._updates.clear()
        self._webhook = None
        return True

    async def _get_webhook_info(self, params: JsonDict) -> JsonDict:
        info: JsonDict = {
            "url": "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if self._webhook is not None:
            info.update(self._webhook)
            if self._allowed_updates:
                info["allowed_updates"] = list(self._allowed_updates)
        return info

    # ------------------------------------------------------------ methods: messages

    async def _send_message(self, params: JsonDict) -> JsonDict:
        self._check_flood()
        user = self._chat_user(params, sending=True)
        text, entities = message_text(params)
        markup = params.get("reply_markup")
        if markup is not None:
            check_reply_markup(markup)
        record: JsonDict = {
            "message_id": self.new_message_id(user.id),
            "from": dict(self.bot_user),
            "chat": user.chat,
            "date": unix_now(),
            "text": text,
        }
        if entities:
            record["entities"] = entities
        if markup is not None:
            record["reply_markup"] = copy.deepcopy(markup)
        self.store(record)
        user.received.append(record)
        await user.notify()
        return api_message(record)

    async def _send_chat_action(self, params: JsonDict) -> bool:
        self._chat_user(params, sending=True)
        if params.get("action") not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        return True

    async def _edit_message_text(self, params: JsonDict) -> JsonDict:
        user, record = self._editable(params)
        text, entities = message_text(params)
        changes = {"text": text, "entities": entities, "reply_markup": _inline_markup(params)}
        return await self._edit(user, record, changes)

    async def _edit_message_reply_markup(self, params: JsonDict) -> JsonDict:
        user, record = self._editable(params)
        return await self._edit(user, record, {"reply_markup": _inline_markup(params)})

    async def _edit(self, user: FakeUser, record: JsonDict, changes: JsonDict) -> JsonDict:
        """Applies an edit; an absent or empty value removes the field (an edit without
        reply_markup removes the inline keyboard). Refuses an edit that changes nothing."""
        shown = api_message(record)
        if all(shown.get(key) == (value or None) for key, value in changes.items()):
            raise bad_request(NOT_MODIFIED)
        for key, value in changes.items():
            if value:
                record[key] = value
            elif key != "reply_markup" or is_inline(record.get(key)):
                record.pop(key, None)
        record["edit_date"] = unix_now()
        await user.notify()
        return api_message(record)

    def _editable(self, params: JsonDict) -> tuple[FakeUser, JsonDict]:
        if "inline_message_id" in params:
            raise bad_request("message to edit not found")
        user = self._chat_user(params, sending=False)
        message_id = params.get("message_id")
        if not isinstance(message_id, int):
            raise bad_request("message identifier is not specified")
        record = self.message_record(user.id, message_id)
        if record is None:
            raise bad_request("message to edit not found")
        if record["from"]["id"] != self.bot_user["id"]:
            raise bad_request("message can't be edited")
        return user, record

    async def _answer_callback_query(self, params: JsonDict) -> bool:
        query_id = str(params.get("callback_query_id") or "")
        user = self._open_queries.pop(query_id, None)
        if user is None:
            raise bad_request(QUERY_INVALID)
        text = params.get("text")
        user.answers[query_id] = None if text is None else str(text)
        await user.notify()
        return True

    # ------------------------------------------------------------ checks

    def _check_flood(self) -> None:
        if self._floods_left > 0:
            self._floods_left -= 1
            seconds = self._flood_retry_after
            raise ApiError(
                429,
                f"Too Many Requests: retry after {seconds}",
                {"retry_after": seconds},
            )

    def _chat_user(self, params: JsonDict, *, sending: bool) -> FakeUser:
        chat_id = params.get("chat_id")
        if chat_id is None or chat_id == "":
            raise bad_request("chat_id is empty")
        user = self._users.get(chat_id) if isinstance(chat_id, int) else None
        if user is None or not user.has_written:
            raise bad_request("chat not found")
        if sending and user.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return user


def _inline_markup(params: JsonDict) -> JsonDict | None:
    markup = params.get("reply_markup")
    if markup is None:
        return None
    check_reply_markup(markup)
    if not is_inline(markup):
        raise bad_request("inline keyboard expected")
    return dict(markup)


def _update_types(value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(kind, str) for kind in value):
        raise bad_request("can't parse allowed_updates JSON object")
    return list(value)


def _check_webhook_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    try:
        port = parts.port
    except ValueError:
        port = -1
    if port is not None and port not in WEBHOOK_PORTS:
        raise bad_request("bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443")


def _check_command(command: Any) -> None:
    name = command.get("command") if isinstance(command, dict) else None
    if not isinstance(name, str) or not COMMAND_NAME.fullmatch(name):
        raise bad_request("BOT_COMMAND_INVALID")
    description = command.get("description")
    if not isinstance(description, str) or not 1 <= len(description) <= MAX_COMMAND_DESCRIPTION:
        raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")


def _scope_key(params: JsonDict) -> tuple[str, str]:
    scope = params.get("scope") or {"type": "default"}
    if not isinstance(scope, dict) or "type" not in scope:
        raise bad_request("can't parse BotCommandScope JSON object")
    return json.dumps(scope, sort_keys=True), str(params.get("language_code") or "")
