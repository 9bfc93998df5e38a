"""What a forked child does: confine itself, load the learner's code, run each case's calls.

Inputs arrive as `.npy` files in the work dir (`allow_pickle=False`). Results leave through a pipe
to the host, as frames (`wire.py`), one after another, so a crash in case 3 still leaves cases 1
and 2 reported. An output goes back as raw bytes only when its shape and dtype are the expected
ones: a wrong shape is reported by its shape alone, however large the array. The child never holds
an expected output, and the trusted side never opens a file the child could have planted.
"""

from __future__ import annotations

import builtins
import fcntl
import io
import json
import linecache
import os
import re
import signal
import sys
import traceback
from importlib.abc import MetaPathFinder
from pathlib import Path
from typing import NoReturn

import numpy as np

from quizapp.exercises import frames
from quizapp.exercises.sandbox import confine, wire
from quizapp.exercises.sandbox.protocol import (
    HARNESS_FAILED_EXIT,
    SETUP_FAILED_EXIT,
    CaseRequest,
    CheckRequest,
    Limits,
)

READABLE = confine.readable_roots()
"""Computed once in the host, before any fork."""
MESSAGE_CHARS = 6000
"""An exception's text is cut to this length: a learner may raise one of a gigabyte."""
FRAME_BYTES = 16 << 20
"""The largest DataFrame payload sent back."""

# Kept before the learner's code runs: it may replace numpy's or json's functions with its own.
_encode, _write_all, _asarray, _ascontiguous = wire.encode, wire.write_all, np.asarray, np.ascontiguousarray
_read_array, _frombuffer, _dtype = np.lib.format.read_array, np.frombuffer, np.dtype


IDLE_NAME, CHECK_NAME, ENDED_NAME = b"quizapp-spare", b"quizapp-check", b"quizapp-ended"
"""The child's process name while it waits for its check, once it runs it, and once it has ended it."""
_REQUEST_FD, _RESULTS_FD = 4, 3


def run(workdir: Path, request_fd: int, results_fd: int, output_fd: int) -> NoReturn:
    """Runs in a child forked before its check arrives: confines itself, waits for the check on
    `request_fd`, runs it; never returns. Its exit code says whether quizapp failed before the
    learner's code ran (SETUP_FAILED_EXIT) or after (HARNESS_FAILED_EXIT); a spare the host no
    longer needs (its request pipe closed) exits 0 without running anything."""
    code = SETUP_FAILED_EXIT
    checking = False
    try:
        confined = _isolate(workdir, request_fd, results_fd, output_fd)
        _warm_up()
        mapped = confine.vm_size_bytes()
        confine.set_name(IDLE_NAME)  # only now: a process named so is confined and waits for its check
        received = _receive()
        if received is None:
            code = 0  # a spare the host no longer needs
        else:
            checking = True
            request, inputs = received
            confine.set_name(CHECK_NAME)
            limits = request.limits
            isolation = confine.set_rlimits(
                cpu_s=limits.cpu_s,
                memory_bytes=limits.memory_mb << 20,
                file_bytes=limits.output_mb << 20,
                mapped_bytes=mapped,
            )
            _send({"setup": {"isolation": [*isolation, *confined]}})
            code = 0
            _run_cases(request, inputs)
    except BaseException:
        traceback.print_exc()
        code = code or HARNESS_FAILED_EXIT  # the learner's code had run, and may have caused it
    finally:
        try:
            sys.stdout.flush()
            if checking:
                _end_channels(code)
        finally:
            os._exit(code)


def _end_channels(code: int) -> None:
    """The last frame says how the check ends, and the channels close: the host can answer without
    waiting for this process to be torn down (~1 ms of a forked child's page tables)."""
    try:
        confine.set_name(ENDED_NAME)  # a process still named quizapp-check is running a check
        _send({"exit": code})
    finally:
        for fd in (1, 2, _RESULTS_FD):
            try:
                os.close(fd)
            except OSError:  # the learner's code closed it
                pass


_warming_up = False
"""While the spare runs its own stand-in check (`_warm_up`): nothing it sends leaves."""


def _send(header: dict, blobs: list[bytes] | tuple = ()) -> None:
    if not _warming_up:
        _write_all(_RESULTS_FD, _encode(header, blobs))


