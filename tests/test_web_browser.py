"""The web chat in a real browser: Debian's headless Chromium driven by selenium.

`python -m bot web` runs as a process with the bundled catalogue plus one hostile entry;
each test opens a fresh browser profile at 360 × 740 (a phone). Journeys in English and in
Arabic, the emergency screen, a reload, /forget, hostile text, keyboard use, tap targets,
contrast, and the first screen's transfer size. Screenshots in English, Arabic and
Tigrinya are saved in the test's temporary folder (and in $WEB_SHOTS_DIR when set).
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.test_web import HOSTILE_ENTRY, HOSTILE_NAME
from tests.web_server import ROOT, WebServer

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")


def _browser_missing() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[test]')"
    if not CHROMIUM or not CHROMEDRIVER:
        return "Chromium is not installed (apt-get install chromium chromium-driver)"
    return None


BROWSER_MISSING = _browser_missing()
# In CI (CI=true, Chromium installed by .ci/run) they never skip: a missing browser fails there.
pytestmark = pytest.mark.skipif(
    BROWSER_MISSING is not None and not os.environ.get("CI"),
    reason=f"the browser tests need Debian's Chromium: {BROWSER_MISSING}",
)

WIDTH, HEIGHT = 360, 740
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebServer]:
    folder = tmp_path_factory.mktemp("web")
    catalog = folder / "catalog.yaml"
    bundled = (ROOT / "bot" / "catalog" / "data" / "catalog.yaml").read_text(encoding="utf-8")
    before, comment, after = bundled.partition("\n# ====")  # the entries end at the comments
    catalog.write_text(before + "\n" + HOSTILE_ENTRY + comment + after, encoding="utf-8")
    with WebServer(folder, BOT_CATALOG_FILE=str(catalog), BOT_LOG_LEVEL="DEBUG") as running:
        yield running


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[object]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM  # type: ignore[assignment]
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path / 'profile'}")
    options.add_argument(f"--window-size={WIDTH},{HEIGHT}")
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": WIDTH, "height": HEIGHT, "deviceScaleFactor": 1, "mobile": True},
    )
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


# --- helpers -----------------------------------------------------------------------------


def wait(driver, condition: str, timeout: float = 10.0) -> object:  # type: ignore[no-untyped-def]
    """Wait until the JavaScript expression `condition` is truthy; return its value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = driver.execute_script(f"return {condition};")
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {condition}")


def settled(driver) -> None:  # type: ignore[no-untyped-def]
    wait(
        driver,
        "document.querySelector('.choices') && "
        "document.getElementById('log').getAttribute('aria-busy') === 'false'",
    )


def open_page(driver, server: WebServer, query: str = "") -> None:  # type: ignore[no-untyped-def]
    driver.get(server.url + "/" + query)
    settled(driver)


def step(driver) -> str:  # type: ignore[no-untyped-def]
    """The step of the buttons on screen (from their data)."""
    data = driver.execute_script(
        "var b = document.querySelector('.choices [data-choice]');"
        "return b ? b.getAttribute('data-choice') : '';"
    )
    return data.split("|")[1] if data else ""


def choose(driver, value: str, action: str = "c") -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By

    before = driver.execute_script("return document.querySelectorAll('.bubble').length;")
    buttons = driver.find_elements(By.CSS_SELECTOR, f".choices [data-choice$='|{action}|{value}']")
    assert buttons, f"no button {action}|{value}"
    buttons[0].click()
    wait(
        driver,
        f"document.querySelectorAll('.bubble.bot').length > 0 && "
        f"document.querySelectorAll('.bubble').length > {before + 1}",
    )
    settled(driver)


def log_text(driver) -> str:  # type: ignore[no-untyped-def]
    return driver.execute_script("return document.getElementById('log').innerText;")


def shot(driver, tmp_path: Path, name: str) -> Path:  # type: ignore[no-untyped-def]
    path = tmp_path / f"{name}.png"
    driver.save_screenshot(str(path))
    extra = os.environ.get("WEB_SHOTS_DIR")
    if extra:
        Path(extra).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(extra) / path.name)
    return path


def rows(server: WebServer) -> list[tuple]:
    with sqlite3.connect(server.database) as db:
        return db.execute("SELECT user_id, data FROM sessions").fetchall()


def to_results(driver, status: str = "asylum_applicant") -> None:  # type: ignore[no-untyped-def]
    for value in ("me", "22-27", status):
        choose(driver, value)
    if step(driver) == "need":
        choose(driver, "mental_health")
    assert step(driver) == "results"


def tel_links(driver) -> list[str]:  # type: ignore[no-untyped-def]
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('#log a[href^=\"tel:\"]'))"
        ".map(function (a) { return a.getAttribute('href'); });"
    )


# --- journeys ------------------------------------------------------------------------------


