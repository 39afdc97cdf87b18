"""Logging set-up: the bot token never reaches a log line.

python-telegram-bot logs its Bot API URLs at debug level, and those URLs contain the token;
httpx logs every request URL. Both are handled here, in one place. python-telegram-bot's
debug lines also hold people's names (the chats in the Bot API's answers): kept at INFO.
"""

from __future__ import annotations

import logging
import sys

REDACTED = "[token]"


class RedactSecrets(logging.Filter):
    """Replace the given secrets in every formatted record."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = [secret for secret in secrets if secret]

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if any(secret in message for secret in self.secrets):
            for secret in self.secrets:
                message = message.replace(secret, REDACTED)
            record.msg, record.args = message, ()
        return True


class RedactingFormatter(logging.Formatter):
    """A formatter whose whole output, traceback and stack included, has the secrets
    replaced: an exception message can quote a URL that holds the token."""

    def __init__(self, fmt: str, secrets: list[str]) -> None:
        super().__init__(fmt)
        self.secrets = [secret for secret in secrets if secret]

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return text


def configure_logging(level: str, secrets: list[str]) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s", secrets)
    )
    handler.addFilter(RedactSecrets(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING)
    # At debug level python-telegram-bot logs every Bot API call with its parameters and its
    # result; a result holds the chat, i.e. the person's name and username. Never below INFO.
    logging.getLogger("telegram").setLevel(max(logging.INFO, root.level))
    # aiosqlite logs every statement with its parameters at debug level: user ids, answers.
    logging.getLogger("aiosqlite").setLevel(max(logging.INFO, root.level))
