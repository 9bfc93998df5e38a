"""Storage faults as a learner meets them: a database emptied or deleted before any backup, a
read-only home, a full disk at start-up, and backups that leave nothing but themselves behind.

The full and read-only disks are small tmpfs mounts (skipped where this process may not mount one);
the same faults are also injected, so every machine runs those checks."""

import shutil
import sqlite3
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from quizapp.application.collection import Collection
from quizapp.cli import cli
from quizapp.config import Settings
from quizapp.core import backup, storage
from quizapp.core.storage import StorageProblem, check_before_opening, describe
from quizapp.core.study import StudySession


def run(home: Path, *args: str):
    return CliRunner().invoke(cli, ["--home", str(home), *args], obj={})


def grade(collection: Collection, answers: int) -> None:
    study = StudySession(collection.db, Settings(), new_limit=10**6)
    for _ in range(answers):
        now = datetime.now(UTC)
        card = study.next_card(now)
        assert card is not None
        study.rate(card.id, 3, now)


def reviews_in(path: Path) -> int:
    conn = sqlite3.connect(f"file:{path}?immutable=1", uri=True)
    try:
        return conn.execute("select count(*) from reviews").fetchone()[0]
    finally:
        conn.close()


@pytest.fixture
def tmpfs(tmp_path: Path):
    """A 2 MiB tmpfs, unmounted after the test; skipped where mounting is not allowed."""
    mount = tmp_path / "tmpfs"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root)")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=True)


def test_the_first_sitting_is_backed_up_as_it_closes(tmp_path, decks):
    home = tmp_path / "home"
    with Collection.open(home, [decks], builtin=False) as collection:
        grade(collection, 3)
    taken = backup.list_backups(home)
    assert [b.reason for b in taken] == ["auto"] and taken[0].reviews == 3
    # A backup is a plain file: reading it (its reviews, its integrity) leaves no -wal or -shm.
    assert backup.is_intact(taken[0].path, immutable=True)
    assert sorted(p.name for p in (home / "backups").iterdir()) == [taken[0].name]
    assert not (home / "quizapp.db-wal").exists()  # the collection's own side files tidied at close


def test_no_backup_is_taken_of_an_empty_collection_nor_when_backups_are_off(tmp_path, decks):
    Collection.open(tmp_path / "fresh", [decks], builtin=False).close()
    assert backup.list_backups(tmp_path / "fresh") == []
    home = tmp_path / "off"
    home.mkdir()
    (home / "config.toml").write_text("backup_interval_minutes = 0\n")
    with Collection.open(home, [decks], builtin=False) as collection:
        grade(collection, 2)
    assert backup.list_backups(home) == []


@pytest.mark.parametrize("fault", ["emptied", "deleted"])
def test_a_database_that_held_reviews_is_never_replaced_even_before_any_backup(tmp_path, decks, fault):
    home = tmp_path / "home"
    with Collection.open(home, [decks], builtin=False) as collection:
        grade(collection, 5)
    shutil.rmtree(home / "backups")  # the learner cleaned up, or the first backup could not be written
    db = home / "quizapp.db"
    if fault == "emptied":
        db.write_bytes(b"")
    else:
        db.unlink()
    with pytest.raises(StorageProblem, match="held reviews when quizapp last used it") as raised:
        Collection.open(home, [decks], builtin=False)
    assert str(home / storage.SEEN_FILE) in str(raised.value)  # the way to start afresh, on purpose
    for command in (["stats", "--json"], ["cards"], ["study"]):
        result = run(home, *command)
        assert result.exit_code == 1 and "will not start a new collection" in result.output, command
        assert "Traceback" not in result.output
    assert (not db.exists()) if fault == "deleted" else db.stat().st_size == 0  # nothing made over it
    (home / storage.SEEN_FILE).unlink()  # the learner's choice: a new, empty collection
    Collection.open(home, [decks], builtin=False).close()


