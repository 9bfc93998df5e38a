"""quizapp's help panel: the keys that work now, the screen's own first.

Textual's built-in panel lists the focused widget's keys first (30 cursor keys in a TextArea) and
keys that do nothing now (`5 Option 5` on a cloze card). This one lists only what applies at the
moment it opens: the screen's keys, then the keys that work everywhere, then one line about the
focused box's usual keys, and the screen's own `HELP` text if it has one.

Imported when the learner first asks for help, never at start-up.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from rich.console import Group, RenderableType
from rich.markdown import Markdown
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

LEFT_OUT = {"app.focus_next", "app.focus_previous", "screen.copy_text", "help_quit"}
"""Textual's own keys that every screen has: said once in the note at the bottom, not listed."""
RENAMED = {"command_palette": "Commands"}
"""Textual's own keys, described for a quizapp user."""


@dataclass
class KeyGroups:
    """The keys that apply now, each as (keys, what they do), in the order they are bound."""

    screen: list[tuple[str, str]] = field(default_factory=list)
    everywhere: list[tuple[str, str]] = field(default_factory=list)
    typing: bool = False
    """A text box has the focus: printable keys type into it."""
    moving: bool = False
    """The focused widget has keys of its own (a list's cursor keys, a pane's scroll keys)."""


def keys_now(screen: Screen[object]) -> KeyGroups:
    """What `screen` and the app do on a key right now: keys that are disabled or have no
    description are left out, and keys bound to one action share a line (`? f1`)."""
    app = screen.app
    own: dict[tuple[str, str], list[str]] = {}
    everywhere: dict[tuple[str, str], list[str]] = {}
    groups = KeyGroups()
    for node, binding, enabled, _tooltip in screen.active_bindings.values():
        if not enabled or binding.action in LEFT_OUT:
            continue
        description = RENAMED.get(binding.action, binding.description)
        if node is app:
            target = everywhere
        elif node is screen or binding.show:  # a widget's key it shows (Enter: check the answer)
            target = own
        else:  # the focused widget or a container of it: its cursor and editing keys
            groups.moving = True
            continue
        if description:
            target.setdefault((binding.action, description), []).append(app.get_key_display(binding))
    focused = screen.focused
    groups.typing = focused is not None and focused.check_consume_key("a", "a")
    groups.screen = [(" ".join(keys), description) for (_action, description), keys in own.items()]
    groups.everywhere = [(" ".join(keys), description) for (_action, description), keys in everywhere.items()]
    return groups


def render_keys(groups: KeyGroups, screen_help: str = "") -> RenderableType:
    """The panel's content: a heading and one line per key in each group, then the notes."""
    parts: list[RenderableType] = []
    width = max((len(keys) for keys, _ in groups.screen + groups.everywhere), default=1)
    for heading, lines in (("This screen", groups.screen), ("Everywhere", groups.everywhere)):
        if not lines:
            continue
        table = Table.grid(padding=(0, 1))
        table.add_column(justify="right", style="bold", no_wrap=True, min_width=width)
        table.add_column()
        for keys, description in lines:
            table.add_row(keys, description)
        parts += [Text(heading, style="bold underline"), table, Text("")]
    if groups.typing:
        parts.append(
            Text("Typing goes into the text box: its usual keys (arrows, home/end, ctrl+z …) work.", "dim")
        )
    elif groups.moving:
        parts.append(
            Text("The arrows, page up/down and home/end move in the list or pane with the focus.", "dim")
        )
    parts.append(Text("tab moves to the next box; esc closes this panel.", "dim"))
    if screen_help.strip():
        parts += [Text(""), Markdown(screen_help.strip())]
    return Group(*parts)


class HelpPanel(VerticalScroll):
    """The keys, in a column down the right of the screen."""

    DEFAULT_CSS = """
    HelpPanel {
        width: 45%;
        min-width: 38;
        max-width: 60;
        height: 100%;
        padding: 0 1;
        background: $panel;
        border-left: vkey $accent;
    }
    HelpPanel > Static {
        height: auto;
    }
    """

    def __init__(self, content: RenderableType) -> None:
        super().__init__()
        self.content = content

    def compose(self) -> ComposeResult:
        yield Static(self.content)


class HelpScreen(ModalScreen[None]):
    """The help panel over the screen it describes; escape, `?` or f1 closes it."""

    DEFAULT_CSS = """
    HelpScreen {
        align: right top;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,f1", "close", "Close", id="help-close"),
    ]

    def __init__(self, below: Screen[object]) -> None:
        super().__init__()
        self.content = render_keys(keys_now(below), below.HELP or "")

    def compose(self) -> ComposeResult:
        yield HelpPanel(self.content)

    def action_close(self) -> None:
        self.dismiss(None)
