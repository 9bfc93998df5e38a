"""A one-line bar of the screen's keys.

Textual's Footer builds one widget per key and rebuilds them whenever the bindings change; on the
study screen that was ~45 ms of the start-up. This is one Static holding one line of text.

One key per action: the first that works now. The app binds help to `?` and f1, and Textual
leaves `?` out of the active bindings while a text box has the focus, so the bar shows `?` or f1.
The app's keys (help) come last and are never cut: when the line is too long for the screen, the
screen's last keys give way to a `…` (the help panel lists them all).
"""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.widgets import Static


class KeyBar(Static):
    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        background: $panel;
        color: $text;
    }
    """

    def __init__(self) -> None:
        super().__init__()
        self._own: list[Text] = []
        """The screen's keys, one Text each."""
        self._everywhere: list[Text] = []
        """The app's keys (help), shown last."""

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self.call_after_refresh(self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def on_resize(self, _event: events.Resize) -> None:
        self._show()

    def _bindings_changed(self, _screen: object = None) -> None:
        own: list[Text] = []
        everywhere: list[Text] = []
        seen: set[str] = set()
        for node, binding, enabled, _tooltip in self.screen.active_bindings.values():
            if not binding.show or binding.action in seen:
                continue
            seen.add(binding.action)
            key = Text()
            key.append(f" {self.app.get_key_display(binding)} ", style="bold" if enabled else "dim")
            key.append(f"{binding.description} ", style="" if enabled else "dim")
            (everywhere if node is self.app else own).append(key)
        self._own, self._everywhere = own, everywhere
        self._show()

    def _show(self) -> None:
        width = self.size.width
        everywhere = sum(key.cell_len for key in self._everywhere)
        text = Text(no_wrap=True, overflow="ellipsis")
        if width and sum(key.cell_len for key in self._own) + everywhere > width:
            room = width - everywhere - 2  # for " …"
            for key in self._own:
                if key.cell_len > room:
                    text.append(" …", style="dim")
                    break
                text.append_text(key)
                room -= key.cell_len
        else:
            for key in self._own:
                text.append_text(key)
        for key in self._everywhere:
            text.append_text(key)
        self.update(text)
