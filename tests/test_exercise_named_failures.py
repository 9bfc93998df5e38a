"""Wrong solutions that name the case they must fail (`# fails: CASE` on their first line): each
fails exactly there, with a message, while the model solution passes that case."""

from pathlib import Path

import pytest

NAMED = [
    path
    for path in sorted((Path(__file__).parent / "solutions").glob("*/wrong_*.py"))
    if path.read_text().startswith("# fails: ")
]


def _named_case(path: Path) -> str:
    return path.read_text().splitlines()[0].removeprefix("# fails: ").strip()


def test_the_new_exercises_each_have_named_wrong_solutions(builtin_exercises):
    new = [
        "batchnorm-backward",
        "conv2d-backward",
        "rnn-bptt",
        "sgd-momentum",
        "adam-adamw",
        "focal-loss",
        "roi-pool",
        "centernet-decode",
        "morphology",
        "swin-patch-merging",
        "rpn-loss",
    ]
    for exercise_id in new:
        assert builtin_exercises.get(exercise_id) is not None, exercise_id
        named = [path for path in NAMED if path.parent.name == exercise_id]
        assert len(named) >= 2, exercise_id


@pytest.mark.parametrize("path", NAMED, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_a_wrong_solution_fails_the_case_it_names(path: Path, builtin_exercises, checker):
    exercise = builtin_exercises.get(path.parent.name)
    case_name = _named_case(path)
    assert case_name in [case.name for case in exercise.cases], f"{path.name} names no case of {exercise.id}"
    verdict = checker.check(exercise, path.read_text(), str(path))
    result = next(case for case in verdict.cases if case.name == case_name)
    assert not result.passed, f"{path.name} should fail {case_name}"
    assert result.message not in ("ok", "not run"), result.message