_WARM_UP_CODE = """
import numpy as np

def pool(x, k, s):
    n, c, h, w = x.shape
    out = np.zeros((n, c, (h - k) // s + 1, (w - k) // s + 1), dtype=x.dtype)
    for i in range(out.shape[2]):
        for j in range(out.shape[3]):
            window = x[:, :, i * s : i * s + k, j * s : j * s + k]
            out[:, :, i, j] = window.reshape(n, c, -1).max(axis=2)
    return out, np.argmax(x.reshape(n, c, -1), axis=2), float(np.sqrt((x * x).mean()))
"""


def _warm_up() -> None:
    """A stand-in check, run by the spare before its own arrives. A forked child pays for each page
    of the host's it first writes to: a maxpool2d check took ~490 copy-on-write faults without
    this and ~130 with it, 8.7/7.6 ms → 6.9/5.9 ms of the child's time (two interleaved runs of
    60); the harness's share of them is paid while the learner edits. It leaves nothing behind."""
    global _warming_up
    _warming_up = True
    finders = list(sys.meta_path)
    try:
        cases, inputs = [], {}
        for index, dtype in enumerate(("float64", "float32")):
            array = np.arange(64, dtype=dtype).reshape(1, 1, 8, 8)
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, array, allow_pickle=False)
            inputs[index, "x"] = buffer.getvalue()
            expect = {"shape": [1, 1, 4, 4], "dtype": array.dtype.str}
            calls = [{"fn": "pool", "args": [{"$array": "x"}, 2, 2], "outputs": ["out", "arg", "rms"]}]
            cases.append(CaseRequest(f"warm-up-{index}", ["x"], calls, {"out": expect}))
        _run_cases(CheckRequest("warm-up.py", _WARM_UP_CODE, {}, cases, Limits(1, 1, 1, 1), [], 0, 0), inputs)
    except Exception:
        pass  # only ever a head start: the check itself runs the same code and says what fails
    finally:
        sys.meta_path[:] = finders
        linecache.cache.pop("warm-up.py", None)
        _warming_up = False


def _receive() -> tuple[CheckRequest, dict[tuple[int, str], bytes]] | None:
    """The check the host hands over (`{"check", "inputs"}` and the inputs' `.npy` bytes), or None
    when the host closes the pipe instead. The pipe is closed before the learner's code runs."""
    reader = wire.FrameReader(_REQUEST_FD)
    try:
        header, blobs = reader.read()  # type: ignore[misc]  # without a timeout it waits for a frame
    except EOFError:
        return None
    finally:
        os.close(_REQUEST_FD)
    inputs = {(int(case), str(name)): blob for (case, name), blob in zip(header["inputs"], blobs)}
    return CheckRequest.from_wire(header["check"]), inputs


def _isolate(workdir: Path, request_fd: int, results_fd: int, output_fd: int) -> list[str]:
    """Every layer that does not depend on the check: its limits come with it (`set_rlimits`)."""
    os.setsid()
    confine.die_with_parent()
    os.chdir(workdir)
    null = os.open(os.devnull, os.O_RDONLY)
    # Each moved above the targets first, so that no target closes another's source.
    sources = {
        target: fcntl.fcntl(source, fcntl.F_DUPFD_CLOEXEC, 64)
        for target, source in (
            (0, null),
            (1, output_fd),
            (2, output_fd),
            (_RESULTS_FD, results_fd),
            (_REQUEST_FD, request_fd),
        )
    }
    for target, source in sources.items():
        os.dup2(source, target, inheritable=target <= 2)
    # Nothing else of the host's reaches the learner: not its pipe to the client, not a pidfd.
    os.closerange(_REQUEST_FD + 1, 1 << 16)
    sys.stdout = open(1, "w", encoding="utf-8", errors="replace", buffering=1, closefd=False)  # noqa: SIM115
    sys.stderr = sys.stdout
    # A file written past the size limit ends in "File too large" inside the learner's call.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    applied = []
    if not confine.drop_capabilities():
        applied.append("capabilities: not dropped (not Linux)")
    applied.append(
        confine.restrict_files(str(workdir), READABLE)
        or "landlock: not available (files outside the work dir are readable and writable)"
    )
    applied.append(
        confine.forbid_processes_and_sockets()
        or "seccomp: not available (new processes, sockets and signals allowed)"
    )
    return applied


