"""`--dump-case CASE DIR`: one case's inputs as `.npy` files and a tiny script that runs the
learner's own file on them, outside any sandbox, for a debugger or a print statement.

What is written is data only (`np.save(..., allow_pickle=False)`, JSON); the script is quizapp's
own text with the learner's file path in it. The expected outputs are not written.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np

from quizapp.exercises.cases import CaseData
from quizapp.exercises.catalog import LoadedExercise

SCRIPT = "run_case.py"
CALLS = "calls.json"
INPUTS = "inputs"

_SCRIPT_TEXT = '''"""Case {case!r} of exercise {exercise!r}, as `quizapp exercise {exercise} --check` runs it.

    python {script}

Runs {solution} on this case's inputs ({inputs}/*.npy) and prints what each function returned.
Nothing here is sandboxed: it is your own code on plain arrays. Edit freely (breakpoint() works).
"""

import importlib.util
import json
import pathlib

import numpy as np

HERE = pathlib.Path(__file__).resolve().parent
SOLUTION = pathlib.Path({solution_path!r})

spec = importlib.util.spec_from_file_location("solution", SOLUTION)
solution = importlib.util.module_from_spec(spec)
spec.loader.exec_module(solution)
values = {{path.stem: np.load(path, allow_pickle=False) for path in (HERE / "{inputs}").glob("*.npy")}}


def argument(arg):
    if isinstance(arg, dict) and "$array" in arg:
        return values[arg["$array"]].copy(order="K")  # keeps the memory layout the check gives
    if isinstance(arg, dict) and "$frame" in arg:
        import pandas as pd

        return pd.DataFrame(arg["$frame"])
    if isinstance(arg, dict) and "$poly" in arg:
        coefficients = arg["$poly"]
        return lambda x: np.polyval(coefficients, x)
    return arg


np.set_printoptions(precision=5, suppress=True, linewidth=120)
for call in json.loads((HERE / "{calls}").read_text()):
    args = [argument(arg) for arg in call["args"]]
    result = getattr(solution, call["fn"])(*args)
    outputs = call["outputs"]
    returned = list(result) if len(outputs) > 1 and isinstance(result, (tuple, list)) else [result]
    for name, value in zip(outputs, returned):
        values[name] = value  # a later call may take it (the running statistics, say)
        print(f"{{call['fn']}}() -> {{name}}: shape {{getattr(value, 'shape', None)}}, dtype {{getattr(value, 'dtype', type(value).__name__)}}")
        print(value)
'''


class UnknownCase(LookupError):
    pass


def dump_case(
    exercise: LoadedExercise, cases: list[CaseData], case_name: str, solution: Path, folder: Path
) -> Path:
    """Writes the case into `folder` (created if needed); returns the script's path."""
    names = [case.name for case in exercise.cases]
    if case_name not in names:
        raise UnknownCase(f"{exercise.id} has no case {case_name!r} (its cases: {', '.join(names)})")
    data = cases[names.index(case_name)]
    inputs = folder / INPUTS
    inputs.mkdir(parents=True, exist_ok=True)
    for stale in inputs.glob("*.npy"):
        stale.unlink()
    for name, array in data.inputs.items():
        buffer = io.BytesIO()
        np.save(buffer, array, allow_pickle=False)  # a Fortran-ordered input stays so, as in the check
        (inputs / f"{name}.npy").write_bytes(buffer.getvalue())
    (folder / CALLS).write_text(json.dumps(data.calls, indent=1) + "\n", encoding="utf-8")
    script = folder / SCRIPT
    script.write_text(
        _SCRIPT_TEXT.format(
            case=case_name,
            exercise=exercise.id,
            script=script,
            solution=solution.resolve(),
            solution_path=str(solution.resolve()),
            inputs=INPUTS,
            calls=CALLS,
        ),
        encoding="utf-8",
    )
    return script
