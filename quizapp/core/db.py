"""Opening the one SQLite file, its schema migrations, and write transactions."""

from __future__ import annotations

import sqlite3
import sys
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlite_utils import Database
    from sqlite_utils.db import Table

BUSY_TIMEOUT_MS = 10_000
"""How long a write waits for another program's write lock before it fails."""
SAY_WAITING_AFTER_MS = 1_000
"""When a database has an `on_long_wait`, a write that has waited this long for the lock calls it."""


def _import_sqlite_utils():
    # sqlite-utils imports pandas and numpy at import time when they are installed, only to map
    # their scalar types to column types; quizapp never stores those, and the ~300 ms would land
    # on the start-up path of `study`. Hide them while sqlite-utils loads.
    hidden = [name for name in ("pandas", "numpy") if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # None makes the import fail, on purpose
    try:
        import sqlite_utils
    finally:
        for name in hidden:
            del sys.modules[name]
    return sqlite_utils


SCHEMA_VERSION = 9
"""The number of migration steps; kept in `PRAGMA user_version` once they are applied, so that
opening an up-to-date database needs neither sqlite-utils nor the migration list. (A test checks
it against `migrations.MIGRATIONS`.)"""


class QuizDatabase:
    """The quizapp database: plain SQLite for queries, sqlite-utils' `Database` for the rest.

    `execute` and `query` behave as sqlite-utils' do; anything else (`db["cards"].update(...)`,
    `db.table_names()`, …) goes to a sqlite-utils `Database` on the same connection, created on
    first use. Importing sqlite-utils costs ~50 ms (it loads click, dateutil and pluggy), which
    `quizapp study` would otherwise pay before the first card is on screen.
    """

    def __init__(self, conn: sqlite3.Connection, path: Path | None = None) -> None:
        self.conn = conn
        self.path = path
        """The file, None in memory."""
        self._sqlite_utils: Database | None = None
        self._checkpoints: _BackgroundCheckpoints | None = None
        self.busy_timeout_ms = BUSY_TIMEOUT_MS
        """How long a write waits for another program's lock (see `waiting_at_most`)."""
        self.on_long_wait: Callable[[], None] | None = None
        """Called once when a write has waited `SAY_WAITING_AFTER_MS` for the lock, and goes on
        waiting (the CLI says so on stderr)."""

    def execute(
        self, sql: str, parameters: Sequence[object] | Mapping[str, object] | None = None
    ) -> sqlite3.Cursor:
        return self.conn.execute(sql, parameters) if parameters is not None else self.conn.execute(sql)

    def query(
        self, sql: str, params: Sequence[object] | Mapping[str, object] | None = None
    ) -> Iterator[dict]:
        cursor = self.execute(sql, params)
        keys = [column[0] for column in cursor.description]
        for row in cursor:
            yield dict(zip(keys, row))

    def set_busy_timeout(self, ms: int) -> None:
        self.conn.execute(f"PRAGMA busy_timeout = {int(ms)}")
        self.busy_timeout_ms = int(ms)

    @contextmanager
    def waiting_at_most(self, ms: int) -> Iterator[QuizDatabase]:
        """Within the block, a write that finds the lock taken waits at most `ms`, then raises
        `WriteLockTimeout` (the TUI tries with a short wait and tries again later)."""
        before = self.busy_timeout_ms
        self.set_busy_timeout(ms)
        try:
            yield self
        finally:
            self.set_busy_timeout(before)

    def rollback(self) -> None:
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")

    def close(self) -> None:
        if self._checkpoints is not None:
            self._checkpoints.stop()
        self.conn.close()

    def checkpoint_in_background(self, every_s: float = 1.0) -> None:
        """Copy the write-ahead log back into the database from another thread, not at a commit.

        SQLite checkpoints when a commit brings the log past 1,000 pages: at 100k cards one answer
        in ~35 paid 8–9 ms for it (a mean of +0.4 ms per answer). A passive checkpoint never waits
        for, nor blocks, this connection's reads and writes; closing the database checkpoints the rest.
        """
        if self.path is None or self._checkpoints is not None:
            return
        self.execute("PRAGMA wal_autocheckpoint = 0")
        self._checkpoints = _BackgroundCheckpoints(self.path, every_s)

    @property
    def sqlite_utils(self) -> Database:
        """sqlite-utils' `Database` on this same connection (its import is paid on first use)."""
        if self._sqlite_utils is None:
            self._sqlite_utils = _import_sqlite_utils().Database(self.conn)
        return self._sqlite_utils

    def __getitem__(self, table: str) -> Table:
        return self.sqlite_utils.table(table)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.sqlite_utils, name)


class _BackgroundCheckpoints:
    def __init__(self, path: Path, every_s: float) -> None:
        self._stopping = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(path, every_s), name="quizapp-checkpoints", daemon=True
        )
        self._thread.start()

    def _run(self, path: Path, every_s: float) -> None:
        conn = sqlite3.connect(str(path), timeout=0)
        try:
            while not self._stopping.wait(every_s):
                try:
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
                except sqlite3.Error:
                    pass  # the next round tries again; the log only grows meanwhile
        finally:
            conn.close()

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join()