class _Blocked(MetaPathFinder):
    def __init__(self, names: dict[str, str]) -> None:
        self.names = names

    def find_spec(self, fullname, path, target=None):
        top = fullname.partition(".")[0]
        if top in self.names:
            raise ImportError(f"import {top}: {self.names[top]}")
        return None


def _run_cases(request: CheckRequest, inputs: dict[tuple[int, str], bytes]) -> None:
    filename = request.filename
    blocked = request.blocked_modules
    for name in list(sys.modules):
        if name.partition(".")[0] in blocked:
            del sys.modules[name]
    sys.meta_path.insert(0, _Blocked(blocked))
    namespace = {"__name__": "solution", "__file__": filename, "__builtins__": builtins}
    # Tracebacks quote the code as it was checked, even if the file changed or never existed.
    code = request.code
    linecache.cache[filename] = (len(code), None, code.splitlines(True), filename)
    try:
        exec(compile(code, filename, "exec"), namespace)
    except BaseException as error:
        _send({"load_error": describe(error, filename)})
        return
    _send({"loaded": True})
    for index, case in enumerate(request.cases):
        _send({"start": index})
        try:
            record = _run_case(index, case, namespace, filename, inputs)
        except Exception as error:
            record = {
                "error": {
                    "type": "harness",
                    "message": "the checker could not run this case after your code "
                    f"had run: {_cut(_safe_str(error))}",
                }
            }
        _send({"case": index, **record})


def _run_case(
    index: int, case: CaseRequest, namespace: dict, filename: str, blobs: dict[tuple[int, str], bytes]
) -> dict:
    inputs = {name: _load(blobs[index, name]) for name in case.inputs}
    untouched = {name: array.copy() for name, array in inputs.items()}
    changed: list[str] = []
    later_inputs = {
        arg["$array"]
        for call in case.calls
        for arg in call["args"]
        if isinstance(arg, dict) and "$array" in arg
    }
    for call in case.calls:
        function = namespace.get(call["fn"])
        if not callable(function):
            return {
                "error": {
                    "type": "missing",
                    "message": f"your file does not define a function {call['fn']}()",
                }
            }
        args = [_argument(arg, inputs) for arg in call["args"]]
        try:
            result = function(*args)
        except BaseException as error:
            return {"error": describe(error, filename), "call": call["fn"]}
        for arg, spec in zip(args, call["args"]):
            if (
                isinstance(spec, dict)
                and "$frame" in spec
                and not frames.make_frame(spec["$frame"]).equals(arg)
            ):
                changed.append(f"the DataFrame passed to {call['fn']}()")
        names = call["outputs"]
        values = list(result) if len(names) > 1 and isinstance(result, (tuple, list)) else [result]
        if len(values) != len(names):
            return {
                "error": {
                    "type": "shape",
                    "message": f"{call['fn']}() returned {len(values)} value(s); expected {len(names)}: {', '.join(names)}",
                }
            }
        for name, value in zip(names, values):
            problem = _send_output(index, name, value, case.expect.get(name, {}))
            if problem:
                return {"error": {"type": "output", "message": f"{call['fn']}() → {name}: {problem}"}}
            if name in later_inputs and not frames.is_pandas(value):
                # A later call takes it (running statistics, say): a copy, unless its shape is wrong
                # (a broadcast of 10⁹ elements stays a view).
                array = _asarray(value)
                inputs[name] = (
                    array.copy() if list(array.shape) == case.expect.get(name, {}).get("shape") else array
                )
    mutated = [
        name for name, array in untouched.items() if not np.array_equal(inputs[name], array, equal_nan=True)
    ]
    return {"mutated": mutated + changed}


_NPY_HEADER = re.compile(
    rb"\x93NUMPY\x01\x00(..)\{'descr': '([<>|][a-z][0-9]{1,2})', 'fortran_order': (True|False), "
    rb"'shape': \(([0-9, ]*)\), \} *\n",
    re.DOTALL,
).match


def _load(blob: bytes) -> np.ndarray:
    """An input, from the `.npy` bytes the host held when it forked this child (`npy_bytes`).

    The header `np.save` writes for a plain array is read here directly: NumPy's reader parses it
    with `ast.literal_eval`, which was ~1 ms of a 9-case check's 16 inputs. Anything else goes to it."""
    header = _NPY_HEADER(blob)
    if header is None or header.end() != 10 + int.from_bytes(header[1], "little"):
        return _read_array(io.BytesIO(blob), allow_pickle=False)
    shape = tuple(int(n) for n in header[4].replace(b",", b" ").split())
    flat = _frombuffer(blob, _dtype(header[2].decode()), offset=header.end())
    # A writable copy, in the layout it was saved in (Fortran-ordered cases stay so).
    return flat.reshape(shape, order="F" if header[3] == b"True" else "C").copy(order="K")


