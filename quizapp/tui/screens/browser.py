"""The card browser (Anki's Browse): search every card, see one as in study with its history, and
suspend, bury, forget or edit it, or mark several and act on all of them at once.

A search runs in a thread worker on a read-only connection of its own and comes back as `Searched`;
the list holds one page of rows (`m` fetches the next). The actions and the history are
`quizapp.application.cards`'s, the same `quizapp cards` calls.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import datetime
from typing import ClassVar

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import DataTable, Input, Static
from textual.widgets.data_table import ColumnKey

from quizapp.application import cards as use_cases
from quizapp.application.cards import CardQueryError, CardRow, Change, Found
from quizapp.core import card_query
from quizapp.core.db import open_reader
from quizapp.core.kinds import Hint, kind_of
from quizapp.core.storage import describe
from quizapp.core.untrusted import safe_text, visible
from quizapp.tui import render
from quizapp.tui.editing import edit_card
from quizapp.tui.keybar import KeyBar
from quizapp.tui.screens.base import QuizScreen

FIXED_COLUMNS = {"deck": 16, "state": 10, "due": 10, "lapses": 6}
"""Widths of the list's columns other than the mark and the prompt, which takes the rest."""
NARROW_DECK = 10
"""The deck column's width on a terminal under 100 columns, to leave the prompt some room."""
MARK = Text("●", style="bold yellow")


