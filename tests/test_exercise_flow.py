"""The rustlings flow from the command line: a starter with its spec, hints one at a time, a
failing case dumped to run locally, a watch that reads well, and "not run" when nothing ran."""

import ast
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from test_exercise_cli import run

from quizapp.cli import exercise as exercise_commands
from quizapp.exercises.starter import starter_file

WRONG = Path(__file__).parent / "solutions"
MODELS = Path(__file__).parent.parent / "content" / "exercises" / "solutions"


def test_every_starter_carries_its_spec_and_still_runs(builtin_exercises, checker):
    for exercise in builtin_exercises.exercises.values():
        text = starter_file(exercise)
        tree = ast.parse(text)  # a valid file: the spec is its docstring
        spec = ast.get_docstring(tree)
        assert exercise.spec.title in spec, exercise.id
        assert all(case.name in spec for case in exercise.cases), exercise.id
        assert all(f"`{rule.name}`" in spec for rule in exercise.spec.forbid), exercise.id
        assert "$" not in spec.replace("$poly", ""), (exercise.id, "a formula left in LaTeX")
        functions = [
            node
            for node in ast.walk(tree)
            if isinstance(node, ast.FunctionDef) and not node.name.startswith("_")
        ]
        undocumented = [
            f.name for f in functions if exercise.id != "fix-gradient-descent" and not ast.get_docstring(f)
        ]
        assert not undocumented, (exercise.id, "signatures without shapes/dtypes", undocumented)


def test_the_starter_says_what_is_checked_and_what_is_forbidden(tmp_path: Path):
    result = run(tmp_path, "exercise", "maxpool2d", "--starter")
    assert result.returncode == 0
    assert "ties-go-to-the-first: shape=[2, 2, 6, 6] kernel=[2, 2] stride=2 ties=True" in result.stdout
    assert "`sliding_window_view`: write the window loop yourself once" in result.stdout
    assert "⌊" in result.stdout  # the output-size formula, readable
    assert "def maxpool2d_backward(dout, x, kernel_size, stride):" in result.stdout


def test_the_untouched_starter_checks_as_not_implemented_not_as_a_syntax_error(builtin_exercises, checker):
    exercise = builtin_exercises.get("conv2d")
    verdict = checker.check(exercise, starter_file(exercise), "conv2d.py")
    assert not verdict.passed and verdict.error is None
    assert all("NotImplementedError" in case.message for case in verdict.cases)


def test_hints_come_one_at_a_time_and_are_remembered(tmp_path: Path):
    first = run(tmp_path, "exercise", "maxpool", "--hint")
    assert first.returncode == 0
    assert "Hint 1 of 3" in first.stdout and "Hint 2" not in first.stdout
    second = run(tmp_path, "exercise", "maxpool2d", "--hint").stdout
    assert "Hint 1 of 3" in second and "Hint 2 of 3" in second and "Hint 3" not in second
    last = run(tmp_path, "exercise", "maxpool2d", "--hint")
    assert "Hint 3 of 3" in last.stdout and "that was the last hint" in last.stderr
    again = run(tmp_path, "exercise", "MaxPool2d", "--hint")  # after the last: all shown, none added
    assert again.returncode == 0 and "Hint 3 of 3" in again.stdout and "Hint 4" not in again.stdout
    assert "no more hints: all 3 are shown above" in again.stderr
    other = run(tmp_path, "exercise", "avgpool2d", "--hint").stdout  # each exercise counts its own
    assert "Hint 1 of" in other and "Hint 2" not in other


def test_a_failing_case_is_dumped_as_npy_with_a_script_that_runs_the_learners_file(tmp_path: Path):
    mine = tmp_path / "mine.py"
    mine.write_text((WRONG / "maxpool2d" / "wrong_mask_spreads_ties.py").read_text())
    folder = tmp_path / "case"
    result = run(
        tmp_path / "home",
        "exercise",
        "maxpool2d",
        "--check",
        str(mine),
        "--dump-case",
        "ties-go-to-the-first",
        str(folder),
    )
    assert result.returncode == 1  # the verdict's exit code, as without --dump-case
    assert "✗ ties-go-to-the-first" in result.stdout
    assert "run_case.py" in result.stderr
    x = np.load(folder / "inputs" / "x.npy", allow_pickle=False)
    assert x.shape == (2, 2, 6, 6)
    assert sorted(p.name for p in (folder / "inputs").iterdir()) == ["dout.npy", "x.npy"]
    ran = subprocess.run(
        [sys.executable, str(folder / "run_case.py")], capture_output=True, text=True, timeout=60
    )
    assert ran.returncode == 0, ran.stderr
    assert "maxpool2d_forward() -> out: shape (2, 2, 3, 3), dtype float64" in ran.stdout
    assert "maxpool2d_backward() -> dx: shape (2, 2, 6, 6)" in ran.stdout


