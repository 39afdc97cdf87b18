"""Button payloads: compact, versioned, parsed and validated here and nowhere else.

Format: ``1|<step>|<screen>|<action>|<value>``, always under Telegram's 64-byte limit.
Clients can send anything as callback data, so `unpack` never raises: it returns None.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.flows.model import Action, StepName

VERSION = "1"
MAX_BYTES = 64


class CallbackPayload(BaseModel):
    """What a button carries: where it was shown and what it does."""

    model_config = ConfigDict(frozen=True)

    version: Literal["1"] = VERSION
    step: StepName
    screen: int = Field(ge=0, le=10**9)
    action: Action
    value: str = Field(default="", max_length=32, pattern=r"^[A-Za-z0-9_.\-]*$")

    def pack(self) -> str:
        data = "|".join((self.version, self.step, str(self.screen), self.action, self.value))
        if len(data.encode()) > MAX_BYTES:
            raise ValueError(f"callback data over {MAX_BYTES} bytes: {data!r}")
        return data

    @classmethod
    def unpack(cls, data: object) -> CallbackPayload | None:
        """The payload, or None for anything forged, truncated or from another version."""
        if not isinstance(data, str) or len(data.encode("utf-8", "replace")) > MAX_BYTES:
            return None
        parts = data.split("|")
        if len(parts) != 5 or parts[0] != VERSION or not parts[2].isascii():
            return None
        version, step, screen, action, value = parts
        if not screen.isdigit():
            return None
        try:
            return cls(version=version, step=step, screen=int(screen), action=action, value=value)
        except ValidationError:
            return None
