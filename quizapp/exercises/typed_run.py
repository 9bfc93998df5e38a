"""Judging a typed answer by what it computes: the learner's expression and the card's answer run
on the card's fixture (`quizapp.core.kinds.fixtures`) in the exercise sandbox, results compared.

Both expressions come from untrusted hands (the learner, the deck's author), so both run in the
sandbox, in one check: `_expected` first, then `_given`, each returning its result as an array or
a DataFrame payload; the comparison (values, shape and dtype; frames by columns, index, dtypes and
cells) happens here, on the trusted side.

    runner = AnswerRunner()
    runner.warm(fixture)                       # in the background, when a sitting has such cards
    runner.judge(fixture, "x.clip(0, 1)", "x.clamp(0, 1)")   # RunJudgement(same=True, ...)
"""

from __future__ import annotations

import ast
import json
import threading
import zlib
from dataclasses import dataclass
from typing import Any

import numpy as np

from quizapp.exercises.frames import compare_frames
from quizapp.exercises.sandbox.client import SandboxError, SandboxHost
from quizapp.exercises.sandbox.protocol import CaseRequest, CheckRequest, ChildReport, Limits, npy_bytes

FILENAME = "<your answer>"
RESULT_BYTES = 4 << 20
"""What each of the two results may weigh when it comes back."""
LIMITS = Limits(cpu_s=10, wall_s=15, memory_mb=1024, output_mb=1)
TORCH_NAMES = ("torch", "nn", "F")

WINE_REVIEWS: dict[str, list[Any]] = {
    "country": [
        "Italy",
        "Portugal",
        "US",
        "US",
        "France",
        "Spain",
        "Italy",
        "France",
        "US",
        "Chile",
        None,
        "Italy",
    ],
    "points": [87, 87, 87, 86, 90, 88, 91, 89, 85, 86, 88, 92],
    "price": [None, 15.0, 14.0, 65.0, 24.0, 15.0, 16.0, None, 19.0, 12.5, 30.0, 45.0],
    "variety": [
        "White Blend",
        "Portuguese Red",
        "Pinot Gris",
        "Pinot Noir",
        "Gewürztraminer",
        "Tempranillo",
        "Frappato",
        "Pinot Gris",
        "Cabernet Sauvignon",
        "Carmenère",
        "Red Blend",
        "Nerello Mascalese",
    ],
    "region_2": [None, None, "Willamette Valley", None, None, None, None, None, "Napa", None, None, None],
    "taster_name": [
        "Kerin O’Keefe",
        "Roger Voss",
        "Paul Gregutt",
        "Paul Gregutt",
        "Roger Voss",
        "Michael Schachner",
        "Kerin O’Keefe",
        "Roger Voss",
        None,
        "Michael Schachner",
        None,
        "Kerin O’Keefe",
    ],
    "taster_twitter_handle": [
        "@kerinokeefe",
        "@vossroger",
        "@paulgwine",
        "@paulgwine",
        "@vossroger",
        "@wineschach",
        "@kerinokeefe",
        "@vossroger",
        None,
        "@wineschach",
        None,
        "@kerinokeefe",
    ],
}
"""A dozen rows shaped like Kaggle's wine reviews (the learner's notes use them): ties, missing values."""
DATASETS = {"wine-reviews": WINE_REVIEWS}


@dataclass(frozen=True)
class RunJudgement:
    same: bool | None
    """The two results are equal; None when it could not be told (fall back to the spelling)."""
    detail: str = ""
    """Why not, in a few words, for the learner."""


