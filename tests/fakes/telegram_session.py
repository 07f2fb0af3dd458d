"""An aiogram session that records Bot API calls instead of sending them.

`Bot(token, session=RecordingSession())` makes no network call. Each call is kept in `requests`
as `(api_method, params)`, the params serialized as aiogram serializes them for the wire
(`BaseSession.prepare_value`, the path `AiohttpSession.build_form_data` takes) but not turned
into strings. The call is then answered with the next raw response scripted for its method
(`script`, `script_retry_after`, `script_forbidden`, `script_bad_request`), else with a default
success, and the answer goes through aiogram's own `BaseSession.check_response`: aiogram itself
raises `TelegramRetryAfter`, `TelegramForbiddenError`, `TelegramBadRequest`... as it would
against the real Bot API (https://core.telegram.org/bots/api).

Default successes: sendMessage and editMessageText answer a Message built from the params
(message ids increasing from 1, a private chat with the given chat_id, the inline keyboard if
one was sent); getMe the bot's User; getUpdates and getMyCommands an empty list; getWebhookInfo
no webhook; editMessageReplyMarkup and every method that returns True, True. Any other method
must be scripted.
"""

from __future__ import annotations

import copy
import itertools
import time
from collections import defaultdict, deque
from collections.abc import AsyncGenerator
from typing import TYPE_CHECKING, Any, Final, cast

from aiogram.client.session.base import BaseSession
from aiogram.methods.base import TelegramType

if TYPE_CHECKING:
    from aiogram import Bot
    from aiogram.methods import TelegramMethod

JsonDict = dict[str, Any]

STATIC_RESULTS: Final[dict[str, Any]] = {
    "getupdates": [],
    "getmycommands": [],
    "getwebhookinfo": {"url": "", "has_custom_certificate": False, "pending_update_count": 0},
    "editmessagereplymarkup": True,
}


class RecordingSession(BaseSession):
    """Records calls and answers them with scripted or default raw Bot API responses."""

    def __init__(self) -> None:
        super().__init__()
        self.requests: list[tuple[str, JsonDict]] = []
        """Every call: (api method as aiogram names it, serialized params)."""
        self._scripted: defaultdict[str, deque[tuple[int, JsonDict]]] = defaultdict(deque)
        self._message_ids = itertools.count(1)

    # ------------------------------------------------------------ the test's side

    def script(self, api_method: str, status_code: int, body: JsonDict) -> None:
        """Queues one raw response (HTTP status and JSON body) for the next call of a method."""
        self._scripted[api_method.lower()].append((status_code, body))

    def script_retry_after(self, api_method: str, seconds: int) -> None:
        """The next call of the method hits flood control: 429, retry after `seconds`."""
        self.script(
            api_method,
            429,
            {
                "ok": False,
                "error_code": 429,
                "description": f"Too Many Requests: retry after {seconds}",
                "parameters": {"retry_after": seconds},
            },
        )

    def script_forbidden(
        self,
        api_method: str,
        description: str = "Forbidden: bot was blocked by the user",
    ) -> None:
        """The next call of the method is refused with 403 (by default: the user blocked us)."""
        self.script(api_method, 403, {"ok": False, "error_code": 403, "description": description})

    def script_bad_request(self, api_method: str, reason: str) -> None:
        """The next call of the method is refused with 400 "Bad Request: <reason>"."""
        description = f"Bad Request: {reason}"
        self.script(api_method, 400, {"ok": False, "error_code": 400, "description": description})

    def sent(self, api_method: str = "sendMessage") -> list[JsonDict]:
        """The params of every call of a method, in order."""
        return [params for name, params in self.requests if name.lower() == api_method.lower()]

    # ------------------------------------------------------------ BaseSession

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        timeout: int | None = None,
    ) -> TelegramType:
        """Records the call and answers it through aiogram's own response checks."""
        api_method = method.__api_method__
        params = self.serialize(bot, method)
        self.requests.append((api_method, params))
        status_code, body = self._response(bot, method, params)
        response = self.check_response(
            bot=bot,
            method=method,
            status_code=status_code,
            content=self.json_dumps(body),
        )
        return cast(TelegramType, response.result)

    def serialize(self, bot: Bot, method: TelegramMethod[TelegramType]) -> JsonDict:
        """The params aiogram would send, with objects as dicts and lists instead of JSON."""
        files: dict[str, Any] = {}
        params: JsonDict = {}
        for key, value in method.model_dump(warnings=False).items():
            prepared = self.prepare_value(value, bot=bot, files=files, _dumps_json=False)
            if prepared is not None:
                params[key] = prepared
        return params

    async def close(self) -> None:
        """Nothing to close."""

    async def stream_content(
        self,
        url: str,
        headers: dict[str, Any] | None = None,
        timeout: int = 30,
        chunk_size: int = 65536,
        raise_for_status: bool = True,
    ) -> AsyncGenerator[bytes, None]:
        """Downloads are not simulated."""
        for chunk in _no_downloads(url):
            yield chunk

    # ------------------------------------------------------------ answers

    def _response(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        params: JsonDict,
    ) -> tuple[int, JsonDict]:
        queue = self._scripted.get(method.__api_method__.lower())
        if queue:
            return queue.popleft()
        return 200, {"ok": True, "result": self._default_result(bot, method, params)}

    def _default_result(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        params: JsonDict,
    ) -> Any:
        name = method.__api_method__.lower()
        if name in {"sendmessage", "editmessagetext"}:
            return self._message(bot, params)
        if name == "getme":
            return _bot_user(bot)
        if name in STATIC_RESULTS:
            return copy.deepcopy(STATIC_RESULTS[name])
        if method.__returning__ is bool:
            return True
        msg = (
            f"RecordingSession has no default answer for {method.__api_method__}; "
            f"script one with session.script({method.__api_method__!r}, 200, {{...}})"
        )
        raise AssertionError(msg)

    def _message(self, bot: Bot, params: JsonDict) -> JsonDict:
        now = int(time.time())
        edited = "message_id" in params
        message: JsonDict = {
            "message_id": params["message_id"] if edited else next(self._message_ids),
            "date": now,
            "chat": _chat(params.get("chat_id")),
            "from": _bot_user(bot),
            "text": params.get("text", ""),
        }
        markup = params.get("reply_markup")
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        if edited:
            message["edit_date"] = now
        return message


def _bot_user(bot: Bot) -> JsonDict:
    return {"id": bot.id, "is_bot": True, "first_name": "Test bot", "username": "test_bot"}


def _chat(chat_id: Any) -> JsonDict:
    """A private chat for a numeric chat_id; a channel for an @username."""
    if isinstance(chat_id, int) or (isinstance(chat_id, str) and chat_id.lstrip("-").isdigit()):
        return {"id": int(chat_id), "type": "private"}
    return {"id": -1_001_000_000_000, "type": "channel", "username": str(chat_id).lstrip("@")}


def _no_downloads(url: str) -> list[bytes]:
    msg = f"RecordingSession does not download files ({url})"
    raise NotImplementedError(msg)
