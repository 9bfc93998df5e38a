"""The card browser driven with Textual's Pilot: search, the card and its history, each action,
editing in $EDITOR at the card's line and the re-sync after it; and its pictures at both sizes."""

from __future__ import annotations

import io
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from conftest import FIXTURES, T0
from rich.console import Console
from textual.pilot import Pilot
from textual.widgets import DataTable

from quizapp.application.collection import Collection
from quizapp.core.study import StudySession
from quizapp.tui.app import QuizApp
from quizapp.tui.screens.browser import BrowserScreen
from quizapp.tui.screens.home import HomeScreen

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


def browser_on(collection: Collection, query: str = "") -> QuizApp:
    return QuizApp(collection, start="browse", browse_query=query, clock=lambda: T0)


async def settled(pilot: Pilot) -> None:
    """Wait for the search worker and the message it posts."""
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def shown(app: QuizApp, selector: str) -> str:
    """The plain text a Static shows, as a terminal would draw it."""
    console = Console(width=200, record=True, color_system=None, file=io.StringIO())
    console.print(app.screen.query_one(selector).content)
    return console.export_text()


def rows(app: QuizApp) -> list[list[str]]:
    """The list's cells as text, less the mark column."""
    table = app.screen.query_one("#browser-cards", DataTable)
    return [[str(cell) for cell in table.get_row_at(index)[1:]] for index in range(table.row_count)]


def marked_rows(app: QuizApp) -> list[str]:
    """The ids of the rows that show a mark."""
    table = app.screen.query_one("#browser-cards", DataTable)
    return [row.id for index, row in enumerate(app.screen.rows) if str(table.get_row_at(index)[0]).strip()]


def listed_ids(app: QuizApp) -> list[str]:
    return [row.id for row in app.screen.rows]


async def highlight(pilot: Pilot, card_id: str) -> None:
    screen = pilot.app.screen
    table = screen.query_one("#browser-cards", DataTable)
    table.focus()
    table.move_cursor(row=table.get_row_index(card_id))
    await pilot.pause()
    assert screen.card_id == card_id


async def test_typing_a_search_lists_the_matching_cards_rendered(collection):
    app = browser_on(collection)
    async with app.run_test(size=(100, 30)) as pilot:
        await settled(pilot)
        assert isinstance(app.screen, BrowserScreen)
        assert len(listed_ids(app)) == 9 and shown(app, "#browser-status").strip() == "9 card(s)"
        await pilot.press(*"kind:cloze")
        await settled(pilot)
        assert listed_ids(app) == ["wd#c1", "wd#c2"]
        first = rows(app)[0]
        assert first[0].startswith("Weight decay adds […] to the loss") and "{{c" not in first[0]
        assert first[1:] == ["demo", "new", "—", "0"]
        assert "Weight decay adds […]" in shown(app, "#browser-card")  # the highlighted card, as in study
        await pilot.press("space", *"is:nonsense")
        await settled(pilot)
        assert "is:nonsense: 'is:' takes one of" in shown(app, "#browser-status")
        assert listed_ids(app) == ["wd#c1", "wd#c2"]  # the last good search stays
        await pilot.press("enter")  # to the list
        assert app.screen.focused is app.screen.query_one("#browser-cards")


async def test_the_card_shows_as_in_study_with_its_review_history(collection):
    session = StudySession(collection.db, collection.settings)
    session.rate("conv-out", 3, T0 - timedelta(days=2))
    session.rate("conv-out", 3, T0 - timedelta(days=2, minutes=-15))
    app = browser_on(collection, "id:conv-out")
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(pilot)
        card = shown(app, "#browser-card")
        assert "conv-out · demo · basic · review" in card
        assert "Output size of a conv with input H, kernel K" in card
        assert "⌊(H - K + 2P)/S⌋ + 1" in card  # the back, formulas as Unicode
        history = shown(app, "#browser-history").splitlines()
        assert [line.split()[2] for line in history if line.strip().startswith("20")] == ["Good", "Good"]
        assert "10m" in shown(app, "#browser-history")  # the first Good's interval


