"""Checking a learner's file: read it, build the cases with PyTorch, run it in the sandbox, compare.

One `Checker` per session keeps the sandbox host warm and caches each exercise's cases per device,
so the second check costs a fork and the learner's own run time.
"""

from __future__ import annotations

import io
import json
import signal
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from quizapp.exercises.catalog import LoadedExercise
from quizapp.exercises.compare import compare, tolerance_for
from quizapp.exercises.frames import FrameComparison, compare_frames
from quizapp.exercises.references import CaseData, build_case
from quizapp.exercises.sandbox import wire
from quizapp.exercises.sandbox.child import FRAME_BYTES
from quizapp.exercises.sandbox.client import HostReply, SandboxError, SandboxHost
from quizapp.exercises.sandbox.host import WORK_DIR_MB
from quizapp.exercises.static_check import find_problems

OUTPUT_SHOWN = 2000
NOT_RUN = "not run"
"""A case's message when the check stopped before it (a syntax error, a forbidden import …)."""
SETUP_FAILED_EXIT = 70
"""The child's exit code when quizapp failed before the learner's code ran."""
HARNESS_FAILED_EXIT = 71
"""…and after it ran, when the learner's code may have caused it."""


@dataclass
class CaseResult:
    name: str
    passed: bool
    message: str
    params: dict = field(default_factory=dict)
    max_abs_err: float | None = None
    max_rel_err: float | None = None


@dataclass
class Verdict:
    exercise: str
    passed: bool
    device: str
    duration_s: float = 0.0
    cases: list[CaseResult] = field(default_factory=list)
    error: str | None = None
    """Why the check as a whole failed (syntax, forbidden call, timeout, crash), if it did."""
    error_line: int | None = None
    output: str = ""
    isolation: list[str] = field(default_factory=list)
    cancelled: bool = False
    exercise_broken: bool = False
    """The exercise file, not the learner's code, is at fault (its reference failed)."""

    @property
    def nothing_ran(self) -> bool:
        """No case ran: the file did not load (syntax error, forbidden import …) or the check stopped first."""
        return bool(self.cases) and all(case.message == NOT_RUN for case in self.cases)

    @property
    def summary(self) -> str:
        if self.cancelled:
            return "cancelled"
        passed = sum(case.passed for case in self.cases)
        if self.passed:
            return f"all {len(self.cases)} cases pass"
        headline = first_line(self.error) if self.error else "some cases fail"
        if self.nothing_ran:
            return f"{len(self.cases)} cases not run — {headline}"
        return f"{passed}/{len(self.cases)} cases pass — {headline}" if self.cases else headline

    def to_json(self) -> dict:
        data = asdict(self)
        data["duration_s"] = round(self.duration_s, 4)
        return data


def first_line(message: str) -> str:
    """The line that says what went wrong: for a traceback (`File "…", line N` and the code quoted
    under it), the exception line after the frames, not the first frame."""
    lines = message.splitlines()
    for line in lines:
        if line.startswith(('File "', "    ", "(")) or not line.strip():
            continue  # a frame, the code it quotes (or a caret), "(n earlier calls not shown)"
        return line
    return lines[0] if lines else ""


class ReferenceFailure(RuntimeError):
    """The reference could not build a case: the exercise file asks for something torch refuses."""


class DeviceUnavailable(RuntimeError):
    """`--device cuda` on a machine where torch sees no CUDA device."""


def resolve_device(requested: str) -> str:
    """cpu, cuda, or auto (cuda when torch sees a GPU). Imports torch only for cuda/auto."""
    if requested == "cpu":
        return "cpu"
    import torch

    if torch.cuda.is_available():
        return "cuda"
    if requested == "auto":
        return "cpu"
    reason = (
        "this torch was built without CUDA"
        if torch.version.cuda is None
        else "no CUDA device or driver found"
    )
    raise DeviceUnavailable(f"--device cuda: {reason} (torch {torch.__version__}); use --device cpu or auto")


