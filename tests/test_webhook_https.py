"""A webhook URL must be https; plain http only for this machine, and only when asked."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.settings import SettingsError, load_settings

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456:FAKE-TOKEN-for-tests-0123456789"
BASE = {"TELEGRAM_BOT_TOKEN": TOKEN, "BOT_WEBHOOK_SECRET": "s3cret"}


@pytest.mark.parametrize(
    "url",
    [
        "http://bot.example.org/hook",
        "http://127.0.0.1:8443/hook",
        "http://localhost/hook",
        "HTTP://bot.example.org/hook",
    ],
)
def test_a_plain_http_webhook_is_refused(url: str) -> None:
    with pytest.raises(SettingsError) as error:
        load_settings({**BASE, "BOT_WEBHOOK_URL": url}, need_token=True)
    message = str(error.value)
    assert message.startswith("BOT_WEBHOOK_URL") and "https://" in message
    assert "\n" not in message


@pytest.mark.parametrize(
    "url", ["http://bot.example.org/hook", "http://127.0.0.2/hook", "http://10.0.0.5/hook"]
)
def test_the_local_escape_hatch_never_opens_for_another_host(url: str) -> None:
    environ = {**BASE, "BOT_WEBHOOK_URL": url, "BOT_WEBHOOK_ALLOW_LOCAL_HTTP": "1"}
    with pytest.raises(SettingsError, match="BOT_WEBHOOK_URL"):
        load_settings(environ, need_token=True)


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8443/hook", "http://localhost:9000/hook", "http://[::1]:9000/h"]
)
def test_the_local_escape_hatch_allows_this_machine(url: str) -> None:
    environ = {**BASE, "BOT_WEBHOOK_URL": url, "BOT_WEBHOOK_ALLOW_LOCAL_HTTP": "1"}
    assert load_settings(environ, need_token=True).webhook_url == url


def test_https_is_accepted_and_the_hatch_is_off_by_default() -> None:
    settings = load_settings({**BASE, "BOT_WEBHOOK_URL": "https://x.example/hook"}, need_token=True)
    assert settings.webhook_url == "https://x.example/hook"
    assert settings.webhook_allow_local_http is False


def test_the_hatch_takes_only_a_clear_yes_or_no() -> None:
    environ = {**BASE, "BOT_WEBHOOK_ALLOW_LOCAL_HTTP": "maybe"}
    with pytest.raises(SettingsError, match="BOT_WEBHOOK_ALLOW_LOCAL_HTTP"):
        load_settings(environ, need_token=True)


def test_the_real_process_refuses_http_with_one_line_and_exit_2(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "BOT_"))}
    env.update(BASE, BOT_WEBHOOK_URL="http://bot.example.org/hook", BOT_DATA_DIR=str(tmp_path))
    result = subprocess.run(
        [sys.executable, "-m", "bot"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "BOT_WEBHOOK_URL" in result.stderr and "https://" in result.stderr