def test_dumping_an_unknown_case_is_a_usage_error_naming_the_cases(tmp_path: Path):
    result = run(
        tmp_path,
        "exercise",
        "maxpool2d",
        "--check",
        str(MODELS / "maxpool2d.py"),
        "--dump-case",
        "nope",
        str(tmp_path / "case"),
    )
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "no case 'nope'" in result.stderr and "ties-go-to-the-first" in result.stderr
    assert not (tmp_path / "case").exists()
    alone = run(tmp_path, "exercise", "maxpool2d", "--dump-case", "example", str(tmp_path / "case"))
    assert alone.returncode == 2 and "goes with --check" in alone.stderr


@pytest.mark.parametrize("code", ["def maxpool2d_forward(x:\n    pass\n", "import torch\n"])
def test_nothing_ran_says_not_run_once_instead_of_a_cross_per_case(tmp_path: Path, code: str):
    mine = tmp_path / "mine.py"
    mine.write_text(code)
    result = run(tmp_path / "home", "exercise", "maxpool2d", "--check", str(mine))
    assert result.returncode == 1
    assert "✗" not in result.stdout
    assert "Not run: none of the 8 cases ran; fix the error above first." in result.stdout


def test_watch_rounds_clear_the_terminal_show_the_sandbox_once_and_skip_the_untouched_starter(
    builtin_collection, builtin_exercises, checker, tmp_path: Path, capsys, monkeypatch
):
    exercise = builtin_exercises.get("maxpool2d")
    mine = tmp_path / "mine.py"
    mine.write_text(starter_file(exercise))
    cleared = []
    monkeypatch.setattr(exercise_commands.click, "clear", lambda: cleared.append(True))
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    exercise_commands._check_and_report(builtin_collection, checker, exercise, mine, "cpu", first=True)
    first = capsys.readouterr()
    assert "Sandbox:" in first.out and "not stored as an attempt" in first.err
    assert builtin_collection.db.execute("select count(*) from exercise_attempts").fetchone()[0] == 0
    mine.write_text((MODELS / "maxpool2d.py").read_text())
    exercise_commands._check_and_report(builtin_collection, checker, exercise, mine, "cpu", first=False)
    second = capsys.readouterr()
    assert "All 8 cases pass." in second.out and "Sandbox:" not in second.out
    assert cleared == [True]  # between rounds, not before the first
    assert builtin_collection.db.execute("select count(*) from exercise_attempts").fetchone()[0] == 1


def test_gradient_descent_cases_pin_the_update_rule(builtin_exercises, checker):
    exercise = builtin_exercises.get("fix-gradient-descent")
    newton = (WRONG / "fix-gradient-descent" / "wrong_newtons_method.py").read_text()
    verdict = checker.check(exercise, newton, "newton.py")
    failing = {case.name for case in verdict.cases if not case.passed}
    assert {"one-step-of-the-rule", "three-steps-with-lr-0.05", "num-iters-is-honoured"} <= failing
    assert {"notes-example", "other-root"}.isdisjoint(failing)  # it does find the roots


def test_a_dumped_non_contiguous_case_gives_the_learners_code_the_same_layout_as_the_check(tmp_path: Path):
    """The check hands `non-contiguous-x` over in Fortran order; a dump that made it C-ordered
    would not reproduce a failure that depends on the layout."""
    mine = tmp_path / "mine.py"
    mine.write_text(
        (MODELS / "morphology.py").read_text()
        + "\n\n_dilate = dilate\n\n\ndef dilate(x, k):\n"
        + "    if x.ndim == 4 and not x.flags.c_contiguous:\n"
        + "        raise RuntimeError('a layout this code cannot take')\n"
        + "    return _dilate(x, k)\n"
    )
    folder = tmp_path / "case"
    result = run(
        tmp_path / "home",
        "exercise",
        "morphology",
        "--check",
        str(mine),
        "--dump-case",
        "non-contiguous-x",
        str(folder),
    )
    assert result.returncode == 1
    assert "✗ non-contiguous-x" in result.stdout and "a layout this code cannot take" in result.stdout
    assert np.load(folder / "inputs" / "x.npy", allow_pickle=False).flags.f_contiguous
    ran = subprocess.run(
        [sys.executable, str(folder / "run_case.py")], capture_output=True, text=True, timeout=60
    )
    assert ran.returncode != 0 and "a layout this code cannot take" in ran.stderr