class AnswerRunner:
    """Runs typed answers in a sandbox host of its own, started on first use or by `warm`."""

    def __init__(self, host: SandboxHost | None = None) -> None:
        self.host = host or SandboxHost()
        self._lock = threading.Lock()
        """Held while the host runs something; one check at a time."""
        self._closed = False

    def warm(self, fixtures: list[dict[str, dict]]) -> None:
        """Start the host and import what these fixtures need in it (torch costs ~1.5 s, once)."""
        preload = sorted({module for fixture in fixtures for module in _modules(fixture, "")})
        request = CheckRequest(FILENAME, "", {}, [], LIMITS, preload, 0, 8)
        with self._lock:
            if self._closed:
                return
            self.host.clear_cancel()
            try:
                self.host.run(request, [], [])
            except SandboxError:
                pass  # the first judge starts a fresh host and says what went wrong

    def judge(self, fixture: dict[str, dict], given: str, answer: str) -> RunJudgement:
        """Whether `given` computes what `answer` computes on `fixture`."""
        if not _is_expression(given):
            return RunJudgement(None, "not a single Python expression")
        if not _is_expression(answer):
            return RunJudgement(None, "the card's answer is not an expression")
        arrays, arguments = _materialise(fixture)
        modules = _modules(fixture, given + "\n" + answer)
        code = _program(fixture, given, answer, modules)
        request = CheckRequest(
            filename=FILENAME,
            code=code,
            blocked_modules={},
            cases=[
                CaseRequest(
                    "fixture",
                    list(arrays),
                    [
                        {"fn": "_expected", "args": arguments, "outputs": ["_expected"]},
                        {"fn": "_given", "args": arguments, "outputs": ["_given"]},
                    ],
                    {"_expected": {"any": True}, "_given": {"any": True}},
                )
            ],
            limits=LIMITS,
            preload=modules,
            result_bytes=2 * RESULT_BYTES,
            result_frames=16,
        )
        inputs = [[0, name] for name in arrays]
        with self._lock:
            if self._closed:
                return RunJudgement(None, "the sandbox was closed")
            self.host.clear_cancel()
            try:
                reply = self.host.run(request, inputs, [npy_bytes(array) for array in arrays.values()])
            except SandboxError:
                return RunJudgement(None, "the sandbox stopped")
        return _compare(ChildReport.from_records(reply.records), reply.outcome.stopped is not None)

    def close(self) -> None:
        """Stop the host; a warm-up under way (at most a second or two) is waited for."""
        self._closed = True
        self.host.cancel()
        with self._lock:
            self.host.close()


def _is_expression(text: str) -> bool:
    try:
        ast.parse(text.strip(), mode="eval")
    except (SyntaxError, ValueError):
        return False
    return bool(text.strip())


def _modules(fixture: dict[str, dict], code: str) -> list[str]:
    """What the host imports before the fork: pandas for frames, torch for tensors."""
    words = set(code.replace(".", " ").replace("(", " ").split())
    modules = []
    if any("dataset" in item or "frame" in item for item in fixture.values()) or "pd" in words:
        modules.append("pandas")
    if any("tensor" in item for item in fixture.values()) or words & set(TORCH_NAMES):
        modules.append("torch")
    return modules


def _seed(name: str) -> int:
    return zlib.crc32(name.encode())


def _array(spec: dict[str, Any], name: str, default: str) -> np.ndarray:
    if "values" in spec:
        values = np.asarray(spec["values"])
        dtype = spec.get("dtype") or (default if values.dtype.kind == "f" else values.dtype.str)
        return values.astype(dtype)
    dtype = np.dtype(spec.get("dtype") or default)
    rng = np.random.default_rng(_seed(name))
    shape = tuple(spec["shape"])
    if dtype.kind == "b":
        return rng.random(shape) < 0.5
    if dtype == np.uint8:
        return rng.integers(0, 256, shape, dtype=np.uint8)
    if dtype.kind in "iu":
        return rng.integers(-5, 10, shape).astype(dtype)
    return rng.standard_normal(shape).astype(dtype)


def _materialise(fixture: dict[str, dict]) -> tuple[dict[str, np.ndarray], list[Any]]:
    """The arrays that travel as `.npy` files, and each argument of the two functions, in order."""
    arrays: dict[str, np.ndarray] = {}
    arguments: list[Any] = []
    for name, item in fixture.items():
        if "tensor" in item or "array" in item:
            arrays[name] = _array(
                item.get("tensor") or item["array"], name, "float32" if "tensor" in item else "float64"
            )
            arguments.append({"$array": name})
        elif "dataset" in item:
            arguments.append({"$frame": DATASETS[item["dataset"]]})
        elif "frame" in item:
            arguments.append({"$frame": item["frame"]})
        else:
            arguments.append(item.get("number", item.get("text")))
    return arrays, arguments


