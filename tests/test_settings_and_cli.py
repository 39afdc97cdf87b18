"""Settings validation, the command line, and the console channel."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.settings import SettingsError, load_settings

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456:FAKE-TOKEN-for-tests-0123456789"


def test_defaults_without_token_for_console():
    settings = load_settings({}, need_token=False)
    assert settings.retention_days == 30 and settings.token is None


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, "TELEGRAM_BOT_TOKEN is not set"),
        ({"TELEGRAM_BOT_TOKEN": "nope"}, "TELEGRAM_BOT_TOKEN"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "BOT_RETENTION_DAYS": "zero"}, "BOT_RETENTION_DAYS"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_BASE_URL": "ftp://x"}, "TELEGRAM_BASE_URL"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "BOT_ADMIN_IDS": "12,abc"}, "BOT_ADMIN_IDS"),
        (
            {"TELEGRAM_BOT_TOKEN": TOKEN, "BOT_WEBHOOK_URL": "https://x.example/hook"},
            "BOT_WEBHOOK_SECRET",
        ),
    ],
)
def test_invalid_settings_give_one_clear_line(environ, expected):
    with pytest.raises(SettingsError) as error:
        load_settings(environ, need_token=True)
    assert expected in str(error.value)
    assert "\n" not in str(error.value)


def test_admin_ids_and_secret_parsed():
    settings = load_settings(
        {"TELEGRAM_BOT_TOKEN": TOKEN, "BOT_ADMIN_IDS": "1, 22 333"}, need_token=True
    )
    assert settings.admin_ids == {1, 22, 333}
    assert TOKEN not in repr(settings)


def _run(args: list[str], env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "BOT_"))}
    full_env.update(env)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=ROOT,
        env=full_env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_missing_token_exits_2_with_one_line(tmp_path):
    result = _run([], {"BOT_DATA_DIR": str(tmp_path)})
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "TELEGRAM_BOT_TOKEN" in result.stderr


def test_console_runs_a_whole_conversation(tmp_path):
    script = "1\n1\n3\n1\n1\n/quit\n"  # English, me, age 6-11, asylum applicant, mental health
    result = _run(["console"], {"BOT_DATA_DIR": str(tmp_path)}, stdin=script)
    assert result.returncode == 0, result.stderr
    assert "Which language" in result.stdout
    assert "CESMI" in result.stdout
    assert (tmp_path / "bot.sqlite3").exists()


async def test_console_adapter_in_process(tmp_path):
    from bot.channels.console import run_console
    from bot.runtime import open_runtime

    runtime = await open_runtime(load_settings({"BOT_DATA_DIR": str(tmp_path)}, need_token=False))
    lines = iter(["/emergency", "/quit"])
    out = io.StringIO()
    await run_console(runtime, read=lambda: next(lines), out=out)
    await runtime.close()
    assert "112" in out.getvalue() and "116 111" in out.getvalue()


def test_only_the_poster_command_loads_the_pdf_libraries():
    probe = (
        "import sys\n"
        "from bot.__main__ import main\n"
        "main(sys.argv[1:])\n"
        "print('loaded' if 'fpdf' in sys.modules else 'not loaded')\n"
    )
    for args, expected in ((["catalog", "check"], "not loaded"), (["poster", "--help"], None)):
        result = subprocess.run(
            [sys.executable, "-c", probe, *args], cwd=ROOT, capture_output=True, text=True
        )
        if expected is None:  # --help exits before the probe prints: the options are there
            assert "--lang LANG" in result.stdout, result.stdout
        else:
            assert result.stdout.strip().splitlines()[-1] == expected
