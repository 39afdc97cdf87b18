"""Retries of Bot API calls, in one place: bounded, with exponential backoff and full jitter.

python-telegram-bot does not retry a failed call. `RetryingRequest` sits under every call the
bot makes and repeats it when that is safe:

- 429 Too Many Requests: wait `retry_after`, then repeat (Telegram did nothing);
- 5xx: repeat after a backoff (Telegram's gateway failed before the method ran);
- a connection that could not be opened: repeat (nothing was sent);
- a connection lost after the request was sent: repeat only methods whose repetition cannot
  double anything (edits, answers, settings). A lost `sendMessage` may have been delivered:
  `AmbiguousSend` is raised so the channel can check before sending again (see
  `TelegramChannel.send`).

`getUpdates` is left to the polling loop, which has its own backoff. The bytes themselves
travel through an inner request (`AiohttpRequest` when deployed; tests may pass another).
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass

import httpx
from telegram.error import NetworkError
from telegram.request import BaseRequest, RequestData

from bot.channels import http

log = logging.getLogger(__name__)

# Methods that create something each time they run: repeating one blindly may double it.
NOT_REPEATABLE = frozenset(
    {
        "sendMessage",
        "sendPhoto",
        "sendVenue",
        "sendLocation",
        "sendDocument",
        "forwardMessage",
        "copyMessage",
    }
)
# Errors of either client meaning the request never left this machine.
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, *http.NOT_SENT)


class AmbiguousSend(NetworkError):
    """A message may or may not have been delivered: the connection broke mid-request."""


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 10
    base_delay: float = 0.2
    max_delay: float = 8.0
    max_retry_after: float = 60.0

    def backoff(self, attempt: int, rng: random.Random) -> float:
        """Full jitter: a random wait up to base * 2^attempt, capped."""
        return rng.uniform(0, min(self.max_delay, self.base_delay * 2**attempt))


# Bot API methods whose result is the message (or messages) they created.
CREATES_MESSAGES = frozenset(
    {
        "sendMessage",
        "sendPhoto",
        "sendDocument",
        "sendVenue",
        "sendLocation",
        "sendMediaGroup",
        "sendContact",
        "sendSticker",
        "copyMessage",
        "forwardMessage",
    }
)


def _report_message(payload: bytes, report: Callable[[int, int], None]) -> None:
    """Tell `report` the chat and id of each message in a successful call's result."""
    try:
        result = json.loads(payload).get("result")
    except (ValueError, AttributeError):
        return
    for message in result if isinstance(result, list) else [result]:
        if not isinstance(message, dict):
            continue
        chat, message_id = (message.get("chat") or {}).get("id"), message.get("message_id")
        if isinstance(chat, int) and isinstance(message_id, int):
            report(chat, message_id)


def _retry_after(payload: bytes) -> float:
    try:
        parameters = json.loads(payload).get("parameters") or {}
        return float(parameters.get("retry_after", 1))
    except (ValueError, AttributeError, TypeError):
        return 1.0


class RetryingRequest(BaseRequest):
    """A request that repeats failed calls when repeating is safe (see module docs)."""

    def __init__(
        self,
        inner: BaseRequest | None = None,
        *,
        slots: int = 16,
        policy: RetryPolicy | None = None,
        seed: int | None = None,
    ) -> None:
        self.inner = inner or http.AiohttpRequest(connection_pool_size=slots)
        # Calls beyond the pool wait here, in a cheap FIFO, not inside the HTTP client.
        self._slots = asyncio.Semaphore(slots)
        self.policy = policy or RetryPolicy()
        self._rng = random.Random(seed)
        self.retries = 0
        # Called with (chat id, message id) of every message a call created: the channel
        # learns the newest message of each chat whichever part of the bot sent it.
        self.on_message: Callable[[int, int], None] | None = None

    @property
    def read_timeout(self) -> float | None:
        return self.inner.read_timeout

    async def initialize(self) -> None:
        await self.inner.initialize()

    async def shutdown(self) -> None:
        await self.inner.shutdown()

    async def do_request(  # type: ignore[override]
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        **timeouts: object,
    ) -> tuple[int, bytes]:
        api_method = url.rsplit("/", 1)[-1]
        if api_method == "getUpdates":
            return await self.inner.do_request(url, method, request_data, **timeouts)  # type: ignore[arg-type]
        policy = self.policy
        for attempt in range(1, policy.attempts + 1):
            last = attempt == policy.attempts
            try:
                async with self._slots:
                    code, payload = await self.inner.do_request(  # type: ignore[arg-type]
                        url, method, request_data, **timeouts
                    )
            except NetworkError as error:
                never_sent = isinstance(error.__cause__, NOT_SENT)
                if not never_sent and api_method in NOT_REPEATABLE:
                    raise AmbiguousSend(str(error)) from error
                if last:
                    raise
                await self._wait(policy.backoff(attempt, self._rng), api_method, "network")
                continue
            if code == 429 and not last:
                wait = min(_retry_after(payload), policy.max_retry_after)
                await self._wait(wait + self._rng.uniform(0, 0.1), api_method, "429")
                continue
            if code >= 500 and not last:
                await self._wait(policy.backoff(attempt, self._rng), api_method, str(code))
                continue
            if code == 200 and self.on_message is not None and api_method in CREATES_MESSAGES:
                _report_message(payload, self.on_message)
            return code, payload
        raise AssertionError("unreachable")  # pragma: no cover

    async def _wait(self, seconds: float, api_method: str, reason: str) -> None:
        self.retries += 1
        log.debug("retrying %s after %s in %.2fs", api_method, reason, seconds)
        await asyncio.sleep(seconds)
