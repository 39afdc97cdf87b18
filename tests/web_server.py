"""`python -m bot web` as a real process on a free local port, for browser tests and benches."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class WebServer:
    """Start with `with WebServer(data_dir) as server:`; `server.url`, then `server.output`
    (everything it wrote, start-up to SIGTERM) once the block is left."""

    def __init__(self, data_dir: Path, **env: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.data_dir = data_dir
        self.env = env
        self.output = ""
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> WebServer:
        environ = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "BOT_"))}
        environ.update(BOT_DATA_DIR=str(self.data_dir), BOT_WEB_PORT=str(self.port), **self.env)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot", "web"],
            cwd=ROOT,
            env=environ,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(self.process.stdout.read().decode())  # type: ignore[union-attr]
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return self
            except OSError:
                time.sleep(0.05)
        self.process.kill()
        raise RuntimeError("python -m bot web did not listen within 30 s")

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> int:
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            out, _ = self.process.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            out, _ = self.process.communicate()
        self.output = out.decode(errors="replace")
        return self.process.returncode

    @property
    def database(self) -> Path:
        return self.data_dir / "bot.sqlite3"
