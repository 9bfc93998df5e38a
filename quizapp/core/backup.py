"""Backups of the learner's database: taken with SQLite's online backup API, rotated, restored.

Automatic ones are taken when the collection opens and the newest is older than
`backup_interval_minutes` (Anki's default rhythm: every 30 minutes of use), and before every
schema migration, every restore and every bulk change. Rotation keeps the newest few, then one a
day, a week and a month for as many as the settings say. A backup is only written for a database
holding reviews, so the backup folder having any is also the sign that a history existed.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

FOLDER = "backups"
KEEP_NEWEST = 5
_NAME = re.compile(r"^quizapp-(\d{8}-\d{6})-(\d{6})-([a-z0-9-]+)\.db$")


@dataclass(frozen=True)
class Backup:
    path: Path
    taken_at: datetime
    """In UTC."""
    reason: str
    """auto, manual, before-migration, before-restore, before-optimize, …"""

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def reviews(self) -> int | None:
        """Reviews in its log; None when the file cannot be read."""
        try:
            with _read_only(self.path, immutable=True) as conn:
                return conn.execute("select count(*) from reviews").fetchone()[0]
        except sqlite3.Error:
            return None


@dataclass(frozen=True)
class Retention:
    """How many backups rotation keeps, besides the newest `KEEP_NEWEST`."""

    daily: int = 12
    weekly: int = 10
    monthly: int = 9


def backup_folder(home: Path) -> Path:
    return home / FOLDER


def list_backups(home: Path) -> list[Backup]:
    """The backups in `home`, newest first (files not named by quizapp are left out)."""
    found = []
    folder = backup_folder(home)
    if not folder.is_dir():
        return []
    for path in folder.iterdir():
        match = _NAME.match(path.name)
        if match and path.is_file():
            stamp = datetime.strptime(match[1] + match[2], "%Y%m%d-%H%M%S%f").replace(tzinfo=UTC)
            found.append(Backup(path, stamp, match[3]))
    return sorted(found, key=lambda b: b.taken_at, reverse=True)


def take_backup(db_path: Path, home: Path, reason: str, now: datetime | None = None) -> Backup:
    """Copy the database, consistent even while another connection writes, into the backup folder.

    Written under a temporary name and renamed when complete, so a crash never leaves a partial
    backup that looks whole.
    """
    now = now or datetime.now(UTC)
    folder = backup_folder(home)
    folder.mkdir(parents=True, exist_ok=True)
    name = f"quizapp-{now:%Y%m%d-%H%M%S}-{now:%f}-{reason}.db"
    partial = folder / (name + ".partial")
    source = sqlite3.connect(f"file:{db_path.resolve()}?mode=ro", uri=True, timeout=10)
    try:
        target = sqlite3.connect(partial)
        try:
            source.backup(target)
            # The copy carries the live file's WAL mode; a backup is never written again, and in
            # rollback mode reading it (its reviews, its integrity) leaves no -wal or -shm beside it.
            target.execute("PRAGMA journal_mode = DELETE")
        finally:
            target.close()
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    finally:
        source.close()
    partial.rename(folder / name)
    return Backup(folder / name, now, reason)


def backup_due(home: Path, interval: timedelta, now: datetime | None = None) -> bool:
    backups = list_backups(home)
    now = now or datetime.now(UTC)
    return not backups or now - backups[0].taken_at >= interval


def rotate(home: Path, retention: Retention = Retention()) -> list[Backup]:
    """Delete the backups rotation does not keep; returns those deleted.

    Kept: the newest `KEEP_NEWEST`, then the newest backup of each of the last `daily` days that
    have one, of `weekly` weeks and of `monthly` months.
    """
    backups = list_backups(home)
    keep = {b.path for b in backups[:KEEP_NEWEST]}
    for count, period in ((retention.daily, _day), (retention.weekly, _week), (retention.monthly, _month)):
        seen: list[tuple] = []
        for backup in backups:  # newest first: the first of each period is its newest
            key = period(backup.taken_at)
            if key not in seen:
                seen.append(key)
                if len(seen) > count:
                    break
                keep.add(backup.path)
    deleted = [b for b in backups if b.path not in keep]
    for backup in deleted:
        for suffix in ("", "-wal", "-shm"):  # older quizapps left WAL side files beside a backup
            backup.path.with_name(backup.name + suffix).unlink(missing_ok=True)
    return deleted


def _day(at: datetime) -> tuple:
    return (at.astimezone().date(),)


def _week(at: datetime) -> tuple:
    return tuple(at.astimezone().isocalendar()[:2])


def _month(at: datetime) -> tuple:
    local = at.astimezone()
    return (local.year, local.month)


def has_reviews(db_path: Path) -> bool:
    try:
        with _read_only(db_path) as conn:
            return conn.execute("select exists(select 1 from reviews)").fetchone()[0] == 1
    except sqlite3.Error:
        return False


def find_backup(home: Path, name: str) -> Backup:
    """The backup called `name` (or a unique start of its name)."""
    backups = list_backups(home)
    matches = [b for b in backups if b.name == name] or [b for b in backups if b.name.startswith(name)]
    if len(matches) != 1:
        known = ", ".join(b.name for b in backups[:5]) or "none"
        which = "no backup" if not matches else f"{len(matches)} backups"
        raise LookupError(f"{which} named {name!r} in {backup_folder(home)} (newest: {known})")
    return matches[0]


def restore(backup: Backup, db_path: Path, home: Path) -> Path:
    """Put `backup` in place of the database; the current file is kept first, in the backup folder.

    Returns where the current file was kept. A current file that SQLite can read is backed up
    with the backup API (and the restore is written through SQLite, so another quizapp that has the
    file open sees it change consistently); one that it cannot read is moved aside as it is.
    """
    check_backup(backup)
    folder = backup_folder(home)
    if db_path.exists() and db_path.stat().st_size > 0 and is_intact(db_path):
        kept = take_backup(db_path, home, "before-restore").path
        source = sqlite3.connect(f"file:{backup.path.resolve()}?immutable=1", uri=True)
        target = sqlite3.connect(db_path, timeout=10)
        try:
            source.backup(target)
        finally:
            source.close()
            target.close()
        return kept
    stamp = datetime.now(UTC)
    kept = folder / f"replaced-{stamp:%Y%m%d-%H%M%S}-{db_path.name}"
    for suffix in ("", "-wal", "-shm"):
        current = db_path.with_name(db_path.name + suffix)
        if current.exists():
            current.rename(kept.with_name(kept.name + suffix))
    partial = db_path.with_name(db_path.name + ".restoring")
    shutil.copyfile(backup.path, partial)
    partial.rename(db_path)
    return kept


def check_backup(backup: Backup) -> None:
    if not is_intact(backup.path, immutable=True):
        raise ValueError(f"{backup.name} does not pass SQLite's integrity check; choose another backup")


def is_intact(db_path: Path, *, immutable: bool = False) -> bool:
    """`pragma quick_check` (the B-trees and their pages, without matching indexes to rows);
    False also when the file cannot be opened at all."""
    try:
        return quick_check(db_path, immutable=immutable)
    except sqlite3.Error:
        return False


def quick_check(db_path: Path, *, immutable: bool = False) -> bool:
    """Whether `pragma quick_check` passes: False for a damaged file or one that is not a
    database at all.

    Raises:
        sqlite3.Error: the check could not run (the file or its folder cannot be read, or, in
            WAL mode, its folder cannot be written: that is no sign of damage).
    """
    try:
        with _read_only(db_path, immutable=immutable) as conn:
            return conn.execute("pragma quick_check").fetchone()[0] == "ok"
    except sqlite3.DatabaseError as error:
        if is_damage(error):
            return False
        raise


def is_damage(error: BaseException) -> bool:
    """Whether SQLite's `error` says the file is damaged or not a database."""
    code = getattr(error, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)
    text = str(error).lower()
    return "malformed" in text or "not a database" in text or "corrupt" in text


class _read_only:
    """A read-only connection; `immutable` for a file nothing writes (a backup): SQLite then
    takes no locks and creates no side files, so it works in a read-only folder too."""

    def __init__(self, path: Path, *, immutable: bool = False) -> None:
        mode = "immutable=1" if immutable else "mode=ro"
        self.conn = sqlite3.connect(f"file:{path.resolve()}?{mode}", uri=True, timeout=10)

    def __enter__(self) -> sqlite3.Connection:
        return self.conn

    def __exit__(self, *exc: object) -> None:
        self.conn.close()
