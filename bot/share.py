"""Deep links volunteers share: open the bot in a given language and/or need.

The same `start` payload opens the bot in Telegram (https://t.me/<bot>?start=ar-mental_health)
and in the web chat (https://<host>/?start=ar-mental_health).
"""

from __future__ import annotations

import argparse
import io
import os
import re
import sys
from collections.abc import Mapping
from typing import TextIO
from urllib.parse import urlsplit, urlunsplit

import segno

from bot.catalog.model import Need
from bot.i18n import N_, language_codes

INVITATION = N_("Scan this code to find help in Luxembourg, in your language. Free and private.")
SHARE_TEXT = N_("Share this bot with someone who needs help: {link}")
# The poster's own words, in each language it is printed in.
HEADLINE = N_("Find help in Luxembourg")
OPENS_TELEGRAM = N_("Opens in Telegram")
OPENS_BROWSER = N_("Opens in your browser, no account needed")
FOOTER = N_("Free · private · /forget deletes your data")

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


def web_base(url: str) -> str:
    """The web chat's address, checked: https, a host, no ?query or #fragment; path kept.

    'https://help.example.org' -> 'https://help.example.org/'.
    """
    given = url.strip()
    if any(ch.isspace() or ord(ch) < 32 for ch in given):
        raise ValueError(f"--web {url!r}: an address has no spaces")
    try:
        parts = urlsplit(given)
        parts.port  # noqa: B018 (raises ValueError on a port that is not a number)
    except ValueError as error:
        raise ValueError(f"--web {url!r} is not a web address: {error}") from None
    if parts.scheme.lower() != "https":
        raise ValueError(f"--web {url!r}: the web chat's address must start with https://")
    if not parts.hostname:
        raise ValueError(f"--web {url!r}: no host name, e.g. https://help.example.org")
    if parts.username is not None or parts.password is not None:
        raise ValueError(f"--web {url!r}: leave the user name and password out of the address")
    if parts.query or parts.fragment or "?" in given or "#" in given:
        raise ValueError(
            f"--web {url!r}: give the address without '?' or '#'; the link adds ?start=... itself"
        )
    return urlunsplit(("https", parts.netloc, parts.path or "/", "", ""))


def web_link(base: str, language: str | None = None, need: str | None = None) -> str:
    """https://<host>/?start=<payload> for the web chat at `base` (checked by `web_base`)."""
    payload = start_payload(language, need)
    base = web_base(base)
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
    add_target_arguments(parser)


def add_target_arguments(parser: argparse.ArgumentParser) -> None:
    """--bot and --web: where the links lead (Telegram, the web chat, or both)."""
    parser.add_argument("--bot", help=f"the bot's username (default: ${USERNAME_ENV})")
    parser.add_argument(
        "--web", metavar="URL", help="the web chat's address, e.g. https://help.example.org"
    )


def share_links(
    args: argparse.Namespace,
    language: str | None = None,
    need: str | None = None,
    env: Mapping[str, str] = os.environ,
) -> dict[str, str]:
    """{'telegram': link, 'web': link}: Telegram when a bot is named (--bot or
    $BOT_USERNAME), the web chat when --web is given; ValueError on a bad option."""
    links: dict[str, str] = {}
    named = (args.bot or env.get(USERNAME_ENV, "")).strip()
    if not named and args.web is None:
        raise ValueError(f"which bot? give --bot NAME or set {USERNAME_ENV}, or --web URL")
    if named:
        links["telegram"] = deep_link(bot_username(args.bot, env), language, need)
    if args.web is not None:
        links["web"] = web_link(args.web, language, need)
    return links


def link_main(
    args: argparse.Namespace,
    out: TextIO | None = None,
    err: TextIO | None = None,
    env: Mapping[str, str] = os.environ,
) -> int:
    """`python -m bot link`: print the deep link(s), Telegram's first; 2 with a message on a
    bad option."""
    try:
        links = share_links(args, args.lang, args.need, env)
    except ValueError as error:
        print(f"error: {error}", file=err or sys.stderr)
        return EXIT_USAGE
    for link in links.values():
        print(link, file=out or sys.stdout)
    return 0
