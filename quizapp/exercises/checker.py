"""Checking a learner's file: read it, build the cases with PyTorch, run it in the sandbox, compare.

One `Checker` per session keeps the sandbox host warm and caches each exercise's cases per device,
so the second check costs a fork and the learner's own run time.
"""

from __future__ import annotations

import json
import shutil
import signal
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from quizapp.exercises.catalog import LoadedExercise
from quizapp.exercises.compare import compare, tolerance_for
from quizapp.exercises.frames import FrameComparison, compare_frames
from quizapp.exercises.references import CaseData, build_case
from quizapp.exercises.sandbox.child import OUTPUT_FILE, RESULTS_FILE, SETUP_FILE
from quizapp.exercises.sandbox.client import SandboxError, SandboxHost
from quizapp.exercises.static_check import find_problems

OUTPUT_SHOWN = 2000
INTERNAL_ERROR_EXIT = 70


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
    def summary(self) -> str:
        if self.cancelled:
            return "cancelled"
        passed = sum(case.passed for case in self.cases)
        if self.passed:
            return f"all {len(self.cases)} cases pass"
        headline = self.error.splitlines()[0] if self.error else "some cases fail"
        return f"{passed}/{len(self.cases)} cases pass — {headline}" if self.cases else headline

    def to_json(self) -> dict:
        data = asdict(self)
        data["duration_s"] = round(self.duration_s, 4)
        return data


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
    reason = "this torch was built without CUDA" if torch.version.cuda is None else "no CUDA device or driver found"
    raise DeviceUnavailable(f"--device cuda: {reason} (torch {torch.__version__}); use --device cpu or auto")


class Checker:
    def __init__(self, host: SandboxHost | None = None) -> None:
        self.host = host or SandboxHost()
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
                cases = self._cases_for(exercise, device)
            except ReferenceFailure as failure:
                verdict.error = str(failure)
                verdict.exercise_broken = True
            else:
                self._run(exercise, cases, code, filename, verdict)
        verdict.duration_s = time.perf_counter() - started
        return verdict

    def _cases_for(self, exercise: LoadedExercise, device: str) -> list[CaseData]:
        key = (exercise.id, device)
        if key not in self._cases:
            built = []
            for case in exercise.cases:
                try:
                    built.append(build_case(exercise.spec.check, case, exercise.id, device))
                except Exception as error:  # noqa: BLE001 - a deck author's case torch rejects
                    raise ReferenceFailure(
                        f"{exercise.path}: case {case.name!r}: the PyTorch reference failed "
                        f"({type(error).__name__}: {error}); this is a problem in the exercise file, not in your code"
                    ) from error
            self._cases[key] = built
        return self._cases[key]

    def _run(self, exercise: LoadedExercise, cases: list[CaseData], code: str, filename: str, verdict: Verdict) -> None:
        workdir = Path(tempfile.mkdtemp(prefix="quizapp-check-"))
        try:
            for index, data in enumerate(cases):
                folder = workdir / "in" / str(index)
                folder.mkdir(parents=True)
                for name, array in data.inputs.items():
                    np.save(folder / f"{name}.npy", array, allow_pickle=False)
            limits = exercise.spec.limits
            request = {
                "workdir": str(workdir), "filename": filename, "code": code,
                "blocked_modules": {rule.name: rule.why for rule in exercise.spec.forbid if "." not in rule.name},
                "cases": [{"name": spec.name, "inputs": list(data.inputs), "calls": data.calls}
                          for spec, data in zip(exercise.cases, cases)],
                "limits": limits.model_dump(),
                "preload": ["pandas"] if any(_takes_frames(data) for data in cases) else [],
            }
            try:
                outcome = self.host.run(request)
            except SandboxError as error:  # the next check starts a fresh host
                verdict.error = f"the checker's sandbox stopped unexpectedly; check again to restart it ({error})"
                verdict.cases = _not_run(exercise)
                return
            _read_verdict(workdir, exercise, cases, outcome, verdict)
            verdict.isolation = self.host.isolation + _read_json(workdir / SETUP_FILE, {}).get("isolation", [])
        finally:
            shutil.rmtree(workdir, ignore_errors=True)


def _not_run(exercise: LoadedExercise) -> list[CaseResult]:
    return [CaseResult(case.name, False, "not run", case.shown()) for case in exercise.cases]


def _read_json(path: Path, default: dict) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8")[:1_000_000])
    except (OSError, ValueError):
        return default
    return data if isinstance(data, dict) else default


def _read_results(path: Path) -> list[dict]:
    """The child's report, read defensively: it was written by a process running learner code."""
    records = []
    try:
        with path.open(encoding="utf-8", errors="replace") as file:
            for line in file.read(4_000_000).splitlines():
                try:
                    record = json.loads(line)
                except ValueError:
                    continue
                if isinstance(record, dict):
                    records.append(record)
    except OSError:
        pass
    return records


