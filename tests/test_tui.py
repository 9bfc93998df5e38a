"""The home and study screens driven with Textual's Pilot."""

import io
from datetime import timedelta

from conftest import T0
from rich.console import Console

from quizapp.tui.app import QuizApp
from quizapp.tui.screens.home import HomeScreen
from quizapp.tui.screens.study import StudyScreen


class Clock:
    """A settable clock, so learning steps can be stepped over."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self):
        return self.now


def text_of(app: QuizApp, selector: str) -> str:
    """The plain text a Static shows, as a terminal would draw it."""
    content = app.screen.query_one(selector).content
    console = Console(width=200, record=True, color_system=None, file=io.StringIO())
    console.print(content)
    return console.export_text()


def make_app(collection, **kwargs) -> QuizApp:
    return QuizApp(collection, clock=kwargs.pop("clock", Clock()), **kwargs)


async def test_home_lists_decks_with_counts_and_enter_studies(collection):
    app = make_app(collection)
    async with app.run_test(size=(100, 30)) as pilot:
        assert isinstance(app.screen, HomeScreen)
        table = app.screen.query_one("#decks")
        assert table.row_count == 1
        assert [str(c) for c in table.get_row_at(0)] == ["Demo 演示", "9", "0", "0", "9"]
        await pilot.press("enter")
        assert isinstance(app.screen, StudyScreen)
        await pilot.pause()
        assert text_of(app, "#progress").startswith("Demo 演示")  # the deck's title, not its id
        await pilot.press("escape")
        assert isinstance(app.screen, HomeScreen)


async def test_reveal_grade_and_undo(collection):
    app = make_app(collection, start="study")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        assert "Output size of a conv" in text_of(app, "#prompt")
        assert text_of(app, "#answer").strip() == ""
        await pilot.press("space")
        assert "⌊(H - K + 2P)/S⌋ + 1" in text_of(app, "#answer")
        grades = text_of(app, "#grades")
        assert "Again 1m" in grades and "Good 10m" in grades
        await pilot.press("3")
        assert screen.card.id == "backbone"
        assert collection.db["cards"].get("conv-out")["state"] == 1
        assert "done 1" in text_of(app, "#progress")
        await pilot.press("u")
        assert screen.card.id == "conv-out"
        assert collection.db["cards"].get("conv-out")["state"] == 0
        assert "done 0" in text_of(app, "#progress")


async def test_keys_that_make_no_sense_yet_do_nothing(collection):
    app = make_app(collection, start="study")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("3")  # grading before the answer is shown
        assert app.screen.card.id == "conv-out"
        assert collection.db["reviews"].count == 0
        assert app.screen.check_action("undo", ()) is False


async def test_type_in_card_checks_the_answer(collection):
    app = make_app(collection, start="study")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        screen.show_id("isin")
        await pilot.pause()
        await pilot.press(*'df[df.country.isin(["Italy","France"])];')
        await pilot.press("enter")
        assert "✓ Correct" in text_of(app, "#answer")
        await pilot.press("enter")  # Enter takes the suggested grade: Good
        assert collection.db.execute("select rating from reviews").fetchone()[0] == 3


async def test_wrong_type_in_answer_suggests_again(collection):
    app = make_app(collection, start="study")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        screen.show_id("conv-t")
        await pilot.pause()
        await pilot.press("1", "0", "enter")
        answer = text_of(app, "#answer")
        assert "✗ Not quite" in answer and "You typed: 10" in answer and "9" in answer
        assert "Enter = Again" in text_of(app, "#grades")
        await pilot.press("enter")
        assert collection.db.execute("select rating from reviews").fetchone()[0] == 1


async def test_choice_card_is_answered_with_a_number(collection):
    app = make_app(collection, start="study")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        screen.show_id("gap")
        await pilot.pause()
        right = screen.study.choices.index(screen.card.data["answer"]) + 1  # options are shuffled
        assert f" {right}  nn.AdaptiveAvgPool2d(1)" in text_of(app, "#prompt")
        await pilot.press(str(right))
        assert "✓ Correct" in text_of(app, "#answer")
        await pilot.press("4")
        assert collection.db.execute("select rating from reviews").fetchone()[0] == 4


async def test_spot_the_bug_shows_the_explanation_and_the_fix(collection):
    app = make_app(collection, start="study")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        screen.show_id("argwhere-and")
        await pilot.pause()
        await pilot.press("space")
        answer = text_of(app, "#answer")
        assert "use & for element-wise and" in answer
        assert "Fixed:" in answer


async def test_a_whole_session_ends_with_a_summary(collection):
    clock = Clock()
    app = make_app(collection, start="study", clock=clock)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        for _ in range(40):
            if screen.card is None:
                break
            if screen.card.kind in ("type", "output"):
                await pilot.press("x", "enter", "4")
            elif screen.card.kind == "choice":
                await pilot.press("1", "4")
            else:
                await pilot.press("space", "4")
            clock.now += timedelta(seconds=5)
        assert screen.card is None
        prompt = text_of(app, "#prompt")
        # 9 cards, less the reverse of `backbone` and the second cloze of `wd`: siblings wait a day.
        assert "Session complete" in prompt and "7 answers" in prompt
        assert "left today 0" in text_of(app, "#progress")
    assert collection.db["reviews"].count == 7


async def test_help_lists_the_keys(collection):
    app = make_app(collection, start="study")
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("question_mark")
        assert app.screen.query("HelpPanel")
        await pilot.press("question_mark")
        assert not app.screen.query("HelpPanel")


async def test_home_counts_respect_the_daily_new_limit(collection):
    from dataclasses import replace

    collection.settings = replace(collection.settings, new_cards_per_day=4)
    app = make_app(collection)
    async with app.run_test(size=(100, 30)):
        table = app.screen.query_one("#decks")
        assert str(table.get_row_at(0)[1]) == "4"  # 9 new cards in the deck, 4 left today
        assert "4 new today" in text_of(app, "#totals")


async def test_an_answer_the_disk_cannot_take_is_kept_on_screen_and_can_be_retried(collection, monkeypatch):
    import sqlite3

    real_execute = collection.db.execute
    disk_full = {"on": True}

    def execute(sql, parameters=None):
        if sql == "COMMIT" and disk_full["on"]:
            raise sqlite3.OperationalError("database or disk is full")
        return real_execute(sql, parameters)

    monkeypatch.setattr(collection.db, "execute", execute)
    app = make_app(collection, start="study")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        first = screen.card.id
        await pilot.press("space", "3")
        said = [str(n.message) for n in app._notifications]
        assert any("Not saved: The disk is full" in m and "press 3 to try again" in m for m in said), said
        assert screen.card.id == first and screen.revealed  # the same card, its answer still showing
        assert real_execute("select count(*) from reviews").fetchone()[0] == 0
        assert not collection.db.conn.in_transaction  # nothing left half-open
        disk_full["on"] = False
        await pilot.press("3")
        assert real_execute("select count(*) from reviews").fetchone()[0] == 1
        assert screen.card is None or screen.card.id != first