async def test_suspend_bury_forget_and_undo_on_the_highlighted_card(collection):
    StudySession(collection.db, collection.settings).rate("gap", 3, T0 - timedelta(minutes=5))
    app = browser_on(collection)
    db = collection.db

    def column(name: str) -> object:
        return db.execute(f"select {name} from cards where id = 'gap'").fetchone()[0]

    async with app.run_test(size=(100, 30)) as pilot:
        await settled(pilot)
        await highlight(pilot, "gap")
        position = listed_ids(app).index("gap")
        await pilot.press("s")
        assert column("suspended") == 1 and rows(app)[position][2] == "suspended"
        assert "suspended" in shown(app, "#browser-card")
        await pilot.press("s")
        assert column("suspended") == 0 and rows(app)[position][2] == "learning"
        await pilot.press("b")
        assert column("buried_until") > T0.timestamp() and rows(app)[position][2] == "buried"
        await pilot.press("u")
        assert column("buried_until") is None and rows(app)[position][2] == "learning"
        await pilot.press("f")
        assert (column("state"), column("reps"), column("stability")) == (0, 0, None)
        assert rows(app)[position][2] == "new"
        assert db.execute("select count(*) from reviews where card_id = 'gap'").fetchone()[0] == 1  # kept
        await pilot.press("u")
        assert column("state") == 1 and column("reps") == 1


async def test_keys_typed_in_the_search_box_never_act_on_a_card(collection):
    app = browser_on(collection)
    async with app.run_test(size=(100, 30)) as pilot:
        await settled(pilot)
        await pilot.press(*"sbfue")
        await settled(pilot)
        assert app.screen.query_one("#browser-query").value == "sbfue"
        assert (
            collection.db.execute(
                "select count(*) from cards where suspended = 1 or buried_until"
            ).fetchone()[0]
            == 0
        )


def notices(app: QuizApp) -> list[str]:
    return [str(notification.message) for notification in app._notifications]


async def test_down_in_the_search_box_goes_to_the_list_and_then_moves_its_cursor(collection):
    app = browser_on(collection)
    async with app.run_test(size=(100, 30)) as pilot:
        await settled(pilot)
        table = app.screen.query_one("#browser-cards", DataTable)
        assert "↓ Cards" in shown(app, "KeyBar")  # the way out of the box, on the key bar
        await pilot.press("down")
        assert app.screen.focused is table and table.cursor_row == 0
        assert "↓ Cards" not in shown(app, "KeyBar") and "s Suspend" in shown(app, "KeyBar")
        await pilot.press("down", "down")
        assert table.cursor_row == 2 and app.screen.card_id == listed_ids(app)[2]
        await pilot.press("slash")
        assert app.screen.focused is app.screen.query_one("#browser-query")


async def test_notices_replace_each_other_instead_of_piling_up_over_the_card(collection):
    app = browser_on(collection)
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        await highlight(pilot, "gap")
        await pilot.press("s", "b", "u", "u")
        assert notices(app) == ["Undone: suspend of 1 card."]


async def test_the_prompt_column_follows_the_terminals_width(collection):
    app = browser_on(collection, "id:conv-t")
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        narrow = rows(app)[0][0]
        assert narrow.endswith("…") and rows(app)[0][1] == "demo"
        await pilot.resize_terminal(160, 40)
        await pilot.pause()
        wide = rows(app)[0][0]
        assert not wide.endswith("…") and len(wide) > len(narrow) + 30 and wide.startswith(narrow[:-1])
        assert app.screen.query_one("#browser-cards", DataTable).columns["prompt"].width >= len(wide)


async def test_a_choice_card_shows_its_options_and_answer_without_studys_instructions(collection):
    app = browser_on(collection, "id:gap")
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(pilot)
        card = shown(app, "#browser-card")
        assert "nn.MaxPool2d(2)" in card and "Answer: nn.AdaptiveAvgPool2d(1)" in card
        assert "Press the number" not in card


