"""Checking a learner's file: its cases from a `CaseSource`, a run in the sandbox, a comparison.

One `Checker` per session keeps the sandbox host warm and each exercise's cases per device, so
the second check costs a fork and the learner's own run time. Where the cases come from is the
caller's choice: `HelperReferences` (the default, and the TUI's) reads the reference cache and
has a helper process build what it lacks, so no torch is ever imported here; the CLI's `--check`
builds them in its own process (`reference_builder.InProcessReferences`), which is faster cold.

    verdict = Checker(references=...).check(exercise, code, filename, device)
"""

from __future__ import annotations

import dataclasses
import json
import signal
import time
from pathlib import Path

import numpy as np

from quizapp.exercises.cases import CaseData, CaseSource, ReferenceFailure
from quizapp.exercises.catalog import LoadedExercise
from quizapp.exercises.compare import compare, tolerance_for
from quizapp.exercises.device import DeviceUnavailable, resolve_device
from quizapp.exercises.frames import FrameComparison, compare_frames
from quizapp.exercises.reference_helper import HelperReferences
from quizapp.exercises.sandbox import wire
from quizapp.exercises.sandbox.child import FRAME_BYTES
from quizapp.exercises.sandbox.client import SandboxError, SandboxHost
from quizapp.exercises.sandbox.host import WORK_DIR_MB
from quizapp.exercises.sandbox.protocol import (
    HARNESS_FAILED_EXIT,
    SETUP_FAILED_EXIT,
    CaseRequest,
    CheckRequest,
    ChildReport,
    HostReply,
    Limits,
    Outcome,
    StopReason,
    npy_bytes,
)
from quizapp.exercises.spec import CaseSpec
from quizapp.exercises.spec import Limits as ExerciseLimits
from quizapp.exercises.static_check import find_problems
from quizapp.exercises.verdict import CaseResult, CaseStatus, Verdict, first_line

__all__ = [
    "CaseResult",
    "CaseStatus",
    "Checker",
    "DeviceUnavailable",
    "ReferenceFailure",
    "Verdict",
    "first_line",
    "resolve_device",
]

OUTPUT_SHOWN = 2000


class Checker:
    def __init__(
        self,
        host: SandboxHost | None = None,
        cache_dir: Path | None = None,
        *,
        references: CaseSource | None = None,
    ) -> None:
        """
        Args:
            host: a sandbox host to use (started early, or with other namespaces); a new one otherwise.
            cache_dir: the reference cache (reference_cache.py) the default `HelperReferences` reads
                and fills; None keeps its entries in a private temporary folder for this checker.
            references: where the cases come from, instead of `HelperReferences(cache_dir)`.
        """
        self.host = host or SandboxHost()
        self.references = references if references is not None else HelperReferences(cache_dir)
        self._cases: dict[tuple[str, str], list[CaseData]] = {}
        self._requests: dict[tuple[str, str], tuple] = {}
        """Per exercise and device, the check as the host takes it but the code, and the inputs'
        `.npy` bytes: the same for every check of those cases (built once, ~0.7 ms)."""

    def close(self) -> None:
        self.host.close()
        self.references.close()

    def cancel(self) -> None:
        self.host.cancel()

    def check(self, exercise: LoadedExercise, code: str, filename: str, device: str = "cpu") -> Verdict:
        """Check `code` (the text of `filename`) against the exercise's references on `device`."""
        started = time.perf_counter()
        self.host.clear_cancel()
        problems = find_problems(code, filename, exercise.spec.forbid)
        if problems:
            verdict = Verdict(
                exercise.id,
                False,
                device,
                error="\n".join(f"{filename}:{p.line}: {p.message}" for p in problems),
                cases=[CaseResult.not_run(case.name, case.shown()) for case in exercise.cases],
            )
        else:
            self.host.start()  # the host imports NumPy while the cases are built or read
            try:
                cases = self.cases_for(exercise, device)
            except ReferenceFailure as failure:
                verdict = Verdict(exercise.id, False, device, error=str(failure), exercise_broken=True)
            else:
                verdict = self._run(exercise, cases, code, filename, device)
        verdict.duration_s = time.perf_counter() - started
        return verdict

    def cases_for(self, exercise: LoadedExercise, device: str) -> list[CaseData]:
        """Each case's inputs, calls and expected outputs, got once per exercise and device."""
        key = (exercise.id, device)
        if key not in self._cases:
            self._cases[key] = self.references.cases(exercise, device)
        return self._cases[key]

    def _run(
        self, exercise: LoadedExercise, cases: list[CaseData], code: str, filename: str, device: str
    ) -> Verdict:
        key = (exercise.id, device)
        prepared = self._requests.get(key)
        if prepared is None or prepared[0] is not exercise or prepared[1] is not cases:
            prepared = (exercise, cases, *_request(exercise, cases, "", ""))
            self._requests[key] = prepared
        template, inputs, blobs = prepared[2:]
        request = dataclasses.replace(template, code=code, filename=filename)
        try:
            reply = self.host.run(request, inputs, blobs)
        except SandboxError as error:  # quizapp's own fault: the next check starts a fresh host
            reply = HostReply(Outcome(lost=str(error)), error.records)
        verdict = _read_verdict(reply, exercise, cases, device)
        verdict.isolation = self.host.isolation + verdict.isolation
        return verdict


