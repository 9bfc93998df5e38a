"""The exercise use cases the CLI and the TUI share: open, check, record, hints, model solution.

"Check an exercise", from a key press (TUI) or `--check`/`--watch` (CLI):

1. `open_exercise` — the learner's file, with the redo policy applied (a passed exercise that is
   due again starts over from the starter; the old file is kept beside it);
2. `check_exercise` — the verdict on the code (static rules, the references' cases, a sandboxed
   run, the comparison), from the session's `Checker`;
3. `record_attempt` — the attempt stored (and graded when the exercise is due), unless it does
   not count: a cancelled check, a broken exercise file, or the starter as it came.

Front ends only parse, print and render around these. The TUI runs step 2 in a worker thread and
steps 1 and 3 on its own thread (the database connection belongs to it).
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from quizapp.core.storage import describe
from quizapp.exercises.catalog import LoadedExercise
from quizapp.exercises.hints import hints_shown, remember_hints_shown, reveal_next_hint
from quizapp.exercises.path import next_exercise, path_order, progress_line
from quizapp.exercises.progress import ExerciseStatus
from quizapp.exercises.starter import is_untouched
from quizapp.exercises.workspace import ensure_solution_file, save_atomically, start_over

if TYPE_CHECKING:
    from quizapp.application.collection import Collection
    from quizapp.exercises.checker import Checker
    from quizapp.exercises.verdict import Verdict


# -- opening -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OpenedExercise:
    exercise: LoadedExercise
    path: Path
    """The learner's workspace file, `<home>/exercises/<id>.py`."""
    status: ExerciseStatus
    """As it was when opened (before any redo)."""
    redo: bool = False
    """Due again after a pass: the file was put back to the starter."""
    kept: Path | None = None
    """Where the previous file went on a redo (None when there was none)."""

    @property
    def notice(self) -> str | None:
        """What to tell the learner about the redo, if there was one."""
        if not self.redo:
            return None
        return "Due again: redo it from scratch." + (
            f" Your last file is kept as {self.kept.name}." if self.kept else ""
        )


def open_exercise(collection: Collection, exercise: LoadedExercise, now: datetime) -> OpenedExercise:
    """The learner's file for `exercise`; a passed exercise that is due again starts from scratch."""
    status = exercise_status(collection, exercise.id)
    redo = status.ever_passed and status.is_due(now)
    kept = start_over(collection.home, exercise) if redo else None
    path = ensure_solution_file(collection.home, exercise)
    return OpenedExercise(exercise, path, status, redo, kept)


# -- saving --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Saved:
    ok: bool
    problem: str | None = None
    """Why the file could not be written, in one sentence."""
    rescued_to: Path | None = None
    """Where a copy was written instead (a temporary folder, memory-backed where there is one)."""


RESCUE_FOLDERS: tuple[Path, ...] = (Path("/dev/shm"),)
"""Where a copy of code that could not be saved goes first (memory-backed: a full disk is the usual
cause), before the temporary folder."""


def save_code(exercise: LoadedExercise, path: Path, code: str) -> Saved:
    """Write the learner's code to `path`; when that fails (a full disk, a read-only folder), say why
    and put a copy where it can still go. The caller keeps `code` until a save succeeds."""
    try:
        save_atomically(path, code)
        return Saved(ok=True)
    except OSError as error:
        problem = describe(error, path)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    for folder in (*RESCUE_FOLDERS, Path(tempfile.gettempdir())):
        rescue = folder / "quizapp-rescue" / f"{exercise.id}-{stamp}.py"
        try:
            save_atomically(rescue, code)
        except OSError:
            continue
        return Saved(ok=False, problem=problem, rescued_to=rescue)
    return Saved(ok=False, problem=problem)


# -- checking and recording ----------------------------------------------------------------------


