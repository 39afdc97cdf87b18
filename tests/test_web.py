"""The web chat's HTTP side, against the real aiohttp application on a local test server.

The same conversation as Telegram (steps, deep links, commands, stale and forged buttons),
typed contacts, hostile catalogue and user text passed as plain text, security headers, the
body limit, the rate limits, /forget leaving no row, and no address, user agent or typed
text in any log line.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientSession

from bot.channels.ratelimit import RateLimiter
from bot.channels.web import WebChannel, start_web, web_user_id
from bot.channels.web_reply import line_json
from bot.flows.engine import WEB_BROWSER, WEB_KEEPS, step
from bot.flows.model import Input, InputKind, Session
from bot.i18n import Translators
from bot.runtime import open_runtime
from bot.settings import Settings, SettingsError, load_settings
from tests.flow_helpers import SMALL_CATALOG, TODAY, make_context

HOSTILE_NAME = "<img src=x onerror=alert(1)> Hostile & <script>alert(2)</script>"
HOSTILE_SUMMARY = "</p><a href=javascript:alert(3)>click</a> &amp; more"
HOSTILE_ENTRY = """  - id: hostile
    organization: "<b>Org</b>"
    name: {en: "NAME"}
    summary: {en: "SUMMARY"}
    needs: [work]
    statuses: [any]
    locations: [{address: ["<svg onload=alert(4)>"], postal_code: L-1111, city: "javascript:x"}]
    urls: [{url: "https://example.lu/\\"><script>alert(6)</script>"}]
    phones: [{number: "(+352) 26 48 20 51"}]
    source: {file: test.txt, place: line 5}
""".replace("NAME", HOSTILE_NAME).replace("SUMMARY", HOSTILE_SUMMARY)
CATALOG = SMALL_CATALOG + HOSTILE_ENTRY
SECRET_TEXT = "my name is Zainab Haddadin, phone 621 555 019"
USER_AGENT = "Mozilla/5.0 (Linux; Android 13; SM-A536B) SecretAgent/7.7"
FORWARDED = "203.0.113.77"


@asynccontextmanager
async def web_app(tmp_path: Path) -> AsyncIterator[tuple[ClientSession, WebChannel]]:
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text(CATALOG, encoding="utf-8")
    settings = Settings(data_dir=tmp_path, catalog_file=catalog)
    runtime = await open_runtime(settings, today=lambda: TODAY)
    channel = WebChannel(runtime)
    runner = await start_web(channel, "127.0.0.1", 0)
    port = runner.addresses[0][1]
    try:
        async with ClientSession(base_url=f"http://127.0.0.1:{port}") as client:
            yield client, channel
    finally:
        await runner.cleanup()
        await runtime.close()


@pytest.fixture
async def web(tmp_path: Path) -> AsyncIterator[tuple[ClientSession, WebChannel]]:
    async with web_app(tmp_path) as parts:
        yield parts


SESSION = "0123456789abcdef0123456789abcdef"
OTHER = "fedcba9876543210fedcba9876543210"


async def post(client: ClientSession, session: str = SESSION, **body: Any) -> tuple[int, dict]:
    response = await client.post("/api/message", json={"session": session, **body})
    return response.status, await response.json()


def text_of(reply: dict) -> str:
    return "\n".join(
        line["text"] + line.get("link", {}).get("text", "")
        for message in reply["messages"]
        for line in message["lines"]
    )


def button(reply: dict, value: str, action: str = "c") -> str:
    """The data of the button that chooses `value`."""
    for row in reply["buttons"]:
        for b in row:
            if b["data"].split("|")[3:] == [action, value]:
                return b["data"]
    raise AssertionError(f"no button {action}|{value} in {reply['buttons']}")


async def tap(client: ClientSession, reply: dict, value: str, action: str = "c") -> dict:
    status, answer = await post(client, kind="tap", data=button(reply, value, action))
    assert status == 200, answer
    return answer


async def answer_profile(client: ClientSession, payload: str = "en") -> dict:
    """Open the link `payload`, then answer me, 22-27, asylum applicant."""
    _, reply = await post(client, kind="start", payload=payload)
    for value in ("me", "22-27", "asylum_applicant"):
        reply = await tap(client, reply, value)
    return reply


async def walk_to_results(client: ClientSession, payload: str = "en") -> dict:
    """Language from the link, then me, 22-27, asylum applicant, mental health."""
    reply = await answer_profile(client, payload)
    if reply["step"] == "need":
        reply = await tap(client, reply, "mental_health")
    return reply


def links(reply: dict) -> list[dict]:
    return [
        line["link"] for message in reply["messages"] for line in message["lines"] if "link" in line
    ]


def rows(database: Path) -> list[tuple]:
    with sqlite3.connect(database) as db:
        return db.execute("SELECT user_id, data FROM sessions").fetchall()


# --- the conversation ----------------------------------------------------------------------


async def test_a_whole_journey_ends_on_results_with_tappable_phones(web) -> None:
    client, _ = web
    reply = await walk_to_results(client)
    assert reply["step"] == "results" and reply["lang"] == "en" and reply["dir"] == "ltr"
    assert "Therapy for applicants" in text_of(reply)
    phones = [link for link in links(reply) if link["kind"] == "tel"]
    assert {"kind": "tel", "target": "+352485976", "text": "+352 48 59 76"} in phones
    assert all(link["target"] != "" for link in links(reply))


async def test_a_deep_link_opens_in_arabic_on_the_need(web) -> None:
    client, _ = web
    status, reply = await post(client, kind="start", payload="ar-mental_health")
    assert status == 200
    assert (reply["lang"], reply["dir"], reply["step"]) == ("ar", "rtl", "who")
    for value in ("me", "22-27", "asylum_applicant"):
        reply = await tap(client, reply, value)
    assert reply["step"] == "results"  # the need came from the link
    assert any(link["kind"] == "tel" for link in links(reply))
    assert reply["ui"]["send"] == Translators()["ar"]("Send") != "Send"


async def test_typed_text_commands_and_the_emergency_screen(web) -> None:
    client, _ = web
    _, reply = await post(client, kind="start", payload="en")
    _, reply = await post(client, kind="text", text="for me")
    assert reply["step"] == "age"
    _, reply = await post(client, kind="text", text="25")  # an age, typed
    assert reply["step"] == "status"
    _, reply = await post(client, kind="command", name="emergency")
    assert reply["step"] == "emergency"
    assert {"kind": "tel", "target": "112", "text": "112"} in links(reply)
    reply = await tap(client, reply, "", "b")
    assert reply["step"] == "status"
    _, privacy = await post(client, kind="text", text="/privacy")
    assert "What I keep" in text_of(privacy)


async def test_the_privacy_notice_speaks_of_the_browser_not_telegram(web) -> None:
    client, _ = web
    await post(client, kind="start", payload="ar")
    _, privacy = await post(client, kind="command", name="privacy")
    tr = Translators()["ar"]
    assert tr(WEB_KEEPS) in text_of(privacy) and tr(WEB_BROWSER) in text_of(privacy)
    assert "تيليغرام" not in text_of(privacy)  # "Telegram" in Arabic
    _, telegram = step(Session(language="en", step="who"), Input.command("privacy"), make_context())
    assert "Telegram user number" in telegram.messages[0].text  # Telegram's own is unchanged
    _, language = await post(client, kind="command", name="language")
    assert language["step"] == "language"


async def test_distress_typed_at_any_step_opens_the_emergency_screen(web) -> None:
    client, _ = web
    await post(client, kind="start", payload="en")
    _, reply = await post(client, kind="text", text="I want to kill myself")
    assert reply["step"] == "emergency"


async def test_the_location_keeps_only_the_town_and_the_map_has_pins(web) -> None:
    client, channel = web
    reply = await answer_profile(client, "en-children_family")
    assert reply["step"] == "place" and reply["location"] is True
    # The browser sends about a kilometre of precision; only the town is kept.
    status, reply = await post(client, kind="location", latitude=49.49581234, longitude=5.98061234)
    assert status == 200 and reply["step"] == "results" and reply["location"] is True
    reply = await tap(client, reply, "", "p")
    assert reply["venues"] and reply["venues"][0]["lat"] == pytest.approx(49.4958)
    [(_, data)] = rows(channel.runtime.settings.database)
    assert "Esch-sur-Alzette" in data and "49.49" not in data and "5.98" not in data


async def test_a_reload_shows_where_the_person_is_and_changes_nothing(web) -> None:
    client, channel = web
    await walk_to_results(client)
    before = rows(channel.runtime.settings.database)
    status, shown = await post(client, kind="show")
    assert status == 200 and shown["step"] == "results"
    assert rows(channel.runtime.settings.database) == before
    # its buttons work
    again = await tap(client, shown, "", "a")
    assert again["step"] == "need"


async def test_a_new_visitor_shown_the_first_screen_is_not_stored(web) -> None:
    client, channel = web
    status, shown = await post(client, kind="show", lang="fr-FR")
    assert status == 200 and shown["step"] == "language" and shown["lang"] == "fr"
    assert rows(channel.runtime.settings.database) == []


# --- stale, forged and unknown buttons ----------------------------------------------------------


def telegram_reply_text(inp: Input, session: Session) -> str:
    _, reply = step(session, inp, make_context(CATALOG))
    return "\n".join(message.text for message in reply.messages)


@pytest.mark.parametrize(
    "data",
    [
        "1|who|1|c|<script>",
        "2|who|1|c|me",
        "garbage",
        "1|who|-1|c|me",
        "1|nowhere|1|c|me",
        "1|who|1|z|me",
        "",
    ],
)
async def test_forged_button_data_is_answered_like_a_stale_telegram_button(web, data) -> None:
    client, _ = web
    await post(client, kind="start", payload="en")
    status, reply = await post(client, kind="tap", data=data)
    assert status == 200
    expected = telegram_reply_text(
        Input(InputKind.CHOICE), Session(language="en", step="who", history=["language"])
    )
    assert text_of(reply) == expected
    assert "no longer works" in text_of(reply)


async def test_an_unknown_option_id_is_refused_and_an_old_button_is_stale(web) -> None:
    client, _ = web
    _, first = await post(client, kind="start", payload="en")
    _, reply = await post(client, kind="tap", data="1|who|1|c|president")
    assert reply["step"] == "who" and "Please choose one of the buttons." in text_of(reply)
    reply = await tap(client, first, "me")  # still the screen we are on: it works
    assert reply["step"] == "age"
    _, stale = await post(client, kind="tap", data=button(first, "child"))  # an older screen
    assert stale["step"] == "age" and "older message" in text_of(stale)


# --- hostile text -------------------------------------------------------------------------


async def test_hostile_catalogue_text_is_passed_as_plain_text_never_as_a_link(web) -> None:
    client, _ = web
    reply = await answer_profile(client, "en-work")
    assert reply["step"] == "results"
    text = text_of(reply)
    assert HOSTILE_NAME in text and HOSTILE_SUMMARY in text  # as written: not escaped twice
    assert "&lt;" not in text
    for link in links(reply):
        assert link["kind"] in {"tel", "mailto", "web", "map"}
        if link["kind"] == "tel":
            assert link["target"].lstrip("+").isdigit()
    # The URL with a quote and a tag is a web link only as the https address it is.
    web_links = [link for link in links(reply) if link["kind"] == "web"]
    assert all(link["target"].startswith("https://") for link in web_links)


def test_contact_lines_become_typed_links_and_nothing_else_does() -> None:
    tr = Translators()["en"]
    assert line_json("📞 Police: 113", tr)["link"] == {
        "kind": "tel",
        "target": "113",
        "text": "113",
    }
    assert line_json("✉️ desk@example.lu", tr)["link"]["target"] == "desk@example.lu"
    assert "link" not in line_json("✉️ javascript:alert(1)", tr)
    assert "link" not in line_json("🌐 javascript:alert(1)", tr)
    assert "link" not in line_json("🌐 data:text/html,<script>", tr)
    office = line_json("📍 Office: 2 Main Street, L-4001 Esch-sur-Alzette (about 3 km)", tr)
    assert office["link"]["target"] == "2 Main Street, L-4001 Esch-sur-Alzette"
    assert "link" not in line_json("I want to call 113", tr)
    ar = Translators()["ar"]
    isolated = line_json("📞 " + ar.isolate("+352 48 59 76"), ar)
    assert isolated["link"]["target"] == "+352485976"


async def test_typed_hostile_text_is_never_echoed(web) -> None:
    client, _ = web
    await post(client, kind="start", payload="en")
    _, reply = await post(client, kind="text", text="<script>alert('x')</script>")
    assert "<script>" not in json.dumps(reply)


# --- HTTP: headers, limits, sessions -----------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/app.js", "/app.css", "/nowhere"])
async def test_every_response_has_the_security_headers(web, path) -> None:
    client, _ = web
    response = await client.get(path)
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "script-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "aiohttp" not in response.headers.get("Server", "")
    assert "Set-Cookie" not in response.headers


async def test_the_page_has_no_inline_script_and_no_third_party_request(web) -> None:
    client, _ = web
    page = await (await client.get("/")).text()
    assert '<script src="/app.js"' in page and "<script>" not in page
    assert 'role="log" aria-live="polite"' in page  # new messages are read out
    assert " on" not in page.replace("<noscript>", "")  # no onclick= or the like
    for path in ("/", "/app.js", "/app.css"):
        body = await (await client.get(path)).text()
        assert "//cdn" not in body and "@import" not in body and "url(" not in body
        assert "innerHTML" not in body and "insertAdjacentHTML" not in body


async def test_the_first_screen_is_under_60_kb(web) -> None:
    client, _ = web
    total = 0
    for path in ("/", "/app.js", "/app.css"):
        total += len(await (await client.get(path, headers={"Accept-Encoding": "identity"})).read())
    response = await client.post(
        "/api/message", json={"session": SESSION, "kind": "start", "payload": ""}
    )
    total += len(await response.read())
    print(f"first screen, uncompressed: {total} bytes")
    assert total < 60_000, total


async def test_api_answers_are_not_cached_and_json_only(web) -> None:
    client, _ = web
    response = await client.post("/api/message", json={"session": SESSION, "kind": "show"})
    assert response.headers["Cache-Control"] == "no-store"
    plain = await client.post(
        "/api/message", data=b"session=x", headers={"Content-Type": "text/plain"}
    )
    assert plain.status == 415


async def test_a_body_over_the_limit_is_refused(web) -> None:
    client, _ = web
    response = await client.post(
        "/api/message",
        data=json.dumps({"session": SESSION, "kind": "text", "text": "x" * 20_000}),
        headers={"Content-Type": "application/json"},
    )
    assert response.status == 413
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    "body",
    [
        {"session": "short", "kind": "show"},
        {"session": SESSION.upper(), "kind": "show"},
        {"session": SESSION, "kind": "delete_everything"},
        {"session": SESSION, "kind": "show", "extra": 1},
        {"session": SESSION, "kind": "text", "text": "x" * 5000},
        {"session": SESSION, "kind": "location", "latitude": 500, "longitude": 0},
    ],
)
async def test_malformed_requests_are_refused(web, body) -> None:
    client, _ = web
    response = await client.post("/api/message", json=body)
    assert response.status == 400


@pytest.mark.parametrize(
    "origin, status",
    [
        ("https://evil.example", 403),
        ("null", 403),
        ("http://127.0.0.1.evil.example", 403),
        ("http://127.0.0.1", 200),  # the page's own host (behind a proxy: another port)
    ],
)
async def test_a_request_from_another_site_is_refused(web, origin, status) -> None:
    client, _ = web
    response = await client.post(
        "/api/message", json={"session": SESSION, "kind": "show"}, headers={"Origin": origin}
    )
    assert response.status == status


async def test_the_per_session_limit_stops_one_session_not_the_others(web) -> None:
    client, _ = web
    statuses = [(await post(client, kind="show"))[0] for _ in range(40)]
    assert statuses[:20] == [200] * 20 and 429 in statuses
    status, _ = await post(client, OTHER, kind="show")
    assert status == 200


async def test_the_per_address_limit_counts_the_address_the_proxy_saw(web) -> None:
    client, channel = web
    channel.per_address = RateLimiter(rate=0.0, burst=3)
    sessions = [f"{i:032x}" for i in range(1, 10)]

    async def from_address(address: str, session: str) -> int:
        response = await client.post(
            "/api/message",
            json={"session": session, "kind": "show"},
            headers={"X-Forwarded-For": f"198.51.100.1, {address}"},
        )
        return response.status

    assert [await from_address("203.0.113.1", s) for s in sessions[:5]] == [200] * 3 + [429] * 2
    assert await from_address("203.0.113.2", sessions[5]) == 200


def test_the_rate_limiter_refills_and_keeps_a_bounded_number_of_keys() -> None:
    now = [0.0]
    limiter = RateLimiter(rate=1.0, burst=2, max_keys=100, clock=lambda: now[0])
    assert [limiter.allow("a") for _ in range(3)] == [True, True, False]
    now[0] += 1.0
    assert limiter.allow("a") and not limiter.allow("a")
    for i in range(1000):
        limiter.allow(str(i))
    assert len(limiter) == 100
    now[0] += 2.0  # every bucket has filled up again: none needs keeping
    limiter.allow("b")
    assert len(limiter) == 1


def test_web_sessions_never_share_a_user_id_with_telegram() -> None:
    ids = {web_user_id(f"{i:032x}") for i in range(10_000)}
    assert len(ids) == 10_000
    assert all(-(2**63) <= user_id < 0 for user_id in ids)  # Telegram's user ids are positive
    assert web_user_id(SESSION) == web_user_id(SESSION)


# --- /forget and privacy --------------------------------------------------------------------


async def test_forget_leaves_no_row_and_the_other_person_keeps_theirs(web) -> None:
    client, channel = web
    database = channel.runtime.settings.database
    await walk_to_results(client)
    await post(client, OTHER, kind="start", payload="fr")
    assert {user for user, _ in rows(database)} == {web_user_id(SESSION), web_user_id(OTHER)}
    status, reply = await post(client, kind="command", name="forget")
    assert status == 200 and reply["forget"] is True and reply["step"] is None
    assert {user for user, _ in rows(database)} == {web_user_id(OTHER)}
    with sqlite3.connect(database) as db:
        for (table,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
            for row in db.execute(f"SELECT * FROM {table}"):  # noqa: S608 - names from sqlite
                assert str(web_user_id(SESSION)) not in " ".join(map(str, row))
    assert SESSION.encode() not in database.read_bytes()


async def test_no_address_user_agent_or_typed_text_reaches_a_log(web, caplog) -> None:
    client, _ = web
    caplog.set_level(logging.DEBUG)
    headers = {"User-Agent": USER_AGENT, "X-Forwarded-For": FORWARDED}
    for body in (
        {"kind": "start", "payload": "en"},
        {"kind": "text", "text": SECRET_TEXT},
        {"kind": "location", "latitude": 49.61234, "longitude": 6.13198},
        {"kind": "tap", "data": "forged|data"},
        {"kind": "command", "name": "forget"},
    ):
        await client.post("/api/message", json={"session": SESSION, **body}, headers=headers)
    await client.post(
        "/api/message", data=b"{not json", headers={"Content-Type": "application/json", **headers}
    )
    logged = "\n".join(record.getMessage() for record in caplog.records)
    for secret in (
        SECRET_TEXT,
        "Zainab",
        USER_AGENT,
        "SecretAgent",
        FORWARDED,
        "127.0.0.1",
        SESSION,
        "49.61",
    ):
        assert secret not in logged


def test_the_web_process_logs_no_address_agent_or_typed_text(tmp_path) -> None:
    """`python -m bot web` at DEBUG, everything it wrote read back after SIGTERM."""
    import urllib.request

    from tests.web_server import WebServer

    typed = "my name is Zainab Haddadin, phone 621 555 019"
    agent = "Mozilla/5.0 (Linux; Android 13) SecretAgent/7.7"
    session = "00112233445566778899aabbccddeeff"
    with WebServer(tmp_path, BOT_LOG_LEVEL="DEBUG") as running:
        for body in (
            {"kind": "start", "payload": "en"},
            {"kind": "text", "text": typed},
            {"kind": "location", "latitude": 49.61234, "longitude": 6.13198},
            {"kind": "command", "name": "forget"},
        ):
            request = urllib.request.Request(
                running.url + "/api/message",
                data=json.dumps({"session": session, **body}).encode(),
                headers={
                    "Content-Type": "application/json",
                    "User-Agent": agent,
                    "X-Forwarded-For": "203.0.113.77",
                },
            )
            with urllib.request.urlopen(request, timeout=10) as response:
                assert response.status == 200
    assert "web chat on http://127.0.0.1" in running.output  # it did log, at DEBUG
    for secret in (typed, "Zainab", agent, "SecretAgent", "203.0.113.77", session, "49.61"):
        assert secret not in running.output


async def test_a_failing_store_answers_with_the_emergency_numbers(web, monkeypatch) -> None:
    client, channel = web
    await post(client, kind="start", payload="en")

    async def broken(user_id: int) -> None:
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(channel.conversation.store, "load", broken)
    status, reply = await post(client, kind="tap", data="1|who|2|c|me")
    assert status == 503 and reply["step"] == "emergency"
    assert {"kind": "tel", "target": "112", "text": "112"} in links(reply)


def test_a_port_in_use_stops_the_web_chat_with_one_line(tmp_path) -> None:
    import socket
    import subprocess
    import sys

    from tests.web_server import ROOT

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        environ = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "BOT_"))}
        environ.update(BOT_DATA_DIR=str(tmp_path), BOT_WEB_PORT=str(port))
        done = subprocess.run(
            [sys.executable, "-m", "bot", "web"],
            cwd=ROOT,
            env=environ,
            capture_output=True,
            text=True,
            timeout=30,
        )
    assert done.returncode == 2
    assert f"cannot listen on 127.0.0.1 port {port}" in done.stderr
    assert "Traceback" not in done.stderr


# --- settings -------------------------------------------------------------------------------


def test_web_settings_defaults_and_errors() -> None:
    settings = load_settings({}, need_token=False)
    assert (settings.web_listen, settings.web_port) == ("127.0.0.1", 8080)
    settings = load_settings(
        {"BOT_WEB_LISTEN": "0.0.0.0", "BOT_WEB_PORT": "9000"}, need_token=False
    )
    assert (settings.web_listen, settings.web_port) == ("0.0.0.0", 9000)
    with pytest.raises(SettingsError, match="BOT_WEB_PORT"):
        load_settings({"BOT_WEB_PORT": "99999"}, need_token=False)


@pytest.mark.parametrize("code", ["en", "de", "ar", "fa", "ti"])
@pytest.mark.parametrize("km", [1.2, 2.0, 3.3, 11.0, 25.0])
def test_the_map_link_is_the_address_without_the_distance_in_every_language(code, km) -> None:
    """The distance is a plural message in the locale's digits (Arabic's one and two forms
    say no number): the map search must get the bare address whatever form was used."""
    from bot.catalog.model import Location
    from bot.flows.cards import _office

    tr = Translators()[code]
    location = Location(address=["2 Main Street"], postal_code="L-4001", city="Esch-sur-Alzette")
    line = line_json(_office(tr, location, km), tr)
    assert line["link"]["kind"] == "map"
    assert line["link"]["target"] == "2 Main Street, L-4001 Esch-sur-Alzette"


async def test_the_web_chat_picks_up_a_good_catalogue_and_keeps_serving_on_a_bad_one(
    tmp_path,
) -> None:
    import asyncio

    from bot.channels.web import serve_web
    from tests.test_admin_reload import write
    from tests.test_process import free_port

    catalog = tmp_path / "catalog.yaml"
    catalog.write_text(CATALOG, encoding="utf-8")
    settings = Settings(data_dir=tmp_path, catalog_file=catalog, catalog_check_seconds=1)
    runtime = await open_runtime(settings, today=lambda: TODAY)
    port, stop = free_port(), asyncio.Event()
    server = asyncio.create_task(serve_web(runtime, "127.0.0.1", port, stop))

    async def info_desk(client: ClientSession) -> str:
        """The results for legal and admin information, as a new visitor (own rate limit)."""
        session = os.urandom(16).hex()
        _, reply = await post(client, session, kind="start", payload="en-legal_admin")
        for value in ("me", "22-27", "asylum_applicant"):
            _, reply = await post(client, session, kind="tap", data=button(reply, value))
        return text_of(reply)

    try:
        async with ClientSession(base_url=f"http://127.0.0.1:{port}") as client:
            for _ in range(100):
                with contextlib.suppress(OSError):
                    assert "Information desk" in await info_desk(client)
                    break
                await asyncio.sleep(0.05)
            write(catalog, CATALOG.replace("    needs:\n", "    needz:\n", 1).replace(
                "needs: [legal_admin]", "needz: [legal_admin]"))  # fmt: skip
            await asyncio.sleep(2.5)
            assert "Information desk" in await info_desk(client)  # the old catalogue
            write(catalog, CATALOG.replace("en: Information desk", "en: Renamed desk"))
            for _ in range(30):
                if "Renamed desk" in await info_desk(client):
                    break
                await asyncio.sleep(0.2)
            assert "Renamed desk" in await info_desk(client)
    finally:
        stop.set()
        await asyncio.wait_for(server, timeout=10)
        await runtime.close()


async def test_the_place_step_speaks_of_the_page_button_not_telegrams_paperclip(web) -> None:
    client, _ = web
    reply = await answer_profile(client, "en-children_family")
    assert reply["step"] == "place"
    assert "📎" not in text_of(reply) and "📍" in text_of(reply)