class Checker:
    def __init__(self, host: SandboxHost | None = None, cache_dir: Path | None = None) -> None:
        """
        Args:
            cache_dir: where built cases are kept between processes (reference_cache.py); None
                builds them with torch in every new process.
        """
        self.host = host or SandboxHost()
        self.cache_dir = cache_dir
        self._cases: dict[tuple[str, str], list[CaseData]] = {}

    def close(self) -> None:
        self.host.close()

    def cancel(self) -> None:
        self.host.cancel()

    def check(self, exercise: LoadedExercise, code: str, filename: str, device: str = "cpu") -> Verdict:
        started = time.perf_counter()
        verdict = Verdict(exercise.id, False, device)
        problems = find_problems(code, filename, exercise.spec.forbid)
        if problems:
            verdict.error = "\n".join(f"{filename}:{p.line}: {p.message}" for p in problems)
            verdict.error_line = problems[0].line
            verdict.cases = _not_run(exercise)
        else:
            self.host.start()  # the host imports NumPy while torch builds the cases
            try:
                cases = self.cases_for(exercise, device)
            except ReferenceFailure as failure:
                verdict.error = str(failure)
                verdict.exercise_broken = True
            else:
                self._run(exercise, cases, code, filename, verdict)
        verdict.duration_s = time.perf_counter() - started
        return verdict

    def cases_for(self, exercise: LoadedExercise, device: str) -> list[CaseData]:
        """Each case's inputs, calls and expected outputs, built once per exercise and device."""
        key = (exercise.id, device)
        if key not in self._cases and self.cache_dir is not None:
            from quizapp.exercises import reference_cache

            cached = reference_cache.load(self.cache_dir, exercise, device)
            if cached is not None:
                self._cases[key] = cached
        if key not in self._cases:
            built = []
            for case in exercise.cases:
                try:
                    built.append(build_case(exercise.spec.check, case, exercise.id, device))
                except Exception as error:
                    raise ReferenceFailure(
                        f"{exercise.path}: case {case.name!r}: the PyTorch reference failed "
                        f"({type(error).__name__}: {error}); this is a problem in the exercise file, not in your code"
                    ) from error
            self._cases[key] = built
            if self.cache_dir is not None:
                from quizapp.exercises import reference_cache

                reference_cache.store(self.cache_dir, exercise, device, built)
        return self._cases[key]

    def _run(
        self, exercise: LoadedExercise, cases: list[CaseData], code: str, filename: str, verdict: Verdict
    ) -> None:
        inputs, blobs = [], []
        for index, data in enumerate(cases):
            for name, array in data.inputs.items():
                inputs.append([index, name])
                blobs.append(_npy_bytes(array))
        request = {
            "filename": filename,
            "code": code,
            "blocked_modules": {rule.name: rule.why for rule in exercise.spec.forbid if "." not in rule.name},
            "cases": [
                {"name": spec.name, "inputs": list(data.inputs), "calls": data.calls, "expect": _expect(data)}
                for spec, data in zip(exercise.cases, cases)
            ],
            "limits": exercise.spec.limits.model_dump(),
            "preload": ["pandas"] if any(_takes_frames(data) for data in cases) else [],
            "result_bytes": sum(
                _result_bytes(expected) for data in cases for expected in data.expected.values()
            ),
            # setup and load, then per case its start, its outputs and its end; twice that, for slack
            "result_frames": 2 * (2 + sum(2 + len(call["outputs"]) for data in cases for call in data.calls)),
        }
        try:
            reply = self.host.run(request, inputs, blobs)
        except SandboxError as error:  # quizapp's own fault: the next check starts a fresh host
            reply = HostReply({"lost": str(error)}, error.records)
        _read_verdict(reply, exercise, cases, verdict)
        verdict.isolation = self.host.isolation + verdict.isolation


def _npy_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def _expect(data: CaseData) -> dict:
    """What each output should look like (not its values): the child sends back only what can match."""
    return {
        name: {"frame": True}
        if isinstance(expected, dict)
        else {"shape": list(expected.shape), "dtype": expected.dtype.str}
        for name, expected in data.expected.items()
    }


def _result_bytes(expected: np.ndarray | dict) -> int:
    return FRAME_BYTES if isinstance(expected, dict) else expected.nbytes


def _not_run(exercise: LoadedExercise) -> list[CaseResult]:
    return [CaseResult(case.name, False, NOT_RUN, case.shown()) for case in exercise.cases]