def open_db(path: Path | str, on_long_wait: Callable[[], None] | None = None) -> QuizDatabase:
    """Open (creating if needed) the quizapp database and bring its schema up to date.

    WAL lets a second quizapp read while one writes; the busy timeout makes a second writer wait
    instead of failing with "database is locked".

    Args:
        on_long_wait: called when a write has waited a second for another program's lock (see
            `QuizDatabase.on_long_wait`).
    """
    if str(path) != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000)
    db = QuizDatabase(conn, None if str(path) == ":memory:" else Path(path))
    db.on_long_wait = on_long_wait
    db.set_busy_timeout(BUSY_TIMEOUT_MS)
    if str(path) != ":memory:":
        db.execute("PRAGMA journal_mode = WAL")  # outside any transaction: connect() opened none
    # In WAL mode NORMAL never corrupts and never loses a commit when the process dies; only a
    # power cut can drop the last commits. FULL would fsync on every answer.
    db.execute("PRAGMA synchronous = NORMAL")
    db.execute("PRAGMA foreign_keys = ON")
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        db.close()
        raise NewerDatabaseError(
            f"{path} was written by a newer quizapp (schema version {version}; this one knows up to "
            f"{SCHEMA_VERSION}); upgrade quizapp to open it"
        )
    if version < SCHEMA_VERSION:
        _migrate(db, path)
    return db


def _migrate(db: QuizDatabase, path: Path | str) -> None:
    from quizapp.core.migrations import MIGRATIONS

    known = {m.name for m in MIGRATIONS._migrations}
    unknown = [m.name for m in MIGRATIONS.applied(db.sqlite_utils) if m.name not in known]
    if unknown:
        db.close()
        raise NewerDatabaseError(
            f"{path} was written by a newer quizapp (schema step {unknown[-1]}); upgrade quizapp to open it"
        )
    if version_before := db.execute("PRAGMA user_version").fetchone()[0]:
        _back_up_before_migration(path, version_before)
    # Under the write lock, so two first starts at once do not both create the tables.
    with write_transaction(db):
        MIGRATIONS.apply(db.sqlite_utils)
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


def _back_up_before_migration(path: Path | str, version: int) -> None:
    from quizapp.core import backup

    if str(path) != ":memory:" and backup.has_reviews(Path(path)):
        backup.take_backup(Path(path), Path(path).parent, f"before-migration-{version}")


def open_reader(path: Path | str) -> QuizDatabase:
    """A second, read-only connection, for work in another thread (SQLite connections stay in theirs)."""
    conn = sqlite3.connect(f"file:{Path(path).resolve()}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
    return QuizDatabase(conn)


class NewerDatabaseError(RuntimeError):
    """The database has schema steps this version of quizapp does not know."""


class WriteLockTimeout(sqlite3.OperationalError):
    """Another program held the write lock for longer than this write would wait; nothing was written."""

    def __init__(self, path: Path | None, waited_s: float) -> None:
        super().__init__(f"database is locked (waited {waited_s:g} s)")
        self.path = path
        self.waited_s = waited_s


def is_locked(error: BaseException) -> bool:
    """Whether `error` is SQLite's "another connection holds the lock" (busy or locked)."""
    if isinstance(error, WriteLockTimeout):
        return True
    code = getattr(error, "sqlite_errorcode", None)
    return (
        isinstance(error, sqlite3.OperationalError)
        and code is not None
        and code & 0xFF
        in (
            sqlite3.SQLITE_BUSY,
            sqlite3.SQLITE_LOCKED,
        )
    )


@contextmanager
def write_transaction(db: QuizDatabase) -> Iterator[QuizDatabase]:
    """One atomic write that takes the write lock up front.

    `BEGIN IMMEDIATE` waits (busy timeout) for another writer instead of failing halfway when a
    read-then-write transaction tries to upgrade its lock; a write that finds the lock taken
    therefore fails before it has changed anything, and can simply be made again.

    Raises:
        WriteLockTimeout: another program held the lock past the busy timeout.
    """
    _begin_immediate(db)
    try:
        yield db
    except BaseException:
        db.rollback()
        raise
    else:
        try:
            db.execute("COMMIT")
        except BaseException:  # a full disk or a lock at the commit: leave nothing half-open
            db.rollback()
            raise


def _begin_immediate(db: QuizDatabase) -> None:
    # SQLite waits for the lock inside one call, with no way to run Python meanwhile: to say
    # "waiting" after a second, wait a second, say it, then wait for the rest.
    total_ms = db.busy_timeout_ms
    try:
        if db.on_long_wait is None or total_ms <= SAY_WAITING_AFTER_MS:
            db.execute("BEGIN IMMEDIATE")
            return
        try:
            with db.waiting_at_most(SAY_WAITING_AFTER_MS):
                db.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError as error:
            if not is_locked(error):
                raise
        db.on_long_wait()
        with db.waiting_at_most(total_ms - SAY_WAITING_AFTER_MS):
            db.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as error:
        if is_locked(error):
            raise WriteLockTimeout(db.path, total_ms / 1000) from error
        raise
