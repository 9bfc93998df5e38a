"""What a forked child does: confine itself, load the learner's code, run each case's calls.

Inputs arrive as `.npy` files in the work dir; outputs leave the same way (`allow_pickle=False`
both ways). The child never holds an expected output. Results go line by line to `results.jsonl`,
so a crash in case 3 still leaves cases 1 and 2 reported.
"""

from __future__ import annotations

import builtins
import json
import linecache
import os
import signal
import sys
import traceback
from importlib.abc import MetaPathFinder
from pathlib import Path

import numpy as np

from quizapp.exercises import frames
from quizapp.exercises.sandbox import confine

OUTPUT_FILE = "output.txt"
RESULTS_FILE = "results.jsonl"
SETUP_FILE = "setup.json"
READABLE = confine.readable_roots()
"""Computed once in the host, before any fork."""


def run(request: dict) -> None:
    """Runs in the forked child; never returns."""
    code = 0
    try:
        workdir = Path(request["workdir"])
        _isolate(workdir, request["limits"])
        _run_cases(workdir, request)
    except BaseException:  # noqa: BLE001 - anything left is quizapp's own failure, told to the parent
        code = 70
        traceback.print_exc()
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def _isolate(workdir: Path, limits: dict) -> None:
    os.setsid()
    confine.die_with_parent()
    os.chdir(workdir)
    output = os.open(OUTPUT_FILE, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(output, 1)
    os.dup2(output, 2)
    os.close(output)
    os.close(null)
    sys.stdout = open(1, "w", encoding="utf-8", errors="replace", closefd=False, buffering=1)  # noqa: SIM115
    sys.stderr = sys.stdout
    # An output flood then ends in "File too large" inside the learner's print, not a silent kill.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    applied = confine.set_rlimits(
        cpu_s=limits["cpu_s"], memory_bytes=limits["memory_mb"] << 20, file_bytes=limits["output_mb"] << 20
    )
    applied.append(confine.restrict_files(str(workdir), READABLE)
                   or "landlock: not available (files outside the work dir are readable and writable)")
    applied.append(confine.forbid_processes_and_sockets() or "seccomp: not available (new processes allowed)")
    Path(SETUP_FILE).write_text(json.dumps({"isolation": applied}))


class _Blocked(MetaPathFinder):
    def __init__(self, names: dict[str, str]) -> None:
        self.names = names

    def find_spec(self, fullname, path, target=None):  # noqa: ANN001, ANN201, ARG002
        top = fullname.partition(".")[0]
        if top in self.names:
            raise ImportError(f"import {top}: {self.names[top]}")
        return None


def _run_cases(workdir: Path, request: dict) -> None:
    filename = request["filename"]
    blocked = request.get("blocked_modules", {})
    for name in list(sys.modules):
        if name.partition(".")[0] in blocked:
            del sys.modules[name]
    sys.meta_path.insert(0, _Blocked(blocked))
    results = open(RESULTS_FILE, "a", encoding="utf-8", buffering=1)  # noqa: SIM115
    namespace = {"__name__": "solution", "__file__": filename, "__builtins__": builtins}
    # Tracebacks quote the code as it was checked, even if the file changed or never existed.
    linecache.cache[filename] = (len(request["code"]), None, request["code"].splitlines(True), filename)
    try:
        exec(compile(request["code"], filename, "exec"), namespace)  # noqa: S102 - confined above
    except BaseException as error:  # noqa: BLE001
        results.write(json.dumps({"load_error": describe(error, filename)}) + "\n")
        return
    results.write(json.dumps({"loaded": True}) + "\n")
    for index, case in enumerate(request["cases"]):
        results.write(json.dumps({"start": index}) + "\n")
        results.write(json.dumps({"case": index, **_run_case(workdir, index, case, namespace, filename)}) + "\n")