@dataclass
class _Reported:
    """What the child reported, sorted out of its frames. Nothing in it is trusted."""

    isolation: list[str] = field(default_factory=list)
    load_error: dict | None = None
    started: list[int] = field(default_factory=list)
    finished: dict[int, dict] = field(default_factory=dict)
    outputs: dict[tuple[int, str], wire.Frame] = field(default_factory=dict)

    @classmethod
    def from_records(cls, records: list[wire.Frame]) -> _Reported:
        reported = cls()
        for header, blobs in records:
            if isinstance(header.get("setup"), dict):
                reported.isolation = [str(layer) for layer in header["setup"].get("isolation", [])][:20]
            elif isinstance(header.get("load_error"), dict):
                reported.load_error = header["load_error"]
            elif isinstance(header.get("start"), int):
                reported.started.append(header["start"])
            elif isinstance(header.get("case"), int) and isinstance(
                header.get("output") or header.get("frame"), str
            ):
                reported.outputs[(header["case"], header.get("output") or header["frame"])] = (header, blobs)
            elif isinstance(header.get("case"), int):
                reported.finished[header["case"]] = header
        return reported


def _read_verdict(
    reply: HostReply, exercise: LoadedExercise, cases: list[CaseData], verdict: Verdict
) -> None:
    limits, outcome = exercise.spec.limits, reply.outcome
    reported = _Reported.from_records(reply.records)
    verdict.isolation = reported.isolation
    verdict.output = _shown_output(str(outcome.get("output", "")), outcome.get("output_bytes", 0))
    if reported.load_error:
        verdict.error = str(reported.load_error.get("message", "your file could not be loaded"))
        line = reported.load_error.get("line")
        verdict.error_line = line if isinstance(line, int) else None
    started = reported.started
    stopped_in = started[-1] if started and started[-1] not in reported.finished else None
    stop = _stop_reason(outcome, limits)
    verdict.cancelled = outcome.get("stopped") == "cancelled"
    if stop and not verdict.error:
        where = ""
        if stopped_in is not None and 0 <= stopped_in < len(exercise.cases):
            where = f" ({stop.where} case {exercise.cases[stopped_in].name!r})"
        verdict.error = stop.message + where
    for index, (spec, data) in enumerate(zip(exercise.cases, cases)):
        record = reported.finished.get(index)
        if record is None:
            message = (stop.case_message if stop else "stopped") if index == stopped_in else NOT_RUN
            verdict.cases.append(CaseResult(spec.name, False, message, spec.shown()))
            continue
        verdict.cases.append(_case_result(index, spec, data, record, reported, verdict.device))
    verdict.passed = not verdict.error and bool(verdict.cases) and all(case.passed for case in verdict.cases)


def _shown_output(tail: str, total: object) -> str:
    cut = (isinstance(total, int) and total > len(tail.encode())) or len(tail) > OUTPUT_SHOWN
    return ("…" + tail[-OUTPUT_SHOWN:]) if cut else tail


@dataclass(frozen=True)
class _Stop:
    message: str
    """The whole check's verdict."""
    case_message: str
    """What the case it stopped in says."""
    where: str = "it was in"


def _stop_reason(outcome: dict, limits) -> _Stop | None:
    stopped = outcome.get("stopped")
    if outcome.get("lost"):
        return _Stop(
            f"the checker's sandbox stopped unexpectedly; check again to restart it "
            f"(a quizapp bug: {outcome['lost']})",
            "stopped: the checker failed",
            "it was running",
        )
    if stopped == "cancelled":
        return _Stop("cancelled", "cancelled")
    if stopped == "timed_out":
        return _Stop(
            f"timed out: still running after {limits.wall_s} s (wall clock) — an endless loop or a "
            f"blocking call?",
            "timed out here",
        )
    if stopped == "flooded":
        return _Stop(
            f"printed more than {limits.output_mb} MiB; output is capped",
            f"printed too much: more than {limits.output_mb} MiB (print less inside loops)",
        )
    if stopped == "disk_full":
        return _Stop(
            f"wrote more than {WORK_DIR_MB} MiB of files in its work dir; the check was stopped",
            "stopped here: too many files written",
        )
    if stopped == "channel":
        problem = str(outcome.get("channel_problem", ""))[:200]
        return _Stop(
            f"your code wrote into the checker's own result channel ({problem}); the check was stopped",
            "stopped here: the result channel was tampered with",
        )
    number = outcome.get("signal")
    if number == signal.SIGXCPU or (number == signal.SIGKILL and outcome.get("cpu_s", 0) >= limits.cpu_s):
        return _Stop(
            f"used more than {limits.cpu_s} s of CPU time in all — the limit is for the whole check, every "
            f"case together: an endless loop, or a loop far too slow?",
            "the whole check ran out of CPU time during this case",
            "it ran out during",
        )
    if number is not None:
        name = (
            signal.Signals(number).name if number in signal.Signals._value2member_map_ else f"signal {number}"
        )
        what = (
            " (segmentation fault: memory accessed out of bounds, e.g. through ctypes)"
            if name == "SIGSEGV"
            else ""
        )
        message = f"crashed: the process was killed by {name}{what}"
        return _Stop(message, message)
    code = outcome.get("exit")
    if code == SETUP_FAILED_EXIT:
        return _Stop(
            "the checker failed inside the sandbox before your code ran (a quizapp bug; the output below "
            "says more)",
            "not run: the checker failed",
        )
    if code == HARNESS_FAILED_EXIT:
        return _Stop(
            "the checker failed after your code had run — did your code change something of Python's or "
            "NumPy's? (the output below says more)",
            "stopped here",
        )
    if code not in (0, None):
        message = f"your code ended the process with exit code {code} (os._exit or similar) before the checks finished"
        return _Stop(message, message)
    return None


