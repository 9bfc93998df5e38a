"""Every built-in exercise: its model solution passes, and plausible wrong ones are caught."""

from pathlib import Path

import pytest

from quizapp import locations

WRONG = sorted((Path(__file__).parent / "solutions").glob("*/wrong_*.py"))
MODELS = sorted((locations.builtin_content_dir() / "exercises" / "solutions").glob("*.py"))


def test_every_builtin_exercise_has_a_model_and_two_wrong_solutions(builtin_exercises):
    for exercise in builtin_exercises.exercises.values():
        assert exercise.solution_path is not None, exercise.id
        assert len([p for p in WRONG if p.parent.name == exercise.id]) >= 2, exercise.id


@pytest.mark.parametrize("path", MODELS, ids=lambda p: p.stem)
def test_the_model_solution_passes(path: Path, builtin_exercises, checker):
    verdict = checker.check(builtin_exercises.get(path.stem), path.read_text(), str(path))
    failing = [f"{case.name}: {case.message}" for case in verdict.cases if not case.passed]
    assert verdict.passed, (verdict.error, failing, verdict.output)
    assert all(case.passed for case in verdict.cases)


@pytest.mark.parametrize("path", WRONG, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_a_wrong_solution_fails_a_named_case(path: Path, builtin_exercises, checker):
    verdict = checker.check(builtin_exercises.get(path.parent.name), path.read_text(), str(path))
    failing = [case for case in verdict.cases if not case.passed]
    assert not verdict.passed
    assert failing, "a wrong solution must fail a named case"
    assert verdict.error or all(case.message != "ok" for case in failing)


def test_starters_run_but_pass_nothing(builtin_exercises, checker):
    for exercise in builtin_exercises.exercises.values():
        verdict = checker.check(exercise, exercise.spec.starter, f"{exercise.id}.py")
        assert not verdict.passed, exercise.id
        assert verdict.error is None or "not allowed" not in verdict.error, exercise.id