def _program(fixture: dict[str, dict], given: str, answer: str, modules: list[str]) -> str:
    names = ", ".join(fixture)
    tensors = [name for name, item in fixture.items() if "tensor" in item]
    torch_import = "import torch\nfrom torch import nn\nimport torch.nn.functional as F\n"
    uses_torch, uses_pandas = "torch" in modules, "pandas" in modules
    prologue = "".join(f"    {name} = torch.from_numpy({name})\n" for name in tensors)
    return (
        "import numpy as np\n"
        + ("import pandas as pd\n" if uses_pandas else "")
        + (torch_import if uses_torch else "")
        + _RESULT_HELPER
        + f"\ndef _expected({names}):\n{prologue}    return _result((\n{answer.strip()}\n))\n"
        + f"\ndef _given({names}):\n{prologue}    return _result((\n{given.strip()}\n))\n"
    )


_RESULT_HELPER = '''
def _result(value):
    """The result as the checker sends it back: an array, or a pandas DataFrame or Series."""
    kind = type(value).__module__.partition(".")[0]
    if kind == "torch":
        if hasattr(value, "detach"):
            return value.detach().cpu().numpy()
        return np.asarray(list(value))  # torch.Size
    if kind == "pandas" and not hasattr(value, "columns") and not hasattr(value, "index"):
        import pandas
        return pandas.Series(list(value), name="values")  # an Index
    if isinstance(value, str):
        return np.frombuffer(value.encode(), dtype=np.uint8)
    return value
'''


def _compare(report: ChildReport, stopped: bool) -> RunJudgement:
    if report.load_error:
        return RunJudgement(None, "the answers could not be loaded")
    finished = report.finished.get(0)
    if finished is None:
        return RunJudgement(None, "it ran out of time" if stopped else "it did not finish")
    error = finished.get("error")
    if isinstance(error, dict):
        if finished.get("call") == "_given":
            message = str(error.get("message", "")).strip().splitlines()
            return RunJudgement(False, "it raised " + (message[-1] if message else "an error"))
        return RunJudgement(None, "the card's own answer did not run")
    expected, given = report.outputs.get((0, "_expected")), report.outputs.get((0, "_given"))
    if expected is None or given is None:
        return RunJudgement(None, "no result came back")
    if "frame" in expected[0] or "frame" in given[0]:
        if "frame" not in expected[0] or "frame" not in given[0]:
            return RunJudgement(False, "a different type of result")
        try:
            got, wanted = (json.loads(frame[1][0]) for frame in (given, expected))
        except (ValueError, IndexError):
            return RunJudgement(None, "a result could not be read")
        if got.get("kind") == wanted.get("kind") == "series":
            got["columns"] = wanted["columns"]  # a Series' name is not part of what it computes
        comparison = compare_frames("the result", got, wanted, rtol=1e-9, atol=1e-12)
        return RunJudgement(comparison.passed, "" if comparison.passed else comparison.message)
    return _compare_arrays(_array_of(given), _array_of(expected))


def _array_of(frame: tuple[dict, list[bytes]]) -> np.ndarray | None:
    header, blobs = frame
    try:
        dtype = np.dtype(str(header["dtype"]))
        shape = tuple(int(n) for n in header["shape"])
        if (
            dtype.kind not in "biuf"
            or len(blobs) != 1
            or len(blobs[0]) != dtype.itemsize * int(np.prod(shape))
        ):
            return None
        return np.frombuffer(blobs[0], dtype=dtype).reshape(shape)
    except (KeyError, TypeError, ValueError):
        return None


def _compare_arrays(got: np.ndarray | None, expected: np.ndarray | None) -> RunJudgement:
    if got is None or expected is None:
        return RunJudgement(None, "a result could not be read")
    if got.shape != expected.shape:
        return RunJudgement(False, f"shape {got.shape}, expected {expected.shape}")
    if got.dtype != expected.dtype:
        return RunJudgement(False, f"dtype {got.dtype}, expected {expected.dtype}")
    if expected.dtype.kind == "f":
        same = bool(np.allclose(got, expected, rtol=1e-6, atol=1e-9, equal_nan=True))
    else:
        same = bool(np.array_equal(got, expected))
    return RunJudgement(same, "" if same else "different values")
