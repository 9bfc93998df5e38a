"""The baseline of the start-up benchmark: a bare Textual app showing one label."""

from textual.app import App, ComposeResult
from textual.widgets import Label


class Bare(App[None]):
    def compose(self) -> ComposeResult:
        yield Label("BASELINE-READY")


if __name__ == "__main__":
    Bare().run()