def _read_verdict(workdir: Path, exercise: LoadedExercise, cases: list[CaseData], outcome: dict,
                  verdict: Verdict) -> None:
    limits = exercise.spec.limits
    records = _read_results(workdir / RESULTS_FILE)
    output_path = workdir / OUTPUT_FILE
    flooded = output_path.exists() and output_path.stat().st_size >= limits.output_mb << 20
    verdict.output = _tail(output_path)
    load_error = next((r["load_error"] for r in records if isinstance(r.get("load_error"), dict)), None)
    if load_error:
        verdict.error = str(load_error.get("message", "your file could not be loaded"))
        verdict.error_line = load_error.get("line") if isinstance(load_error.get("line"), int) else None
    finished = {r["case"]: r for r in records if isinstance(r.get("case"), int)}
    started = [r["start"] for r in records if isinstance(r.get("start"), int)]
    stopped_in = started[-1] if started and started[-1] not in finished else None
    stop_reason = _stop_reason(outcome, limits, flooded)
    if outcome.get("cancelled"):
        verdict.cancelled = True
    if stop_reason and not verdict.error:
        where = f" in case {exercise.cases[stopped_in].name!r}" if stopped_in is not None else ""
        verdict.error = stop_reason + where
    for index, (spec, data) in enumerate(zip(exercise.cases, cases)):
        record = finished.get(index)
        if record is None:
            message = (stop_reason or "stopped") if index == stopped_in else "not run"
            verdict.cases.append(CaseResult(spec.name, False, message, spec.shown()))
            continue
        verdict.cases.append(_case_result(workdir / "out" / str(index), spec, data, record, verdict.device, flooded))
    verdict.passed = not verdict.error and bool(verdict.cases) and all(case.passed for case in verdict.cases)


def _stop_reason(outcome: dict, limits, flooded: bool) -> str | None:  # noqa: ANN001
    if outcome.get("cancelled"):
        return "cancelled"
    if outcome.get("timed_out"):
        return f"timed out: still running after {limits.wall_s} s (wall clock) — an endless loop or a blocking call?"
    number = outcome.get("signal")
    if number == signal.SIGXCPU or (number == signal.SIGKILL and outcome.get("cpu_s", 0) >= limits.cpu_s):
        return f"used more than {limits.cpu_s} s of CPU time — an endless loop, or a loop far too slow?"
    if number == signal.SIGXFSZ or flooded and number:
        return f"printed more than {limits.output_mb} MiB; output is capped"
    if number is not None:
        name = signal.Signals(number).name if number in signal.Signals._value2member_map_ else f"signal {number}"
        what = " (segmentation fault: memory accessed out of bounds, e.g. through ctypes)" if name == "SIGSEGV" else ""
        return f"crashed: the process was killed by {name}{what}"
    code = outcome.get("exit")
    if code == INTERNAL_ERROR_EXIT:
        return "the checker failed inside the sandbox (a quizapp bug; the output below says more)"
    if code not in (0, None):
        return f"your code ended the process with exit code {code} (os._exit or similar) before the checks finished"
    return None


def _case_result(out_dir: Path, spec, data: CaseData, record: dict, device: str, flooded: bool) -> CaseResult:  # noqa: ANN001
    error = record.get("error")
    if isinstance(error, dict):
        message = str(error.get("message", "failed"))
        if flooded and "File too large" in message:
            message = "printed too much: output is capped (print less inside loops)"
        return CaseResult(spec.name, False, message, spec.shown())
    messages, worst_abs, worst_rel, passed = [], None, None, True
    mutated = [name for name in record.get("mutated", []) if isinstance(name, str)]
    if mutated:
        passed = False
        messages.append(f"your code changed its input {', '.join(mutated)} in place; work on a copy")
    for name, expected in data.expected.items():
        if isinstance(expected, dict):  # a DataFrame or Series, as frames.frame_payload
            result = _compare_frame(out_dir, name, expected, data.tolerance.get(name) or tolerance_for("float64", device))
            passed &= result.passed
            if not result.passed:
                messages.append(result.message)
            continue
        try:
            got = np.load(out_dir / f"{name}.npy", allow_pickle=False)
        except (OSError, ValueError) as problem:
            passed = False
            messages.append(f"{name}: no usable output ({problem})")
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


def _takes_frames(data: CaseData) -> bool:
    return any(isinstance(arg, dict) and "$frame" in arg for call in data.calls for arg in call["args"])


def _compare_frame(out_dir: Path, name: str, expected: dict, tolerance: tuple[float, float]) -> FrameComparison:
    path = out_dir / f"{name}.json"
    if not path.exists():
        what = "an array" if (out_dir / f"{name}.npy").exists() else "nothing usable"
        return FrameComparison(False, f"{name}: got {what}, expected a pandas {expected['kind']}")
    got = _read_json(path, {})
    return compare_frames(name, got, expected, *tolerance)


def _tail(path: Path) -> str:
    try:
        with path.open("rb") as file:
            size = file.seek(0, 2)
            file.seek(max(0, size - OUTPUT_SHOWN))
            text = file.read().decode(errors="replace")
    except OSError:
        return ""
    return ("…" + text) if size > OUTPUT_SHOWN else text