def _request(
    exercise: LoadedExercise, cases: list[CaseData], code: str, filename: str
) -> tuple[CheckRequest, list[list], list[bytes]]:
    """The check as the host takes it, and each input's name and `.npy` bytes."""
    inputs: list[list] = []
    blobs: list[bytes] = []
    for index, data in enumerate(cases):
        for name, array in data.inputs.items():
            inputs.append([index, name])
            blobs.append(npy_bytes(array))
    request = CheckRequest(
        filename=filename,
        code=code,
        blocked_modules={rule.name: rule.why for rule in exercise.spec.forbid if "." not in rule.name},
        cases=[
            CaseRequest(spec.name, list(data.inputs), data.calls, _expect(data))
            for spec, data in zip(exercise.cases, cases)
        ],
        limits=Limits(**dataclasses.asdict(exercise.spec.limits)),
        preload=["pandas"] if any(_takes_frames(data) for data in cases) else [],
        result_bytes=sum(_result_bytes(expected) for data in cases for expected in data.expected.values()),
        # setup, load and exit, then per case its start, its outputs and its end; twice that, for slack
        result_frames=2 * (3 + sum(2 + len(call["outputs"]) for data in cases for call in data.calls)),
    )
    return request, inputs, blobs


def _expect(data: CaseData) -> dict[str, dict]:
    """What each output should look like (not its values): the child sends back only what can match."""
    return {
        name: {"frame": True}
        if isinstance(expected, dict)
        else {"shape": list(expected.shape), "dtype": expected.dtype.str}
        for name, expected in data.expected.items()
    }


def _result_bytes(expected: np.ndarray | dict) -> int:
    return FRAME_BYTES if isinstance(expected, dict) else expected.nbytes


def _read_verdict(reply: HostReply, exercise: LoadedExercise, cases: list[CaseData], device: str) -> Verdict:
    """The verdict on what the sandbox reported: each case's result, and why the check stopped."""
    outcome = reply.outcome
    reported = ChildReport.from_records(reply.records)
    error = None
    if reported.load_error:
        error = str(reported.load_error.get("message", "your file could not be loaded"))
    stopped_in = reported.stopped_in
    every_case_ended = all(index in reported.finished for index in range(len(exercise.cases)))
    stop = _stop_reason(outcome, exercise.spec.limits, every_case_ended or bool(error))
    if stop and not error:
        where = ""
        if stopped_in is not None and 0 <= stopped_in < len(exercise.cases):
            where = f" ({stop.where} case {exercise.cases[stopped_in].name!r})"
        error = stop.message + where
    results = []
    for index, (spec, data) in enumerate(zip(exercise.cases, cases)):
        record = reported.finished.get(index)
        if record is not None:
            results.append(_case_result(index, spec, data, record, reported, device))
        elif index == stopped_in:
            message = stop.case_message if stop else "stopped"
            results.append(CaseResult(spec.name, False, message, spec.shown(), status=CaseStatus.STOPPED))
        else:
            results.append(CaseResult.not_run(spec.name, spec.shown()))
    return Verdict(
        exercise.id,
        passed=not error and bool(results) and all(case.passed for case in results),
        device=device,
        cases=results,
        error=error,
        output=_shown_output(outcome.output, outcome.output_bytes),
        isolation=reported.isolation,
        cancelled=outcome.stopped is StopReason.CANCELLED,
    )


