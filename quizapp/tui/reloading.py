"""Reading the deck files again in a worker thread, with progress, while the screens stay live.

Parsing a big deck takes seconds (110k cards: 15 s), so the reload runs in a thread, on a
database connection of its own (`Collection.read_decks`). Every screen on the stack is told how
far it has got (`DecksLoading`) and when it is over (`DecksReloaded`): the home screen shows the
count and its new decks, whoever asked for the reload (its `r` or the palette).
"""

from __future__ import annotations

import sqlite3
import time
from typing import TYPE_CHECKING

from textual.message import Message
from textual.worker import get_current_worker

from quizapp.core.storage import describe
from quizapp.core.untrusted import visible

if TYPE_CHECKING:
    from quizapp.core.sync import SyncReport
    from quizapp.tui.app import QuizApp

GROUP = "reload-decks"
PROGRESS_EVERY_S = 0.1


class DecksLoading(Message, bubble=False):
    """The deck files are being read: `done` of `total` changed files so far."""

    def __init__(self, done: int, total: int, waiting: bool = False) -> None:
        super().__init__()
        self.done = done
        self.total = total
        self.waiting = waiting
        """Storing them waits for another program that is writing to the database."""

    @property
    def line(self) -> str:
        if self.waiting:
            return "Loading decks… waiting for the database: another program is writing to it"
        if not self.total:
            return "Loading decks…"
        return f"Loading decks… {self.done} of {self.total} files"


class DecksReloaded(Message, bubble=False):
    """The reload is over: `report` says what it found, or `error` why it stopped (nothing stored)."""

    def __init__(self, report: SyncReport | None, error: str | None = None) -> None:
        super().__init__()
        self.report = report
        self.error = error


def reloading(app: QuizApp) -> bool:
    """Whether a reload is under way."""
    return any(worker.group == GROUP and not worker.is_finished for worker in app.workers)


def reload_decks(app: QuizApp, asked: bool = True) -> None:
    """Start reading the deck files again (only the changed ones are parsed), or say that a reload
    is already under way. A reload nobody `asked` for (the one at start-up) tells its outcome only
    when a file changed or was skipped."""
    if reloading(app):
        if asked:
            app.notify("The deck files are being read already.", markup=False)
        return
    for screen in app.screen_stack:
        screen.post_message(DecksLoading(0, 0))
    app.run_worker(
        lambda: _read_decks(app, asked),
        name="reload decks",
        group=GROUP,
        thread=True,
        exit_on_error=False,
    )


def _read_decks(app: QuizApp, asked: bool) -> None:
    worker = get_current_worker()
    done = total = 0
    told_at = 0.0

    def tell(waiting: bool = False) -> None:
        nonlocal told_at
        told_at = time.monotonic()
        for screen in app.screen_stack:
            screen.post_message(DecksLoading(done, total, waiting))

    def progress(read: int, to_read: int) -> None:
        nonlocal done, total
        if worker.is_cancelled:  # the app is closing: stop before anything is stored
            raise _Cancelled
        done, total = read, to_read
        # Redrawing the count takes the UI thread (and the GIL) a few ms: ten times a second is enough.
        if time.monotonic() - told_at >= PROGRESS_EVERY_S or read == to_read:
            tell()

    try:
        report = app.collection.read_decks(progress, on_long_wait=lambda: tell(waiting=True))
    except _Cancelled:
        return
    except (sqlite3.Error, OSError) as error:
        app.call_from_thread(_finished, app, None, describe(error), asked)
        return
    app.call_from_thread(_finished, app, report, None, asked)


class _Cancelled(Exception):
    pass


def _finished(app: QuizApp, report: SyncReport | None, error: str | None, asked: bool) -> None:
    if report is None:
        app.notify(
            visible(f"The decks were not reloaded: {error}"), severity="error", timeout=15, markup=False
        )
    else:
        app.collection.reloaded(report)
        skipped = (
            f"; {len(report.skipped_files)} skipped (quizapp validate says why)"
            if report.skipped_files
            else ""
        )
        if asked or report.parsed or report.skipped_files:
            app.notify(
                f"Reloaded {report.files} deck files ({report.parsed} changed){skipped}.", markup=False
            )
    for screen in app.screen_stack:
        screen.post_message(DecksReloaded(report, error))