def test_a_journey_in_english_with_phone_links_and_the_emergency_screen(
    browser, server, tmp_path
) -> None:
    open_page(browser, server)
    assert browser.execute_script("return document.documentElement.lang") == "en"
    shot(browser, tmp_path, "en-1-language")
    choose(browser, "en")
    to_results(browser)
    assert re.search(r"Mental health: \d+ services found", log_text(browser))
    assert any(href.startswith("tel:+352") for href in tel_links(browser))
    shot(browser, tmp_path, "en-2-results")
    browser.find_element("id", "sos").click()
    wait(browser, "document.querySelectorAll('#log a[href=\"tel:112\"]').length > 0")
    settled(browser)
    assert step(browser) == "emergency"
    shot(browser, tmp_path, "en-3-emergency")


def test_a_journey_in_arabic_right_to_left(browser, server, tmp_path) -> None:
    open_page(browser, server, "?start=ar-mental_health")
    root = browser.execute_script(
        "return [document.documentElement.lang, document.documentElement.dir,"
        " getComputedStyle(document.getElementById('log')).direction, location.search]"
    )
    assert root == ["ar", "rtl", "rtl", ""]  # the link is dropped: a reload does not restart
    shot(browser, tmp_path, "ar-1-who")
    to_results(browser)
    links = tel_links(browser)
    assert links and all(href[4:].lstrip("+").isdigit() for href in links)
    shot(browser, tmp_path, "ar-2-results")
    browser.find_element("id", "sos").click()
    wait(browser, "document.querySelectorAll('#log a[href=\"tel:113\"]').length > 0")
    settled(browser)
    assert browser.execute_script("return document.getElementById('sos-label').textContent") == (
        "الطوارئ"
    )
    shot(browser, tmp_path, "ar-3-emergency")


def test_tigrinya_screens(browser, server, tmp_path) -> None:
    open_page(browser, server, "?start=ti")
    assert browser.execute_script("return document.documentElement.lang") == "ti"
    shot(browser, tmp_path, "ti-1-who")
    to_results(browser, status="international_protection")
    shot(browser, tmp_path, "ti-2-results")


def test_a_reload_keeps_the_conversation(browser, server) -> None:
    open_page(browser, server, "?start=fr")
    choose(browser, "me")
    assert step(browser) == "age"
    session = browser.execute_script("return localStorage.getItem('triage-session')")
    browser.refresh()
    settled(browser)
    assert step(browser) == "age"
    assert browser.execute_script("return document.documentElement.lang") == "fr"
    assert browser.execute_script("return localStorage.getItem('triage-session')") == session
    choose(browser, "22-27")  # the buttons shown after the reload work
    assert step(browser) == "status"
    cookies = browser.get_cookies()
    assert cookies == []


def test_the_delete_control_leaves_no_row(browser, server) -> None:
    open_page(browser, server, "?start=en")
    choose(browser, "me")
    session = browser.execute_script("return localStorage.getItem('triage-session')")
    from bot.channels.web import web_user_id

    assert web_user_id(session) in {user for user, _ in rows(server)}
    browser.find_element("id", "forget").click()
    wait(browser, "document.getElementById('log').innerText.indexOf('deleted') >= 0")
    settled(browser)
    assert web_user_id(session) not in {user for user, _ in rows(server)}
    assert browser.execute_script("return localStorage.getItem('triage-session')") is None
    assert browser.execute_script("return document.querySelectorAll('.bubble').length") == 1
    browser.refresh()  # a new visitor on the same tablet starts afresh
    settled(browser)
    assert step(browser) == "language"


def test_hostile_text_is_shown_as_text(browser, server) -> None:
    open_page(browser, server, "?start=en-work")
    typed = '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script>'
    field = browser.find_element("id", "text")
    field.send_keys(typed)
    field.submit()
    wait(browser, "document.querySelectorAll('.bubble.me').length > 0")
    settled(browser)
    mine = browser.execute_script(
        "var b = document.querySelectorAll('.bubble.me'); return b[b.length - 1].textContent;"
    )
    assert mine == typed
    to_results(browser)
    assert HOSTILE_NAME in log_text(browser)  # the catalogue's hostile name, as text
    found = browser.execute_script(
        "return [window.pwned, document.querySelectorAll('#log img, #log script, #log svg,"
        ' #log a[href^="javascript"]\').length]'
    )
    assert found == [None, 0]


# --- usability -------------------------------------------------------------------------------


def test_the_conversation_works_with_the_keyboard_only(browser, server) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    open_page(browser, server, "?start=en")
    target = None
    for _ in range(12):
        ActionChains(browser).send_keys(Keys.TAB).perform()
        target = browser.execute_script(
            "return document.activeElement.getAttribute('data-choice') || ''"
        )
        if target.endswith("|c|me"):
            break
    assert target and target.endswith("|c|me")
    ActionChains(browser).send_keys(Keys.ENTER).perform()
    wait(browser, "document.querySelector('.choices [data-choice*=\"|age|\"]')")
    settled(browser)
    focused = browser.execute_script(
        "return document.activeElement.getAttribute('data-choice') || ''"
    )
    assert "|age|" in focused  # the new options have the focus: no need to tab from the top
    # and typing: the text box takes an answer with Enter
    field = browser.find_element("id", "text")
    field.send_keys("25", Keys.ENTER)
    wait(browser, "document.querySelector('.choices [data-choice*=\"|status|\"]')")