def test_a_crash_after_the_first_reviews_still_marks_the_history_at_the_next_start(tmp_path, decks):
    home = tmp_path / "home"
    collection = Collection.open(home, [decks], builtin=False)
    grade(collection, 2)
    collection.db.close()  # killed: no close, no marker, no backup
    again = Collection.open(home, [decks], builtin=False, sync=False)  # the next start…
    if again._backing_up is not None:
        again._backing_up.join()
    again.db.close()  # …killed too: only what the start itself wrote is left
    shutil.rmtree(home / "backups")
    (home / "quizapp.db").write_bytes(b"")
    with pytest.raises(StorageProblem, match="held reviews"):
        Collection.open(home, [decks], builtin=False)


def test_a_database_that_cannot_be_checked_is_not_called_damaged(tmp_path, decks, monkeypatch):
    home = tmp_path / "home"
    with Collection.open(home, [decks], builtin=False) as collection:
        grade(collection, 2)
    (home / storage.SEEN_FILE).unlink()  # changed outside quizapp, as far as it knows: checked

    def cannot_open(path, *, immutable=False):
        raise sqlite3.OperationalError("unable to open database file")

    monkeypatch.setattr(backup, "quick_check", cannot_open)
    check_before_opening(home / "quizapp.db", home)  # no "damaged": opening it will say what is wrong


def test_storage_errors_name_the_full_disk_and_the_read_only_folder(tmp_path, monkeypatch):
    db = tmp_path / "quizapp.db"
    io_error = sqlite3.OperationalError("disk I/O error")
    monkeypatch.setattr(shutil, "disk_usage", lambda _p: shutil._ntuple_diskusage(2 << 20, 2 << 20, 0))
    assert describe(io_error, db).startswith(f"The disk is full ({db})")
    monkeypatch.setattr(shutil, "disk_usage", lambda _p: shutil._ntuple_diskusage(2 << 30, 1 << 30, 1 << 30))
    assert "disk I/O error" in describe(io_error, db) and "disk is full" not in describe(io_error, db)
    monkeypatch.setattr(storage.os, "access", lambda _p, _mode: False)
    unopenable = sqlite3.OperationalError("unable to open database file")
    assert "cannot be written (read-only" in describe(unopenable, db)
    read_only = OSError(30, "Read-only file system", str(tmp_path / "home"))
    assert describe(read_only) == (
        f"{tmp_path / 'home'} cannot be written (Read-only file system): quizapp needs to write there. "
        "Check its permissions."
    )


def test_a_full_disk_at_start_up_is_said_in_words_and_the_backups_still_list(tmpfs, tmp_path, decks):
    source = tmp_path / "home"
    with Collection.open(source, [decks], builtin=False) as collection:
        grade(collection, 4)
    home = tmpfs / "home"
    shutil.copytree(source, home)
    filler = tmpfs / "filler"
    with open(filler, "wb", buffering=0) as file:  # fill the disk to the last byte
        try:
            while True:
                file.write(b"\0" * 4096)
        except OSError:
            pass
    for command in (["stats", "--json"], ["cards"], ["study"], ["backup", "now"]):
        result = run(home, *command)
        assert result.exit_code == 1, (command, result.output)
        assert "The disk is full" in result.output and "Traceback" not in result.output, command
    listed = run(home, "backup", "list")
    assert listed.exit_code == 0 and "4 reviews" in listed.output
    filler.unlink()
    result = run(home, "stats", "--json")
    assert result.exit_code == 0 and '"total_reviews": 4' in result.output


