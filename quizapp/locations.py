"""Where quizapp keeps its files. Every path the app uses is derived here."""

from __future__ import annotations

import os
from pathlib import Path

HOME_ENV = "QUIZAPP_HOME"
PACKAGE_DIR = Path(__file__).resolve().parent


def home_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """The folder holding the database, the config file and the learner's workspace.

    Args:
        override: `--home DIR` from the command line; wins over `QUIZAPP_HOME`.
    """
    chosen = override or os.environ.get(HOME_ENV)
    if chosen:
        return Path(chosen).expanduser().resolve()
    from platformdirs import user_data_dir

    return Path(user_data_dir("quizapp", appauthor=False))


def db_path(home: Path) -> Path:
    return home / "quizapp.db"


def config_path(home: Path) -> Path:
    return home / "config.toml"


def user_decks_dir(home: Path) -> Path:
    """The learner's own deck folder in the home: always loaded, where `quizapp import` writes."""
    return home / "decks"


def builtin_content_dir() -> Path:
    """The decks shipped with quizapp: inside the package once installed, `content/` in a checkout."""
    installed = PACKAGE_DIR / "_builtin_content"
    if installed.is_dir():
        return installed
    return PACKAGE_DIR.parent / "content"
