"""quizapp's help panel (`?`, or f1 where a text box takes `?`): the screen's own keys that work
now, before anything else; and exactly one help key in each screen's key bar."""

from __future__ import annotations

import io

import pytest
from conftest import T0
from rich.console import Console
from test_tui_exercise import exercise_app

from quizapp.core.study import StudyFilter
from quizapp.tui.app import QuizApp
from quizapp.tui.help import HelpScreen
from quizapp.tui.screens.exercise import ExerciseScreen
from quizapp.tui.screens.study import StudyScreen


def plain(renderable, width: int = 60) -> str:
    console = Console(width=width, record=True, color_system=None, file=io.StringIO())
    console.print(renderable)
    return console.export_text()


def panel_text(app: QuizApp) -> str:
    assert isinstance(app.screen, HelpScreen), "the help panel is not open"
    return plain(app.screen.query_one("HelpPanel Static").content)


def panel_lines(app: QuizApp) -> list[str]:
    return [line.strip() for line in panel_text(app).splitlines() if line.strip()]


def key_bar(app: QuizApp) -> str:
    return plain(app.screen.query_one("KeyBar").content, width=200).strip()


def help_keys_in_bar(app: QuizApp) -> list[str]:
    """The keys the bar offers for help ("?" or "f1"), as often as it shows one."""
    words = key_bar(app).split()
    return [words[i - 1] for i, word in enumerate(words) if word == "Keys"]


def study_app(collection, card_id: str) -> QuizApp:
    return QuizApp(
        collection, start="study", study_filter=StudyFilter(card_ids=(card_id,), cram=True), clock=lambda: T0
    )


async def test_on_a_cloze_card_the_panel_lists_what_works_now_and_no_option_keys(collection):
    app = study_app(collection, "wd#c1")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        front = panel_lines(app)
        assert front[0] == "This screen" and "space Show answer" in front
        assert not any(line[:1].isdigit() for line in front)  # nothing to grade or choose yet
        await pilot.press("escape")  # closes the panel, and only the panel
        assert isinstance(app.screen, StudyScreen)

        await pilot.press("space", "question_mark")
        back = panel_lines(app)
        grades = [line for line in back if line[:1].isdigit()]
        assert grades == ["1 Again", "2 Hard", "3 Good", "4 Easy"]
        assert "Option" not in panel_text(app) and "Show answer" not in panel_text(app)
        assert back.index("This screen") < back.index("1 Again") < back.index("Everywhere")
        await pilot.press("question_mark")
        assert isinstance(app.screen, StudyScreen) and app.screen.revealed  # the card is as it was


async def test_on_a_choice_card_only_the_options_it_has_are_listed(collection):
    app = study_app(collection, "gap")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        options = [line for line in panel_lines(app) if "Option" in line]
        assert options == ["1 Option 1", "2 Option 2", "3 Option 3"]  # the card has three


async def test_on_the_exercise_screen_its_own_keys_come_before_any_editor_key_and_f1_toggles(
    builtin_collection, checker
):
    app = exercise_app(builtin_collection, checker)
    async with app.run_test(size=(80, 24)) as pilot:
        editor = app.screen.query_one("#exercise-editor")
        assert app.screen.focused is editor
        before = editor.text
        await pilot.press("f1")
        lines = panel_lines(app)
        assert lines[0] == "This screen"
        own = lines[1 : lines.index("Everywhere")]
        assert {"^r Check", "^t Hint", "^o Model solution", "^n Start over", "esc Cancel / back"} <= set(own)
        # The editor's cursor keys are not listed one by one: one sentence says they work.
        assert not any("cursor" in line.lower() or "select" in line.lower() for line in lines)
        assert "its usual keys (arrows, home/end, ctrl+z …) work" in " ".join(lines)
        await pilot.press("f1")
        assert isinstance(app.screen, ExerciseScreen) and app.screen.focused is editor
        assert editor.text == before  # nothing typed into the code


async def test_the_palettes_keys_command_opens_quizapps_panel(collection):
    app = study_app(collection, "conv-out")
    async with app.run_test(size=(80, 24)) as pilot:
        app.action_show_help_panel()
        await pilot.pause()
        assert "Show answer" in panel_text(app)
        app.action_hide_help_panel()
        await pilot.pause()
        assert isinstance(app.screen, StudyScreen)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_the_key_bar_shows_exactly_one_help_key_on_each_screen(collection, size):
    async def bar_on(app: QuizApp) -> list[str]:
        await app.workers.wait_for_complete()
        await pilot.pause()
        return help_keys_in_bar(app)

    app = QuizApp(collection, clock=lambda: T0)
    async with app.run_test(size=size) as pilot:
        assert await bar_on(app) == ["?"]  # home
        await pilot.press("s")
        assert await bar_on(app) == ["?"]  # stats
        await pilot.press("escape", "b")
        assert await bar_on(app) == ["f1"]  # the browser's search box takes `?`
        await pilot.press("enter")
        assert await bar_on(app) == ["?"]  # in the list, `?` works again
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)

    app = study_app(collection, "isin")  # a type-in card: its text box has the focus
    async with app.run_test(size=size) as pilot:
        assert await bar_on(app) == ["f1"]
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        assert app.screen_stack[-2].query_one("#typed").value == ""


async def test_the_exercise_key_bar_keeps_f1_at_80_columns(builtin_collection, checker):
    app = exercise_app(builtin_collection, checker)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        bar = key_bar(app)
        assert help_keys_in_bar(app) == ["f1"] and bar.endswith("f1 Keys")
        assert "^r Check" in bar and "…" in bar  # the screen's last keys give way, not help


async def test_on_a_type_in_card_enter_checks_the_answer_in_the_bar_and_the_panel(collection):
    app = study_app(collection, "isin")
    async with app.run_test(size=(80, 24)) as pilot:
        assert key_bar(app).startswith("⏎ Check answer")
        await pilot.press("f1")
        lines = panel_lines(app)
        assert lines[:2] == ["This screen", "⏎ Check answer"]


async def test_the_nothing_due_screen_lists_no_key_that_does_nothing_there(collection):
    collection.db.execute("update cards set suspended = 1")
    app = QuizApp(collection, start="study", clock=lambda: T0)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        screen_keys = panel_lines(app)[1 : panel_lines(app).index("Everywhere")]
        assert screen_keys == ["esc Back"]