def test_a_read_only_home_is_said_in_words_not_taken_for_damage(tmpfs, tmp_path, decks):
    source = tmp_path / "home"
    with Collection.open(source, [decks], builtin=False) as collection:
        grade(collection, 3)
    home = tmpfs / "home"
    shutil.copytree(source, home)  # a copy: changed outside quizapp, so it is checked first
    subprocess.run(["mount", "-o", "remount,ro", str(tmpfs)], check=True)
    for command in (["stats", "--json"], ["study"], ["cards"]):
        result = run(home, *command)
        assert result.exit_code == 1, (command, result.output)
        assert "cannot be written (read-only" in result.output, (command, result.output)
        assert "damaged" not in result.output
    assert "3 reviews" in run(home, "backup", "list").output
    made = run(home, "backup", "now")
    assert made.exit_code == 1 and "Read-only file system" in made.output
    fresh = run(tmpfs / "new-home", "stats", "--json")
    assert fresh.exit_code == 1 and f"{tmpfs / 'new-home'} cannot be written" in fresh.output
    assert reviews_in(home / "quizapp.db") == 3


async def test_an_exercise_opened_on_a_full_disk_keeps_its_starter_in_the_editor_until_it_can_be_saved(
    builtin_collection, checker, monkeypatch
):
    from test_tui import text_of
    from test_tui_exercise import exercise_app

    from quizapp.application import exercises as use_cases
    from quizapp.exercises import workspace

    real_save = workspace.save_atomically
    full = {"on": True}

    def save_atomically(path: Path, text: str) -> None:
        if full["on"] and builtin_collection.home in path.parents:
            raise OSError(28, "No space left on device")
        real_save(path, text)

    monkeypatch.setattr(workspace, "save_atomically", save_atomically)
    monkeypatch.setattr(use_cases, "save_atomically", save_atomically)
    app = exercise_app(builtin_collection, checker, exercise_id="smooth-l1")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        assert "Not saved yet: The disk is full" in text_of(app, "#exercise-status")
        editor = screen.query_one("#exercise-editor")
        assert "def smooth_l1" in editor.text
        editor.insert("# mine\n", (0, 0))
        await pilot.press("ctrl+s")
        said = [str(n.message) for n in app._notifications]
        [rescued] = [m for m in said if "Your code is still here" in m]
        Path(rescued.split("A copy is in ")[1].rstrip(".")).unlink()  # the copy put elsewhere
        full["on"] = False
        await pilot.press("ctrl+s")
        path = builtin_collection.home / "exercises" / "smooth-l1.py"
        assert path.read_text().startswith("# mine\n") and path.read_text() == editor.text


async def test_code_that_could_not_be_saved_as_the_app_closes_is_said_after_it_exits(
    builtin_collection, checker, monkeypatch
):
    from test_tui_exercise import exercise_app

    from quizapp.application import exercises as use_cases

    real_save = use_cases.save_atomically

    def save_atomically(path: Path, text: str) -> None:
        if builtin_collection.home in path.parents:
            raise OSError(28, "No space left on device")
        real_save(path, text)

    app = exercise_app(builtin_collection, checker, exercise_id="smooth-l1")
    async with app.run_test(size=(120, 40)) as pilot:
        monkeypatch.setattr(use_cases, "save_atomically", save_atomically)
        app.screen.query_one("#exercise-editor").insert("# typed on a full disk\n", (0, 0))
        await pilot.press("ctrl+q")
    [note] = app.unsaved_on_exit
    assert note.startswith("smooth-l1: not saved: The disk is full") and "A copy is in " in note
    copy = Path(note.split("A copy is in ")[1].rstrip("."))
    assert copy.read_text().startswith("# typed on a full disk\n")
    copy.unlink()


def test_the_command_line_prints_what_was_not_saved_and_exits_non_zero(tmp_path, monkeypatch):
    from quizapp.tui.app import QuizApp

    def run(self):
        self.unsaved_on_exit.append("smooth-l1: not saved: The disk is full. A copy is in /dev/shm/x.py.")

    monkeypatch.setattr(QuizApp, "run", run)
    result = CliRunner().invoke(cli, ["--home", str(tmp_path / "home"), "exercise", "smooth-l1"], obj={})
    assert result.exit_code == 1
    assert "Error: smooth-l1: not saved: The disk is full. A copy is in /dev/shm/x.py." in result.output
