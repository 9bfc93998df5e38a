"""Every built-in exercise: its model solution passes, and plausible wrong ones are caught."""

from pathlib import Path

import pytest

SOLUTIONS = Path(__file__).parent / "solutions"
ATTEMPTS = sorted(SOLUTIONS.glob("*/*.py"))


def test_every_builtin_exercise_has_a_correct_and_two_wrong_solutions(builtin_exercises):
    for exercise_id in builtin_exercises.exercises:
        folder = SOLUTIONS / exercise_id
        assert (folder / "correct.py").exists(), exercise_id
        assert len(list(folder.glob("wrong_*.py"))) >= 2, exercise_id


@pytest.mark.parametrize("path", ATTEMPTS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_solution_gets_the_verdict_it_deserves(path: Path, builtin_exercises, checker):
    exercise = builtin_exercises.get(path.parent.name)
    verdict = checker.check(exercise, path.read_text(), str(path))
    failing = [f"{case.name}: {case.message}" for case in verdict.cases if not case.passed]
    if path.stem == "correct":
        assert verdict.passed, (verdict.error, failing, verdict.output)
        assert all(case.passed for case in verdict.cases)
    else:
        assert not verdict.passed
        assert failing, "a wrong solution must fail a named case"
        assert verdict.error or all(case.message != "ok" for case in verdict.cases if not case.passed)


def test_starters_run_but_pass_nothing(builtin_exercises, checker):
    for exercise in builtin_exercises.exercises.values():
        verdict = checker.check(exercise, exercise.spec.starter, f"{exercise.id}.py")
        assert not verdict.passed, exercise.id
        assert verdict.error is None or "not allowed" not in verdict.error, exercise.id
