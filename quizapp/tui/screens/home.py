"""Home: every deck with what waits today, the exercises with their status, and stats."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import DataTable, Static

from quizapp.application.overview import overview
from quizapp.core.study import StudyFilter
from quizapp.core.untrusted import safe_text
from quizapp.tui.keybar import KeyBar
from quizapp.tui.reloading import DecksLoading, DecksReloaded, reload_decks, reloading
from quizapp.tui.screens.base import QuizScreen

if TYPE_CHECKING:
    from quizapp.exercises.catalog import Catalog


class HomeScreen(QuizScreen[None]):
    class CatalogLoaded(Message, bubble=False):
        def __init__(self, catalog: Catalog) -> None:
            super().__init__()
            self.catalog = catalog

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "study_selected", "Study deck", id="study-deck"),
        Binding("a", "study_all", "Study all", id="study-all"),
        Binding("e", "exercises", "Exercises", id="exercises"),
        Binding("o", "open_exercise_by_name", "Open exercise…", id="open-exercise"),
        Binding("d", "decks", "Decks", id="decks", show=False),
        Binding("s", "stats", "Stats", id="stats"),
        Binding("b", "app.browse", "Browse", id="browse"),
        Binding("r", "reload", "Reload decks", id="reload"),
        Binding("q", "app.quit", "Quit", id="quit"),
    ]

    catalog: Catalog | None = None
    """The exercises, once the loading worker has read them."""

    def compose(self) -> ComposeResult:
        yield Static("quizapp — decks", id="home-title")
        yield DataTable(id="decks", cursor_type="row", zebra_stripes=True)
        yield Static(id="loading", markup=False)
        yield Static(id="totals")
        yield Static(id="problems")
        yield Static("Exercises", id="exercises-title")
        yield DataTable(id="exercises", cursor_type="row", zebra_stripes=True)
        yield Static("Loading exercises…", id="exercise-totals")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#loading", Static).display = False
        if not self.app.collection.synced:  # opened without reading the deck files: read them now
            reload_decks(self.app, asked=False)
        table = self.query_one("#decks", DataTable)
        table.add_column("Deck", key="deck")
        for label in ("New", "Learning", "Due", "Cards"):
            table.add_column(label, key=label.lower())
        self.refresh_decks()
        table.focus()
        exercises = self.query_one("#exercises", DataTable)
        exercises.add_column("Exercise", key="title")
        exercises.add_column("Status", key="status")
        if not reloading(self.app):  # else once the decks are read: both at once only slow each other
            self._load_exercises()

    def on_screen_resume(self) -> None:
        self.refresh_decks()
        self.refresh_exercises()

    @work(thread=True, group="catalog", exit_on_error=False)
    def _load_exercises(self) -> None:
        # In a thread: reading exercise files loads pydantic and NumPy, which the first paint skips.
        self.post_message(self.CatalogLoaded(self.app.collection.catalog))

    @on(CatalogLoaded)
    def _show_catalog(self, event: CatalogLoaded) -> None:
        self.catalog = event.catalog
        self.refresh_exercises()

    def refresh_exercises(self) -> None:
        if self.catalog is None:
            return
        now = self.app.clock()
        statuses = self.app.collection.exercise_progress.statuses()
        table = self.query_one("#exercises", DataTable)
        cursor = table.cursor_row
        table.clear()
        due = 0
        from quizapp.exercises.path import path_order

        for exercise in path_order(self.catalog.exercises.values()):  # the suggested path's order
            exercise_id = exercise.id
            status = statuses.get(exercise_id)
            label = status.label(now) if status else "new"
            due += status is not None and status.ever_passed and status.is_due(now)
            table.add_row(safe_text(exercise.spec.title), label, key=exercise_id)
        if table.row_count:
            table.move_cursor(row=min(cursor, table.row_count - 1))
        count = len(self.catalog.exercises)
        text = (
            f"{count} exercises · {due} due to redo · e to go there, Enter to open"
            if count
            else "No exercises."
        )
        if self.catalog.problems:
            text += f" · ⚠ {len(self.catalog.problems)} problem(s) in exercise files: `quizapp validate`"
        self.query_one("#exercise-totals", Static).update(text)

    @on(DataTable.RowSelected, "#exercises")
    def _exercise_selected(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value is not None:
            self.app.open_exercise(event.row_key.value)

    def action_decks(self) -> None:
        self.query_one("#decks", DataTable).focus()

    def refresh_decks(self) -> None:
        today = overview(self.app.collection, self.app.clock())
        table = self.query_one("#decks", DataTable)
        cursor = table.cursor_row
        table.clear()
        for deck in today.decks:
            table.add_row(safe_text(deck.title), deck.new, deck.learning, deck.due, deck.total, key=deck.id)
        if today.decks:
            table.move_cursor(row=min(cursor, len(today.decks) - 1))
        if today.decks:
            totals = (
                f"{len(today.decks)} decks · {today.to_review} to review · {today.new_today} new today"
                " · Enter studies the highlighted deck"
            )
        elif reloading(self.app):
            totals = ""  # the decks are being read: the loading line says so
        else:
            totals = "No decks yet: add YAML decks with --content DIR (see README)."
        self.query_one("#totals", Static).update(totals)
        self._show_problems()

    def _show_problems(self) -> None:
        report = self.app.collection.last_sync
        widget = self.query_one("#problems", Static)
        if not report.problems:
            widget.update("")
            widget.display = False
            return
        widget.display = True
        lines = [
            f"⚠ {len(report.skipped_files)} deck file(s) skipped (their cards keep their last good "
            f"version); fix and press r, or run `quizapp validate`:"
        ]
        lines += [f"  {p}" for p in report.problems[:5]]
        if len(report.problems) > 5:
            lines.append(f"  … and {len(report.problems) - 5} more")
        widget.update(safe_text("\n".join(lines)))  # file names and what the files say

    @on(DataTable.RowSelected, "#decks")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        self.app.open_study(StudyFilter(deck=event.row_key.value))

    def action_study_selected(self) -> None:
        if self.focused is self.query_one("#exercises", DataTable):
            return  # the table's own Enter opens the exercise
        table = self.query_one("#decks", DataTable)
        if table.row_count:
            key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
            self.app.open_study(StudyFilter(deck=key.value))

    def action_study_all(self) -> None:
        self.app.open_study(StudyFilter())

    def action_reload(self) -> None:
        """Read the deck files again in the background; the count shows under the decks."""
        reload_decks(self.app)

    @on(DecksLoading)
    def _show_loading(self, event: DecksLoading) -> None:
        loading = self.query_one("#loading", Static)
        loading.update(event.line)
        loading.display = True

    @on(DecksReloaded)
    def _decks_reloaded(self, _event: DecksReloaded) -> None:
        self.query_one("#loading", Static).display = False
        self.refresh_decks()
        self.catalog = None
        self._load_exercises()

    def action_exercises(self) -> None:
        self.query_one("#exercises", DataTable).focus()

    def action_open_exercise_by_name(self) -> None:
        """A name box with the matching exercises below it (quizapp/tui/screens/exercise_picker.py)."""
        if self.catalog is None:
            self.notify("The exercises are still loading.")
            return
        from quizapp.tui.screens.exercise_picker import ExercisePicker

        def open_chosen(exercise_id: str | None) -> None:
            if exercise_id:
                self.app.open_exercise(exercise_id)

        self.app.push_screen(ExercisePicker(list(self.catalog.exercises.values())), open_chosen)

    def action_stats(self) -> None:
        self.app.open_stats()
