"""The command palette (ctrl+p) with quizapp's own commands, driven with Textual's Pilot."""

from __future__ import annotations

from conftest import T0
from textual.command import CommandPalette
from textual.pilot import Pilot

from quizapp.tui.app import QuizApp
from quizapp.tui.screens.browser import BrowserScreen
from quizapp.tui.screens.exercise import ExerciseScreen
from quizapp.tui.screens.home import HomeScreen
from quizapp.tui.screens.stats import StatsScreen
from quizapp.tui.screens.study import StudyScreen


async def run_command(pilot: Pilot, typed: str) -> None:
    """Open the palette, type, wait for its search, take the first hit."""
    await pilot.press("ctrl+p")
    await pilot.pause()
    assert isinstance(pilot.app.screen, CommandPalette)
    await pilot.press(*typed)
    palette = pilot.app.screen
    for _ in range(50):  # the palette searches in its own task, a little after each key
        await pilot.pause(0.02)
        if palette.query_one("CommandList").option_count:
            break
    await pilot.press("down", "enter")
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def titles(app: QuizApp) -> list[str]:
    options = app.screen.query_one("CommandList")
    return [
        str(options.get_option_at_index(index).prompt).split("\n")[0] for index in range(options.option_count)
    ]


async def test_typing_a_decks_title_and_enter_studies_it(collection):
    app = QuizApp(collection, clock=lambda: T0)
    async with app.run_test(size=(100, 30)) as pilot:
        await run_command(pilot, "study demo")
        assert isinstance(app.screen, StudyScreen)
        assert app.screen.study_filter.deck == "demo"
        assert app.screen.card is not None and app.screen.card.deck == "demo"


async def test_the_palette_lists_the_decks_and_the_apps_screens(collection):
    app = QuizApp(collection, clock=lambda: T0)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("ctrl+p")
        for _ in range(50):
            await pilot.pause(0.02)
            if app.screen.query_one("CommandList").option_count:
                break
        listed = titles(app)
        assert "Study: Demo 演示" in listed and "Study all decks" in listed
        assert {"Browse cards", "Stats", "Reload decks"} <= set(listed)
        await pilot.press("escape")
        assert isinstance(app.screen, HomeScreen)


async def test_one_entry_per_exercise_and_choosing_one_opens_it(builtin_collection, checker):
    app = QuizApp(builtin_collection, clock=lambda: T0, checker=checker)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("ctrl+p")
        for _ in range(100):
            await pilot.pause(0.02)
            if app.screen.query_one("CommandList").option_count:
                break
        exercises = [title for title in titles(app) if title.startswith("Exercise: ")]
        catalog = builtin_collection.catalog.exercises
        assert sorted(exercises) == sorted(f"Exercise: {loaded.spec.title}" for loaded in catalog.values())
        await pilot.press("escape")
        await run_command(pilot, "exercise maxpool2d forward and backward")
        assert isinstance(app.screen, ExerciseScreen) and app.screen.exercise.id == "maxpool2d"


async def test_browse_and_stats_from_the_palette(collection):
    app = QuizApp(collection, clock=lambda: T0)
    async with app.run_test(size=(100, 30)) as pilot:
        await run_command(pilot, "browse cards")
        assert isinstance(app.screen, BrowserScreen)
        await run_command(pilot, "stats")
        assert isinstance(app.screen, StatsScreen)


async def test_the_palette_opens_on_the_apps_commands_and_lists_textuals_last(collection):
    app = QuizApp(collection, clock=lambda: T0)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+p")
        for _ in range(50):
            await pilot.pause(0.02)
            if app.screen.query_one("CommandList").option_count:
                break
        listed = titles(app)
        assert listed[:4] == ["Study all decks", "Browse cards", "Stats", "Reload decks"]
        assert listed[-3:] == ["Keys", "Theme", "Quit"]
        assert "Maximize" not in listed and "Screenshot" not in listed


async def test_the_palettes_keys_command_opens_the_help_panel_of_the_screen_below(collection):
    from test_help_panel import panel_text

    app = QuizApp(collection, clock=lambda: T0)
    async with app.run_test(size=(100, 30)) as pilot:
        await run_command(pilot, "keys")
        assert "a Study all" in panel_text(app)  # the home screen's keys
