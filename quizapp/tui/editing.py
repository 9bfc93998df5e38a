"""Editing a card's deck file in the learner's own `$EDITOR`, at the card's line, from any screen."""

from __future__ import annotations

import subprocess

from textual.app import SuspendNotSupported
from textual.screen import Screen

from quizapp.application import cards as use_cases
from quizapp.core.untrusted import visible


def edit_card(screen: Screen, card_id: str) -> bool:
    """Open `card_id`'s deck file at its line, wait for the editor, then reload the decks.

    Says on `screen` what went wrong, if anything; True when the file was edited and reloaded.
    """
    collection = screen.app.collection  # type: ignore[attr-defined]
    try:
        path, line = use_cases.edit_location(collection, card_id)
        command = use_cases.editor_command(path, line)
    except (use_cases.NoEditor, LookupError) as error:
        screen.notify(visible(str(error)), severity="warning", markup=False)
        return False
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
    report = collection.reload()
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
