"""A reply longer than one Telegram message is split between tags and entities, never inside."""

from __future__ import annotations

import html
import re

import pytest

from bot.channels.render import MAX_TEXT, reply_html, split_html, utf16_length
from bot.flows.model import Bold, Message, Reply
from tests.fake_bot_api import parse_html

TOKEN = re.compile(r"<(/?)([a-z]+)>|&(?:lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);|[<>&]|[^<>&]+")


def check_part(part: str) -> str:
    """The text a part shows; fails unless it is valid Telegram HTML that fits one message."""
    assert utf16_length(part) <= MAX_TEXT, f"{utf16_length(part)} UTF-16 units"
    open_tags: list[str] = []
    shown = []
    for match in TOKEN.finditer(part):
        token = match.group(0)
        if match.group(2):
            closing, tag = match.group(1), match.group(2)
            assert tag in ("b", "i", "pre", "code"), f"unknown tag {token!r}"
            if closing:
                assert open_tags and open_tags[-1] == tag, f"{token!r} closes nothing"
                open_tags.pop()
            else:
                assert tag not in open_tags, f"{token!r} inside itself"
                open_tags.append(tag)
        elif token in "<>&":
            raise AssertionError(f"a bare {token!r}: a tag or entity was cut")
        else:
            shown.append(html.unescape(token))
    assert not open_tags, f"unclosed {open_tags}"
    text = "".join(shown)
    assert text.strip(), "an empty part"
    plain, _ = parse_html(part)  # the fake Bot API's own parser agrees
    assert plain == text
    return text


def shown(texts: list[str]) -> str:
    return re.sub(r"\s+", "", "".join(check_part(text) for text in texts))


LONG_NAMES = [
    "&" * 5_000,
    "<b>" * 2_000,
    "a<b>&c;d" * 1_000,
    "x" * 10_000,
    "Caritas & <Partners> " * 400,
    "🙂" * 3_000,  # two UTF-16 units each
    "&amp;" * 2_000,
    "é" * 4_095 + "&",
]


@pytest.mark.parametrize("name", LONG_NAMES, ids=range(len(LONG_NAMES)))
def test_a_long_name_and_summary_split_into_valid_parts(name: str):
    message = Message(lines=(Bold(name), name, "Call 112.", Bold("short title"), name[:50]))
    texts = reply_html(Reply(messages=(message,)))
    assert len(texts) >= 2
    expected = re.sub(r"\s+", "", "".join(message.lines))
    assert shown(texts) == expected


@pytest.mark.parametrize("limit", [20, 64, 100, 4096])
def test_any_limit_gives_parts_within_it(limit: int):
    text = "\n".join(
        [f"<b>{html.escape('T&<>' * 50)}</b>", html.escape("x & y " * 200), "<b>ok</b>"]
    )
    parts = split_html(text, limit)
    for part in parts:
        assert utf16_length(part) <= limit
    original = re.sub(r"\s+", "", parse_html(text)[0])
    assert re.sub(r"\s+", "", "".join(parse_html(part)[0] for part in parts)) == original
    for part in parts:
        check_part(part)


def test_lines_that_fit_are_kept_whole():
    lines = [f"line {i} " + "w" * 30 for i in range(300)]
    parts = split_html("\n".join(lines))
    assert len(parts) >= 3
    assert [line for part in parts for line in part.split("\n")] == lines


async def test_staff_text_full_of_quotes_and_ampersands_is_sent_in_valid_parts():
    from bot.channels.admin import send_plain

    class Bot:
        def __init__(self) -> None:
            self.texts: list[str] = []

        async def send_message(self, chat_id: int, text: str, parse_mode: str) -> None:
            self.texts.append(text)

    bot = Bot()
    staff_text = "catalog.yaml:5: '" + '"&<>' * 3_000 + "' is not a phone number\n" * 3
    await send_plain(bot, 1, staff_text)
    assert all(text.startswith("<pre>") and text.endswith("</pre>") for text in bot.texts)
    assert shown(bot.texts) == re.sub(r"\s+", "", staff_text)