def _run_case(workdir: Path, index: int, case: dict, namespace: dict, filename: str) -> dict:
    inputs = {name: np.load(workdir / "in" / str(index) / f"{name}.npy", allow_pickle=False)
              for name in case["inputs"]}
    untouched = {name: array.copy() for name, array in inputs.items()}
    out_dir = workdir / "out" / str(index)
    out_dir.mkdir(parents=True)
    changed: list[str] = []
    for call in case["calls"]:
        function = namespace.get(call["fn"])
        if not callable(function):
            return {"error": {"type": "missing", "message": f"your file does not define a function {call['fn']}()"}}
        args = [_argument(arg, inputs) for arg in call["args"]]
        try:
            result = function(*args)
        except BaseException as error:  # noqa: BLE001
            return {"error": describe(error, filename), "call": call["fn"]}
        for arg, spec in zip(args, call["args"]):
            if isinstance(spec, dict) and "$frame" in spec and not arg.equals(frames.make_frame(spec["$frame"])):
                changed.append(f"the DataFrame passed to {call['fn']}()")
        names = call["outputs"]
        values = list(result) if len(names) > 1 and isinstance(result, (tuple, list)) else [result]
        if len(values) != len(names):
            return {"error": {"type": "shape", "message":
                              f"{call['fn']}() returned {len(values)} value(s); expected {len(names)}: {', '.join(names)}"}}
        for name, value in zip(names, values):
            problem = _save(out_dir / f"{name}.npy", value)
            if problem:
                return {"error": {"type": "output", "message": f"{call['fn']}() → {name}: {problem}"}}
            if not frames.is_pandas(value):
                inputs[name] = np.array(value)  # a later call may take it (running statistics, say)
    mutated = [name for name, array in untouched.items() if not np.array_equal(inputs[name], array, equal_nan=True)]
    return {"mutated": mutated + changed}


def _argument(arg: object, inputs: dict[str, np.ndarray]) -> object:
    if isinstance(arg, dict) and "$array" in arg:
        return inputs[arg["$array"]]
    if isinstance(arg, dict) and "$frame" in arg:
        return frames.make_frame(arg["$frame"])
    if isinstance(arg, dict) and "$poly" in arg:
        coefficients = list(arg["$poly"])
        return lambda x: np.polyval(coefficients, x)
    return arg


def _save(path: Path, value: object) -> str | None:
    if value is None:
        return "returned None (did you forget `return`?)"
    if frames.is_pandas(value):
        if not hasattr(value, "columns") and not hasattr(value, "index"):
            return f"returned a {type(value).__name__}, not a DataFrame or Series"
        path.with_suffix(".json").write_text(json.dumps(frames.frame_payload(value), allow_nan=False))
        return None
    try:
        array = np.asarray(value)
    except Exception as error:  # noqa: BLE001
        return f"returned a {type(value).__name__}, not an array ({error})"
    if array.dtype.hasobject or array.dtype.kind not in "biuf":
        return f"returned a {type(value).__name__} of dtype {array.dtype}, not numbers"
    np.save(path, array, allow_pickle=False)
    return None


def describe(error: BaseException, filename: str) -> dict:
    """The exception as the learner needs it: their own file's frames only, never quizapp's."""
    if isinstance(error, SystemExit):
        return {"type": "exit", "message": f"your code called sys.exit({error.code!r}); return a value instead"}
    if isinstance(error, SyntaxError) and error.filename == filename:
        where = f'File "{filename}", line {error.lineno}'
        text = (error.text or "").rstrip("\n")
        caret = " " * max((error.offset or 1) - 1, 0) + "^" if text else ""
        return {"type": "syntax", "line": error.lineno,
                "message": "\n".join(filter(None, [where, "    " + text if text else "", "    " + caret if caret else "",
                                                   f"SyntaxError: {error.msg}"]))}
    frames = [frame for frame in traceback.extract_tb(error.__traceback__) if frame.filename == filename]
    lines = []
    for frame in frames:
        lines.append(f'File "{filename}", line {frame.lineno}, in {frame.name}')
        if frame.line:
            lines.append(f"    {frame.line}")
    detail = str(error)
    if isinstance(error, MemoryError) and not detail:
        detail = "out of memory (over this exercise's memory limit)"
    lines.append(f"{type(error).__name__}: {detail}" if detail else type(error).__name__)
    kind = "memory" if isinstance(error, MemoryError) else "exception"
    return {"type": kind, "line": frames[-1].lineno if frames else None, "message": "\n".join(lines)}
