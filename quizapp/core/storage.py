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
import os
import shutil
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
    state = "is empty" if db_path.exists() else "is missing"
    if empty and history:
        raise StorageProblem(
            f"{db_path} {state}, but backups of a history exist; quizapp will not start a new one over it. "
            f"{_restore_advice(home)}"
        )
    if empty and _seen(home).get("history") is True:
        raise StorageProblem(
            f"{db_path} {state}, but it held reviews when quizapp last used it; quizapp will not start "
            f"a new collection over it. No backup was found in {backup.backup_folder(home)}. If you have "
            f"a copy of the file, put it back at {db_path}; to start a new, empty collection instead, "
            f"delete {home / SEEN_FILE}."
        )
    if not empty and _changed_outside(db_path, home):
        try:
            intact = backup.quick_check(db_path)
        except sqlite3.Error:
            return  # not readable as it is (a read-only folder…): opening it says why, in words
        if not intact:
            raise StorageProblem(
                f"{db_path} is damaged (SQLite's integrity check fails); nothing was written to it. "
                f"{_restore_advice(home)}"
            )


def remember_closed(db_path: Path, home: Path, *, history: bool) -> None:
    """Note the file as quizapp leaves it, so the next start can tell whether something else
    changed it, and whether it held reviews (then an empty or missing file is not a new start)."""
    try:
        stat = db_path.stat()
        seen = {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "history": history}
        (home / SEEN_FILE).write_text(json.dumps(seen))
    except OSError:
        pass  # the next start then checks the file, which is only slower


def remember_history(db_path: Path, home: Path) -> None:
    """Note, once, that the database holds reviews (a start after a crash, before any close did)."""
    if _seen(home).get("history") is not True:
        try:
            seen = {**_seen(home), "history": True}
            (home / SEEN_FILE).write_text(json.dumps(seen))
        except OSError:
            pass  # said again at the next start


def _seen(home: Path) -> dict:
    try:
        seen = json.loads((home / SEEN_FILE).read_text())
    except (OSError, ValueError):
        return {}
    return seen if isinstance(seen, dict) else {}


def _changed_outside(db_path: Path, home: Path) -> bool:
    seen = _seen(home)
    try:
        stat = db_path.stat()
        return (seen["size"], seen["mtime_ns"]) != (stat.st_size, stat.st_mtime_ns)
    except (OSError, KeyError):
        return True


def _restore_advice(home: Path) -> str:
    intact = next((b for b in backup.list_backups(home) if backup.is_intact(b.path, immutable=True)), None)
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
    if "disk is full" in text or getattr(error, "errno", None) == 28 or _full_disk_io_error(text, db_path):
        return f"The disk is full{where}: nothing more could be saved. Free some space and try again."
    if "locked" in text or "busy" in text:
        return (
            f"Another program is holding quizapp's database{where} (another quizapp, a sync tool, a "
            "backup program?). Close it and try again."
        )
    if ("readonly" in text or "read-only" in text or _unwritable_folder(text, db_path)) and isinstance(
        error, sqlite3.Error
    ):
        return f"quizapp's database{where} cannot be written (read-only file or folder, or no permission)."
    if getattr(error, "errno", None) in (13, 30):
        name = getattr(error, "filename", None) or db_path or "A file"
        reason = getattr(error, "strerror", None) or error
        return f"{name} cannot be written ({reason}): quizapp needs to write there. Check its permissions."
    if "disk i/o error" in text:
        return (
            f"quizapp's database{where} could not be read or written (disk I/O error): is its disk "
            "full, removed or failing? Free some space or check the disk, and try again."
        )
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return (
            f"quizapp's database{where} is damaged: {error}. `quizapp backup list` shows backups to restore."
        )
    if isinstance(error, sqlite3.Error):
        return f"quizapp's database{where} could not be used: {error}."
    if isinstance(error, OSError):
        return f"A file could not be read or written: {error}."
    return str(error)


def _full_disk_io_error(text: str, db_path: Path | None) -> bool:
    """SQLite says "disk I/O error" when it cannot create or grow a WAL side file on a full disk."""
    if "disk i/o error" not in text or db_path is None:
        return False
    try:
        return shutil.disk_usage(db_path.parent).free < FULL_BELOW_BYTES
    except OSError:
        return False


FULL_BELOW_BYTES = 256 * 1024
"""Free space under which a disk I/O error is taken for a full disk (SQLite's pages are 4 KiB, its
shared-memory file grows by 32 KiB)."""


def _unwritable_folder(text: str, db_path: Path | None) -> bool:
    """SQLite says only "unable to open database file" when WAL mode cannot create its side files."""
    return "unable to open" in text and db_path is not None and not os.access(db_path.parent, os.W_OK)
