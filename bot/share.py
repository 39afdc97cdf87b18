"""Deep links volunteers share: open the bot in a given language and/or need."""

from __future__ import annotations

import argparse
import io
import os
import re
import sys
from collections.abc import Mapping
from typing import TextIO

import segno

from bot.catalog.model import Need
from bot.i18n import N_, language_codes

INVITATION = N_("Scan this code to find help in Luxembourg, in your language. Free and private.")
SHARE_TEXT = N_("Share this bot with someone who needs help: {link}")

USERNAME_ENV = "BOT_USERNAME"
# Telegram: 5 to 32 letters, digits or underscores, starting with a letter; bots end in "bot".
_BOT_USERNAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{4,31}", re.ASCII)
EXIT_USAGE = 2


def check_language(code: str) -> str:
    """`code` if the bot speaks it, else ValueError listing the languages it does speak."""
    if code not in language_codes():
        raise ValueError(f"unknown language {code!r}; known: {', '.join(language_codes())}")
    return code


def check_need(need: str) -> str:
    """`need` if it is a need of the catalogue, else ValueError listing the needs."""
    needs = [n.value for n in Need]
    if need not in needs:
        raise ValueError(f"unknown need {need!r}; known: {', '.join(needs)}")
    return need


def start_payload(language: str | None = None, need: str | None = None) -> str:
    """The `start` payload for a language and/or a need: 'ar', 'mental_health', 'fr-work'."""
    if language is not None:
        check_language(language)
    if need is not None:
        check_need(need)
    return "-".join(part for part in (language, need) if part)


def deep_link(username: str, language: str | None = None, need: str | None = None) -> str:
    """https://t.me/<bot>?start=<payload> (just the bot's link when there is no payload)."""
    payload = start_payload(language, need)
    base = f"https://t.me/{username.lstrip('@')}"
    return f"{base}?start={payload}" if payload else base


def bot_username(given: str | None = None, env: Mapping[str, str] = os.environ) -> str:
    """The bot's username from `given` (a --bot option) or $BOT_USERNAME, checked."""
    name = (given or env.get(USERNAME_ENV, "")).strip().lstrip("@")
    if not name:
        raise ValueError(f"which bot? give --bot NAME or set {USERNAME_ENV}")
    if not _BOT_USERNAME.fullmatch(name) or not name.lower().endswith("bot"):
        raise ValueError(
            f"{name!r} is not a bot username (5-32 letters, digits or _, ending in 'bot')"
        )
    return name


def qr_code(link: str) -> segno.QRCode:
    """A QR code (never a Micro QR) with the highest error correction, to survive wear."""
    return segno.make_qr(link, error="h", boost_error=False)


def qr_png(link: str, scale: int = 10) -> bytes:
    """PNG bytes of the QR code alone, `scale` pixels a module, with a 4-module quiet zone."""
    buffer = io.BytesIO()
    qr_code(link).save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()


def add_link_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `python -m bot link`."""
    parser.add_argument("--lang", help="open the bot in this language, e.g. ar")
    parser.add_argument("--need", help="preset this need, e.g. mental_health")
    parser.add_argument("--bot", help=f"the bot's username (default: ${USERNAME_ENV})")


def link_main(
    args: argparse.Namespace,
    out: TextIO | None = None,
    err: TextIO | None = None,
    env: Mapping[str, str] = os.environ,
) -> int:
    """`python -m bot link`: print the deep link; 2 with a message on a bad option."""
    try:
        link = deep_link(bot_username(args.bot, env), args.lang, args.need)
    except ValueError as error:
        print(f"error: {error}", file=err or sys.stderr)
        return EXIT_USAGE
    print(link, file=out or sys.stdout)
    return 0
