"""The HTTP client under every Bot API call: aiohttp instead of python-telegram-bot's httpx.

httpx's connection pool walks every pooled connection, asking the socket whether it is still
alive, on each request; in `bench/e2e_bench.py` that walk and the rest of httpx took about
40 % of the bot's CPU. aiohttp's client does the same job for a fraction of it. The class
only moves bytes: retries live in `bot.channels.retry`, one layer up.

Errors are reported the way python-telegram-bot expects (`TimedOut`, `NetworkError`), with
the aiohttp exception as `__cause__` so the retry layer can tell "never sent" from "lost".
"""

from __future__ import annotations

from typing import Any

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

# The connection could not be opened or was never taken from the pool: nothing reached Telegram.
NOT_SENT: tuple[type[BaseException], ...] = (
    aiohttp.ClientConnectorError,
    aiohttp.ConnectionTimeoutError,
)


def _given(value: object, default: float | None) -> float | None:
    """A per-call timeout, or the default when python-telegram-bot passes DEFAULT_NONE."""
    if value is None or isinstance(value, int | float):
        return value  # type: ignore[return-value]
    return default


class AiohttpRequest(BaseRequest):
    """`BaseRequest` on one aiohttp session with a bounded connection pool."""

    def __init__(
        self,
        connection_pool_size: int = 16,
        read_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_read_timeout: float | None = 20.0,
    ) -> None:
        self.pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._media_read_timeout = media_read_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self.pool_size, enable_cleanup_closed=False)
            self._session = aiohttp.ClientSession(
                connector=connector,
                headers={"User-Agent": self.USER_AGENT},
                trust_env=True,  # HTTPS_PROXY and friends, as httpx honours them
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("AiohttpRequest is not initialized")
        files = bool(request_data and request_data.contains_files)
        read_default = self._media_read_timeout if files else self._read_timeout
        connect = _given(connect_timeout, self._connect_timeout)
        pool = _given(pool_timeout, self._pool_timeout)
        timeout = aiohttp.ClientTimeout(
            total=None,
            connect=None if connect is None or pool is None else connect + pool,
            sock_connect=connect,
            sock_read=_given(read_timeout, read_default),
        )
        body: Any = None
        headers: dict[str, str] = {}
        if request_data is not None:
            if files:
                body = _form(request_data)
            else:
                body = request_data.json_payload
                headers["Content-Type"] = "application/json"
        try:
            async with self._session.request(
                method, url, data=body, headers=headers, timeout=timeout
            ) as response:
                return response.status, await response.read()
        except (TimeoutError, aiohttp.ServerTimeoutError) as error:
            raise TimedOut(f"aiohttp.{type(error).__name__}") from error
        except aiohttp.ClientError as error:
            raise NetworkError(f"aiohttp.{type(error).__name__}: {error}") from error


def _form(request_data: RequestData) -> aiohttp.FormData:
    """Parameters and files as multipart/form-data, the way the Bot API takes uploads."""
    form = aiohttp.FormData()
    for name, value in request_data.json_parameters.items():
        form.add_field(name, value)
    for name, (filename, content, mimetype) in request_data.multipart_data.items():
        form.add_field(name, content, filename=filename, content_type=mimetype)
    return form
