"""Opening the one SQLite file, its schema migrations, and write transactions."""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlite_utils import Database

BUSY_TIMEOUT_MS = 10_000


def _import_sqlite_utils():  # noqa: ANN202
    # sqlite-utils imports pandas and numpy at import time when they are installed, only to map
    # their scalar types to column types; quizapp never stores those, and the ~300 ms would land
    # on the start-up path of `study`. Hide them while sqlite-utils loads.
    hidden = [name for name in ("pandas", "numpy") if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]
    try:
        import sqlite_utils
    finally:
        for name in hidden:
            del sys.modules[name]
    return sqlite_utils


def open_db(path: Path | str) -> Database:
    """Open (creating if needed) the quizapp database and bring its schema up to date.

    WAL lets a second quizapp read while one writes; the busy timeout makes a second writer wait
    instead of failing with "database is locked".
    """
    sqlite_utils = _import_sqlite_utils()
    if str(path) != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000)
    db = sqlite_utils.Database(conn)
    db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    if str(path) != ":memory:":
        with db.ensure_autocommit_on():
            db.execute("PRAGMA journal_mode = WAL")
    # In WAL mode NORMAL never corrupts and never loses a commit when the process dies; only a
    # power cut can drop the last commits. FULL would fsync on every answer.
    db.execute("PRAGMA synchronous = NORMAL")
    db.execute("PRAGMA foreign_keys = ON")
    from quizapp.core.migrations import MIGRATIONS

    known = {m.name for m in MIGRATIONS._migrations}
    unknown = [m.name for m in MIGRATIONS.applied(db) if m.name not in known]
    if unknown:
        db.close()
        raise NewerDatabaseError(
            f"{path} was written by a newer quizapp (schema step {unknown[-1]}); upgrade quizapp to open it"
        )
    if MIGRATIONS.pending(db):
        # Under the write lock, so two first starts at once do not both create the tables.
        with write_transaction(db):
            MIGRATIONS.apply(db)
    return db


def open_reader(path: Path | str) -> Database:
    """A second, read-only connection, for work in another thread (SQLite connections stay in theirs)."""
    sqlite_utils = _import_sqlite_utils()
    conn = sqlite3.connect(f"file:{Path(path).resolve()}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
    return sqlite_utils.Database(conn)


class NewerDatabaseError(RuntimeError):
    """The database has schema steps this version of quizapp does not know."""


@contextmanager
def write_transaction(db: Database) -> Iterator[Database]:
    """One atomic write that takes the write lock up front.

    `BEGIN IMMEDIATE` waits (busy timeout) for another writer instead of failing halfway when a
    read-then-write transaction tries to upgrade its lock.
    """
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.rollback()
        raise
    else:
        db.execute("COMMIT")