def _shown_output(tail: str, total: int) -> str:
    cut = total > len(tail.encode()) or len(tail) > OUTPUT_SHOWN
    return ("…" + tail[-OUTPUT_SHOWN:]) if cut else tail


class _Stop:
    def __init__(self, message: str, case_message: str, where: str = "it was in") -> None:
        self.message = message
        """The whole check's verdict."""
        self.case_message = case_message
        """What the case it stopped in says."""
        self.where = where


def _stop_reason(outcome: Outcome, limits: ExerciseLimits, ran_to_the_end: bool = True) -> _Stop | None:
    """Why the check stopped early, if it did; `ran_to_the_end` is False when cases are missing from
    a check that neither failed to load nor was stopped (the learner's code ended the process)."""
    if outcome.lost:
        return _Stop(
            f"the checker's sandbox stopped unexpectedly; check again to restart it "
            f"(a quizapp bug: {outcome.lost})",
            "stopped: the checker failed",
            "it was running",
        )
    stopped = outcome.stopped
    if stopped is StopReason.CANCELLED:
        return _Stop("cancelled", "cancelled")
    if stopped is StopReason.TIMED_OUT:
        return _Stop(
            f"timed out: still running after {limits.wall_s} s (wall clock) — an endless loop or a "
            f"blocking call?",
            "timed out here",
        )
    if stopped is StopReason.FLOODED:
        return _Stop(
            f"printed more than {limits.output_mb} MiB; output is capped",
            f"printed too much: more than {limits.output_mb} MiB (print less inside loops)",
        )
    if stopped is StopReason.DISK_FULL:
        return _Stop(
            f"wrote more than {WORK_DIR_MB} MiB of files in its work dir; the check was stopped",
            "stopped here: too many files written",
        )
    if stopped is StopReason.CHANNEL:
        problem = outcome.channel_problem[:200]
        return _Stop(
            f"your code wrote into the checker's own result channel ({problem}); the check was stopped",
            "stopped here: the result channel was tampered with",
        )
    number = outcome.signal
    if number == signal.SIGXCPU or (number == signal.SIGKILL and outcome.cpu_s >= limits.cpu_s):
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
    code = outcome.exit
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
    if code not in (0, None) or (code == 0 and not ran_to_the_end):
        message = f"your code ended the process with exit code {code} (os._exit or similar) before the checks finished"
        return _Stop(message, message)
    return None


def _case_result(
    index: int, spec: CaseSpec, data: CaseData, record: dict, reported: ChildReport, device: str
) -> CaseResult:
    error = record.get("error")
    if isinstance(error, dict):
        message = str(error.get("message", "failed"))
        return CaseResult(spec.name, False, message, spec.shown(), status=CaseStatus.ERROR)
    messages: list[str] = []
    worst_abs: float | None = None
    worst_rel: float | None = None
    passed = True
    mutated = [name for name in record.get("mutated", []) if isinstance(name, str)]
    if mutated:
        passed = False
        messages.append(f"your code changed its input {', '.join(mutated)} in place; work on a copy")
    for name, expected in data.expected.items():
        sent = reported.outputs.get((index, name))
        if isinstance(expected, dict):  # a DataFrame or Series, as frames.frame_payload
            tolerance = data.tolerance.get(name) or tolerance_for(np.dtype("float64"), device)
            frame = _compare_frame(name, sent, expected, tolerance)
            passed &= frame.passed
            if not frame.passed:
                messages.append(frame.message)
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
