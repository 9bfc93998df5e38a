"""The quizapp Textual application: holds the open collection and routes between screens."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from textual.app import App
from textual.binding import Binding

from quizapp.core.clock import utc_now
from quizapp.core.collection import Collection
from quizapp.core.study import StudyFilter


class QuizApp(App[None]):
    CSS_PATH = "quizapp.tcss"
    TITLE = "quizapp"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS = [
        Binding("question_mark", "toggle_help", "Keys", id="help"),
        Binding("ctrl+q", "quit", "Quit", show=False, priority=True),
    ]

    def __init__(
        self,
        collection: Collection,
        *,
        start: str = "home",
        study_filter: StudyFilter = StudyFilter(),
        new_limit: int | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        """
        Args:
            start: "home" or "study": the first screen, as chosen on the command line.
            clock: returns the current UTC time; tests pass a fixed one.
        """
        super().__init__()
        self.collection = collection
        self.start = start
        self.study_filter = study_filter
        self.new_limit = new_limit
        self.clock = clock

    def on_mount(self) -> None:
        if self.start == "study":
            # The home screen is built only when the learner goes back to it: first card sooner.
            self.open_study(self.study_filter, self.new_limit)
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

    def action_toggle_help(self) -> None:
        if self.screen.query("HelpPanel"):
            self.action_hide_help_panel()
        else:
            self.action_show_help_panel()
