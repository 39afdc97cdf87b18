"""Start-up never hangs and never shows a traceback for a setting or file problem (issue 15,
point 1): one line that names the problem and what to do, exit code 2, within seconds, for
`python -m bot` and `python -m bot console`. Run as real processes."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import BOT_TOKEN
from tests.test_process import ROOT

LIMIT = 4.0  # seconds; the issue asks for 2 on its machine, a loaded 2-core CI is slower


def run(command: list[str], **env: str) -> tuple[int, str, float]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "BOT_"))}
    environ.update(TELEGRAM_BOT_TOKEN=BOT_TOKEN, TELEGRAM_BASE_URL="http://127.0.0.1:9/bot", **env)
    began = time.monotonic()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "bot", *command],
            cwd=ROOT,
            env=environ,
            input="/quit\n",
            capture_output=True,
            text=True,
            timeout=15,
        )
    except subprocess.TimeoutExpired as expired:
        out = (expired.stdout or b"") + (expired.stderr or b"")
        text = out.decode(errors="replace") if isinstance(out, bytes) else out
        return 124, text, time.monotonic() - began
    return done.returncode, done.stdout + done.stderr, time.monotonic() - began


def bad_data_dirs(tmp_path: Path) -> dict[str, tuple[dict[str, str], str]]:
    not_sqlite = tmp_path / "not-sqlite"
    not_sqlite.mkdir()
    (not_sqlite / "bot.sqlite3").write_bytes(b"this is not a database, it is a text file " * 100)
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    broken = tmp_path / "broken.yaml"
    broken.write_text('version: "1"\nservices:\n  - id: x\n    phnoe: 1\n')
    return {
        "missing catalogue": (
            {"BOT_CATALOG_FILE": str(tmp_path / "nope.yaml"), "BOT_DATA_DIR": str(tmp_path / "d1")},
            "nope.yaml",
        ),
        "invalid catalogue": (
            {"BOT_CATALOG_FILE": str(broken), "BOT_DATA_DIR": str(tmp_path / "d2")},
            "catalog check",
        ),
        "data folder in /proc": ({"BOT_DATA_DIR": "/proc/x"}, "BOT_DATA_DIR"),
        "data folder is a file": ({"BOT_DATA_DIR": str(a_file)}, "BOT_DATA_DIR"),
        "not a database": ({"BOT_DATA_DIR": str(not_sqlite)}, "not a SQLite database"),
    }


@pytest.mark.parametrize("command", [[], ["console"]], ids=["bot", "console"])
@pytest.mark.parametrize(
    "case",
    [
        "missing catalogue",
        "invalid catalogue",
        "data folder in /proc",
        "data folder is a file",
        "not a database",
    ],
)
def test_a_bad_file_or_folder_is_one_line_and_exit_2(tmp_path, command, case) -> None:
    env, words = bad_data_dirs(tmp_path)[case]
    code, output, seconds = run(command, **env)
    assert code == 2, output
    assert "Traceback" not in output, output
    assert words in output, output
    assert len([line for line in output.splitlines() if line.strip()]) <= 3, output
    assert seconds < LIMIT, f"{seconds:.1f} s"


@pytest.mark.parametrize("command", [[], ["console"]], ids=["bot", "console"])
def test_a_database_locked_by_another_process_is_one_line_and_exit_2(tmp_path, command) -> None:
    database = tmp_path / "bot.sqlite3"
    holder = sqlite3.connect(database, isolation_level=None)
    holder.execute("PRAGMA journal_mode=DELETE")
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN EXCLUSIVE")
    try:
        code, output, seconds = run(command, BOT_DATA_DIR=str(tmp_path))
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert code == 2, output
    assert "Traceback" not in output and "locked" in output, output
    assert seconds < LIMIT, f"{seconds:.1f} s"
