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
from quizapp.core.loader import find_deck_files, reporting_reads
from quizapp.core.storage import (
    StorageProblem,
    check_before_opening,
    describe,
    remember_closed,
    remember_history,
)
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
    synced: bool = True
    """False when opened with `sync=False`, until a report of `read_decks` is given to `reloaded`."""
    _backing_up: threading.Thread | None = field(default=None, repr=False)

    @classmethod
    def open(
        cls,
        home: Path,
        extra_content: list[Path] | None = None,
        *,
        builtin: bool = True,
        sync: bool = True,
        on_long_wait: Callable[[], None] | None = None,
    ) -> Collection:
        """Open the collection in `home`, creating it on first use, and sync the deck files.

        Args:
            sync: False leaves the deck files to the caller (`read_decks` in a worker, then
                `reloaded`): the cards are as the last sync stored them meanwhile.
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
        if sync:
            report = sync_content(db, [folder for folder in content_dirs if folder.exists()])
        collection = cls(home, settings, db, content_dirs, report if sync else SyncReport(), synced=sync)
        if collection.has_reviews():
            remember_history(db_path, home)
            collection._back_up_if_due()
        return collection

    def __enter__(self) -> Collection:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def reload(self) -> SyncReport:
        """Read the deck files again (only the changed ones are parsed); exercises are read anew on next use."""
        return self.reloaded(sync_content(self.db, self.present_content_dirs))

    def read_decks(
        self,
        progress: Callable[[int, int], None] | None = None,
        on_long_wait: Callable[[], None] | None = None,
    ) -> SyncReport:
        """`reload`'s reading and storing, on a database connection of its own, so that it can run
        in a worker thread; give the report to `reloaded` on the collection's own thread.

        Args:
            progress: called with (files read, files to read) as each changed file has been read;
                an exception it raises stops the reload before anything is stored.
            on_long_wait: called when storing has waited a second for another program's lock.
        """
        folders = self.present_content_dirs
        db = open_db(locations.db_path(self.home), on_long_wait)
        try:
            if progress is None:
                return sync_content(db, folders)
            total = len(files_to_read(db, folders))
            read = 0

            def one_more(_path: Path) -> None:
                nonlocal read
                read += 1
                progress(min(read, total), total)

            progress(0, total)
            with reporting_reads(one_more):
                return sync_content(db, folders)
        finally:
            db.close()

    def reloaded(self, report: SyncReport) -> SyncReport:
        """Take `report` as the latest reading of the deck files; exercises are read anew on next use."""
        self.last_sync = report
        self.synced = True
        self.__dict__.pop("catalog", None)
        return report

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
        if not interval or not backup.backup_due(self.home, timedelta(minutes=interval)):
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

    def has_reviews(self) -> bool:
        """Whether the log holds any review (then there is a history to keep)."""
        try:
            return self.db.execute("select exists(select 1 from reviews)").fetchone()[0] == 1
        except sqlite3.Error:
            return False

    def close(self) -> None:
        if self._backing_up is not None:
            self._backing_up.join()
        db_path = locations.db_path(self.home)
        history = self.has_reviews()
        if history and self.settings.backup_interval_minutes and not backup.list_backups(self.home):
            self._first_backup(db_path)  # while open: the last connection to close tidies the -wal
        self.db.close()
        remember_closed(db_path, self.home, history=history)

    def _first_backup(self, db_path: Path) -> None:
        """The first session's reviews are backed up as it ends, not only at the next start."""
        try:
            backup.take_backup(db_path, self.home, "auto")
        except (sqlite3.Error, OSError):
            pass  # tried again at the next start


def files_to_read(db: QuizDatabase, folders: list[Path]) -> list[Path]:
    """The deck files `sync_content` will parse: new, or changed since it last stored them (by
    modification time and size, as it compares them)."""
    stored = {
        path: (mtime_ns, size)
        for path, mtime_ns, size in db.execute("select path, mtime_ns, size from content_files")
    }
    changed = []
    for path in find_deck_files(folders):
        try:
            stat = path.stat()
        except OSError:
            changed.append(path)  # the sync then says why it cannot be read
            continue
        if stored.get(str(path)) != (stat.st_mtime_ns, stat.st_size):
            changed.append(path)
    return changed


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