def _argument(arg: object, inputs: dict[str, np.ndarray]) -> object:
    if isinstance(arg, dict) and "$array" in arg:
        return inputs[arg["$array"]]
    if isinstance(arg, dict) and "$frame" in arg:
        return frames.make_frame(arg["$frame"])
    if isinstance(arg, dict) and "$poly" in arg:
        coefficients = list(arg["$poly"])
        return lambda x: np.polyval(coefficients, x)
    return arg


def _send_output(index: int, name: str, value: object, expect: dict) -> str | None:
    """Sends one output back; a problem the learner should hear about instead, or None."""
    if value is None:
        return "returned None (did you forget `return`?)"
    if frames.is_pandas(value):
        if not hasattr(value, "columns") and not hasattr(value, "index"):
            return f"returned a {type(value).__name__}, not a DataFrame or Series"
        payload = json.dumps(frames.frame_payload(value), allow_nan=False).encode()
        if len(payload) > FRAME_BYTES:
            return f"returned a {type(value).__name__} of {len(payload) >> 20} MiB; far larger than expected"
        _send({"case": index, "frame": name}, [payload])
        return None
    try:
        array = _asarray(value)
    except Exception as error:
        return f"returned a {type(value).__name__}, not an array ({_cut(_safe_str(error))})"
    if array.dtype.hasobject or array.dtype.kind not in "biuf":
        return f"returned a {type(value).__name__} of dtype {array.dtype}, not numbers"
    header = {"case": index, "output": name, "shape": list(array.shape), "dtype": array.dtype.str}
    # The values cross only when they can be compared: a 10⁹-element broadcast is told by its shape.
    if expect.get("any") or (
        list(array.shape) == expect.get("shape") and array.dtype.str == expect.get("dtype")
    ):
        _send(header, [_ascontiguous(array).tobytes()])
    else:
        _send(header)
    return None


def _safe_str(value: object) -> str:
    try:
        return str(value)
    except Exception:
        return f"<{type(value).__name__} that cannot be shown>"


def _cut(text: str, limit: int = MESSAGE_CHARS) -> str:
    if len(text) <= limit:
        return text
    head, tail = text[: limit * 2 // 3], text[-(limit // 3) :]
    return f"{head}\n… [{len(text) - len(head) - len(tail):,} characters cut] …\n{tail}"


def describe(error: BaseException, filename: str) -> dict:
    """The exception as the learner needs it: their own file's frames only, never quizapp's."""
    if isinstance(error, SystemExit):
        return {
            "type": "exit",
            "message": _cut(f"your code called sys.exit({error.code!r}); return a value instead"),
        }
    if isinstance(error, SyntaxError) and error.filename == filename:
        where = f'File "{filename}", line {error.lineno}'
        text = (error.text or "").rstrip("\n")
        caret = " " * max((error.offset or 1) - 1, 0) + "^" if text else ""
        return {
            "type": "syntax",
            "line": error.lineno,
            "message": "\n".join(
                filter(
                    None,
                    [
                        where,
                        "    " + text if text else "",
                        "    " + caret if caret else "",
                        f"SyntaxError: {error.msg}",
                    ],
                )
            ),
        }
    learner_frames = [
        frame for frame in traceback.extract_tb(error.__traceback__) if frame.filename == filename
    ]
    lines = []
    for frame in learner_frames[-20:]:
        lines.append(f'File "{filename}", line {frame.lineno}, in {frame.name}')
        if frame.line:
            lines.append(f"    {frame.line}")
    if len(learner_frames) > 20:
        lines.insert(0, f"({len(learner_frames) - 20} earlier calls not shown)")
    detail = _cut(_safe_str(error))
    if isinstance(error, MemoryError) and not detail:
        detail = "out of memory (over this exercise's memory limit)"
    lines.append(f"{type(error).__name__}: {detail}" if detail else type(error).__name__)
    kind = "memory" if isinstance(error, MemoryError) else "exception"
    return {
        "type": kind,
        "line": learner_frames[-1].lineno if learner_frames else None,
        "message": "\n".join(lines),
    }
