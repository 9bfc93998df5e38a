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
