"""What the learner is told: positions in their own file, shapes, dtypes, first bad index."""

import numpy as np
import pytest

from quizapp.exercises.compare import compare
from quizapp.exercises.spec import Forbidden
from quizapp.exercises.static_check import find_problems

GOOD_SMOOTH_L1 = """\
import numpy as np


def smooth_l1(pred, target, sigma):
    d = pred - target
    return np.where(np.abs(d) < 1 / sigma**2, 0.5 * sigma**2 * d * d, np.abs(d) - 0.5 / sigma**2)


def smooth_l1_grad(pred, target, sigma):
    d = pred - target
    return np.where(np.abs(d) < 1 / sigma**2, sigma**2 * d, np.sign(d))
"""


def test_an_exception_points_at_the_learners_own_line_and_nothing_of_quizapp(tight_exercise, checker):
    code = GOOD_SMOOTH_L1.replace(
        "    d = pred - target\n    return np.where",
        "    d = pred - target\n    d = d[99]\n    return np.where",
        1,
    )
    verdict = checker.check(tight_exercise, code, "/home/me/smooth.py")
    message = verdict.cases[0].message
    assert 'File "/home/me/smooth.py", line 6, in smooth_l1' in message
    assert "    d = d[99]" in message
    assert "IndexError" in message
    assert "quizapp" not in message and "child.py" not in message


def test_a_syntax_error_is_reported_with_its_line(tight_exercise, checker):
    verdict = checker.check(tight_exercise, "def smooth_l1(pred, target, sigma)\n    pass\n", "mine.py")
    assert not verdict.passed
    assert "SyntaxError" in verdict.error and "mine.py:1" in verdict.error


def test_wrong_shape_and_wrong_dtype_are_named(tight_exercise, checker):
    shape = GOOD_SMOOTH_L1.replace(
        "def smooth_l1(pred, target, sigma):\n",
        "def smooth_l1(pred, target, sigma):\n    return (pred - target)[:2]\n",
        1,
    )
    verdict = checker.check(tight_exercise, shape, "mine.py")
    assert verdict.cases[0].message == "loss: shape (2,), expected (4,)"
    dtype = GOOD_SMOOTH_L1.replace(
        "    d = pred - target\n    return np.where",
        "    d = (pred - target).astype(np.float32)\n    return np.where",
        1,
    )
    verdict = checker.check(tight_exercise, dtype, "mine.py")
    assert verdict.cases[0].message.startswith("loss: dtype float32, expected float64")


def test_compare_reports_count_first_index_and_errors():
    expected = np.zeros((2, 3))
    got = expected.copy()
    got[1, 2] = 0.5
    got[0, 1] = np.nan
    result = compare("dx", got, expected, 1e-7, 1e-7)
    assert not result.passed
    assert result.message.startswith("dx: 2 of 6 values differ; first at [0, 1]: got nan, expected 0")
    assert compare("dx", got.astype(np.float32), expected, 1e-7, 1e-7).message.startswith(
        "dx: dtype float32, expected float64"
    )
    assert compare("out", np.zeros(3), np.zeros(3), 0, 0).passed


def test_nan_where_expected_nan_is_equal():
    value = np.array([np.nan, 1.0])
    assert compare("y", value.copy(), value, 1e-7, 1e-7).passed


@pytest.mark.parametrize("got", [0.0, 1e300, np.nan, "the other infinity"])
@pytest.mark.parametrize("expected", [np.inf, -np.inf])
def test_an_infinite_expected_value_accepts_only_the_same_infinity(got: float | str, expected: float):
    got = -expected if got == "the other infinity" else got
    result = compare("y", np.array([1.0, got]), np.array([1.0, expected]), 1e-5, 1e-5)
    assert not result.passed
    assert result.message.startswith(
        f"y: 1 of 2 values differ; first at [1]: got {got:.6g}, expected {expected:.6g}"
    )


def test_the_same_infinity_and_nan_for_nan_pass():
    value = np.array([np.inf, -np.inf, np.nan, 2.0])
    result = compare("y", value.copy(), value, 1e-7, 1e-7)
    assert result.passed and result.max_abs_err == 0.0 and result.max_rel_err == 0.0


