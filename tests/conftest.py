from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from quizapp.application.collection import Collection
from quizapp.config import Settings
from quizapp.core.db import open_db

FIXTURES = Path(__file__).parent / "fixtures"
# Noon UTC on a fixed day; tests that care about study days pin TZ to UTC.
T0 = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Never touch the real data dir; study days in UTC so day boundaries are predictable."""
    monkeypatch.setenv("QUIZAPP_HOME", str(tmp_path / "default-home"))
    monkeypatch.setenv("TZ", "UTC")
    # Copies of code that could not be saved go to the test's folder, not /dev/shm.
    monkeypatch.setattr("quizapp.application.exercises.RESCUE_FOLDERS", (tmp_path / "rescue",))
    import time

    time.tzset()


@pytest.fixture
def decks(tmp_path: Path) -> Path:
    """A writable copy of the fixture decks."""
    folder = tmp_path / "decks"
    shutil.copytree(FIXTURES / "decks", folder)
    return folder


@pytest.fixture
def db(tmp_path: Path):
    database = open_db(tmp_path / "test.db")
    yield database
    database.close()


@pytest.fixture
def collection(tmp_path: Path, decks: Path):
    opened = Collection.open(tmp_path / "home", [decks], builtin=False)
    yield opened
    opened.close()


@pytest.fixture
def builtin_collection(tmp_path: Path):
    """A collection of the built-in decks and exercises only."""
    opened = Collection.open(tmp_path / "home")
    yield opened
    opened.close()


@pytest.fixture
def settings() -> Settings:
    return Settings(fuzz=False)


@pytest.fixture(scope="session")
def checker():
    """One warm checker for the whole run, as a learner's session has."""
    from quizapp.exercises.checker import Checker

    warm = Checker()
    yield warm
    warm.close()


@pytest.fixture(scope="session")
def builtin_exercises():
    from quizapp import locations
    from quizapp.exercises.catalog import load_catalog

    catalog = load_catalog([locations.builtin_content_dir()])
    assert not catalog.problems, catalog.problems
    return catalog


@pytest.fixture(scope="session")
def tight_exercise():
    from quizapp.exercises.catalog import load_exercise_file

    loaded, problems = load_exercise_file(FIXTURES / "exercises" / "tight_limits.yaml")
    assert not problems, problems
    return loaded
