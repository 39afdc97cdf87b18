"""Builds what every channel shares: store, catalogue, translators, the conversation."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from bot.catalog.holder import CatalogHolder
from bot.catalog.places import find_place, nearest_place
from bot.catalog.problems import CatalogError
from bot.conversation import Conversation
from bot.flows.context import Context
from bot.health import Activity
from bot.i18n import Translators
from bot.settings import Settings
from bot.store import SQLiteStore, Store, StoreError

log = logging.getLogger(__name__)

PROBE = ".write-test"  # created and removed once at start to see that the folder is writable


@dataclass
class Runtime:
    """The parts of a running bot; made by `open_runtime`, closed by `close`."""

    settings: Settings
    store: Store
    catalog: CatalogHolder
    translators: Translators
    conversation: Conversation
    today: Callable[[], date]
    activity: Activity = field(default_factory=Activity)

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


class StartupError(Exception):
    """A setting or file the bot cannot start with; the message says what to do."""


async def open_runtime(
    settings: Settings,
    *,
    today: Callable[[], date] = date.today,
    database: Path | str | None = None,
) -> Runtime:
    """Everything the channels need. A problem with the catalogue file, the data folder or
    the database is a `StartupError` (nothing is left open), never a hang or a traceback."""
    catalog = _open_catalog(settings.catalog_file)
    path = Path(database) if database is not None else settings.database
    if str(path) != ":memory:":
        _check_data_folder(path.parent)
    try:
        store = await SQLiteStore.open(path)
    except sqlite3.DatabaseError as error:
        raise StartupError(_database_problem(path, error)) from None
    except OSError as error:
        raise StartupError(
            f"the database {path} cannot be opened ({error.strerror or error}); check "
            "BOT_DATA_DIR and its permissions"
        ) from None
    translators = Translators()
    runtime = Runtime(settings, store, catalog, translators, None, today)  # type: ignore[arg-type]
    runtime.conversation = Conversation(store, runtime.context)
    try:
        await store.purge(settings.retention_days)
    except StoreError as error:  # a full disk or a lock at start: the daily purge tries again
        log.warning("retention purge at start failed (%s)", type(error).__name__)
    return runtime


def _open_catalog(path: Path | None) -> CatalogHolder:
    try:
        return CatalogHolder.from_file(path)
    except CatalogError as error:
        first = error.problems[0] if error.problems else "it has problems"
        count = getattr(error, "total", len(error.problems))
        more = f" (and {count - 1} more)" if count > 1 else ""
        command = f"python -m bot catalog check {path}" if path else "python -m bot catalog check"
        raise StartupError(
            f"the catalogue file cannot be used: {first}{more}. Run '{command}' to see every "
            "problem, or set BOT_CATALOG_FILE to a valid file"
        ) from None


def _check_data_folder(folder: Path) -> None:
    """The data folder exists (or can be made) and the bot can write in it."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / PROBE
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise StartupError(
            f"the data folder {folder} cannot be used ({reason}); set BOT_DATA_DIR to a "
            "folder the bot can create and write to"
        ) from None


def _database_problem(path: Path, error: sqlite3.DatabaseError) -> str:
    text = str(error).lower()
    if "locked" in text or "busy" in text:
        return (
            f"the database {path} is locked by another process: is another bot running on "
            "this BOT_DATA_DIR? Stop it, or give this one its own folder"
        )
    if "not a database" in text or "malformed" in text or "encrypted" in text:
        return (
            f"{path} is not a SQLite database (or is damaged): move it away to start with an "
            "empty one, or restore a backup"
        )
    return f"the database {path} cannot be opened ({error}); check BOT_DATA_DIR"