def test_inf_or_nan_where_a_number_was_expected_is_a_mismatch_at_its_index():
    expected = np.array([[1.0, 2.0], [3.0, 4.0]])
    got = expected.copy()
    got[1, 0] = np.nan
    got[1, 1] = np.inf
    result = compare("out", got, expected, 1e-5, 1e-5)
    assert not result.passed and result.max_abs_err == np.inf
    assert result.message.startswith("out: 2 of 4 values differ; first at [1, 0]: got nan, expected 3")


def test_dtype_hints_fit_the_kinds_of_the_two_dtypes():
    def message(got: str, expected: str) -> str:
        return compare("y", np.zeros(3, dtype=got), np.zeros(3, dtype=expected), 1e-7, 1e-7).message

    assert message("float64", "float32") == (
        "y: dtype float64, expected float32 (new arrays default to float64: pass dtype=x.dtype)"
    )
    assert message("float64", "int64") == (
        "y: dtype float64, expected int64 (expected integers (e.g. indices): convert with .astype(np.int64))"
    )
    assert (
        message("int64", "float32")
        == "y: dtype int64, expected float32 (integer arithmetic somewhere? compute in x.dtype)"
    )
    assert message("float32", "float64") == "y: dtype float32, expected float64"
    assert message("bool", "int64") == "y: dtype bool, expected int64"


@pytest.mark.parametrize(
    ("code", "line"),
    [
        ("import torch.nn.functional as F\n", 1),
        ("from torch import nn\n", 1),
        ("import numpy as np\nout = np.lib.stride_tricks.sliding_window_view(x, 2)\n", 2),
        ("from numpy.lib.stride_tricks import sliding_window_view as swv\n", 1),
        ("import numpy as np\n\ndef f(F, x):\n    return F.max_pool2d(x, 2)\n", 4),
        # Python reads identifiers in NFKC: fullwidth letters still spell torch
        ("import numpy as np\nimport \uff54\uff4f\uff52\uff43\uff48\n", 2),
        ("import numpy as np\n\ndef f(F, x):\n    return F.max_pool\uff12d(x, 2)\n", 4),
    ],
)
def test_forbidden_calls_are_found_before_running(code: str, line: int):
    rules = [
        Forbidden(name="torch", why="torch is the reference"),
        Forbidden(name="sliding_window_view", why="write the loop"),
        Forbidden(name="max_pool2d", why="write the loop"),
    ]
    problems = find_problems(code, "mine.py", rules)
    assert [p.line for p in problems][:1] == [line]
    assert "is not allowed in this exercise" in problems[0].message


def test_the_learners_own_function_names_are_not_mistaken_for_forbidden_ones():
    code = "def max_pool2d(x):\n    return x\n\ny = max_pool2d(1)\nimport torchvision_like_name\n"
    assert (
        find_problems(
            code, "mine.py", [Forbidden(name="max_pool2d", why="w"), Forbidden(name="torch", why="w")]
        )
        == []
    )


def test_a_case_torch_refuses_is_blamed_on_the_exercise_file_not_the_learner(checker):
    from conftest import FIXTURES

    from quizapp.exercises.catalog import load_exercise_file

    exercise, problems = load_exercise_file(FIXTURES / "exercises" / "reference_fails.yaml")
    assert not problems
    verdict = checker.check(exercise, "def batchnorm_forward(*args):\n    pass\n", "mine.py")
    assert not verdict.passed
    assert "reference_fails.yaml: case 'one-sample': the PyTorch reference failed" in verdict.error
    assert "not in your code" in verdict.error and verdict.exercise_broken


def test_the_same_failure_in_every_case_is_printed_once(tight_exercise, checker):
    from quizapp.exercises.report import format_verdict

    verdict = checker.check(
        tight_exercise, tight_exercise.spec.starter.replace("...", "raise NotImplementedError"), "s.py"
    )
    text = format_verdict(verdict, tight_exercise.spec.title)
    assert text.count('File "s.py"') == 1
    assert "(the same as above)" in text
