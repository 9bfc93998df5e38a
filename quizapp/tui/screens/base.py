"""The base of quizapp's screens: `self.app` typed as the QuizApp that holds the collection."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar, cast

from textual.screen import ModalScreen, Screen

if TYPE_CHECKING:
    from quizapp.tui.app import QuizApp

ResultType = TypeVar("ResultType")


class QuizScreen(Screen[ResultType]):
    @property
    def app(self) -> QuizApp:  # type: ignore[override]  # the same object, with its own type
        return cast("QuizApp", super().app)


class QuizModal(ModalScreen[ResultType]):
    @property
    def app(self) -> QuizApp:  # type: ignore[override]
        return cast("QuizApp", super().app)
