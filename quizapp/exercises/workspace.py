"""The learner's own exercise files: `<home>/exercises/<id>.py`, kept between sessions."""

from __future__ import annotations

import time
from pathlib import Path

from quizapp.exercises.catalog import LoadedExercise
from quizapp.exercises.starter import is_untouched, starter_file


def solution_path(home: Path, exercise_id: str) -> Path:
    return home / "exercises" / f"{exercise_id}.py"


def ensure_solution_file(home: Path, exercise: LoadedExercise) -> Path:
    """The learner's file for `exercise`, created from the starter (with its spec) the first time."""
    path = solution_path(home, exercise.id)
    if not path.exists():
        save_atomically(path, starter_file(exercise))
    return path


def start_over(home: Path, exercise: LoadedExercise) -> Path | None:
    """Put the starter back for a redo; the old file is kept beside it. Returns where it went."""
    path = solution_path(home, exercise.id)
    kept = None
    if path.exists() and not is_untouched(path.read_text(encoding="utf-8", errors="replace"), exercise):
        stamp = time.strftime("%Y%m%d-%H%M%S")
        kept = path.with_name(f"{exercise.id}.{stamp}.py")
        counter = 1
        while kept.exists():  # two restarts within a second must not overwrite the first
            counter += 1
            kept = path.with_name(f"{exercise.id}.{stamp}-{counter}.py")
        path.replace(kept)
    save_atomically(path, starter_file(exercise))
    return kept


def save_atomically(path: Path, text: str) -> None:
    """Write via a temporary file and rename, so a crash never leaves half a solution."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    try:
        temporary.write_text(text, encoding="utf-8")
        temporary.replace(path)
    except OSError:
        temporary.unlink(missing_ok=True)  # a full disk leaves no empty .tmp behind
        raise
