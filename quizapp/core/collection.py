"""The learner's collection: settings, database and content, opened together."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from quizapp import locations
from quizapp.config import Settings, load_settings, write_default_config
from quizapp.core.db import open_db
from quizapp.core.sync import SyncReport, sync_content

if TYPE_CHECKING:
    from sqlite_utils import Database


@dataclass
class Collection:
    home: Path
    settings: Settings
    db: Database
    content_dirs: list[Path]
    sync: SyncReport

    @classmethod
    def open(cls, home: Path, extra_content: list[Path] | None = None, *, builtin: bool = True) -> Collection:
        """Open the collection in `home`, creating it on first use, and sync the deck files."""
        home.mkdir(parents=True, exist_ok=True)
        write_default_config(locations.config_path(home))
        settings = load_settings(locations.config_path(home))
        # Resolved, so that the same folder named two ways is still the same files to the sync.
        extra = [Path(folder).resolve() for folder in extra_content or []]
        content_dirs = ([locations.builtin_content_dir()] if builtin else []) + extra
        db = open_db(locations.db_path(home))
        report = sync_content(db, [d for d in content_dirs if d.exists()])
        return cls(home, settings, db, content_dirs, report)

    def close(self) -> None:
        self.db.close()
