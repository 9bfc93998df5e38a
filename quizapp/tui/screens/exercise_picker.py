"""Open an exercise by name: type an id, an alias or its start; several matches are offered as a list.

The same rules as `quizapp exercise NAME` (quizapp/exercises/names.py), so a name that works on the
command line works here, and one the CLI would call ambiguous shows its matches to choose from.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from quizapp.core.untrusted import safe_text
from quizapp.exercises.catalog import LoadedExercise
from quizapp.exercises.names import matches
from quizapp.exercises.path import path_order


class ExercisePicker(ModalScreen[str | None]):
    """Dismissed with the chosen exercise's id, or None on Escape."""

    DEFAULT_CSS = """
    ExercisePicker { align: center middle; }
    ExercisePicker > Vertical { width: 80%; max-width: 90; height: auto; max-height: 80%;
                                border: round $accent; background: $surface; padding: 0 1; }
    ExercisePicker OptionList { height: auto; max-height: 16; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss_none", "Cancel", id="cancel"),
        Binding("down", "focus_list", "Matches", show=False),
    ]

    def __init__(self, exercises: list[LoadedExercise], name: str = "") -> None:
        super().__init__()
        self.exercises = path_order(exercises)
        self.initial = name

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("Open an exercise: its id, an alias or the start of one (Enter opens, ↓ to choose)")
            yield Input(self.initial, placeholder="conv, maxpool, bn …", id="picker-name")
            yield OptionList(id="picker-matches")

    def on_mount(self) -> None:
        self._show(self.initial)
        self.query_one("#picker-name", Input).focus()

    def candidates(self, name: str) -> list[LoadedExercise]:
        if not name.strip():
            return self.exercises
        found = {match.exercise.id for match in matches(self.exercises, name)}
        return [exercise for exercise in self.exercises if exercise.id in found]

    @on(Input.Changed, "#picker-name")
    def _typed(self, event: Input.Changed) -> None:
        self._show(event.value)

    def _show(self, name: str) -> None:
        options = self.query_one("#picker-matches", OptionList)
        options.clear_options()
        options.add_options(
            [
                Option(safe_text(f"{exercise.id}  ·  {exercise.spec.title}"), id=exercise.id)
                for exercise in self.candidates(name)
            ]
        )
        if options.option_count:
            options.highlighted = 0

    @on(Input.Submitted, "#picker-name")
    def _submitted(self, event: Input.Submitted) -> None:
        found = self.candidates(event.value)
        if len(found) == 1:
            self.dismiss(found[0].id)
        elif found:
            self.notify(f"{len(found)} exercises match: choose one with ↓ and Enter.")
            self.action_focus_list()
        else:
            self.notify("No exercise has that name.", severity="warning")

    @on(OptionList.OptionSelected, "#picker-matches")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_focus_list(self) -> None:
        self.query_one("#picker-matches", OptionList).focus()

    def action_dismiss_none(self) -> None:
        self.dismiss(None)
