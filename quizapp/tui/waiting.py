"""Database writes that wait for another program's lock without freezing the screen.

SQLite lets one connection write at a time, and a write that finds the lock taken waits for it
inside SQLite, on the thread that made it: on the UI thread, a frozen screen that Escape cannot
stop. So a screen makes its writes through `LockWait`: each try waits at most a moment, and while
the lock stays taken the widget shows that it is waiting and tries again on a timer. The event
loop runs between tries, so keys are handled and Escape stops waiting.

Trying again is safe because every write takes the lock first (`BEGIN IMMEDIATE` in
`write_transaction`): a try that finds it taken has changed nothing. The writes stay on the UI
thread, on the collection's own connection, rather than in a worker with a connection of its
own: what a write changes in memory (the sitting's undo stack and counts) lives on the UI thread,
and a write takes a few milliseconds once the lock is free.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual.message import Message
from textual.timer import Timer
from textual.widgets import Static

from quizapp.core.db import is_locked

if TYPE_CHECKING:
    from quizapp.core.db import QuizDatabase

FIRST_TRY_WAIT_MS = 100
"""The first try waits this long: another quizapp's answer holds the lock for a few milliseconds,
which is not worth a message."""
RETRY_EVERY_S = 0.2
"""How often a waiting write tries again; each later try does not wait at all."""
MESSAGE = "Waiting for the database: another program is writing to it… Esc to stop waiting"


@dataclass
class _Write:
    db: QuizDatabase
    attempt: Callable[[], Any]
    done: Callable[[Any], None]
    failed: Callable[[Exception], None]
    stopped: Callable[[], None]


class LockWait(Static):
    """The "waiting for the database" line, and the writes that wait behind it (one at a time).

    Put one in a screen's layout (hidden until a write waits); make the screen's writes with
    `write`, refuse its other keys while `waiting`, and call `stop` on Escape.
    """

    class Ended(Message):
        """A wait for the database ended: the write went through, failed, or was given up."""

    DEFAULT_CSS = """
    LockWait {
        display: none;
        height: auto;
        padding: 0 1;
        background: $warning 25%;
        color: $text;
        text-style: bold;
    }
    LockWait.-waiting {
        display: block;
    }
    """

    def __init__(self) -> None:
        super().__init__(MESSAGE, markup=False)
        self._write: _Write | None = None
        self._timer: Timer | None = None

    @property
    def waiting(self) -> bool:
        """A write is waiting for another program to release the lock."""
        return self._write is not None

    def write(
        self,
        db: QuizDatabase,
        attempt: Callable[[], Any],
        *,
        done: Callable[[Any], None],
        failed: Callable[[Exception], None],
        stopped: Callable[[], None],
    ) -> None:
        """Make the write `attempt` (one `write_transaction`) now, or as soon as the lock is free.

        Args:
            done: called with what `attempt` returned, once it went through.
            failed: called with the error when it fails for another reason (a full disk, a
                read-only file…); nothing was written.
            stopped: called when the learner stops waiting; nothing was written.
        """
        if self._write is not None:
            raise RuntimeError("a write is already waiting for the database")
        self._try(_Write(db, attempt, done, failed, stopped), FIRST_TRY_WAIT_MS)

    def stop(self) -> bool:
        """Stop waiting (Escape): the write is given up. False when nothing was waiting."""
        pending = self._write
        if pending is None:
            return False
        self._waiting(None)
        pending.stopped()
        return True

    def _try(self, pending: _Write, wait_ms: int) -> None:
        try:
            with pending.db.waiting_at_most(wait_ms):
                result = pending.attempt()
        except (sqlite3.Error, OSError) as error:
            if is_locked(error):
                self._waiting(pending)
                self._timer = self.set_timer(RETRY_EVERY_S, self._retry)
                return
            self._waiting(None)
            pending.failed(error)
            return
        self._waiting(None)
        pending.done(result)

    def _retry(self) -> None:
        if self._write is not None:
            self._try(self._write, 0)

    def _waiting(self, pending: _Write | None) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        was_waiting, self._write = self._write is not None, pending
        if was_waiting != self.waiting:
            self.set_class(self.waiting, "-waiting")
            self.screen.refresh_bindings()  # the keys a screen refuses while waiting
            if not self.waiting:
                self.post_message(self.Ended())
