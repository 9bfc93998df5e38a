"""Nothing acknowledged is lost: a killed process, and two processes grading at once."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from quizapp.application.collection import Collection
from quizapp.core.db import open_db
from quizapp.core.migrations import MIGRATIONS

GRADER = Path(__file__).parent / "grader.py"


@pytest.fixture
def big_deck(tmp_path: Path) -> Path:
    folder = tmp_path / "big"
    folder.mkdir()
    cards = "".join(f"  - {{id: card{i:04d}, kind: basic, front: q{i}, back: a{i}}}\n" for i in range(300))
    (folder / "big.yaml").write_text(f"quizapp: 1\ndeck: {{id: big, title: Big}}\ncards:\n{cards}")
    return folder


def start_grader(home: Path, decks: Path, count: int, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(GRADER), str(home), str(decks), str(count), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.parametrize(
    "checkpoints", [(), ("--checkpoint-every", "0.001")], ids=["at-commit", "background"]
)
def test_a_process_killed_right_after_a_grade_loses_nothing(tmp_path: Path, big_deck: Path, checkpoints):
    home = tmp_path / "home"
    grader = start_grader(home, big_deck, 40, "--then-hang", *checkpoints)
    acknowledged = [grader.stdout.readline().split()[1] for _ in range(40)]
    os.kill(grader.pid, signal.SIGKILL)
    grader.communicate(timeout=10)
    db = open_db(home / "quizapp.db")
    try:
        logged = [r["card_id"] for r in db.query("select card_id from reviews order by id")]
        assert logged == acknowledged
        states = {r["id"]: r["state"] for r in db.query("select id, state from cards where reps > 0")}
        assert set(states) == set(acknowledged) and set(states.values()) == {1}
        assert len(acknowledged) == 40
        assert db.execute("pragma integrity_check").fetchone()[0] == "ok"
    finally:
        db.close()


@pytest.mark.slow
def test_two_processes_grading_at_once_lose_no_review(tmp_path: Path, big_deck: Path):
    home = tmp_path / "home"
    # Create the collection first, so the two graders race on answers only (first opens: below).
    Collection.open(home, [big_deck], builtin=False).close()
    # One checkpoints the log in the background as the app does, the other at its commits.
    graders = [start_grader(home, big_deck, 120, *extra) for extra in ((), ("--checkpoint-every", "0.001"))]
    outputs = [g.communicate(timeout=120) for g in graders]
    for grader, (_out, err) in zip(graders, outputs):
        assert grader.returncode == 0, err
        assert "locked" not in err
    acknowledged = sum(len(out.splitlines()) for out, _err in outputs)
    assert acknowledged == 240
    db = open_db(home / "quizapp.db")
    try:
        assert db["reviews"].count == 240
        reps = db.execute("select sum(reps) from cards").fetchone()[0]
        assert reps == 240
    finally:
        db.close()


@pytest.mark.slow
def test_three_first_starts_at_once_build_one_collection(tmp_path: Path, big_deck: Path):
    home = tmp_path / "home"
    graders = [start_grader(home, big_deck, 0) for _ in range(3)]
    for grader in graders:
        _out, err = grader.communicate(timeout=120)
        assert grader.returncode == 0, err
    db = open_db(home / "quizapp.db")
    try:
        assert db["cards"].count == 300
        assert db.execute("select count(*) from _sqlite_migrations").fetchone()[0] == len(
            MIGRATIONS._migrations
        )
    finally:
        db.close()


def test_schema_version_counts_the_migrations():
    from quizapp.core.db import SCHEMA_VERSION

    assert len(MIGRATIONS._migrations) == SCHEMA_VERSION


def test_a_database_from_a_newer_quizapp_is_refused_untouched(tmp_path: Path):
    import subprocess as sp

    from quizapp.core.db import SCHEMA_VERSION, NewerDatabaseError

    path = tmp_path / "home" / "quizapp.db"
    open_db(path).close()
    db = open_db(path)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(NewerDatabaseError, match="newer quizapp"):
        open_db(path)
    result = sp.run(
        [sys.executable, "-m", "quizapp", "--home", str(tmp_path / "home"), "study"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and "upgrade quizapp" in result.stderr and "Traceback" not in result.stderr


def test_background_checkpoints_stop_with_the_database_and_leave_every_commit_in_the_file(
    tmp_path: Path, big_deck: Path
):
    import threading

    collection = Collection.open(tmp_path / "home", [big_deck], builtin=False)
    collection.db.checkpoint_in_background(0.001)
    assert collection.db.execute("pragma wal_autocheckpoint").fetchone()[0] == 0  # no commit pays for one
    for i in range(200):
        collection.db.execute("update cards set reps = ? where id = ?", [i, f"card{i:04d}"])
        collection.db.conn.commit()
    collection.close()
    assert not any(t.name == "quizapp-checkpoints" for t in threading.enumerate())
    assert not (tmp_path / "home" / "quizapp.db-wal").exists()  # all of it copied back on close
    db = open_db(tmp_path / "home" / "quizapp.db")
    try:
        assert db.execute("select sum(reps) from cards").fetchone()[0] == sum(range(200))
    finally:
        db.close()
