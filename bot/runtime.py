"""Builds what every channel shares: store, catalogue, translators, the conversation."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from bot.catalog.holder import CatalogHolder
from bot.catalog.places import find_place, nearest_place
from bot.conversation import Conversation
from bot.flows.context import Context
from bot.i18n import Translators
from bot.settings import Settings
from bot.store import SQLiteStore, Store, StoreError

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    """The parts of a running bot; made by `open_runtime`, closed by `close`."""

    settings: Settings
    store: Store
    catalog: CatalogHolder
    translators: Translators
    conversation: Conversation
    today: Callable[[], date]

    def context(self) -> Context:
        return Context(
            index=self.catalog.index,
            translators=self.translators,
            today=self.today(),
            find_place=find_place,
            nearest_place=nearest_place,
            retention_days=self.settings.retention_days,
        )

    async def close(self) -> None:
        await self.store.close()


async def open_runtime(
    settings: Settings,
    *,
    today: Callable[[], date] = date.today,
    database: Path | str | None = None,
) -> Runtime:
    store = await SQLiteStore.open(database or settings.database)
    catalog = CatalogHolder.from_file(settings.catalog_file)
    translators = Translators()
    runtime = Runtime(settings, store, catalog, translators, None, today)  # type: ignore[arg-type]
    runtime.conversation = Conversation(store, runtime.context)
    try:
        await store.purge(settings.retention_days)
    except StoreError as error:  # a full disk or a lock at start: the daily purge tries again
        log.warning("retention purge at start failed (%s)", type(error).__name__)
    return runtime
