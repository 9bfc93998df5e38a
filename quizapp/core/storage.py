"""Guarding the database file: what is checked before it is opened, and storage errors in words.

- A missing or empty database where a history existed (there are backups, which are only taken
  of a database holding reviews) is never replaced by a new one: the learner is told which backup
  to restore, with the exact command.
- A file changed since quizapp last closed it (another program, a crash, a copy) gets SQLite's
  `quick_check` before anything writes to it; a damaged one is refused, with the same advice.
- `describe` turns SQLite's and the system's errors (disk full, locked, read-only, not a
  database) into one sentence that says what happened and what to do.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from quizapp.core import backup
from quizapp.core.db import WriteLockTimeout

SEEN_FILE = ".quizapp-db-seen"
"""What the database file looked like when quizapp last closed it (size, modification time)."""


class StorageProblem(RuntimeError):
    """The database cannot be used as it is; the message says why and what to do."""


def check_before_opening(db_path: Path, home: Path) -> None:
    """Raise `StorageProblem` when opening `db_path` would lose or damage the learner's history."""
    if db_path.is_dir():
        raise StorageProblem(f"{db_path} is a folder, not quizapp's database; move it away and start again")
    history = backup.list_backups(home)
    empty = not db_path.exists() or db_path.stat().st_size == 0
    if empty and history:
        state = "is empty" if db_path.exists() else "is missing"
        raise StorageProblem(
            f"{db_path} {state}, but backups of a history exist; quizapp will not start a new one over it. "
            f"{_restore_advice(home)}"
        )
    if not empty and _changed_outside(db_path, home) and not backup.is_intact(db_path):
        raise StorageProblem(
            f"{db_path} is damaged (SQLite's integrity check fails); nothing was written to it. "
            f"{_restore_advice(home)}"
        )


def remember_closed(db_path: Path, home: Path) -> None:
    """Note the file as quizapp leaves it, so the next start can tell whether something else changed it."""
    try:
        stat = db_path.stat()
        (home / SEEN_FILE).write_text(json.dumps({"size": stat.st_size, "mtime_ns": stat.st_mtime_ns}))
    except OSError:
        pass  # the next start then checks the file, which is only slower


def _changed_outside(db_path: Path, home: Path) -> bool:
    try:
        seen = json.loads((home / SEEN_FILE).read_text())
        stat = db_path.stat()
        return (seen["size"], seen["mtime_ns"]) != (stat.st_size, stat.st_mtime_ns)
    except (OSError, ValueError, KeyError, TypeError):
        return True


def _restore_advice(home: Path) -> str:
    intact = next((b for b in backup.list_backups(home) if backup.is_intact(b.path)), None)
    if intact is None:
        return f"No intact backup was found in {backup.backup_folder(home)}."
    when = intact.taken_at.astimezone().strftime("%Y-%m-%d %H:%M")
    return (
        f"The newest intact backup is from {when} ({intact.reviews} reviews): "
        f"`quizapp --home {home} backup restore {intact.name}` restores it (`quizapp backup list` shows all)."
    )


def describe(error: BaseException, db_path: Path | None = None) -> str:
    """One sentence for a storage error: what happened, and what to do."""
    if isinstance(error, WriteLockTimeout):
        db_path = db_path or error.path
    where = f" ({db_path})" if db_path else ""
    text = str(error).lower()
    if isinstance(error, StorageProblem):
        return str(error)
    if isinstance(error, WriteLockTimeout) and error.waited_s >= 1:
        return (
            f"Another program kept quizapp's database{where} locked for writing for more than "
            f"{error.waited_s:g} s (another quizapp, a sync tool, a backup program?), so nothing was "
            "saved. Close it and try again."
        )
    if "disk is full" in text or getattr(error, "errno", None) == 28:
        return f"The disk is full{where}: nothing more could be saved. Free some space and try again."
    if "locked" in text or "busy" in text:
        return (
            f"Another program is holding quizapp's database{where} (another quizapp, a sync tool, a "
            "backup program?). Close it and try again."
        )
    if "readonly" in text or "read-only" in text:
        return f"quizapp's database{where} cannot be written (read-only file or folder, or no permission)."
    if getattr(error, "errno", None) in (13, 30):
        return f"{getattr(error, 'filename', None) or 'A file'} cannot be written (read-only, or no permission): {error}."
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return (
            f"quizapp's database{where} is damaged: {error}. `quizapp backup list` shows backups to restore."
        )
    if isinstance(error, sqlite3.Error):
        return f"quizapp's database{where} could not be used: {error}."
    if isinstance(error, OSError):
        return f"A file could not be read or written: {error}."
    return str(error)
