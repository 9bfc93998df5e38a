"""The checker's protocol, in one place: what crosses client → host → child and back.

One channel carries a check's results: the host's stdout, as frames (`wire.py`). On it the host says

- `{"ready": true, "pid": …, "isolation": [...]}` once, when it has started;
- `{"event": "started"}` when it hands the check to a child (forked and confined beforehand);
- `{"record": …}` for every frame the child sends (a `ChildRecord`), with its blobs;
- `{"done": …}` at the end: the `Outcome` (how the child ended, what it printed).

The client sends `{"check": CheckRequest, "inputs": [[case, name], ...]}` with each input's `.npy`
bytes as blobs, and `{"cancel": true}` to stop it; the host passes the check on to the child, inputs
included, through a pipe. Everything the child sends (records, output)
is untrusted: `ChildReport.from_records` keeps only what has the expected types.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import Enum
from typing import Any

from quizapp.exercises.sandbox import wire

HOST_MODULE = "quizapp.exercises.sandbox.host"
"""What the client runs with `python -I -m`."""
SETUP_FAILED_EXIT = 70
"""The child's exit code when quizapp failed before the learner's code ran."""
HARNESS_FAILED_EXIT = 71
"""…and after it ran, when the learner's code may have caused it."""


def npy_bytes(array: Any) -> bytes:
    """An input array as it crosses to the host: `.npy` bytes, never a pickle."""
    import io

    import numpy as np

    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


class StopReason(Enum):
    """Why the host (or the client) ended a check early."""

    TIMED_OUT = "timed_out"
    CANCELLED = "cancelled"
    FLOODED = "flooded"
    """It printed more than its output limit."""
    DISK_FULL = "disk_full"
    """It wrote more than the work dir's cap."""
    CHANNEL = "channel"
    """It wrote something into the result channel that is not a frame, or too much."""


@dataclass(frozen=True)
class Limits:
    cpu_s: int
    wall_s: int
    memory_mb: int
    output_mb: int


@dataclass(frozen=True)
class CaseRequest:
    name: str
    inputs: list[str]
    """The names of its input arrays (the host hands their `.npy` bytes to the child with the check)."""
    calls: list[dict]
    """The functions to call: {"fn", "args" (with {"$array": name} / {"$frame": …}), "outputs"}."""
    expect: dict[str, dict]
    """Per output, its shape and dtype ({"shape", "dtype"}), {"frame": true}, or {"any": true} (a typed
    answer's result: its values come back whatever its shape): never its values."""


@dataclass(frozen=True)
class CheckRequest:
    """One check, as the client sends it to the host and the host hands it to the child."""

    filename: str
    code: str
    blocked_modules: dict[str, str]
    """Top-level module → why the exercise forbids it."""
    cases: list[CaseRequest]
    limits: Limits
    preload: list[str]
    """Modules the host imports once before forking (pandas, for exercises that take frames)."""
    result_bytes: int
    """How many bytes of outputs the child may send back."""
    result_frames: int
    """How many frames the child may send back."""

    def to_wire(self) -> dict[str, Any]:
        # Field by field, not `asdict`: that deep-copies every call and shape, on the warm path.
        return {
            "filename": self.filename,
            "code": self.code,
            "blocked_modules": self.blocked_modules,
            "cases": [
                {"name": case.name, "inputs": case.inputs, "calls": case.calls, "expect": case.expect}
                for case in self.cases
            ],
            "limits": asdict(self.limits),
            "preload": self.preload,
            "result_bytes": self.result_bytes,
            "result_frames": self.result_frames,
        }

    @classmethod
    def from_wire(cls, data: dict[str, Any]) -> CheckRequest:
        return cls(
            filename=data["filename"],
            code=data["code"],
            blocked_modules=dict(data["blocked_modules"]),
            cases=[CaseRequest(**case) for case in data["cases"]],
            limits=Limits(**data["limits"]),
            preload=list(data["preload"]),
            result_bytes=int(data["result_bytes"]),
            result_frames=int(data["result_frames"]),
        )


@dataclass
class Outcome:
    """How a check ended, as the host saw it (or the client, when the host was lost or killed)."""

    exit: int | None = None
    """The child's exit code, when it exited."""
    signal: int | None = None
    """The signal that killed it, when one did."""
    stopped: StopReason | None = None
    channel_problem: str = ""
    wall_s: float = 0.0
    cpu_s: float = 0.0
    """The child's CPU time, when the host waited for its end (0 when the harness ended the check)."""
    output: str = ""
    """The tail of what it printed (untrusted)."""
    output_bytes: int = 0
    """How much it printed in all."""
    lost: str | None = None
    """The host itself failed (a quizapp bug): why. Set by the client only."""
    host_killed: bool = False
    """The client killed the host at its own deadline (the host stopped answering)."""

    def to_wire(self) -> dict[str, Any]:
        data = asdict(self)
        data["stopped"] = self.stopped.value if self.stopped else None
        return data

    @classmethod
    def from_wire(cls, data: dict[str, Any]) -> Outcome:
        stopped = data.get("stopped")
        return cls(
            exit=data.get("exit"),
            signal=data.get("signal"),
            stopped=StopReason(stopped) if stopped else None,
            channel_problem=str(data.get("channel_problem", "")),
            wall_s=float(data.get("wall_s", 0.0)),
            cpu_s=float(data.get("cpu_s", 0.0)),
            output=str(data.get("output", "")),
            output_bytes=int(data.get("output_bytes", 0)),
        )


@dataclass
class HostReply:
    """A check's whole answer: how it ended, and every record the child sent, in order."""

    outcome: Outcome
    records: list[wire.Frame] = field(default_factory=list)


# -- host → client frames ----------------------------------------------------------------------------


def ready(pid: int, isolation: list[str]) -> dict:
    return {"ready": True, "pid": pid, "isolation": isolation}


STARTED = {"event": "started"}
CANCEL = {"cancel": True}


def record(header: dict) -> dict:
    return {"record": header}


def done(outcome: Outcome) -> dict:
    return {"done": outcome.to_wire()}


def check(request: CheckRequest, inputs: list[list]) -> dict:
    return {"check": request.to_wire(), "inputs": inputs}


# -- child → host records ----------------------------------------------------------------------------
# {"setup": {"isolation": [...]}}            the child has confined itself
# {"load_error": {"type", "message", "line"}}  the learner's file did not load
# {"loaded": true}                           it did
# {"start": i}                               case i starts
# {"case": i, "output": name, "shape", "dtype"} (+ the raw bytes when shape and dtype match, or
#                                              `expect` is {"any": true}: any shape, within result_bytes)
# {"case": i, "frame": name} (+ a JSON DataFrame/Series payload)
# {"case": i, "mutated": [...]} or {"case": i, "error": {"type", "message"}}   case i has ended
# {"exit": code}                             the last: the harness ends the process with this code and
#                                            closes its channels (the host keeps it, never forwards it)


@dataclass
class ChildReport:
    """What the child reported, sorted out of its records. Nothing in it is trusted."""

    isolation: list[str] = field(default_factory=list)
    load_error: dict | None = None
    started: list[int] = field(default_factory=list)
    finished: dict[int, dict] = field(default_factory=dict)
    outputs: dict[tuple[int, str], wire.Frame] = field(default_factory=dict)

    @classmethod
    def from_records(cls, records: list[wire.Frame]) -> ChildReport:
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

    @property
    def stopped_in(self) -> int | None:
        """The case that started and never finished, if any: where the check was when it ended."""
        if self.started and self.started[-1] not in self.finished:
            return self.started[-1]
        return None
