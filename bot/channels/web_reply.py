"""Reply -> the JSON the web page renders: lines of plain text, typed contacts, buttons.

Nothing here is HTML: the page puts every string into a text node. Phone, e-mail, address
and web lines carry a typed `link` (kind and target) from which the page builds a `tel:`,
`mailto:`, map-search or https link; a target that does not look like its kind is dropped,
so catalogue text can never become a `javascript:` link.
"""

from __future__ import annotations

import re
from typing import Any

from bot.channels.callback import CallbackPayload
from bot.flows.model import Bold, Reply, StepName
from bot.i18n import FSI, N_, PDI, Translator

# The page's own words (the rest comes from the flow's replies).
UI_TEXTS = {
    "title": N_("Find help in Luxembourg, in your language."),
    "emergency": N_("Emergency"),
    "language": N_("Change the language"),
    "privacy": N_("What I keep about you"),
    "forget": N_("Delete what I keep about you"),
    "begin": N_("Begin"),
    "placeholder": N_("Write here"),
    "send": N_("Send"),
    "location": N_("Use my location"),
    "location_failed": N_("I could not get your location. Tap your region or type your town."),
    "busy": N_("Too many messages at once. Please wait a moment and try again."),
    "offline": N_("I could not reach the server. Please check your connection and try again."),
}

# Steps where the flow reads a shared location (engine._location).
LOCATION_STEPS = (StepName.PLACE, StepName.RESULTS)

_PHONE = re.compile(FSI + r"?(\+?\d[\d ]*\d|\d)" + PDI + "?$")
_EMAIL = re.compile(r"^[^\s@<>\"'()\\,;:]{1,64}@[A-Za-z0-9.-]{1,190}\.[A-Za-z]{2,24}$")
_URL = re.compile(r"^https?://[^\s<>\"'\\]{1,2000}$")


def _plain(text: str) -> str:
    return text.replace(FSI, "").replace(PDI, "")


_DISTANCES: dict[str, tuple[str, ...]] = {}
FARTHEST_KM = 400  # farther than any two places in Luxembourg


def _distance_suffixes(tr: Translator) -> tuple[str, ...]:
    """Every translated ' (about N km)' an office line can end with, longest first. Built
    from the same plural message the cards use, so the locale's digits and forms match."""
    if tr.code not in _DISTANCES:
        forms = {
            " " + _plain(tr.plural("(about {n} km)", "(about {n} km)", km))
            for km in range(1, FARTHEST_KM + 1)
        }
        _DISTANCES[tr.code] = tuple(sorted(forms, key=len, reverse=True))
    return _DISTANCES[tr.code]


def _without_distance(office: str, tr: Translator) -> str:
    for suffix in _distance_suffixes(tr):
        if office.endswith(suffix):
            return office[: -len(suffix)]
    return office


def _link(line: str, tr: Translator) -> tuple[str, dict[str, str]] | None:
    """(the text before the link, the link) when the line is a contact, else None.

    Shown texts keep their direction isolates; targets are plain."""
    plain = _plain(line)
    if plain.startswith("📞 "):
        number = _PHONE.search(line)
        if number is None:
            return None
        digits = re.sub(r"[^\d+]", "", number.group(1))
        return line[: number.start()], {"kind": "tel", "target": digits, "text": number.group(1)}
    for prefix, kind, pattern in (("✉️ ", "mailto", _EMAIL), ("🌐 ", "web", _URL)):
        if plain.startswith(prefix):
            target = plain.removeprefix(prefix).strip()
            if not pattern.match(target):
                return None
            return prefix, {"kind": kind, "target": target, "text": line.removeprefix(prefix)}
    if plain.startswith("📍 "):
        office = _without_distance(plain.removeprefix("📍 "), tr)
        address = office.rsplit(": ", 1)[-1].strip()
        if not address:
            return None
        return "📍 ", {"kind": "map", "target": address[:300], "text": line.removeprefix("📍 ")}
    return None


def line_json(line: str, tr: Translator) -> dict[str, Any]:
    """One line: its text, whether it is a title, and a contact link when it is one."""
    out: dict[str, Any] = {"text": line}
    if isinstance(line, Bold):
        out["bold"] = True
        return out
    found = _link(line, tr)
    if found is not None:
        before, link = found
        out = {"text": before, "link": link}
    return out


def reply_json(reply: Reply, tr: Translator) -> dict[str, Any]:
    """The whole reply, as the page's `render` reads it."""
    buttons = [
        [
            {
                "label": button.label,
                "data": CallbackPayload(
                    step=reply.step, screen=reply.screen, action=button.action, value=button.value
                ).pack(),
            }
            for button in row
        ]
        for row in reply.buttons
    ]
    return {
        "lang": tr.code,
        "dir": "rtl" if tr.rtl else "ltr",
        "step": None if reply.forget else str(reply.step),
        "messages": [
            {"lines": [line_json(line, tr) for line in message.lines]} for message in reply.messages
        ],
        "buttons": buttons,
        "venues": [
            {"title": v.title, "lat": round(v.latitude, 6), "lon": round(v.longitude, 6)}
            for v in reply.venues
        ],
        "location": not reply.forget and reply.step in LOCATION_STEPS,
        "forget": reply.forget,
        "ui": {key: tr(text) for key, text in UI_TEXTS.items()},
    }
