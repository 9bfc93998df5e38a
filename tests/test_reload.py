"""Reading the deck files again from the TUI: in a worker thread, with the count on screen, while
the screen goes on handling keys."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

from test_tui import make_app, text_of

from quizapp.application.collection import Collection
from quizapp.core import loader
from quizapp.tui import reloading
from quizapp.tui.reloading import DecksLoading, DecksReloaded
from quizapp.tui.screens.home import HomeScreen


def write_deck(folder: Path, deck_id: str, title: str) -> None:
    (folder / f"{deck_id}.yaml").write_text(
        f"quizapp: 1\ndeck: {{id: {deck_id}, title: {title}}}\n"
        f"cards:\n  - {{id: {deck_id}-1, kind: basic, front: q, back: a}}\n",
        encoding="utf-8",
    )


class Gate:
    """Holds the reload after its first file until `open()`: the screen is seen mid-reload."""

    def __init__(self, monkeypatch) -> None:
        self._open = threading.Event()
        original = loader._load_deck_file
        read = 0

        def held(path, check_formulas):
            nonlocal read
            if threading.current_thread() is not threading.main_thread():
                if read == 1:  # the first file is read and counted; the second waits
                    self._open.wait(timeout=30)
                read += 1
            return original(path, check_formulas)

        monkeypatch.setattr(loader, "_load_deck_file", held)

    def open(self) -> None:
        self._open.set()


async def test_a_reload_shows_its_progress_and_the_screen_handles_keys_meanwhile(
    collection, decks, monkeypatch
):
    write_deck(decks, "alpha", "Alpha")
    write_deck(decks, "beta", "Beta")
    monkeypatch.setattr(reloading, "PROGRESS_EVERY_S", 0)  # every file counted, however fast
    gate = Gate(monkeypatch)
    first_file_read = asyncio.Event()
    reloaded = asyncio.Event()

    def hook(message: object) -> None:
        if isinstance(message, DecksLoading) and message.done == 1:
            first_file_read.set()
        elif isinstance(message, DecksReloaded):
            reloaded.set()

    app = make_app(collection)
    async with app.run_test(size=(100, 30), message_hook=hook) as pilot:
        home = app.screen
        assert isinstance(home, HomeScreen)
        try:
            await pilot.press("r")
            await asyncio.wait_for(first_file_read.wait(), timeout=10)
            await pilot.pause()
            assert text_of(app, "#loading").strip() == "Loading decks… 1 of 2 files"
            # The screen is live: a second r says a reload is under way, e focuses the exercises.
            await pilot.press("r")
            assert any("being read already" in str(n.message) for n in app._notifications)
            await pilot.press("e")
            assert home.focused is home.query_one("#exercises")
        finally:
            gate.open()
        await asyncio.wait_for(reloaded.wait(), timeout=10)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not home.query_one("#loading").display
        titles = [str(home.query_one("#decks").get_row_at(i)[0]) for i in range(3)]
        assert titles == ["Alpha", "Beta", "Demo 演示"]
        assert any("Reloaded 3 deck files (2 changed)" in str(n.message) for n in app._notifications)
        assert collection.last_sync.files == 3


async def test_a_reload_that_finds_a_broken_file_says_so_on_the_home_screen(collection, decks):
    (decks / "broken.yaml").write_text("quizapp: 1\ndeck: {id: broken\n", encoding="utf-8")
    reloaded = asyncio.Event()
    app = make_app(collection)
    hook = lambda message: isinstance(message, DecksReloaded) and reloaded.set()  # noqa: E731
    async with app.run_test(size=(100, 30), message_hook=hook) as pilot:
        await pilot.press("r")
        await asyncio.wait_for(reloaded.wait(), timeout=10)
        await pilot.pause()
        problems = text_of(app, "#problems")
        assert "1 deck file(s) skipped" in problems and "broken.yaml:" in problems
        assert any("1 skipped" in str(n.message) for n in app._notifications)


async def test_the_home_screen_reads_the_deck_files_itself_when_opened_without_them(
    tmp_path, decks, monkeypatch
):
    """`quizapp` alone opens the collection without syncing: the first frame does not wait for the
    deck files, which the home screen reads in the background."""
    monkeypatch.setattr(reloading, "PROGRESS_EVERY_S", 0)
    gate = Gate(monkeypatch)
    write_deck(decks, "alpha", "Alpha")
    reloaded = asyncio.Event()
    collection = Collection.open(tmp_path / "home", [decks], builtin=False, sync=False)
    try:
        assert (
            not collection.synced and collection.db.execute("select count(*) from decks").fetchone()[0] == 0
        )
        app = make_app(collection)
        hook = lambda message: isinstance(message, DecksReloaded) and reloaded.set()  # noqa: E731
        async with app.run_test(size=(100, 30), message_hook=hook) as pilot:
            await pilot.pause()
            assert text_of(app, "#loading").startswith("Loading decks…")
            assert "No decks yet" not in text_of(app, "#totals")  # they are on their way
            gate.open()
            await asyncio.wait_for(reloaded.wait(), timeout=10)
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert app.screen.query_one("#decks").row_count == 2
            assert collection.synced and collection.last_sync.files == 2
            assert text_of(app, "#exercise-totals").strip() == "No exercises."
    finally:
        collection.close()


async def test_the_start_up_reading_stays_quiet_when_no_file_changed(tmp_path, decks):
    """Each start reads the deck files in the background; a toast saying '0 changed' would only
    cover the exercises at 80×24, so it shows when a file changed (or was skipped) alone."""
    write_deck(decks, "alpha", "Alpha")
    Collection.open(tmp_path / "home", [decks], builtin=False).close()  # an earlier run read them
    for touched in (False, True):
        if touched:
            write_deck(decks, "alpha", "Alpha renamed")
        collection = Collection.open(tmp_path / "home", [decks], builtin=False, sync=False)
        reloaded = asyncio.Event()
        hook = lambda message, done=reloaded: isinstance(message, DecksReloaded) and done.set()  # noqa: E731
        try:
            app = make_app(collection)
            async with app.run_test(size=(80, 24), message_hook=hook) as pilot:
                await asyncio.wait_for(reloaded.wait(), timeout=10)
                await app.workers.wait_for_complete()
                await pilot.pause()
                told = [str(n.message) for n in app._notifications if "Reloaded" in str(n.message)]
                assert told == (["Reloaded 2 deck files (1 changed)."] if touched else [])
                assert str(app.screen.query_one("#decks").get_row_at(0)[0]) == (
                    "Alpha renamed" if touched else "Alpha"
                )
        finally:
            collection.close()


async def test_the_palettes_reload_reads_in_the_background_as_r_does(collection, decks, monkeypatch):
    from test_palette import run_command

    write_deck(decks, "alpha", "Alpha")
    readers: list[str] = []
    original = loader._load_deck_file

    def reading(path, check_formulas):
        readers.append(threading.current_thread().name)
        return original(path, check_formulas)

    monkeypatch.setattr(loader, "_load_deck_file", reading)
    app = make_app(collection)
    async with app.run_test(size=(100, 30)) as pilot:
        await run_command(pilot, "reload decks")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert readers and threading.main_thread().name not in readers
        assert any("Reloaded 2 deck files (1 changed)" in str(n.message) for n in app._notifications)
        assert str(app.screen.query_one("#decks").get_row_at(0)[0]) == "Alpha"
