"""The bot token never reaches the terminal, whatever goes wrong at start (issue 16, point
7), and DEBUG logs carry no user ids or answers."""

from __future__ import annotations

import asyncio
import sys

import pytest
from aiohttp import web

from tests.conftest import BOT_TOKEN
from tests.test_process import ROOT, bot_environment, free_port

SECRET_PART = BOT_TOKEN.split(":", 1)[1]


async def run_bot(base_url: str, tmp_path, seconds: float = 8.0) -> tuple[int | None, str]:
    environ = bot_environment(base_url, tmp_path)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        cwd=ROOT,
        env=environ,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        output, _ = await asyncio.wait_for(process.communicate(), timeout=seconds)
    except TimeoutError:
        process.kill()
        output, _ = await process.communicate()
    return process.returncode, output.decode(errors="replace")


@pytest.mark.parametrize(
    "base_url",
    [
        "http://127.0.0.1:99999/bot",
        "http://[::1/bot",
        "http://:8081/bot",
        "ftp://127.0.0.1/bot",
    ],
)
async def test_a_malformed_base_url_is_refused_in_one_line_without_the_token(
    tmp_path, base_url
) -> None:
    code, output = await run_bot(base_url, tmp_path)
    assert SECRET_PART not in output
    assert code == 2, output
    assert "TELEGRAM_BASE_URL" in output and "Traceback" not in output


async def test_a_redirect_loop_never_prints_the_token(tmp_path) -> None:
    async def loop(request: web.Request) -> web.Response:
        raise web.HTTPFound(str(request.url))

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", loop)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        code, output = await run_bot(f"http://127.0.0.1:{port}/bot", tmp_path, seconds=10)
    finally:
        await runner.cleanup()
    assert SECRET_PART not in output, output[-2000:]


def test_a_traceback_that_quotes_the_token_is_redacted(capsys) -> None:
    import logging

    from bot.logs import configure_logging

    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        configure_logging("DEBUG", [BOT_TOKEN])
        try:
            raise ConnectionError(f"cannot reach https://example.org/bot{BOT_TOKEN}/getMe")
        except ConnectionError:
            logging.getLogger("bot.test").exception("start-up failed")
        logging.getLogger("aiosqlite").debug("executing with (%d, %s)", 424242, "asylum_applicant")
    finally:
        root.handlers[:], _ = saved
        root.setLevel(saved[1])
        logging.getLogger("aiosqlite").setLevel(logging.NOTSET)
    err = capsys.readouterr().err
    assert "ConnectionError" in err and "[token]" in err
    assert SECRET_PART not in err
    assert "424242" not in err