def test_tap_targets_are_at_least_44_px_and_nothing_overflows(browser, server) -> None:
    open_page(browser, server, "?start=ar")
    sizes = browser.execute_script(
        "return Array.from(document.querySelectorAll('button, input')).map(function (e) {"
        " var r = e.getBoundingClientRect(); return [e.id || e.className, r.width, r.height]; })"
    )
    small = [item for item in sizes if item[1] < 44 or item[2] < 44]
    assert not small, small
    width = browser.execute_script("return document.documentElement.scrollWidth")
    assert width <= WIDTH
    visible = browser.execute_script(
        "var r = document.getElementById('sos').getBoundingClientRect();"
        "return r.top >= 0 && r.bottom <= window.innerHeight;"
    )
    assert visible


CONTRAST_SCRIPT = """
function rgb(text) { return text.match(/[\\d.]+/g).map(Number); }
function background(node) {
  for (; node; node = node.parentElement) {
    var c = rgb(getComputedStyle(node).backgroundColor);
    if (c.length < 4 || c[3] > 0) return c;
  }
  return [255, 255, 255];
}
return Array.from(document.querySelectorAll(arguments[0])).map(function (e) {
  return [e.id || e.className, rgb(getComputedStyle(e).color), background(e)];
});
"""


def _luminance(colour: list[float]) -> float:
    def channel(value: float) -> float:
        value /= 255
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (channel(v) for v in colour[:3])
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def test_text_contrast_meets_wcag_aa(browser, server) -> None:
    open_page(browser, server, "?start=en-mental_health")
    to_results(browser)
    selector = ".line, .contact, .choice, .sos, .send, .tool, #title, #text"
    checked = browser.execute_script(CONTRAST_SCRIPT, selector)
    assert len(checked) > 20
    for name, colour, back in checked:
        light, dark = sorted((_luminance(colour), _luminance(back)), reverse=True)
        ratio = (light + 0.05) / (dark + 0.05)
        assert ratio >= 4.5, (name, colour, back, round(ratio, 2))


def test_the_first_screen_is_small_and_asks_no_other_site(browser, server) -> None:
    open_page(browser, server)
    entries = browser.execute_script(
        "return performance.getEntriesByType('navigation').concat("
        "performance.getEntriesByType('resource')).map(function (e) {"
        " return [e.name, e.transferSize]; })"
    )
    assert {name.split("?")[0] for name, _ in entries} >= {
        server.url + "/",
        server.url + "/app.js",
        server.url + "/app.css",
        server.url + "/api/message",
    }
    assert all(name.startswith(server.url) for name, _ in entries), entries
    total = sum(size for _, size in entries)
    print(f"first screen: {total} bytes over {len(entries)} requests")
    assert 0 < total < 60_000


def test_the_location_is_asked_only_on_the_button_and_only_the_town_is_kept(
    browser, server
) -> None:
    # Count the page's calls for the position; the browser is somewhere in Esch-sur-Alzette.
    browser.execute_cdp_cmd(
        "Page.addScriptToEvaluateOnNewDocument",
        {
            "source": "window.positionAsked = 0; var real = navigator.geolocation"
            ".getCurrentPosition.bind(navigator.geolocation);"
            "navigator.geolocation.getCurrentPosition = function (a, b, c) {"
            " window.positionAsked += 1; return real(a, b, c); };"
        },
    )
    browser.execute_cdp_cmd(
        "Browser.grantPermissions", {"origin": server.url, "permissions": ["geolocation"]}
    )
    browser.execute_cdp_cmd(
        "Emulation.setGeolocationOverride",
        {"latitude": 49.49581234, "longitude": 5.98061234, "accuracy": 10},
    )
    open_page(browser, server, "?start=en-children_family")
    for value in ("me", "22-27", "asylum_applicant"):
        choose(browser, value)
        assert browser.execute_script("return window.positionAsked") == 0
    assert step(browser) == "place"
    session = browser.execute_script("return localStorage.getItem('triage-session')")
    browser.find_element("css selector", ".choices .locate").click()  # 📍 Use my location
    wait(browser, "document.querySelector('.choices [data-choice*=\"|results|\"]')")
    settled(browser)
    assert browser.execute_script("return window.positionAsked") == 1
    from bot.channels.web import web_user_id

    [data] = [data for user, data in rows(server) if user == web_user_id(session)]
    assert "Esch-sur-Alzette" in data and "49.49" not in data and "5.98" not in data