class BrowserScreen(QuizScreen[None]):
    HELP = f"""
## Card browser

Type a search: the list follows as you type. **Enter** or **↓** goes to the list, **/** back to the
search. On the highlighted card: **s** suspends or unsuspends it, **b** buries or unburies it,
**f** forgets it (back to new; its history stays in the log), **u** undoes the last of these,
**e** opens its deck file in `$EDITOR` at its line and reloads it after. **m** lists more results.

**space** marks the highlighted card (and moves down), **a** marks every card listed, or clears
the marks when all are marked, as **esc** does. With cards marked, **s**, **b** and **f** act on the
marked cards the list shows, and **u** undoes that in one go.

```
{card_query.HELP}
```
"""

    class Searched(Message, bubble=False):
        """A search came back: a page of cards, or why the query cannot be read."""

        def __init__(self, text: str, found: Found | None, error: str | None, *, more: bool) -> None:
            super().__init__()
            self.text = text
            self.found = found
            self.error = error
            self.more = more
            """A next page, to add below the rows shown."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "focus_search", "Search", id="browse-search"),
        # From the search box to the list; a priority key so that the box cannot take it (check_action
        # turns it off in the list, where ↓ moves the cursor).
        Binding("down", "focus_list", "Cards", id="browse-to-list", priority=True),
        Binding("space", "toggle_mark", "Mark", id="browse-mark"),
        # One key, two meanings: `check_action` enables the one that applies.
        Binding("a", "mark_all", "Mark all", id="browse-mark-all", show=False),
        Binding("a", "clear_marks", "Clear marks", id="browse-clear-marks", show=False),
        Binding("s", "toggle_suspend", "Suspend", id="browse-suspend"),
        Binding("b", "toggle_bury", "Bury", id="browse-bury"),
        Binding("f", "forget", "Forget", id="browse-forget"),
        Binding("u", "undo", "Undo", id="browse-undo"),
        Binding("e", "edit", "Edit", id="browse-edit"),
        Binding("m", "more", "More", id="browse-more"),
        Binding("escape", "back", "Back", id="browse-back"),
    ]

    page_size = use_cases.PAGE
    """Cards fetched at once; `m` fetches as many more."""

    def __init__(self, query: str = "") -> None:
        super().__init__()
        self.initial_query = query
        self.found: Found | None = None
        """The search shown, with the rows fetched so far."""
        self.rows: list[CardRow] = []
        self.changes: list[Change] = []
        """What the actions of this visit changed, newest last: `u` takes them back."""
        self.marked: dict[str, None] = {}
        """The marked cards (ids, in the order marked). A mark outlives a search that does not list
        its card (typing a search goes through such searches), but only listed cards are acted on."""
        self._widths_for = 0
        """The terminal width the list's columns were sized for."""
        self._keep_cursor_on: str | None = None
        """The card to highlight again once the running search comes back."""

    def compose(self) -> ComposeResult:
        yield Input(
            self.initial_query,
            placeholder="Search: words deck:ID tag:T kind:cloze is:due due:<7 lapses:>3 -term",
            id="browser-query",
            compact=True,
        )
        yield Static(id="browser-status")
        yield DataTable(id="browser-cards", cursor_type="row", zebra_stripes=True)
        with VerticalScroll(id="browser-detail"):
            yield Static(id="browser-card")
            yield Static(id="browser-history")
        yield KeyBar()

    def on_mount(self) -> None:
        table = self.query_one("#browser-cards", DataTable)
        table.add_column("", key="mark", width=1)
        table.add_column("Card", key="prompt", width=self._prompt_width())
        for key, width in self._fixed_widths().items():
            table.add_column(key.capitalize(), key=key, width=width)
        self._widths_for = self.app.size.width
        self.search(self.initial_query)
        if self.initial_query:
            table.focus()
        else:
            self.query_one("#browser-query", Input).focus()

    def on_screen_resume(self) -> None:
        self._refresh_rows([row.id for row in self.rows])

    def _fixed_widths(self) -> dict[str, int]:
        if self.app.size.width < 100:
            return {**FIXED_COLUMNS, "deck": NARROW_DECK}
        return FIXED_COLUMNS

    def _prompt_width(self) -> int:
        padding = 2 * (len(FIXED_COLUMNS) + 2)  # a cell's padding on each side
        return max(self.app.size.width - sum(self._fixed_widths().values()) - padding - 7, 16)

    def on_resize(self, _event: events.Resize) -> None:
        """The prompt column takes the width the terminal has now: the rows are cut again to it."""
        if not self.is_mounted or self.app.size.width == self._widths_for:
            return
        self._widths_for = self.app.size.width
        table = self.query_one("#browser-cards", DataTable)
        widths = {"prompt": self._prompt_width(), **self._fixed_widths()}
        for key, width in widths.items():
            table.columns[ColumnKey(key)].width = width
        for row in self.rows:
            for key, cell in zip(("mark", "prompt", *FIXED_COLUMNS), self._cells(row), strict=True):
                table.update_cell(row.id, key, cell)
        table.refresh()

    # -- searching ---------------------------------------------------------------------------------

    @property
    def query_text(self) -> str:
        return self.query_one("#browser-query", Input).value

    @on(Input.Changed, "#browser-query")
    def _typed(self, event: Input.Changed) -> None:
        self.search(event.value)

    @on(Input.Submitted, "#browser-query")
    def _submitted(self, _event: Input.Submitted) -> None:
        self.query_one("#browser-cards", DataTable).focus()

    def search(self, text: str, offset: int = 0) -> None:
        """Run the search in a worker; `Searched` brings the page back."""
        self._search(text, offset)

    @work(thread=True, exclusive=True, group="browse-search", exit_on_error=False)
    def _search(self, text: str, offset: int) -> None:
        collection = self.app.collection
        assert collection.db.path is not None
        reader = open_reader(collection.db.path)  # a connection of this thread's own
        try:
            found = use_cases.search(
                reader, collection.settings, text, self.app.clock(), limit=self.page_size, offset=offset
            )
        except CardQueryError as error:
            self.post_message(self.Searched(text, None, str(error), more=bool(offset)))
            return
        except sqlite3.Error as error:
            self.post_message(self.Searched(text, None, describe(error), more=bool(offset)))
            return
        finally:
            reader.close()
        self.post_message(self.Searched(text, found, None, more=bool(offset)))

    @on(Searched)
    def _show_found(self, event: Searched) -> None:
        if event.text != self.query_text:
            return  # the learner typed on meanwhile; a newer search is on its way
        status = self.query_one("#browser-status", Static)
        if event.found is None:
            status.update(Text.assemble(("⚠ ", "bold"), visible(event.error or "")))
            status.set_class(True, "-error")
            return
        status.set_class(False, "-error")
        table = self.query_one("#browser-cards", DataTable)
        if not event.more:
            self.rows = []
            table.clear()
        self.found = event.found
        self.rows += event.found.cards
        self.refresh_bindings()
        for row in event.found.cards:
            table.add_row(*self._cells(row), key=row.id)
        self._show_count()
        keep, self._keep_cursor_on = self._keep_cursor_on, None
        if keep is not None and keep in (row.id for row in self.rows):
            table.move_cursor(row=table.get_row_index(keep))
        if not event.more:
            self._show_card(self.card_id)

    def _show_count(self) -> None:
        found = self.found
        if found is None:
            return
        more = max(found.total - len(self.rows), 0)
        text = Text(f"{found.total} card(s)")
        if more:
            text.append(f" · {len(self.rows)} shown, {more} more (m)")
        if marked := self._marked_rows():
            text.append(" · ")
            text.append(f"{len(marked)} marked", style="bold")
            every = len(marked) == len(self.rows)
            text.append(
                ": s, b, f act on them · " + ("a or esc clears" if every else "a marks all · esc clears")
            )
        self.query_one("#browser-status", Static).update(text)

    def _cells(self, row: CardRow) -> tuple[RenderableType, ...]:
        width = self._prompt_width()
        prompt = row.prompt if len(row.prompt) <= width else row.prompt[: width - 1] + "…"
        deck_width = self._fixed_widths()["deck"]
        deck = row.deck if len(row.deck) <= deck_width else row.deck[: deck_width - 1] + "…"
        status = Text(row.status, style="bold red" if row.leech else "")
        return (
            MARK if row.id in self.marked else Text(""),
            safe_text(prompt),
            safe_text(deck),
            status,
            row.due_date() or "—",
            Text(str(row.lapses), justify="right"),
        )

    def action_focus_search(self) -> None:
        self.query_one("#browser-query", Input).focus()

    def action_focus_list(self) -> None:
        """↓ in the search box: to the list, where the keys act on the highlighted card."""
        self.query_one("#browser-cards", DataTable).focus()

    def action_more(self) -> None:
        if self.found is not None and self.found.total > len(self.rows):
            self.search(self.query_text, offset=len(self.rows))

    # -- the highlighted card ----------------------------------------------------------------------

    @property
    def card_id(self) -> str | None:
        """The id of the highlighted card; None when the list is empty."""
        table = self.query_one("#browser-cards", DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return str(key) if key is not None else None

    @on(DataTable.RowHighlighted, "#browser-cards")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_card(event.row_key.value)

    def _show_card(self, card_id: str | None) -> None:
        card_view = self.query_one("#browser-card", Static)
        history_view = self.query_one("#browser-history", Static)
        collection = self.app.collection
        detail = (
            None
            if card_id is None
            else use_cases.card_detail(collection.db, collection.settings, card_id, self.now)
        )
        if detail is None:
            card_view.update(
                Text("No card matches." if self.found and not self.found.total else "", style="dim")
            )
            history_view.update("")
            return
        card_view.update(self._card(detail))
        history_view.update(self._history(use_cases.history(collection.db, detail.row.id)))

    @property
    def now(self) -> datetime:
        return self.app.clock()

    @staticmethod
    def _card(detail: use_cases.CardDetail) -> Group:
        row = detail.row
        kind = kind_of(row.kind)
        facts = [row.id, row.deck, row.kind, row.status + (" · leech" if row.leech else "")]
        if row.due_date():
            facts.append(f"due {row.due_date()}")
        facts.append(f"{_count(row.reps, 'review')}, {_count(row.lapses, 'lapse')}")
        if row.tags:
            facts.append(" ".join(f"#{tag}" for tag in row.tags))
        return Group(
            safe_text(" · ".join(facts), style="dim"),
            Text(""),
            # quizapp's words on what to press in study ("Press the number…") mean nothing here.
            *render.blocks(block for block in kind.front(row.id, detail.data) if not isinstance(block, Hint)),
            Text("─" * 40, style="dim"),
            *render.blocks(kind.back(detail.data, None)),
        )

    @staticmethod
    def _history(entries: list[use_cases.HistoryEntry]) -> RenderableType:
        if not entries:
            return Text("\nNo reviews yet.", style="dim")
        table = Table(title="Reviews", title_justify="left", box=None, padding=(0, 2, 0, 0))
        for column in ("Date", "Grade", "Interval", "Stability"):
            table.add_column(column, justify="left" if column in ("Date", "Grade") else "right")
        for entry in reversed(entries):  # newest first
            table.add_row(
                datetime.fromtimestamp(entry.reviewed_at).strftime("%Y-%m-%d %H:%M"),
                entry.grade,
                _days(entry.interval_days),
                _days(entry.stability),
            )
        return Group(Text(""), table)

    # -- actions -----------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "focus_list":
            return self.query_one("#browser-query", Input).has_focus and bool(self.rows)
        if action in ("toggle_suspend", "toggle_bury", "forget", "edit", "toggle_mark"):
            return self.card_id is not None
        if action == "mark_all":
            return len(self._marked_rows()) < len(self.rows)
        if action == "clear_marks":
            return bool(self.rows) and len(self._marked_rows()) == len(self.rows)
        if action == "undo":
            return bool(self.changes)
        if action == "more":
            return self.found is not None and self.found.total > len(self.rows)
        return True

    # -- marks -------------------------------------------------------------------------------------

    def action_toggle_mark(self) -> None:
        """Space: mark the highlighted card, or unmark it; then on to the next one."""
        card_id = self.card_id
        if card_id is None:
            return
        if card_id in self.marked:
            del self.marked[card_id]
        else:
            self.marked[card_id] = None
        self._marks_changed([card_id])
        self.query_one("#browser-cards", DataTable).action_cursor_down()

    def action_mark_all(self) -> None:
        """Mark every card listed (the rows fetched so far, not the matches still to fetch)."""
        self.marked.update(dict.fromkeys(row.id for row in self.rows))
        self._marks_changed()

    def action_clear_marks(self) -> None:
        """Unmark every card, listed or not."""
        self.marked = {}
        self._marks_changed()

    def _marked_rows(self) -> list[CardRow]:
        return [row for row in self.rows if row.id in self.marked]

    def _marks_changed(self, card_ids: list[str] | None = None) -> None:
        """Show the marks of these listed cards (all of them by default) and the count."""
        table = self.query_one("#browser-cards", DataTable)
        for card_id in card_ids if card_ids is not None else [row.id for row in self.rows]:
            table.update_cell(card_id, "mark", MARK if card_id in self.marked else Text(""))
        self._show_count()
        self.refresh_bindings()

    def _targets(self) -> list[CardRow]:
        """What an action acts on: the marked cards listed, in list order, or else the highlighted one."""
        if marked := self._marked_rows():
            return marked
        row = self._row()
        return [row] if row is not None else []

    # -- actions -----------------------------------------------------------------------------------

    def action_toggle_suspend(self) -> None:
        """Suspend the cards (the marked ones, or the highlighted one); unsuspend them if all are."""
        rows = self._targets()
        if not rows:
            return
        db, ids = self.app.collection.db, [row.id for row in rows]
        if all(row.suspended for row in rows):
            self._act(lambda: use_cases.unsuspend(db, ids), "Unsuspended {}.")
        else:
            self._act(lambda: use_cases.suspend(db, ids), "Suspended {} (u to undo).")

    def action_toggle_bury(self) -> None:
        """Bury the cards until tomorrow; unbury them if all are buried."""
        rows = self._targets()
        if not rows:
            return
        collection, ids = self.app.collection, [row.id for row in rows]
        if all(row.buried for row in rows):
            self._act(lambda: use_cases.unbury(collection.db, ids, self.now), "Unburied {}.")
        else:
            self._act(
                lambda: use_cases.bury(collection.db, collection.settings, ids, self.now),
                "Buried {} until tomorrow (u to undo).",
            )

    def action_forget(self) -> None:
        rows = self._targets()
        if rows:
            db, ids = self.app.collection.db, [row.id for row in rows]
            self._act(lambda: use_cases.forget(db, ids), "Forgot {}: back to new, history kept (u to undo).")

    def action_undo(self) -> None:
        if not self.changes:
            return
        change = self.changes[-1]
        try:
            use_cases.undo(self.app.collection.db, change)
        except (sqlite3.Error, OSError) as error:
            self._not_saved(error)
            return
        self.changes.pop()
        self.refresh_bindings()
        self._refresh_rows(list(change.before))
        self._tell(f"Undone: {change.action} of {_count(change.count, 'card')}.")

    def _act(self, action: Callable[[], Change], done: str) -> None:
        """Run one action, keep it for undo, show the cards' new state and say how many changed
        (`done` with `{}` for "3 cards")."""
        try:
            change: Change = action()
        except (sqlite3.Error, OSError) as error:
            self._not_saved(error)
            return
        if change.count:
            self.changes.append(change)
            self.refresh_bindings()
        self._refresh_rows(list(change.before))
        self._tell(done.format(_count(change.count, "card")) if change.count else "Nothing to change.")

    def _tell(self, message: str) -> None:
        """A short notice; it replaces the one before, so notices never pile up over the card."""
        self.app.clear_notifications()
        self.notify(message, markup=False)

    def _not_saved(self, error: Exception) -> None:
        self.app.clear_notifications()
        self.notify(
            visible(f"Not saved: {describe(error)}"), title="Could not save", severity="error", markup=False
        )

    def _row(self) -> CardRow | None:
        card_id = self.card_id
        return next((row for row in self.rows if row.id == card_id), None)

    def _refresh_rows(self, card_ids: list[str]) -> None:
        """Show these cards' current state in the list, and the highlighted card again."""
        collection = self.app.collection
        table = self.query_one("#browser-cards", DataTable)
        index = {row.id: position for position, row in enumerate(self.rows)}
        for card_id in card_ids:
            detail = use_cases.card_detail(collection.db, collection.settings, card_id, self.now)
            if detail is None or card_id not in index:
                continue
            self.rows[index[card_id]] = detail.row
            for key, cell in zip(("mark", "prompt", *FIXED_COLUMNS), self._cells(detail.row), strict=True):
                table.update_cell(card_id, key, cell)
        self._show_card(self.card_id)

    def action_edit(self) -> None:
        """Open the card's deck file in $EDITOR at its line; reload the decks and the list after."""
        card_id = self.card_id
        if card_id is None:
            return
        edit_card(self, card_id)
        self._search_again_on(card_id)

    def _search_again_on(self, card_id: str) -> None:
        """Run the search again (the file changed) and keep the cursor on `card_id` if it still matches."""
        self._keep_cursor_on = card_id
        self.search(self.query_text)

    def action_back(self) -> None:
        """Escape: from the search box to the list; in the list, clear the marks, then leave."""
        search = self.query_one("#browser-query", Input)
        table = self.query_one("#browser-cards", DataTable)
        if search.has_focus and table.row_count:
            table.focus()
        elif self._marked_rows():
            self.action_clear_marks()
        else:
            self.app.leave_screen()


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")


def _days(days: float | None) -> str:
    if days is None:
        return "—"
    if days < 1:
        minutes = days * 24 * 60
        return f"{minutes:.0f}m" if minutes < 60 else f"{minutes / 60:.0f}h"
    return f"{days:.1f}d" if days < 10 else f"{days:.0f}d"
