"""Finding an exercise by what a learner types: `conv`, `MaxPool2d`, `bn`, `maxp`.

A name matches, case-insensitively and with `_` and `-` taken as the same: an exercise's id, then
one of its declared `aliases`, then the start of an id or alias. The first rule that matches
exactly one exercise wins; a prefix shared by several exercises is ambiguous, and the matches are
given back so the front end can list them (CLI) or offer a choice (TUI).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from quizapp.exercises.catalog import Catalog, LoadedExercise

NEXT = "next"
"""Not a name but `quizapp exercise next`: the next exercise on the suggested path. An exercise file
may not use it as its id or an alias (the catalog reports it)."""


class NameNotFound(LookupError):
    """No exercise answers to the name."""

    def __init__(self, name: str, known: list[str]) -> None:
        super().__init__(name)
        self.name = name
        self.known = known


class AmbiguousName(LookupError):
    """Several exercises answer to the name (as a prefix): `matches`, in the suggested order."""

    def __init__(self, name: str, matches: list[LoadedExercise]) -> None:
        super().__init__(name)
        self.name = name
        self.matches = matches


@dataclass(frozen=True)
class NameMatch:
    exercise: LoadedExercise
    how: str
    """"id", "alias" or "prefix"."""


def normalised(name: str) -> str:
    return name.strip().lower().replace("_", "-")


def names_of(exercise: LoadedExercise) -> list[str]:
    """The id and the aliases, normalised."""
    return [normalised(exercise.id), *(normalised(alias) for alias in exercise.spec.aliases)]


def matches(exercises: Iterable[LoadedExercise], name: str) -> list[NameMatch]:
    """Every exercise the name could mean, best rule first: only the best rule's matches are kept."""
    wanted = normalised(name)
    exercises = list(exercises)
    if not wanted:
        return []
    for how, test in (
        ("id", lambda e: normalised(e.id) == wanted),
        ("alias", lambda e: wanted in names_of(e)[1:]),
        ("prefix", lambda e: any(n.startswith(wanted) for n in names_of(e))),
    ):
        found = [NameMatch(exercise, how) for exercise in exercises if test(exercise)]
        if found:
            return found
    return []


def resolve(catalog: Catalog, name: str, order: list[str] | None = None) -> LoadedExercise:
    """The one exercise `name` means. Raises NameNotFound or AmbiguousName (matches in `order`)."""
    found = matches(catalog.exercises.values(), name)
    if len(found) == 1:
        return found[0].exercise
    if not found:
        raise NameNotFound(name, sorted(catalog.exercises))
    ranked = {exercise_id: rank for rank, exercise_id in enumerate(order or [])}
    ordered = sorted((match.exercise for match in found), key=lambda e: (ranked.get(e.id, len(ranked)), e.id))
    raise AmbiguousName(name, ordered)
