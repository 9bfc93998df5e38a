"""Exercise files → validated exercises, every problem as `file:line:col: message`, like decks."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from quizapp.core.problem import Problem
from quizapp.exercises import catalog_cache
from quizapp.exercises.spec import CaseSpec, ExerciseSpec

if TYPE_CHECKING:
    from pydantic import ValidationError

    from quizapp.core.yaml_source import YamlDocument
    from quizapp.exercises.exercise_format import Exercise
    from quizapp.exercises.params import CaseParams

EXERCISE_FOLDER = "exercises"


@dataclass
class LoadedExercise:
    spec: ExerciseSpec
    cases: list[CaseSpec]
    path: Path
    alias_positions: dict[str, tuple[int, int]] = field(default_factory=dict)
    """Where each alias is written (line, column), for problems found across files."""

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def solution_path(self) -> Path | None:
        """The model solution, `solutions/<id>.py` beside the exercise file, shown once passed."""
        path = self.path.parent / "solutions" / f"{self.id}.py"
        return path if path.is_file() else None

    def case_params(self) -> list[CaseParams]:
        """The cases as their reference reads them (pydantic models: imported only here)."""
        from quizapp.exercises.params import PARAMS

        fields = PARAMS[self.spec.check]
        return [fields.model_validate(case.fields) for case in self.cases]


@dataclass
class Catalog:
    exercises: dict[str, LoadedExercise] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def get(self, exercise_id: str) -> LoadedExercise | None:
        return self.exercises.get(exercise_id)


def find_exercise_files(folders: Iterable[Path]) -> list[Path]:
    """Exercise files: YAML under an `exercises/` folder of a content dir, or named directly."""
    files = []
    for folder in folders:
        if folder.is_file():
            files.append(folder)
            continue
        roots = [folder] if folder.name == EXERCISE_FOLDER else [folder / EXERCISE_FOLDER]
        for root in roots:
            if root.is_dir():
                files += sorted(
                    p for p in root.rglob("*.y*ml") if not any(s.startswith(".") for s in p.parts[-2:])
                )
    return files


def load_catalog(
    folders: Iterable[Path], *, check_formulas: bool = False, cache: Path | None = None
) -> Catalog:
    """Every exercise file in `folders`; `check_formulas` (for `quizapp validate`) also renders the
    formulas of each prompt and hint. With `cache` (a file), a file validated before is read back
    from it instead of validated again (see `catalog_cache`)."""
    catalog = Catalog()
    known = catalog_cache.read(cache) if cache is not None and not check_formulas else None
    for path in find_exercise_files(folders):
        exercise, problems = load_exercise_file(path, check_formulas=check_formulas, known=known)
        catalog.problems += problems
        if exercise is None:
            continue
        if exercise.id in catalog.exercises:
            first = catalog.exercises[exercise.id].path
            catalog.problems.append(
                Problem(str(path), 1, 1, f"exercise id {exercise.id!r} is also used by {first}")
            )
            continue
        catalog.exercises[exercise.id] = exercise
    if known is not None and cache is not None:
        known.save(cache)
    catalog.problems += _alias_clashes(catalog.exercises)
    catalog.problems.sort()
    return catalog


def _alias_clashes(exercises: dict[str, LoadedExercise]) -> list[Problem]:
    """An alias another exercise also answers to (as its id or an alias) would make the name mean
    two things: reported at the alias, which is then ignored (the id still works)."""
    from quizapp.exercises.names import normalised

    owners: dict[str, list[str]] = {}
    for exercise in exercises.values():
        owners.setdefault(normalised(exercise.id), []).append(exercise.id)
        for alias in exercise.spec.aliases:
            owners.setdefault(normalised(alias), []).append(exercise.id)
    problems = []
    for exercise in exercises.values():
        kept = []
        for alias in exercise.spec.aliases:
            others = [owner for owner in owners[normalised(alias)] if owner != exercise.id]
            if others:
                line, column = exercise.alias_positions.get(alias, (1, 1))
                problems.append(
                    Problem(
                        str(exercise.path),
                        line,
                        column,
                        f"exercise.aliases: {alias!r} is also a name of {', '.join(sorted(others))}",
                    )
                )
            else:
                kept.append(alias)
        if len(kept) != len(exercise.spec.aliases):
            exercise.spec = dataclasses.replace(exercise.spec, aliases=kept)
    return problems


def load_exercise_file(
    path: Path, *, check_formulas: bool = False, known: catalog_cache.KnownFiles | None = None
) -> tuple[LoadedExercise | None, list[Problem]]:
    """One exercise file, validated; or, when `known` holds these exact bytes, read back from it."""
    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        return None, [Problem(str(path), 1, 1, f"cannot read: {error}")]
    if known is not None:
        entry = known.get(raw)
        if entry is not None:
            return LoadedExercise(entry.spec, entry.cases, path, entry.alias_positions), []
    exercise, problems = _validate(path, text, check_formulas=check_formulas)
    if known is not None and exercise is not None:
        known.put(raw, catalog_cache.Entry(exercise.spec, exercise.cases, exercise.alias_positions))
    return exercise, problems


def _validate(path: Path, text: str, *, check_formulas: bool) -> tuple[LoadedExercise | None, list[Problem]]:
    from pydantic import ValidationError

    from quizapp.core.yaml_source import YamlDocument
    from quizapp.exercises.exercise_format import ExerciseFile
    from quizapp.exercises.params import PARAMS

    document = YamlDocument(path, text)
    problems = list(document.problems)
    if document.data is None or problems:
        return None, problems or [
            Problem(str(path), 1, 1, "empty file: an exercise file needs quizapp and exercise")
        ]
    try:
        spec = ExerciseFile.model_validate(document.data).exercise
    except ValidationError as error:
        return None, _positioned(document, error, ())
    if spec.check not in PARAMS:
        known = ", ".join(sorted(PARAMS))
        return None, [
            document.problem(
                ("exercise", "check"), f"exercise.check: no reference named {spec.check!r} (known: {known})"
            )
        ]
    cases, names = [], set()
    for index, raw in enumerate(spec.cases):
        where = ("exercise", "cases", index)
        try:
            case = PARAMS[spec.check].model_validate(raw)
        except ValidationError as error:
            problems += _positioned(document, error, where)
            continue
        if case.name in names:
            problems.append(
                document.problem(
                    (*where, "name"), f"exercise.cases.{index}.name: duplicate case name {case.name!r}"
                )
            )
        names.add(case.name)
        cases.append(CaseSpec(case.name, case.dtype, case.model_dump(mode="json"), case.shown()))
    problems += _reserved_names(document, spec)
    if check_formulas:
        problems += _formula_problems(document, spec)
    seen_names = {spec.id.replace("_", "-")}
    positions = {}
    for index, alias in enumerate(spec.aliases):
        where = ("exercise", "aliases", index)
        if alias.replace("_", "-") in seen_names:
            problems.append(
                document.problem(where, f"exercise.aliases.{index}: {alias!r} repeats the id or an alias")
            )
        seen_names.add(alias.replace("_", "-"))
        mark = document.locate(where).start_mark
        positions[alias] = (mark.line + 1, mark.column + 1)
    if problems:
        return None, sorted(problems)
    shown = ExerciseSpec.from_json(spec.model_dump(mode="json", exclude={"cases"}))
    return LoadedExercise(shown, cases, path, positions), []


def _formula_problems(document: YamlDocument, spec: Exercise) -> list[Problem]:
    """Formulas of the prompt and the hints that would not render cleanly in a terminal."""
    from quizapp.core.latex import text_math_problems

    texts: list[tuple[tuple[str | int, ...], str]] = [(("exercise", "prompt"), spec.prompt)]
    texts += [(("exercise", "hints", index), hint) for index, hint in enumerate(spec.hints)]
    return [
        document.problem(where, f"{'.'.join(map(str, where))}: {problem}")
        for where, text in texts
        for problem in text_math_problems(text)
    ]


def _reserved_names(document: YamlDocument, spec: Exercise) -> list[Problem]:
    """`next` is not a name: `quizapp exercise next` opens the next exercise on the path."""
    from quizapp.exercises.names import NEXT, normalised

    named: list[tuple[tuple[str | int, ...], str]] = [(("exercise", "id"), spec.id)]
    named += [(("exercise", "aliases", index), alias) for index, alias in enumerate(spec.aliases)]
    return [
        document.problem(
            where,
            f"{'.'.join(map(str, where))}: {name!r} is reserved (`quizapp exercise next` opens the next "
            "exercise on the path); choose another name",
        )
        for where, name in named
        if normalised(name) == NEXT
    ]


def _positioned(document: YamlDocument, error: ValidationError, prefix: tuple) -> list[Problem]:
    from quizapp.core.yaml_source import pydantic_problems

    items = [{**item, "loc": (*prefix, *item["loc"])} for item in error.errors(include_url=False)]
    return pydantic_problems(document, items)
