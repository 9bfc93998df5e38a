"""A screen that says plainly what is not built yet, and how to get back."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Static


class ComingSoonScreen(Screen[None]):
    BINDINGS = [Binding("escape", "app.pop_screen", "Back", id="back")]

    def __init__(self, title: str, message: str) -> None:
        super().__init__()
        self.title_text = title
        self.message = message

    def compose(self) -> ComposeResult:
        yield Static(self.title_text, id="home-title")
        yield Static(f"{self.message}\n\nPress Escape to go back.", classes="coming-soon")
        yield Footer()