def check_exercise(
    checker: Checker, exercise: LoadedExercise, code: str, filename: str, device: str
) -> Verdict:
    """The verdict on `code`: `Checker.check` reads forbidden imports and calls first (a hit means
    no case runs), gets the exercise's cases from its reference source (the cache, a helper
    process or torch here, per the checker), runs the code on them in the sandbox, and compares
    each output with the reference's. Blocks until the check ends or is cancelled
    (`checker.cancel()` from another thread); never raises for the learner's faults."""
    return checker.check(exercise, code, filename, device)


@dataclass(frozen=True)
class RecordedAttempt:
    stored: bool
    rating: int | None = None
    """The FSRS rating given, when the exercise was due (a pass is Good, a failure Again)."""
    untouched_starter: bool = False
    """Not stored because the code is the starter as it came."""


def record_attempt(
    collection: Collection, exercise: LoadedExercise, code: str, verdict: Verdict, now: datetime, via: str
) -> RecordedAttempt:
    """Store the attempt (`code` exactly as checked) and grade it when the exercise is due.

    Not stored: a cancelled check or a broken exercise file (neither says anything about the
    learner), nor the untouched starter (opening an exercise and checking it at once is no try)."""
    if not verdict.counts_as_attempt:
        return RecordedAttempt(stored=False)
    if is_untouched(code, exercise):
        return RecordedAttempt(stored=False, untouched_starter=True)
    rating = collection.exercise_progress.record(exercise.id, code, verdict, now, via)
    return RecordedAttempt(stored=True, rating=rating)


# -- progress ------------------------------------------------------------------------------------


def exercise_statuses(collection: Collection) -> dict[str, ExerciseStatus]:
    """Every attempted exercise's status (an exercise never attempted is absent: it is new)."""
    return collection.exercise_progress.statuses()


def exercise_status(collection: Collection, exercise_id: str) -> ExerciseStatus:
    return collection.exercise_progress.status(exercise_id)


@dataclass(frozen=True)
class LearningPath:
    """The suggested order, where the learner stands on it, and what comes next."""

    ordered: list[LoadedExercise]
    statuses: dict[str, ExerciseStatus]
    upcoming: LoadedExercise | None
    progress: str


def learning_path(collection: Collection, now: datetime) -> LearningPath:
    """Where the learner stands on the suggested path."""
    exercises = list(collection.catalog.exercises.values())
    statuses = exercise_statuses(collection)
    ordered = path_order(exercises)
    return LearningPath(
        ordered, statuses, next_exercise(ordered, statuses, now), progress_line(ordered, statuses, now)
    )


# -- hints and the model solution ----------------------------------------------------------------


def hints_seen(collection: Collection, exercise: LoadedExercise) -> int:
    """How many hints the learner has revealed (in the TUI or with `--hint`)."""
    return min(hints_shown(collection.home, exercise.id), len(exercise.spec.hints))


def reveal_hint(collection: Collection, exercise: LoadedExercise) -> tuple[int, bool]:
    """One more hint, remembered for both front ends: (how many are shown now, whether one was added)."""
    return reveal_next_hint(collection.home, exercise.id, len(exercise.spec.hints))


def remember_hints(collection: Collection, exercise: LoadedExercise, count: int) -> None:
    remember_hints_shown(collection.home, exercise.id, count)


class SolutionUnavailable(Exception):
    """The model solution cannot be shown; the subclass says why."""


class NotPassedYet(SolutionUnavailable):
    """No spoilers: the model solution shows once the exercise has been passed."""


class NoModelSolution(SolutionUnavailable):
    """The exercise file names no model solution."""


def model_solution(collection: Collection, exercise: LoadedExercise) -> str:
    """The model solution's text, once the learner has passed the exercise."""
    if not exercise_status(collection, exercise.id).ever_passed:
        raise NotPassedYet(exercise.id)
    if exercise.solution_path is None:
        raise NoModelSolution(exercise.id)
    return exercise.solution_path.read_text(encoding="utf-8")
