"""The suggested path through the exercises: pooling → conv → norms → losses → boxes → sequence.

Each exercise file names its `topic` and its `level` within it; the list, `quizapp exercise next`
and the home screen follow this order. Exercises without a topic (a learner's own) come last.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from quizapp.exercises.catalog import LoadedExercise
from quizapp.exercises.spec import TOPICS

if TYPE_CHECKING:
    from quizapp.exercises.progress import ExerciseStatus


def path_order(exercises: Iterable[LoadedExercise]) -> list[LoadedExercise]:
    def place(exercise: LoadedExercise) -> tuple:
        topic = exercise.spec.topic
        return (TOPICS.index(topic) if topic in TOPICS else len(TOPICS), exercise.spec.level, exercise.id)

    return sorted(exercises, key=place)


def next_exercise(
    exercises: Iterable[LoadedExercise], statuses: dict[str, ExerciseStatus], now: datetime
) -> LoadedExercise | None:
    """What to do next: the first exercise on the path not passed yet; else the first due to be
    redone; None when everything is passed and nothing is due."""
    ordered = path_order(exercises)
    for exercise in ordered:
        status = statuses.get(exercise.id)
        if status is None or not status.ever_passed:
            return exercise
    for exercise in ordered:
        if statuses[exercise.id].is_due(now):
            return exercise
    return None


def progress_line(
    exercises: Iterable[LoadedExercise], statuses: dict[str, ExerciseStatus], now: datetime
) -> str:
    """`7 of 27 passed · 2 due again`."""
    ids = [exercise.id for exercise in exercises]
    passed = sum(1 for i in ids if i in statuses and statuses[i].ever_passed)
    due = sum(1 for i in ids if i in statuses and statuses[i].ever_passed and statuses[i].is_due(now))
    return f"{passed} of {len(ids)} passed · {due} due again"
