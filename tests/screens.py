"""Every screen of the conversation in one language, as a phone would get it.

`walk(code)` plays the whole conversation against the bundled catalogue: the language
picker, /privacy, /help, /language, "Me", "My child" and "Someone in my family" (each through the
status screen and every need, the place step and "More"), typed text that is not
understood, the emergency screen, a stale tap and /forget. Tests of wording, layout and
scripts read its screens.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from bot.catalog.loader import bundled_catalog_path
from bot.flows.model import Action, Input, InputKind, Reply, Session, StepName
from bot.flows.options import NEEDS
from tests.flow_helpers import Driver, make_context


@dataclass(frozen=True)
class Screen:
    """One reply: its name (how it was reached), text, and button labels row by row."""

    name: str
    step: StepName
    text: str
    rows: tuple[tuple[str, ...], ...]

    @property
    def labels(self) -> list[str]:
        return [label for row in self.rows for label in row]


def _screen(name: str, reply: Reply) -> Screen:
    return Screen(
        name=name,
        step=reply.step,
        text="\n".join(message.text for message in reply.messages),
        rows=tuple(tuple(button.label for button in row) for row in reply.buttons),
    )


@cache
def _context():  # type: ignore[no-untyped-def]
    return make_context(bundled_catalog_path().read_text(encoding="utf-8"))


@cache
def walk(code: str) -> tuple[Screen, ...]:
    """Every screen in language `code` (cached: the walk is deterministic)."""
    d = Driver(_context(), Session(language=code))  # as when Telegram tells the language
    screens: list[Screen] = []

    def snap(name: str) -> None:
        assert d.reply is not None
        screens.append(_screen(name, d.reply))

    d.start()
    snap("start")
    d.tap(code)
    snap("who")
    for command in ("privacy", "help"):
        d.send(Input.command(command))
        snap(f"/{command}")
    d.send(Input.command("language"))
    snap("/language")
    d.tap(code)
    profiles = (
        ("me", "30", "asylum_applicant"),
        ("child", "7", "unknown"),
        ("family", "70", "no_papers"),  # few services fit: the "nothing fits" screens
    )
    for who, age, status in profiles:
        d.start()
        if d.reply is not None and d.reply.step is StepName.LANGUAGE:
            d.tap(code)
        d.tap(who)
        snap(f"{who}: age")
        if who == "child":
            d.type("???")
            snap(f"{who}: age not understood")
        d.type(age)
        snap(f"{who}: status")
        d.tap(status)
        snap(f"{who}: need")
        d.type("zzqx")
        snap(f"{who}: need: typed text not understood")
        for option in NEEDS:
            d.tap(option.id)
            snap(f"{who}: {option.id}")
            if d.reply.step is StepName.PLACE:
                d.tap("Esch-sur-Alzette")
                snap(f"{who}: {option.id}: place")
            if any(action == Action.MORE.value for _, action, _ in d.buttons()):
                d.tap(action=Action.MORE)
                snap(f"{who}: {option.id}: more")
            d.tap(action=Action.AGAIN)
    d.tap(action=Action.EMERGENCY)
    snap("emergency")
    d.send(Input.tap(Action.CHOOSE, "x", screen=0, step=StepName.WHO))
    snap("stale tap")
    d.send(Input(InputKind.CHOICE))
    snap("empty tap")
    d.send(Input.command("forget"))
    snap("/forget")
    return tuple(screens)