async def test_space_marks_several_cards_and_each_action_then_acts_on_all_of_them(collection):
    StudySession(collection.db, collection.settings).rate("gap", 3, T0 - timedelta(minutes=5))
    db = collection.db

    def flags() -> dict[str, tuple[int, bool, int]]:
        """Each card's (suspended, buried, state)."""
        rows = db.execute(
            "select id, suspended, coalesce(buried_until > ?, 0), state from cards", [T0.timestamp()]
        )
        return {card_id: (suspended, bool(buried), state) for card_id, suspended, buried, state in rows}

    app = browser_on(collection)
    async with app.run_test(size=(100, 30)) as pilot:
        await settled(pilot)
        await highlight(pilot, "backbone")
        position = listed_ids(app).index("backbone")
        await pilot.press("space", "space")  # space marks and moves on: backbone and the next card
        marked = listed_ids(app)[position : position + 2]
        assert marked_rows(app) == marked and "2 marked" in shown(app, "#browser-status")
        await highlight(pilot, "gap")
        await pilot.press("space")
        marked.append("gap")
        assert sorted(marked_rows(app)) == sorted(marked)
        before = flags()

        await pilot.press("s")
        after = flags()
        assert {card_id for card_id in after if after[card_id][0]} == set(marked)  # all three, no other
        assert notices(app)[-1] == "Suspended 3 cards (u to undo)."
        assert [rows(app)[listed_ids(app).index(card_id)][2] for card_id in marked] == ["suspended"] * 3
        await pilot.press("s")  # all marked are suspended: s unsuspends them
        assert flags() == before and notices(app)[-1] == "Unsuspended 3 cards."

        await pilot.press("b")
        assert all(flags()[card_id][1] for card_id in marked) and notices(app)[-1].startswith(
            "Buried 3 cards"
        )
        await pilot.press("u")  # one undo takes back the whole bury
        assert flags() == before

        await pilot.press("f")  # only gap has been studied: one card changes, and the notice says so
        assert flags()["gap"][2] == 0 and notices(app)[-1].startswith("Forgot 1 card:")
        await pilot.press("u")
        assert flags() == before
        assert marked_rows(app) == [card_id for card_id in listed_ids(app) if card_id in marked]  # kept


async def test_a_marks_every_listed_card_then_clears_them_and_escape_clears_before_leaving(collection):
    app = browser_on(collection, "kind:cloze")
    async with app.run_test(size=(100, 30)) as pilot:
        await settled(pilot)
        assert isinstance(app.screen, BrowserScreen)
        await pilot.press("a")
        assert marked_rows(app) == ["wd#c1", "wd#c2"] and "2 marked" in shown(app, "#browser-status")
        assert "a or esc clears" in shown(app, "#browser-status")  # a again unmarks
        await pilot.press("a")
        assert marked_rows(app) == [] and "marked" not in shown(app, "#browser-status")
        await pilot.press("a", "escape")
        assert marked_rows(app) == [] and isinstance(app.screen, BrowserScreen)  # esc cleared the marks
        await pilot.press("escape")
        assert isinstance(app.screen, HomeScreen)


async def test_only_the_marked_cards_the_list_shows_are_acted_on(collection):
    app = browser_on(collection, "kind:cloze")
    async with app.run_test(size=(100, 30)) as pilot:
        await settled(pilot)
        await pilot.press("a", "slash", *" id:wd#c1")  # the search passes through "…i" (no match)
        await settled(pilot)
        assert listed_ids(app) == ["wd#c1"] and marked_rows(app) == ["wd#c1"]
        assert "1 marked" in shown(app, "#browser-status")
        app.screen.query_one("#browser-cards").focus()
        await pilot.press("s")  # wd#c2 is marked but not listed: left alone
        assert db_suspended(collection) == ["wd#c1"]
        await pilot.press("slash", *["backspace"] * len(" id:wd#c1"))
        await settled(pilot)
        assert marked_rows(app) == ["wd#c1", "wd#c2"]  # listed again, still marked


