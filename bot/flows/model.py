"""The conversation's data: what we keep per user, what comes in, what goes out.

Nothing here knows Telegram or the terminal; channels turn these into messages and keyboards.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class StepName(StrEnum):
    """The conversation's steps. Stored in the database: never rename a value."""

    LANGUAGE = "language"
    WHO = "who"
    AGE = "age"
    STATUS = "status"
    NEED = "need"
    PLACE = "place"
    RESULTS = "results"
    EMERGENCY = "emergency"


class Answers(BaseModel):
    """The person's answers: option ids and numbers, never free text."""

    model_config = ConfigDict(extra="ignore")

    who: str | None = None
    age_min: int | None = None
    age_max: int | None = None
    status: str | None = None
    need: str | None = None
    place: str | None = None


class Session(BaseModel):
    """Everything the flow needs to continue a conversation; stored at every step."""

    model_config = ConfigDict(extra="ignore")

    language: str | None = None
    step: StepName = StepName.LANGUAGE
    answers: Answers = Field(default_factory=Answers)
    history: list[StepName] = Field(default_factory=list)
    page: int = 0
    screen: int = 0
    preset_need: str | None = None
    last_update: int = 0


class InputKind(StrEnum):
    START = "start"
    CHOICE = "choice"
    TEXT = "text"
    LOCATION = "location"
    COMMAND = "command"
    OTHER = "other"


class Action(StrEnum):
    """What a button does. Stored in callback data: keep values short and stable."""

    CHOOSE = "c"
    BACK = "b"
    RESTART = "r"
    EMERGENCY = "e"
    MORE = "m"
    AGAIN = "a"
    MAP = "p"


@dataclass(frozen=True)
class Input:
    """One thing the person did: a tap, a typed text, a shared location, a command."""

    kind: InputKind
    action: Action | None = None
    value: str = ""
    text: str = ""
    latitude: float | None = None
    longitude: float | None = None
    screen: int | None = None
    step: StepName | None = None

    @classmethod
    def start(cls, payload: str = "") -> Input:
        return cls(InputKind.START, value=payload)

    @classmethod
    def tap(cls, action: Action, value: str = "", **kwargs: object) -> Input:
        return cls(InputKind.CHOICE, action=action, value=value, **kwargs)  # type: ignore[arg-type]

    @classmethod
    def typed(cls, text: str) -> Input:
        return cls(InputKind.TEXT, text=text)

    @classmethod
    def command(cls, name: str) -> Input:
        return cls(InputKind.COMMAND, value=name)

    @classmethod
    def location(cls, latitude: float, longitude: float) -> Input:
        return cls(InputKind.LOCATION, latitude=latitude, longitude=longitude)


@dataclass(frozen=True)
class Button:
    label: str
    action: Action
    value: str = ""


@dataclass(frozen=True)
class Venue:
    """An office to send as a map pin."""

    latitude: float
    longitude: float
    title: str
    address: str


class Bold(str):
    """A line the channel shows in bold (a title)."""


@dataclass(frozen=True)
class Message:
    """One message as plain-text lines; `Bold` lines are titles. Channels escape the text."""

    lines: tuple[str, ...]

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


@dataclass(frozen=True)
class Reply:
    """What the bot answers: messages, the buttons under the last one, side effects."""

    messages: tuple[Message, ...]
    buttons: tuple[tuple[Button, ...], ...] = ()
    step: StepName = StepName.LANGUAGE
    screen: int = 0
    rtl: bool = False
    venues: tuple[Venue, ...] = ()
    forget: bool = False
    new_message: bool = False
    events: tuple[str, ...] = field(default=())
    language: str = "en"  # the language the reply is written in (a web page's `lang`)
