"""The learner's collection: settings, database and content, opened together."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from quizapp import locations
from quizapp.config import Settings, load_settings, write_default_config
from quizapp.core import backup
from quizapp.core.db import open_db
from quizapp.core.storage import StorageProblem, check_before_opening, describe, remember_closed
from quizapp.core.sync import SyncReport, sync_content

if TYPE_CHECKING:
    from quizapp.core.db import QuizDatabase
    from quizapp.exercises.catalog import Catalog
    from quizapp.exercises.progress import ExerciseProgress


@dataclass
class Collection:
    home: Path
    settings: Settings
    db: QuizDatabase
    content_dirs: list[Path]
    last_sync: SyncReport
    """What reading the deck files found at open or at the last `reload` (skipped files and why)."""
    _backing_up: threading.Thread | None = field(default=None, repr=False)

    @classmethod
    def open(
        cls,
        home: Path,
        extra_content: list[Path] | None = None,
        *,
        builtin: bool = True,
        on_long_wait: Callable[[], None] | None = None,
    ) -> Collection:
        """Open the collection in `home`, creating it on first use, and sync the deck files.

        Args:
            on_long_wait: called when a write has waited a second for another program's lock on
                the database (the CLI says so); the write goes on waiting up to the busy timeout.
        """
        home.mkdir(parents=True, exist_ok=True)
        write_default_config(locations.config_path(home))
        settings = load_settings(locations.config_path(home))
        content_dirs = content_folders(home, settings, extra_content or [], builtin=builtin)
        db_path = locations.db_path(home)
        check_before_opening(db_path, home)
        try:
            db = open_db(db_path, on_long_wait)
        except sqlite3.DatabaseError as error:  # not a database, or one SQLite cannot read
            raise StorageProblem(describe(error, db_path)) from None
        report = sync_content(db, [folder for folder in content_dirs if folder.exists()])
        collection = cls(home, settings, db, content_dirs, report)
        collection._back_up_if_due()
        return collection

    def __enter__(self) -> Collection:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def reload(self) -> SyncReport:
        """Read the deck files again (only the changed ones are parsed); exercises are read anew on next use."""
        self.last_sync = sync_content(self.db, self.present_content_dirs)
        self.__dict__.pop("catalog", None)
        return self.last_sync

    @property
    def present_content_dirs(self) -> list[Path]:
        """The content folders that exist now (a `--content` folder may vanish while the app runs)."""
        return [folder for folder in self.content_dirs if folder.exists()]

    @property
    def missing_content_dirs(self) -> list[Path]:
        """Folders from `content_folders` in config.toml or `--content` that do not exist (now)."""
        user_decks = locations.user_decks_dir(self.home).resolve()
        return [folder for folder in self.content_dirs if folder != user_decks and not folder.exists()]

    @cached_property
    def catalog(self) -> Catalog:
        """The exercises of every content folder, read once per opened collection; files validated
        before are read back from `<home>/cache/exercises.json`."""
        from quizapp.exercises.catalog import load_catalog
        from quizapp.exercises.catalog_cache import CACHE_FILE

        return load_catalog(self.present_content_dirs, cache=self.home / CACHE_FILE)

    @cached_property
    def exercise_progress(self) -> ExerciseProgress:
        """Attempts, verdicts and the exercises' review schedule, on this collection's database."""
        from quizapp.exercises.progress import ExerciseProgress

        return ExerciseProgress(self.db, self.settings)

    def _back_up_if_due(self) -> None:
        """Start the periodic backup in a thread: at 1M reviews it takes 0.4 s, off the start-up path."""
        interval = self.settings.backup_interval_minutes
        db_path = locations.db_path(self.home)
        if (
            not interval
            or not backup.backup_due(self.home, timedelta(minutes=interval))
            or not backup.has_reviews(db_path)
        ):
            return
        retention = backup.Retention(
            self.settings.backups_daily, self.settings.backups_weekly, self.settings.backups_monthly
        )

        def run() -> None:
            try:
                backup.take_backup(db_path, self.home, "auto")
                backup.rotate(self.home, retention)
            except (sqlite3.Error, OSError):
                pass  # tried again at the next start; `quizapp backup now` says why

        self._backing_up = threading.Thread(target=run, name="quizapp-backup")
        self._backing_up.start()

    def back_up(self, reason: str) -> backup.Backup | None:
        """A backup before a bulk change (an import, new parameters, unsuspending everything…)."""
        db_path = locations.db_path(self.home)
        return backup.take_backup(db_path, self.home, reason) if backup.has_reviews(db_path) else None

    def close(self) -> None:
        if self._backing_up is not None:
            self._backing_up.join()
        self.db.close()
        remember_closed(locations.db_path(self.home), self.home)


def content_folders(home: Path, settings: Settings, extra: list[Path], *, builtin: bool = True) -> list[Path]:
    """The deck folders a collection loads, in load order (an earlier file wins an id clash):
    the built-in decks, the home's `decks` folder, config.toml's `content_folders`, then `--content`."""
    builtin_dirs = [locations.builtin_content_dir()] if builtin else []
    # Resolved, so that the same folder named two ways is still the same files to the sync.
    folders = [
        *builtin_dirs,
        locations.user_decks_dir(home).resolve(),
        *settings.content_paths(home),
        *(Path(folder).resolve() for folder in extra),
    ]
    return list(dict.fromkeys(folders))