def _case_result(
    index: int, spec, data: CaseData, record: dict, reported: _Reported, device: str
) -> CaseResult:
    error = record.get("error")
    if isinstance(error, dict):
        return CaseResult(spec.name, False, str(error.get("message", "failed")), spec.shown())
    messages, worst_abs, worst_rel, passed = [], None, None, True
    mutated = [name for name in record.get("mutated", []) if isinstance(name, str)]
    if mutated:
        passed = False
        messages.append(f"your code changed its input {', '.join(mutated)} in place; work on a copy")
    for name, expected in data.expected.items():
        sent = reported.outputs.get((index, name))
        if isinstance(expected, dict):  # a DataFrame or Series, as frames.frame_payload
            result = _compare_frame(
                name, sent, expected, data.tolerance.get(name) or tolerance_for("float64", device)
            )
            passed &= result.passed
            if not result.passed:
                messages.append(result.message)
            continue
        got = _received_array(sent, expected)
        if isinstance(got, str):
            passed = False
            messages.append(f"{name}: {got}")
            continue
        rtol, atol = data.tolerance.get(name) or tolerance_for(expected.dtype, device)
        result = compare(name, got, expected, rtol, atol)
        passed &= result.passed
        if not result.passed:
            messages.append(result.message)
        if result.max_abs_err is not None:
            worst_abs = max(worst_abs or 0.0, result.max_abs_err)
            worst_rel = max(worst_rel or 0.0, result.max_rel_err or 0.0)
    return CaseResult(spec.name, passed, "\n".join(messages) or "ok", spec.shown(), worst_abs, worst_rel)


def _received_array(sent: wire.Frame | None, expected: np.ndarray) -> np.ndarray | str:
    """The learner's array as the child described it, or why there is none. A wrong shape or dtype
    comes as a zero-copy stand-in of that shape: its values never crossed and are never read."""
    if sent is None:
        return "no usable output"
    header, blobs = sent
    shape, dtype_name = header.get("shape"), header.get("dtype")
    if (
        not isinstance(shape, list)
        or len(shape) > 32
        or not all(isinstance(n, int) and n >= 0 for n in shape)
        or not isinstance(dtype_name, str)
        or len(dtype_name) > 8
    ):
        return "no usable output (malformed)"
    try:
        dtype = np.dtype(dtype_name)
    except TypeError:
        return "no usable output (malformed dtype)"
    if dtype.kind not in "biuf" or dtype.fields is not None or dtype.subdtype is not None:
        return f"no usable output (dtype {dtype})"
    if tuple(shape) != expected.shape or dtype != expected.dtype:
        return np.broadcast_to(np.zeros((), dtype), tuple(shape))
    if len(blobs) != 1 or len(blobs[0]) != expected.nbytes:
        return "the values did not come back"
    return np.frombuffer(blobs[0], dtype=dtype).reshape(expected.shape)


def _takes_frames(data: CaseData) -> bool:
    return any(isinstance(arg, dict) and "$frame" in arg for call in data.calls for arg in call["args"])


def _compare_frame(
    name: str, sent: wire.Frame | None, expected: dict, tolerance: tuple[float, float]
) -> FrameComparison:
    if sent is None or "frame" not in sent[0] or len(sent[1]) != 1:
        what = "an array" if sent is not None and "output" in sent[0] else "nothing usable"
        return FrameComparison(False, f"{name}: got {what}, expected a pandas {expected['kind']}")
    try:
        got = json.loads(sent[1][0])
    except ValueError:
        got = {}
    return compare_frames(name, got if isinstance(got, dict) else {}, expected, *tolerance)
