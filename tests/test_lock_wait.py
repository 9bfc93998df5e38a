"""Another program holding the database's write lock: the study screen waits without freezing and
can stop waiting; the command line says it is waiting and gives up with a precise error."""

from __future__ import annotations

import asyncio
import importlib
import sqlite3
import sys
import threading
from pathlib import Path

import pytest
from test_tui import make_app, text_of

from quizapp import locations
from quizapp.application.collection import Collection
from quizapp.cli.main import main as quizapp_main
from quizapp.core import db as db_module
from quizapp.tui.waiting import LockWait

cli_main = importlib.import_module("quizapp.cli.main")  # the package re-exports a function by that name

WAITING = "Waiting for the database: another program is writing to it… Esc to stop waiting"


def hold_write_lock(home: Path) -> sqlite3.Connection:
    """Another program's connection, holding the write lock until it is rolled back."""
    other = sqlite3.connect(locations.db_path(home), isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    return other


def reviews(collection: Collection) -> int:
    return collection.db.execute("select count(*) from reviews").fetchone()[0]


async def test_a_grade_waits_for_the_lock_without_freezing_and_escape_stops_waiting(collection):
    ended = asyncio.Event()

    def hook(message: object) -> None:
        if isinstance(message, LockWait.Ended):
            ended.set()

    app = make_app(collection, start="study")
    async with app.run_test(size=(100, 30), message_hook=hook) as pilot:
        screen = app.screen
        await pilot.press("space")
        first = screen.card.id
        other = hold_write_lock(collection.home)
        try:
            await pilot.press("3")
            wait = screen.query_one(LockWait)
            assert wait.waiting and wait.display
            assert text_of(app, "LockWait").strip() == WAITING
            # The screen stays responsive: the palette opens and closes over it…
            await pilot.press("ctrl+p")
            assert app.screen is not screen
            await pilot.press("escape")
            assert app.screen is screen and wait.waiting
            # …while the card's own keys wait: no second grade, no undo.
            await pilot.press("4", "u")
            assert screen.card.id == first and reviews(collection) == 0
            # Escape stops waiting: nothing recorded, the answer still on screen to grade again.
            await pilot.press("escape")
            assert app.screen is screen and not wait.waiting and not wait.display
            assert screen.card.id == first and screen.revealed and reviews(collection) == 0
            assert "Good" in text_of(app, "#grades")
            said = [str(n.message) for n in app._notifications]
            assert any("Stopped waiting for the database" in m and "not recorded" in m for m in said), said
            # Graded again; once the other program lets go, the grade goes through and study goes on.
            ended.clear()
            await pilot.press("3")
            assert wait.waiting
        finally:
            other.rollback()
            other.close()
        await asyncio.wait_for(ended.wait(), timeout=10)
        await pilot.pause()
        assert not wait.waiting and reviews(collection) == 1
        assert screen.card.id != first
        assert "done 1" in text_of(app, "#progress")


async def test_undo_waits_for_the_lock_too_and_keeps_what_it_would_undo(collection):
    app = make_app(collection, start="study")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        await pilot.press("space", "3")
        graded = collection.db.execute("select card_id from reviews").fetchone()[0]
        other = hold_write_lock(collection.home)
        try:
            await pilot.press("u")
            assert screen.query_one(LockWait).waiting
            await pilot.press("escape")
        finally:
            other.rollback()
            other.close()
        assert screen.study.can_undo  # the answer can still be taken back
        await pilot.press("u")
        assert screen.card.id == graded
        assert collection.db.execute("select undone_at is not null from reviews").fetchone()[0] == 1


def run_main(monkeypatch, capsys, *args: str) -> tuple[int, str, str]:
    """`quizapp ARGS…` through the real entry point (which turns storage errors into exit 1)."""
    monkeypatch.setattr(sys, "argv", ["quizapp", *args])
    with pytest.raises(SystemExit) as ended:
        quizapp_main()
    out, err = capsys.readouterr()
    code = ended.value.code
    return (code if isinstance(code, int) else 1), out, err


@pytest.fixture
def short_waits(monkeypatch):
    """A busy timeout of 1.5 s with "waiting" said after 0.3 s, instead of 10 s and 1 s."""
    monkeypatch.setattr(db_module, "BUSY_TIMEOUT_MS", 1500)
    monkeypatch.setattr(db_module, "SAY_WAITING_AFTER_MS", 300)


def test_the_cli_says_it_waits_for_the_lock_and_gives_up_with_a_precise_error(
    tmp_path, decks, monkeypatch, capsys, short_waits
):
    home = tmp_path / "home"
    Collection.open(home, [decks], builtin=False).close()
    other = hold_write_lock(home)
    try:
        code, _out, err = run_main(
            monkeypatch,
            capsys,
            "--home",
            str(home),
            "--content",
            str(decks),
            "cards",
            "id:conv-out",
            "--suspend",
        )
    finally:
        other.rollback()
        other.close()
    assert code == 1
    assert err.count("waiting for the database (another program is writing)…") == 1
    assert "Another program kept quizapp's database" in err and "for more than 1.5 s" in err
    assert str(locations.db_path(home)) in err and "nothing was saved" in err
    with Collection.open(home, [decks], builtin=False) as collection:
        assert collection.db.execute("select suspended from cards where id = 'conv-out'").fetchone()[0] == 0


def test_the_cli_goes_on_once_the_lock_is_released(tmp_path, decks, monkeypatch, capsys, short_waits):
    home = tmp_path / "home"
    Collection.open(home, [decks], builtin=False).close()
    other = hold_write_lock(home)
    # Let go shortly after quizapp says it waits (0.3 s into its wait), well before the 1.5 s
    # timeout: timed from the message, not from the start, which a slow machine may take longer on.
    release = threading.Timer(0.1, other.rollback)
    say_waiting = cli_main._say_waiting

    def say_waiting_then_let_go() -> None:
        say_waiting()
        release.start()

    monkeypatch.setattr(cli_main, "_say_waiting", say_waiting_then_let_go)
    try:
        code, _out, err = run_main(
            monkeypatch,
            capsys,
            "--home",
            str(home),
            "--content",
            str(decks),
            "cards",
            "id:conv-out",
            "--suspend",
        )
    finally:
        if release.is_alive():
            release.join()
        other.close()
    assert code == 0, err
    assert "waiting for the database (another program is writing)…" in err
    with Collection.open(home, [decks], builtin=False) as collection:
        assert collection.db.execute("select suspended from cards where id = 'conv-out'").fetchone()[0] == 1


def attempts(collection: Collection) -> int:
    return collection.db.execute("select count(*) from exercise_attempts").fetchone()[0]


async def test_a_check_waits_for_the_lock_to_record_its_attempt_and_escape_stops_waiting(
    builtin_collection, checker
):
    from test_tui_exercise import exercise_app, wait_for_check

    ended = asyncio.Event()

    def hook(message: object) -> None:
        if isinstance(message, LockWait.Ended):
            ended.set()

    app = exercise_app(builtin_collection, checker, exercise_id="smooth-l1")
    async with app.run_test(size=(120, 40), message_hook=hook) as pilot:
        screen = app.screen
        screen.query_one("#exercise-editor").load_text(screen.exercise.solution_path.read_text())
        other = hold_write_lock(builtin_collection.home)
        try:
            await pilot.press("ctrl+r")
            await wait_for_check(pilot, screen)
            wait = screen.query_one(LockWait)
            assert wait.waiting and text_of(app, "LockWait").strip() == WAITING
            assert "all 6 cases pass" in text_of(app, "#exercise-status")  # the verdict is on screen
            await pilot.press("escape")  # stops waiting, does not leave the screen
            assert app.screen is screen and not wait.waiting
            said = [str(n.message) for n in app._notifications]
            assert any("This check was not recorded: You stopped waiting" in m for m in said), said
            assert attempts(builtin_collection) == 0
            ended.clear()
            await pilot.press("ctrl+r")
            await wait_for_check(pilot, screen)
            assert wait.waiting
        finally:
            other.rollback()
            other.close()
        await asyncio.wait_for(ended.wait(), timeout=10)
        await pilot.pause()
        assert attempts(builtin_collection) == 1
        assert "passed" in text_of(app, "#exercise-title")


async def test_a_full_disk_on_the_exercise_screen_is_a_notice_not_a_crash(
    builtin_collection, checker, monkeypatch
):
    from test_tui_exercise import exercise_app, wait_for_check

    from quizapp.application import exercises as use_cases

    real_execute = builtin_collection.db.execute

    def execute(sql, parameters=None):
        if sql == "COMMIT":
            raise sqlite3.OperationalError("database or disk is full")
        return real_execute(sql, parameters)

    def no_space(*_args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(builtin_collection.db, "execute", execute)
    monkeypatch.setattr(use_cases, "remember_hints", no_space)
    app = exercise_app(builtin_collection, checker, exercise_id="smooth-l1")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        code = screen.exercise.solution_path.read_text()
        screen.query_one("#exercise-editor").load_text(code)
        await pilot.press("ctrl+r")
        await wait_for_check(pilot, screen)
        said = [str(n.message) for n in app._notifications]
        assert any("This check was not recorded: The disk is full" in m for m in said), said
        assert screen.query_one("#exercise-editor").text == code and attempts(builtin_collection) == 0
        await pilot.press("ctrl+t")  # the hint shows though its count cannot be kept
        assert "Hint 1:" in text_of(app, "#exercise-hints")
        assert app.is_running and app.return_code is None


async def test_the_reload_after_editing_a_card_gives_up_on_a_held_lock_with_a_notice(
    collection, decks, tmp_path, monkeypatch
):
    from test_browser import EDITOR_STUB

    monkeypatch.setattr("quizapp.tui.editing.RELOAD_WAIT_MS", 100)
    stub = tmp_path / "bin" / "nvim"
    stub.parent.mkdir()
    stub.write_text(EDITOR_STUB.format(python=sys.executable, record=str(tmp_path / "argv.txt")))
    stub.chmod(0o755)
    monkeypatch.setenv("VISUAL", str(stub))
    app = make_app(collection, start="study")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        screen.show_id("gap")
        await pilot.pause()
        other = hold_write_lock(collection.home)
        try:
            await pilot.press("e")
            await pilot.pause()
        finally:
            other.rollback()
            other.close()
        said = [str(n.message) for n in app._notifications]
        assert any("demo.yaml is saved but not reloaded: Another program" in m for m in said), said
        assert app.is_running and screen.card.id == "gap"
        assert "GLOBAL AVERAGE POOLING" in (decks / "demo.yaml").read_text()  # the edit itself is kept


async def test_start_over_on_a_full_disk_keeps_the_code_in_the_editor(
    builtin_collection, checker, monkeypatch
):
    from test_tui_exercise import exercise_app

    from quizapp.exercises import workspace

    app = exercise_app(builtin_collection, checker, exercise_id="smooth-l1")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        editor = screen.query_one("#exercise-editor")
        editor.load_text("# my work\n")
        await pilot.press("ctrl+s")

        def no_space(*_args):
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(workspace, "save_atomically", no_space)
        await pilot.press("ctrl+n")
        said = [str(n.message) for n in app._notifications]
        assert any("Not started over: The disk is full" in m for m in said), said
        assert editor.text == "# my work\n" and app.is_running
        kept = [
            p for p in (builtin_collection.home / "exercises").iterdir() if p.name.startswith("smooth-l1.")
        ]
        assert [p.read_text() for p in kept] == ["# my work\n"]  # the file itself is kept beside
