"""`quizapp validate`: every problem of the deck and exercise files, as file:line:col: message."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from quizapp.core.loader import cross_file_problems, find_deck_files, load_deck_file
from quizapp.core.problem import Problem
from quizapp.exercises.catalog import find_exercise_files, load_catalog


@dataclass(frozen=True)
class Validation:
    problems: list[Problem]
    deck_files: int
    study_cards: int
    exercise_files: int
    bad_files: int

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        counted = (
            f"{self.deck_files} deck file(s), {self.study_cards} study cards, "
            f"{self.exercise_files} exercise file(s): "
        )
        if self.ok:
            return counted + "all valid"
        return counted + f"{len(self.problems)} problem(s) in {self.bad_files} file(s)"


def _is_exercise_file(path: Path) -> bool:
    """A file named on the command line is an exercise file when it sits in an `exercises/` folder
    or says `exercise:` at its top level; otherwise it is checked as a deck file (only)."""
    if "exercises" in path.parts[:-1]:
        return True
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False  # the deck loader then says why it cannot be read
    return re.search(r"^exercise\s*:", text, re.MULTILINE) is not None


def validate(folders: list[Path], against: list[Path] | None = None) -> Validation:
    """Check the deck and exercise files in `folders` (folders or single files), formulas included.

    Args:
        against: the other deck folders these files are loaded with; a deck or card id that one of
            their files already uses is a problem, as it is when the collection loads them.
    """
    named_exercises = [f for f in folders if f.is_file() and _is_exercise_file(f)]
    files = find_deck_files([f for f in folders if f not in named_exercises])
    loads = [load_deck_file(path, check_formulas=True) for path in files]
    cross_file_problems(loads, _ids_owned_by(against or [], besides=files))
    exercise_files = find_exercise_files([f for f in folders if f.is_dir()] + named_exercises)
    exercises = load_catalog(exercise_files, check_formulas=True)
    problems = sorted([p for load in loads for p in load.problems] + exercises.problems)
    return Validation(
        problems=problems,
        deck_files=len(files),
        study_cards=sum(len(load.cards) for load in loads),
        exercise_files=len(exercise_files),
        bad_files=sum(not load.ok for load in loads) + len({p.file for p in exercises.problems}),
    )


def _ids_owned_by(folders: list[Path], besides: list[Path]) -> dict[str, tuple[str, str]]:
    """Card id → (file, deck) for the loadable deck files of `folders`, leaving out `besides`."""
    checked = {path.resolve() for path in besides}
    owned: dict[str, tuple[str, str]] = {}
    for path in find_deck_files(folder for folder in folders if folder.exists()):
        if path.resolve() in checked:
            continue
        load = load_deck_file(path)
        if load.ok and load.deck_id is not None:
            for note in load.note_lines:
                owned.setdefault(note, (str(path), load.deck_id))
    return owned
