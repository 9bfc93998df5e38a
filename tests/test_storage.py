"""Nothing lost: backups taken and rotated, a missing or damaged database never silently replaced,
storage errors and bad settings told in words, with the exact command to recover."""

import os
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from quizapp.application.collection import Collection
from quizapp.cli import cli
from quizapp.config import ConfigError, load_settings
from quizapp.core import backup
from quizapp.core.storage import StorageProblem, describe

GRADER = Path(__file__).parent / "grader.py"


def studied_home(tmp_path: Path, decks: Path, answers: int = 4) -> Path:
    home = tmp_path / "home"
    subprocess.run(
        [sys.executable, str(GRADER), str(home), str(decks), str(answers)], check=True, capture_output=True
    )
    return home


def reviews_in(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("select count(*) from reviews").fetchone()[0]
    finally:
        conn.close()


def run(home: Path, *args: str):
    return CliRunner().invoke(cli, ["--home", str(home), *args], obj={})


def test_a_start_backs_up_a_history_once_per_interval_and_an_empty_collection_never(tmp_path, decks):
    Collection.open(tmp_path / "fresh", [decks], builtin=False).close()
    assert backup.list_backups(tmp_path / "fresh") == []  # nothing to lose yet
    home = studied_home(tmp_path, decks)
    Collection.open(home, [decks], builtin=False).close()
    Collection.open(home, [decks], builtin=False).close()
    taken = backup.list_backups(home)
    assert [b.reason for b in taken] == ["auto"] and taken[0].reviews == 4


def test_rotation_keeps_the_newest_and_one_per_day_week_and_month(tmp_path):
    home = tmp_path / "home"
    source = tmp_path / "source.db"
    sqlite3.connect(source).execute("create table reviews (id)").connection.commit()
    now = datetime(2026, 11, 23, 12, tzinfo=UTC)
    for hours in range(0, 24 * 120, 6):  # every 6 hours for 120 days
        backup.take_backup(source, home, "auto", now - timedelta(hours=hours))
    backup.rotate(home, backup.Retention(daily=3, weekly=2, monthly=2))
    kept = [b.taken_at for b in backup.list_backups(home)]
    assert kept[:5] == [now - timedelta(hours=6 * i) for i in range(5)]
    assert len(kept) <= 5 + 3 + 2 + 2 and len({at.date() for at in kept}) >= 3
    assert {at.month for at in kept} == {10, 11}  # the newest of this month and of the one before
    assert len(list((home / "backups").iterdir())) == len(kept)


def test_an_emptied_database_is_refused_with_the_command_that_restores_it(tmp_path, decks):
    home = studied_home(tmp_path, decks)
    made = backup.take_backup(home / "quizapp.db", home, "manual")
    (home / "quizapp.db").write_bytes(b"")
    with pytest.raises(StorageProblem, match=f"backup restore {made.name}"):
        Collection.open(home, [decks], builtin=False)
    assert (home / "quizapp.db").stat().st_size == 0  # nothing was created over it
    result = run(home, "stats", "--json")
    assert result.exit_code == 1 and "is empty, but backups of a history exist" in result.output
    restored = run(home, "backup", "restore", made.name)
    assert restored.exit_code == 0, restored.output
    assert reviews_in(home / "quizapp.db") == 4


def test_a_damaged_database_is_refused_before_anything_writes_to_it(tmp_path, decks):
    home = studied_home(tmp_path, decks, answers=6)
    backup.take_backup(home / "quizapp.db", home, "manual")
    path = home / "quizapp.db"
    size = path.stat().st_size
    with open(path, "r+b") as file:
        file.seek(size // 2)
        file.write(os.urandom(8192))
    damaged = path.read_bytes()
    result = run(home, "stats", "--json")
    assert result.exit_code == 1
    assert "is damaged" in result.output and "backup restore quizapp-" in result.output
    assert path.read_bytes() == damaged


@pytest.mark.parametrize("content", [b"hello, not a database", b"\0" * 4096])
def test_a_file_that_is_not_a_database_gives_a_message_not_a_traceback(tmp_path, content):
    home = tmp_path / "home"
    home.mkdir()
    (home / "quizapp.db").write_bytes(content)
    result = run(home, "stats", "--json")
    assert result.exit_code == 1 and "damaged" in result.output
    assert "Traceback" not in result.output


def test_a_folder_in_place_of_the_database_is_named(tmp_path):
    home = tmp_path / "home"
    (home / "quizapp.db").mkdir(parents=True)
    result = run(home, "stats", "--json")
    assert result.exit_code == 1 and "is a folder" in result.output


def test_restore_keeps_the_database_it_replaces(tmp_path, decks):
    home = studied_home(tmp_path, decks, answers=2)
    early = backup.take_backup(home / "quizapp.db", home, "manual")
    subprocess.run([sys.executable, str(GRADER), str(home), str(decks), "3"], check=True, capture_output=True)
    assert reviews_in(home / "quizapp.db") == 5
    result = run(home, "backup", "restore", early.name)
    assert result.exit_code == 0, result.output
    assert reviews_in(home / "quizapp.db") == 2
    kept = [b for b in backup.list_backups(home) if b.reason == "before-restore"]
    assert len(kept) == 1 and kept[0].reviews == 5
    assert run(home, "backup", "restore", "no-such").exit_code == 2


@pytest.mark.parametrize(
    "text, complaint",
    [
        ("learning_steps_minutes = [inf]\n", "at most"),
        ("learning_steps_minutes = [1e308]\n", "at most"),
        ("maximum_interval_days = 0\n", "from 1"),
        ("desired_retention = nan\n", "finite"),
        ("new_cards_per_day = 20\nreviews_per_d", "cut off"),
    ],
)
def test_settings_that_would_break_study_are_refused(tmp_path, text, complaint):
    path = tmp_path / "config.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=complaint):
        load_settings(path)


def test_a_config_that_is_a_folder_or_a_dangling_link_is_an_error_not_a_traceback(tmp_path):
    folder = tmp_path / "a" / "config.toml"
    folder.mkdir(parents=True)
    with pytest.raises(ConfigError, match="cannot be read"):
        load_settings(folder)
    link = tmp_path / "b" / "config.toml"
    link.parent.mkdir()
    link.symlink_to(tmp_path / "nowhere")
    result = run(tmp_path / "b", "stats", "--json")
    assert result.exit_code == 2 and "cannot be read" in result.output
    assert f"it is a link to {tmp_path / 'nowhere'}, which does not exist" in result.output
    with pytest.raises(ConfigError, match="it is a folder, not a settings file"):
        load_settings(folder)


def test_storage_errors_are_told_in_words():
    assert "disk is full" in describe(sqlite3.OperationalError("database or disk is full"))
    assert "Another program" in describe(sqlite3.OperationalError("database is locked"))
    assert "cannot be written" in describe(sqlite3.OperationalError("attempt to write a readonly database"))
    assert "disk is full" in describe(OSError(28, "No space left on device"))
