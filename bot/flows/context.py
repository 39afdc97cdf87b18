"""What a flow step may read besides the session: the catalogue, translators, the clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from bot.catalog.places import Place
from bot.catalog.query import CatalogIndex
from bot.i18n import Translators
from bot.understand import Lexicon, default_lexicon


@dataclass(frozen=True)
class Context:
    """Read-only inputs of `step`. `today` is passed in so tests can move the clock."""

    index: CatalogIndex
    translators: Translators
    today: date
    find_place: Callable[[str], Place | None]
    nearest_place: Callable[[float, float], Place | None]
    retention_days: int = 30
    page_size: int = 3
    lexicon: Lexicon = field(default_factory=default_lexicon)  # words typed text is read with
    channel: str = "telegram"  # "web": the privacy notice speaks of the browser, not Telegram