def db_suspended(collection: Collection) -> list[str]:
    return [row[0] for row in collection.db.execute("select id from cards where suspended = 1 order by id")]


EDITOR_STUB = """#!{python}
import pathlib, sys
pathlib.Path({record!r}).write_text(repr(sys.argv[1:]))
path = pathlib.Path(sys.argv[-1])
path.write_text(path.read_text().replace("global average pooling", "GLOBAL AVERAGE POOLING"))
"""


async def test_edit_opens_the_deck_file_at_the_cards_line_and_shows_the_edited_card(
    collection, decks, tmp_path, monkeypatch
):
    record = tmp_path / "argv.txt"
    stub = tmp_path / "bin" / "nvim"
    stub.parent.mkdir()
    stub.write_text(EDITOR_STUB.format(python=sys.executable, record=str(record)))
    stub.chmod(0o755)
    monkeypatch.setenv("VISUAL", str(stub))
    deck_file = decks / "demo.yaml"
    line = deck_file.read_text().splitlines().index("  - id: gap") + 1
    app = browser_on(collection, "pooling")
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(pilot)
        await highlight(pilot, "gap")
        await pilot.press("e")
        await settled(pilot)
        assert record.read_text() == repr([f"+{line}", str(deck_file)])
        assert rows(app)[0][0] == "Which layer implements GLOBAL AVERAGE POOLING?"
        assert app.screen.card_id == "gap"
        assert "Which layer implements GLOBAL AVERAGE POOLING?" in shown(app, "#browser-card")


async def test_an_edit_that_breaks_the_file_is_said_and_the_card_stays(
    collection, decks, tmp_path, monkeypatch
):
    stub = tmp_path / "bin" / "vim"
    stub.parent.mkdir()
    stub.write_text(f"#!{sys.executable}\nimport sys\nopen(sys.argv[-1], 'a').write('  - {{broken\\n')\n")
    stub.chmod(0o755)
    monkeypatch.setenv("VISUAL", str(stub))
    app = browser_on(collection, "pooling")
    async with app.run_test(size=(100, 30)) as pilot:
        await settled(pilot)
        await pilot.press("e")
        await settled(pilot)
        notes = [str(notification.message) for notification in app._notifications]
        assert any("demo.yaml:" in note and "stay as they were" in note for note in notes)
        assert listed_ids(app) == ["gap"]


async def test_home_screen_b_opens_the_browser_and_escape_comes_back(collection):
    app = QuizApp(collection, clock=lambda: T0)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("b")
        await settled(pilot)
        assert isinstance(app.screen, BrowserScreen) and len(listed_ids(app)) == 9
        await pilot.press("escape")  # from the search box to the list
        await pilot.press("escape")
        assert isinstance(app.screen, HomeScreen)


async def test_more_fetches_the_next_page(collection, monkeypatch):
    monkeypatch.setattr(BrowserScreen, "page_size", 4)
    app = browser_on(collection)
    async with app.run_test(size=(100, 30)) as pilot:
        await settled(pilot)
        assert len(listed_ids(app)) == 4 and "4 shown, 5 more (m)" in shown(app, "#browser-status")
        app.screen.query_one("#browser-cards").focus()
        await pilot.press("m")
        await settled(pilot)
        await pilot.press("m")
        await settled(pilot)
        assert len(listed_ids(app)) == 9 and shown(app, "#browser-status").strip() == "9 card(s)"


@pytest.fixture
def demo(tmp_path: Path):
    opened = Collection.open(tmp_path / "home", [FIXTURES / "decks"], builtin=False)
    yield opened
    opened.close()


@pytest.mark.parametrize("size", SIZES)
def test_browser_picture(snap_compare, demo, size):
    StudySession(demo.db, demo.settings).rate("conv-out", 3, T0 - timedelta(minutes=30))

    async def searched(pilot: Pilot) -> None:
        await settled(pilot)
        await pilot.press("enter", "space", "space")  # to the list; mark the first two cards
        await pilot.pause()

    assert snap_compare(browser_on(demo, "-kind:type"), terminal_size=size, run_before=searched)
