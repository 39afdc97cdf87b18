"""Health: the status file a polling bot keeps, /healthz of a webhook bot, `python -m bot
health` for Docker's HEALTHCHECK. Real processes against the fake Bot API, and the parts."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp

from bot.catalog import bundled_catalog_path, load_catalog
from bot.health import (
    STATUS_FILE,
    WEB_STATUS_FILE,
    HealthMonitor,
    HealthStatus,
    judge,
    read_status_file,
)
from bot.runtime import open_runtime
from bot.settings import load_settings
from bot.store import StoreError
from tests.conftest import BOT_TOKEN
from tests.fake_bot_api import FakeBotAPI
from tests.test_process import ROOT, bot_environment, free_port, start_bot, start_webhook_bot

USER = 4242
NAME = "Zeynep"
ENTRIES = len(load_catalog(bundled_catalog_path()).services)
NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


def status(**changes: object) -> HealthStatus:
    values: dict[str, object] = dict(
        state="running",
        healthy=True,
        store="ok",
        mode="polling",
        bot="TriageTestBot",
        catalog_version="2026-12-03",
        entries=57,
        started_at=NOW - timedelta(hours=1),
        last_update_at=NOW - timedelta(seconds=12),
        written_at=NOW - timedelta(seconds=5),
    )
    values.update(changes)
    return HealthStatus.model_validate(values)


def run_health(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = bot_environment("http://127.0.0.1:9/bot", data_dir)
    return subprocess.run(
        [sys.executable, "-m", "bot", "health", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )


async def wait_for(condition, timeout: float = 20.0) -> None:  # type: ignore[no-untyped-def]
    for _ in range(int(timeout / 0.05)):
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("timed out")


def test_judge_fresh_stale_stopped_failing() -> None:
    code, line = judge(status(), NOW)
    assert code == 0 and line.startswith("healthy:")
    assert "2026-12-03" in line and "57 entries" in line and "12 s ago" in line
    assert judge(status(written_at=NOW - timedelta(seconds=91)), NOW)[0] == 1
    assert judge(status(written_at=NOW - timedelta(seconds=89)), NOW)[0] == 0
    assert judge(status(written_at=NOW - timedelta(seconds=30)), NOW, max_age=20)[0] == 1
    code, line = judge(status(state="stopped", healthy=False), NOW)
    assert code == 1 and "stopped" in line
    code, line = judge(status(store="failing", healthy=False), NOW)
    assert code == 1 and "store" in line
    assert "no update yet" in judge(status(last_update_at=None), NOW)[1]


async def test_the_monitor_writes_at_start_on_activity_and_not_per_update(tmp_path) -> None:
    settings = load_settings({"BOT_DATA_DIR": str(tmp_path)}, need_token=False)
    runtime = await open_runtime(settings)
    try:
        monitor = HealthMonitor(runtime, "polling", "TriageTestBot", every=30.0, min_gap=0.3)
        stop = asyncio.Event()
        task = asyncio.create_task(monitor.run(stop))
        path = tmp_path / STATUS_FILE
        await wait_for(path.exists)
        assert read_status_file(path).last_update_at is None
        for _ in range(200):  # a burst of updates
            runtime.activity.note_update()
            await asyncio.sleep(0.001)
        await wait_for(lambda: read_status_file(path).last_update_at is not None, 3)
        await asyncio.sleep(0.4)
        assert 2 <= monitor.writes <= 4  # at start, then once or twice for the burst
        written = monitor.writes
        runtime.conversation.health.failed(StoreError("disk I/O error"))
        await wait_for(lambda: read_status_file(path).store == "failing", 3)
        assert monitor.writes == written + 1
        stop.set()
        await asyncio.wait_for(task, 3)
        final = read_status_file(path)
        assert final.state == "stopped" and not final.healthy
        assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".health-")] == []
    finally:
        await runtime.close()


def test_health_without_a_status_file_or_with_garbage_is_unhealthy(tmp_path) -> None:
    result = run_health(tmp_path)
    assert result.returncode == 1 and "no status file" in result.stdout
    assert result.stdout.count("\n") == 1
    (tmp_path / STATUS_FILE).write_text("{not json", encoding="utf-8")
    result = run_health(tmp_path)
    assert result.returncode == 1 and "cannot read" in result.stdout
    assert "Traceback" not in result.stderr


async def test_polling_bot_keeps_its_status_and_health_says_so(tmp_path) -> None:
    async with FakeBotAPI(token=BOT_TOKEN) as fake:
        process = await start_bot(fake, tmp_path)
        try:
            path = tmp_path / STATUS_FILE
            await wait_for(path.exists)
            result = run_health(tmp_path)
            assert result.returncode == 0, result.stdout + result.stderr
            assert f"{ENTRIES} entries" in result.stdout and "polling" in result.stdout
            assert "no update yet" in result.stdout
            update = fake.user_message(USER, "/start", language_code="en", first_name=NAME)
            await fake.wait_for_reply(USER, after_update_id=update, timeout=20)
            await wait_for(lambda: read_status_file(path).last_update_at is not None)
            result = run_health(tmp_path)
            assert result.returncode == 0 and "last update" in result.stdout
            text = path.read_text(encoding="utf-8")
            assert str(USER) not in text and NAME not in text
            assert json.loads(text)["entries"] == ENTRIES
        finally:
            process.terminate()
            await asyncio.wait_for(process.communicate(), timeout=20)
        assert process.returncode == 0
        result = run_health(tmp_path)
        assert result.returncode == 1 and "stopped" in result.stdout


async def test_webhook_bot_answers_healthz_and_health_reads_it(tmp_path) -> None:
    port = free_port()
    async with FakeBotAPI(token=BOT_TOKEN) as fake:
        process = await start_webhook_bot(fake, tmp_path, port, "s3cret-value")
        try:
            await wait_for(lambda: bool(fake.webhook_url))
            healthz = f"http://127.0.0.1:{port}/healthz"
            async with aiohttp.ClientSession() as session:
                async with session.get(healthz) as response:
                    assert response.status == 200
                    body = await response.json()
                assert body["entries"] == ENTRIES and body["mode"] == "webhook"
                assert body["last_update_at"] is None and body["catalog_version"]
                update = fake.user_message(USER, "/start", language_code="en", first_name=NAME)
                status = await fake.post_update_to(
                    fake.webhook_url, update, secret_token="s3cret-value"
                )
                assert status == 200
                async with session.get(healthz) as response:
                    text = await response.text()
            assert json.loads(text)["last_update_at"] is not None
            assert str(USER) not in text and NAME not in text
            result = await asyncio.to_thread(run_health, tmp_path, "--url", healthz)
            assert result.returncode == 0 and "webhook" in result.stdout, result.stdout
            result = await asyncio.to_thread(run_health, tmp_path)  # the file works too
            assert result.returncode == 0 and "webhook" in result.stdout, result.stdout
        finally:
            process.terminate()
            await asyncio.wait_for(process.communicate(), timeout=20)


async def test_healthz_is_503_while_the_store_fails(tmp_path) -> None:
    from bot.channels.webhook import WebhookServer
    from tests.test_webhook_server import StubApplication

    settings = load_settings({"BOT_DATA_DIR": str(tmp_path)}, need_token=False)
    runtime = await open_runtime(settings)
    monitor = HealthMonitor(runtime, "webhook", "TriageTestBot")
    server = WebhookServer(StubApplication(), "/hook", "s3cret", monitor.status)  # type: ignore[arg-type]
    port = free_port()
    await server.start("127.0.0.1", port)
    try:
        async with aiohttp.ClientSession() as session:
            url = f"http://127.0.0.1:{port}/healthz"
            async with session.get(url) as response:
                assert response.status == 200
            runtime.conversation.health.failed(StoreError("database or disk is full"))
            async with session.get(url) as response:
                assert response.status == 503
                assert (await response.json())["store"] == "failing"
    finally:
        await server.stop()
        await runtime.close()


async def test_the_web_chat_keeps_its_own_status_and_answers_healthz(tmp_path) -> None:
    """`python -m bot web` has a status of its own (a Telegram bot may share the data folder)
    and answers GET /healthz; `health --web` reads the file, as the web container's check."""
    port = free_port()
    environ = bot_environment("http://127.0.0.1:9/bot", tmp_path, BOT_WEB_PORT=str(port))
    environ.pop("TELEGRAM_BOT_TOKEN", None)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "web", cwd=ROOT, env=environ,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        path = tmp_path / WEB_STATUS_FILE
        await wait_for(path.exists)
        assert not (tmp_path / STATUS_FILE).exists()  # the Telegram bot's stays its own
        base = f"http://127.0.0.1:{port}"
        session_id = "0123456789abcdef0123456789abcdef"
        async with aiohttp.ClientSession() as session:
            async with session.get(f"{base}/healthz") as response:
                assert response.status == 200
                body = await response.json()
            assert body["mode"] == "web" and body["entries"] == ENTRIES
            assert body["last_update_at"] is None
            message = {"session": session_id, "kind": "start"}
            async with session.post(f"{base}/api/message", json=message) as response:
                assert response.status == 200
            async with session.get(f"{base}/healthz") as response:
                text = await response.text()
        assert json.loads(text)["last_update_at"] is not None
        assert session_id not in text
        await wait_for(lambda: read_status_file(path).last_update_at is not None)
        result = await asyncio.to_thread(run_health, tmp_path, "--web")
        assert result.returncode == 0 and "healthy: the web chat, web" in result.stdout
        result = await asyncio.to_thread(run_health, tmp_path)  # no Telegram bot runs here
        assert result.returncode == 1, result.stdout
    finally:
        process.terminate()
        await asyncio.wait_for(process.communicate(), timeout=20)
    assert process.returncode == 0
    result = run_health(tmp_path, "--web")
    assert result.returncode == 1 and "stopped" in result.stdout
