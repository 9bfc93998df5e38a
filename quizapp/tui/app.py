"""The quizapp Textual application: holds the open collection and routes between screens."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from textual.app import App
from textual.binding import Binding, BindingType

from quizapp.application.collection import Collection
from quizapp.core.clock import utc_now
from quizapp.core.study import StudyFilter

if TYPE_CHECKING:
    from textual.command import Provider

    from quizapp.exercises.checker import Checker


def _quizapp_commands() -> type[Provider]:
    """The palette's own commands, imported when the palette first opens (not at start-up)."""
    from quizapp.tui.commands import QuizCommands

    return QuizCommands


class QuizApp(App[None]):
    CSS_PATH = "quizapp.tcss"
    TITLE = "quizapp"
    # quizapp's provider alone: it lists the app's commands first and Textual's useful ones last.
    COMMANDS: ClassVar[set[type[Provider] | Callable[[], type[Provider]]]] = {_quizapp_commands}
    BINDINGS: ClassVar[list[BindingType]] = [
        # The key bar shows the first of these that works: f1 where a text box takes `?`.
        Binding("question_mark", "toggle_help", "Keys", id="help"),
        Binding("f1", "toggle_help", "Keys", id="help-f1"),
        Binding("ctrl+q", "quit", "Quit", show=False, priority=True),
    ]

    def __init__(
        self,
        collection: Collection,
        *,
        start: str = "home",
        study_filter: StudyFilter | None = None,
        new_limit: int | None = None,
        exercise_id: str | None = None,
        exercise_name: str = "",
        browse_query: str = "",
        device: str = "cpu",
        checker: Checker | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        """
        Args:
            start: "home", "study", "stats", "exercise" or "browse": the first screen, as chosen on the command line.
            exercise_id: the exercise to open when `start` is "exercise".
            exercise_name: without `exercise_id`, a name several exercises answer to: the picker
                opens on it, over the home screen.
            browse_query: the search the card browser opens on when `start` is "browse".
            device: where exercise references run, "cpu" or "cuda" (the command line resolves "auto").
            checker: a warm exercise checker to use (tests share one); made on first use otherwise.
            clock: returns the current UTC time; tests pass a fixed one.
        """
        super().__init__()
        self.collection = collection
        self.start = start
        self.study_filter = study_filter or StudyFilter()
        self.new_limit = new_limit
        self.exercise_id = exercise_id
        self.exercise_name = exercise_name
        self.browse_query = browse_query
        self.device = device
        self._checker = checker
        self._owns_checker = checker is None
        self.clock = clock
        self.unsaved_on_exit: list[str] = []
        """What a screen could not save as the app closed (a full disk…), with where a copy went;
        the command line prints it after the app exits, and exits non-zero."""

    @property
    def checker(self) -> Checker:
        """The session's exercise checker; its sandbox host stays warm between checks."""
        if self._checker is None:
            from quizapp.exercises.checker import Checker
            from quizapp.exercises.reference_cache import cache_dir

            # References come from the cache on disk, filled by a helper process on a miss: never torch here.
            self._checker = Checker(cache_dir=cache_dir(self.collection.home))
            self._checker.host.start()
        return self._checker

    def on_unmount(self) -> None:
        if self._checker is not None and self._owns_checker:
            self._checker.close()

    def on_mount(self) -> None:
        self.collection.db.checkpoint_in_background()
        if self.start == "study":
            # The home screen is built only when the learner goes back to it: first card sooner.
            self.open_study(self.study_filter, self.new_limit)
        elif self.start == "stats":
            self.open_stats()
        elif self.start == "exercise" and self.exercise_id:
            self.open_exercise(self.exercise_id)
        elif self.start == "exercise" and self.exercise_name:
            self.open_home()
            self.pick_exercise(self.exercise_name)
        elif self.start == "browse":
            self.open_browser(self.browse_query)
        else:
            self.open_home()

    def open_home(self) -> None:
        from quizapp.tui.screens.home import HomeScreen

        self.push_screen(HomeScreen())

    def leave_screen(self) -> None:
        """Back from a screen: to the one below it, or to the home screen when it was the first."""
        if len(self.screen_stack) > 2:
            self.pop_screen()
        else:
            from quizapp.tui.screens.home import HomeScreen

            self.switch_screen(HomeScreen())

    def open_study(self, study_filter: StudyFilter, new_limit: int | None = None) -> None:
        from quizapp.tui.screens.study import StudyScreen

        self.push_screen(StudyScreen(study_filter, new_limit))

    def open_stats(self) -> None:
        from quizapp.tui.screens.stats import StatsScreen

        self.push_screen(StatsScreen())

    def open_browser(self, query: str = "") -> None:
        from quizapp.tui.screens.browser import BrowserScreen

        self.push_screen(BrowserScreen(query))

    def action_browse(self) -> None:
        """The card browser, on every card (`b` on the home screen)."""
        self.open_browser()

    def open_exercise(self, exercise_id: str) -> None:
        from quizapp.tui.screens.exercise import ExerciseScreen

        exercise = self.collection.catalog.get(exercise_id)
        if exercise is None:
            from quizapp.core.untrusted import visible

            self.notify(visible(f"No exercise named {exercise_id!r}."), severity="error", markup=False)
            return
        self.push_screen(ExerciseScreen(exercise))

    def pick_exercise(self, name: str = "") -> None:
        """The exercise picker, with `name` typed and its matches listed; the choice opens."""
        from quizapp.tui.screens.exercise_picker import ExercisePicker

        def open_chosen(exercise_id: str | None) -> None:
            if exercise_id:
                self.open_exercise(exercise_id)

        self.push_screen(ExercisePicker(list(self.collection.catalog.exercises.values()), name), open_chosen)

    def action_toggle_help(self) -> None:
        """`?` or f1: quizapp's help panel (tui/help.py) over the screen, or away if it is open."""
        if self.screen.query("HelpPanel"):
            self.action_hide_help_panel()
        else:
            self.action_show_help_panel()

    def action_show_help_panel(self) -> None:
        """Also the palette's "Keys" command: quizapp's panel instead of Textual's."""
        from quizapp.tui.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def action_hide_help_panel(self) -> None:
        from quizapp.tui.help import HelpScreen

        if isinstance(self.screen, HelpScreen):
            self.screen.dismiss(None)
