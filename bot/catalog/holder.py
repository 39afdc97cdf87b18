"""The catalogue currently served, swapped atomically only for a file that fully validates."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

from bot.catalog.loader import CatalogError, bundled_catalog_path, load_catalog
from bot.catalog.query import CatalogIndex

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReloadResult:
    """What a reload did: changed or not, and the problems of a rejected file."""

    changed: bool
    problems: tuple[str, ...] = ()


class CatalogHolder:
    """Holds one `CatalogIndex`; readers take `.index` once per update and keep using it."""

    def __init__(self, path: Path, index: CatalogIndex) -> None:
        self.path = path
        self.index = index
        self._signature = self._stat()

    @classmethod
    def from_file(cls, path: Path | None = None) -> CatalogHolder:
        """Load the file (the bundled catalogue by default); raises `CatalogError` if invalid."""
        path = Path(path) if path else bundled_catalog_path()
        return cls(path, CatalogIndex(load_catalog(path)))

    def _stat(self) -> tuple[int, int] | None:
        try:
            stat = os.stat(self.path)
        except OSError:
            return None
        return stat.st_mtime_ns, stat.st_size

    def changed_on_disk(self) -> bool:
        return self._stat() != self._signature

    def reload(self, force: bool = False) -> ReloadResult:
        """Load the file again; keep serving the old catalogue if anything goes wrong.

        Never raises: a file with problems, an unreadable file, and any failure while
        reading it or building its index (even MemoryError or RecursionError) leave the old
        catalogue in place and come back as problems. The file's signature is noted first,
        so a file that fails is reported once, not at every check.
        """
        signature = self._stat()
        if not force and signature == self._signature:
            return ReloadResult(changed=False)
        self._signature = signature
        try:
            index = CatalogIndex(load_catalog(self.path))
        except CatalogError as error:
            return ReloadResult(False, tuple(str(problem) for problem in error.problems))
        except OSError as error:
            return ReloadResult(False, (f"{self.path}: cannot read the file ({error.strerror})",))
        except Exception as error:  # MemoryError and RecursionError are Exceptions too
            log.error("catalogue reload failed: %s", type(error).__name__, exc_info=True)
            return ReloadResult(
                False,
                (
                    f"{self.path}: the bot could not load this file "
                    f"({type(error).__name__}) — run: python -m bot catalog check",
                ),
            )
        self.index = index
        return ReloadResult(changed=True)
