"""Editing a card's deck file in the learner's own `$EDITOR`, at the card's line, from any screen."""

from __future__ import annotations

import sqlite3
import subprocess
from typing import Any

from textual.app import SuspendNotSupported
from textual.screen import Screen

from quizapp.application.editor import NoEditor, editor_command
from quizapp.core.storage import describe
from quizapp.core.untrusted import visible
from quizapp.tui.screens.base import QuizScreen

RELOAD_WAIT_MS = 2_000
"""How long the reload after an edit waits for another program's lock on the database."""


def run_editor(screen: Screen, command: list[str]) -> bool:
    """Hand the terminal to the editor `command` until it exits; False, said on `screen`, if it
    could not be started."""
    try:
        try:
            with screen.app.suspend():
                subprocess.run(command, check=False)
        except SuspendNotSupported:  # no terminal to hand over (headless, the web): run it as it is
            subprocess.run(command, check=False)
    except OSError as error:
        screen.notify(
            visible(f"Could not run {command[0]}: {error.strerror}"), severity="error", markup=False
        )
        return False
    return True


def edit_card(screen: QuizScreen[Any], card_id: str) -> bool:
    """Open `card_id`'s deck file at its line, wait for the editor, then reload the decks.

    Says on `screen` what went wrong, if anything; True when the file was edited and reloaded.
    """
    from quizapp.application.cards import edit_location  # the card search: only once a card is edited

    collection = screen.app.collection
    try:
        path, line = edit_location(collection, card_id)
        command = editor_command(path, line)
    except (NoEditor, LookupError) as error:
        screen.notify(visible(str(error)), severity="warning", markup=False)
        return False
    if not run_editor(screen, command):
        return False
    try:
        # A short wait: another program holding the database's lock must not freeze the screen.
        with collection.db.waiting_at_most(RELOAD_WAIT_MS):
            report = collection.reload()
    except (sqlite3.Error, OSError) as error:
        screen.notify(
            visible(
                f"{path.name} is saved but not reloaded: {describe(error)} Reload the decks later (ctrl+p)."
            ),
            title="Not reloaded",
            severity="error",
            timeout=20,
            markup=False,
        )
        return False
    problems = [problem for problem in report.problems if problem.file == str(path)]
    screen.app.clear_notifications()
    if problems:
        screen.notify(
            visible(f"{problems[0]}\nThe file's cards stay as they were until it is fixed."),
            title="Not reloaded",
            severity="error",
            timeout=20,
            markup=False,
        )
        return False
    screen.notify(visible(f"Reloaded {path.name}."), markup=False)
    return True
