"""The learner's settings: `config.toml` in the quizapp home, every key optional."""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, fields
from datetime import timedelta
from pathlib import Path

DEFAULT_CONFIG_TEXT = """\
# quizapp settings. Every key is optional; delete one to get its default back.

# Probability of recalling a card on its due date that FSRS schedules for (0.70 to 0.99).
desired_retention = 0.9

# How many new cards a day are introduced, over all decks.
new_cards_per_day = 20

# How many reviews a day are shown at most, over all decks (Anki's default is 200).
reviews_per_day = 200

# A card forgotten this many times is a leech: it is suspended, with a notice (0: never).
leech_lapses = 8

# Learning and relearning steps, in minutes, before a card graduates to day-scale intervals.
learning_steps_minutes = [1, 10]
relearning_steps_minutes = [10]

# The longest interval FSRS may give, in days.
maximum_interval_days = 36500

# Randomise review intervals slightly so cards learned together do not stay together.
fuzz = true

# The local hour at which a new study day begins (like Anki's "next day starts at").
day_starts_at_hour = 4

# Backups of the database (in the backups folder beside it): one when quizapp starts and the
# newest is older than this many minutes (0: none at start), and one before every schema upgrade,
# restore or bulk change. Besides the newest 5, one a day, a week and a month are kept for:
backup_interval_minutes = 30
backups_daily = 7
backups_weekly = 4
backups_monthly = 6

# Your own deck folders, loaded on every run besides the built-in decks and the "decks" folder in
# this home (`quizapp content add DIR` and `quizapp content remove DIR` edit this list).
content_folders = []
"""


class ConfigError(ValueError):
    """A setting that cannot be used; the message names the file and the key."""


@dataclass(frozen=True)
class Settings:
    desired_retention: float = 0.9
    """Probability of recall on the due date that FSRS aims for."""
    new_cards_per_day: int = 20
    """New cards introduced per study day, over all decks."""
    reviews_per_day: int = 200
    """Reviews shown per study day at most, over all decks."""
    leech_lapses: int = 8
    """Lapses that make a card a leech, suspended with a notice; 0 turns this off."""
    learning_steps_minutes: tuple[float, ...] = (1, 10)
    relearning_steps_minutes: tuple[float, ...] = (10,)
    maximum_interval_days: int = 36500
    fuzz: bool = True
    day_starts_at_hour: int = 4
    """Local hour at which the study day rolls over."""
    backup_interval_minutes: int = 30
    """A backup at start when the newest is older than this; 0 for none at start."""
    backups_daily: int = 7
    backups_weekly: int = 4
    backups_monthly: int = 6
    content_folders: tuple[str, ...] = ()
    """Extra deck folders loaded on every run; `~` and paths relative to the home are allowed."""

    @property
    def learning_steps(self) -> tuple[timedelta, ...]:
        return tuple(timedelta(minutes=m) for m in self.learning_steps_minutes)

    def content_paths(self, home: Path) -> list[Path]:
        """`content_folders` as absolute paths (relative ones are taken from the home folder)."""
        return [(home / Path(folder).expanduser()).resolve() for folder in self.content_folders]

    @property
    def relearning_steps(self) -> tuple[timedelta, ...]:
        return tuple(timedelta(minutes=m) for m in self.relearning_steps_minutes)


def load_settings(path: Path) -> Settings:
    """Read `path` if it exists; a missing file means every default."""
    if not path.exists() and not path.is_symlink():
        return Settings()
    try:
        text = path.read_text(encoding="utf-8")
        if text and not text.endswith("\n"):
            raise ConfigError(
                f"{path} ends in the middle of a line: was it cut off? Complete it (or end it "
                "with a line break) and start quizapp again."
            )
        raw = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: {error}") from None
    except OSError as error:
        if path.is_symlink() and not path.exists():
            raise ConfigError(
                f"{path} cannot be read: it is a link to {path.readlink()}, which does not exist. "
                "Point it at your settings file, or delete it to get the defaults."
            ) from None
        if path.is_dir():
            raise ConfigError(
                f"{path} cannot be read: it is a folder, not a settings file. Move it away to get the defaults."
            ) from None
        raise ConfigError(f"{path} cannot be read: {error.strerror or error}") from None
    known = {f.name: f for f in fields(Settings)}
    values: dict[str, object] = {}
    for key, value in raw.items():
        if key not in known:
            raise ConfigError(f"{path}: unknown setting {key!r} (known: {', '.join(sorted(known))})")
        values[key] = _checked(path, key, value)
    return Settings(**values)  # type: ignore[arg-type]


def _checked(path: Path, key: str, value: object) -> object:
    def fail(expected: str) -> ConfigError:
        return ConfigError(f"{path}: {key} must be {expected}, not {value!r}")

    if isinstance(value, float) and not math.isfinite(value):
        raise fail("a finite number")
    if key == "desired_retention":
        if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0.7 <= value <= 0.99:
            raise fail("a number from 0.70 to 0.99")
        return float(value)
    if key in _WHOLE_NUMBERS:
        low, high = _WHOLE_NUMBERS[key]
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise fail(f"a whole number from {low} to {high:,}")
        return value
    if key == "day_starts_at_hour":
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 23:
            raise fail("a whole number from 0 to 23")
        return value
    if key == "content_folders":
        if not isinstance(value, list) or not all(isinstance(folder, str) and folder for folder in value):
            raise fail('a list of folder paths, e.g. ["~/notes/decks"]')
        return tuple(value)
    if key == "fuzz":
        if not isinstance(value, bool):
            raise fail("true or false")
        return value
    # learning and relearning steps
    if not isinstance(value, list) or not all(
        isinstance(m, (int, float)) and not isinstance(m, bool) and 0 < m <= _LONGEST_STEP_MINUTES
        for m in value
    ):
        raise fail(
            f"a list of numbers of minutes, each above 0 and at most {_LONGEST_STEP_MINUTES:,} (a year)"
        )
    return tuple(float(m) for m in value)


_WHOLE_NUMBERS = {
    "new_cards_per_day": (0, 100_000),
    "reviews_per_day": (0, 1_000_000),
    "leech_lapses": (0, 1_000),
    "maximum_interval_days": (1, 36_500),
    "backup_interval_minutes": (0, 525_600),
    "backups_daily": (0, 1_000),
    "backups_weekly": (0, 1_000),
    "backups_monthly": (0, 1_000),
}
_LONGEST_STEP_MINUTES = 525_600


def write_default_config(path: Path) -> None:
    """Leave a commented config file for the learner to edit, once."""
    if not path.exists() and not path.is_symlink():
        path.write_text(DEFAULT_CONFIG_TEXT, encoding="utf-8")


def set_content_folders(path: Path, folders: list[str]) -> None:
    """Rewrite `content_folders` in the config file at `path`, keeping its comments and other keys."""
    import tomlkit

    load_settings(path)  # refuse to rewrite a file that does not load: the learner fixes it first
    document = tomlkit.parse(path.read_text(encoding="utf-8")) if path.exists() else tomlkit.document()
    array = tomlkit.array()
    array.extend(folders)
    if len(folders) > 1:
        array.multiline(True)
    document["content_folders"] = array
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(tomlkit.dumps(document), encoding="utf-8")
    temporary.replace(path)
