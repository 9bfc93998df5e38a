"""What a check found: one `CaseResult` per case, each with a `CaseStatus`, inside a `Verdict`.

Everything downstream (the text report, `--json`, the exercise screen, the attempts table) reads
these typed values; nobody re-parses a message to learn whether a case ran. The JSON written for
`quizapp exercise NAME --check FILE --json` and stored with each attempt is `Verdict.to_json()`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

NOT_RUN_MESSAGE = "not run"
"""A case's message when the check stopped before it (a syntax error, a forbidden import …).
Also what older attempts stored, and what the stats read to leave such cases out."""


class CaseStatus(Enum):
    PASSED = "passed"
    FAILED = "failed"
    """It ran and its outputs were wrong (values, shape, dtype) or it changed its inputs."""
    ERROR = "error"
    """The learner's code raised, returned the wrong number of values, or lacks the function."""
    STOPPED = "stopped"
    """The check ended while this case ran: timed out, cancelled, out of CPU, crashed, flooded …"""
    NOT_RUN = "not run"
    """The check ended before this case (a syntax error, a forbidden import, an earlier stop)."""

    @property
    def ran(self) -> bool:
        return self is not CaseStatus.NOT_RUN


@dataclass
class CaseResult:
    name: str
    passed: bool
    message: str
    params: dict = field(default_factory=dict)
    max_abs_err: float | None = None
    max_rel_err: float | None = None
    status: CaseStatus | None = None
    """Filled from `passed` when not given (PASSED or FAILED); given, it must agree with `passed`."""

    def __post_init__(self) -> None:
        if self.status is None:
            self.status = CaseStatus.PASSED if self.passed else CaseStatus.FAILED
        elif self.passed != (self.status is CaseStatus.PASSED):
            raise ValueError(f"case {self.name!r}: passed={self.passed} but status {self.status.value}")

    @classmethod
    def not_run(cls, name: str, params: dict) -> CaseResult:
        return cls(name, False, NOT_RUN_MESSAGE, params, status=CaseStatus.NOT_RUN)

    @property
    def ran(self) -> bool:
        return self.status is not CaseStatus.NOT_RUN

    def to_json(self) -> dict:
        """The case as `--json` prints it (the shape DESIGN.md promises; `status` is not in it)."""
        return {
            "name": self.name,
            "passed": self.passed,
            "message": self.message,
            "params": dict(self.params),
            "max_abs_err": self.max_abs_err,
            "max_rel_err": self.max_rel_err,
        }


@dataclass
class Verdict:
    exercise: str
    passed: bool
    device: str
    duration_s: float = 0.0
    cases: list[CaseResult] = field(default_factory=list)
    error: str | None = None
    """Why the check as a whole failed (syntax, forbidden call, timeout, crash), if it did."""
    output: str = ""
    """The tail of what the learner's code printed (untrusted)."""
    isolation: list[str] = field(default_factory=list)
    """Every isolation layer the sandbox applied, in words."""
    cancelled: bool = False
    exercise_broken: bool = False
    """The exercise file, not the learner's code, is at fault (its reference failed)."""

    @property
    def nothing_ran(self) -> bool:
        """No case ran: the file did not load (syntax error, forbidden import …) or the check stopped first."""
        return bool(self.cases) and not any(case.ran for case in self.cases)

    @property
    def counts_as_attempt(self) -> bool:
        """Stored and graded: not a cancelled check, nor one whose exercise file is broken."""
        return not self.cancelled and not self.exercise_broken

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
        """The verdict as `--json` prints it and attempts store it (numbers may still be non-finite:
        `report.verdict_json` makes it strict)."""
        return {
            "exercise": self.exercise,
            "passed": self.passed,
            "device": self.device,
            "duration_s": round(self.duration_s, 4),
            "cases": [case.to_json() for case in self.cases],
            "error": self.error,
            "output": self.output,
            "isolation": list(self.isolation),
            "cancelled": self.cancelled,
            "exercise_broken": self.exercise_broken,
        }


def first_line(message: str) -> str:
    """The line that says what went wrong: for a traceback (`File "…", line N` and the code quoted
    under it), the exception line after the frames, not the first frame."""
    lines = message.splitlines()
    for line in lines:
        if line.startswith(('File "', "    ", "(")) or not line.strip():
            continue  # a frame, the code it quotes (or a caret), "(n earlier calls not shown)"
        return line
    return lines[0] if lines else ""
