"""A case as the checker uses it (inputs, calls, expected outputs), and where cases come from.

The references build cases with torch; the checker only reads them. This module imports neither
torch nor the references, so the checker (and the TUI, which holds one) never does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from quizapp.exercises.catalog import LoadedExercise


@dataclass
class CaseData:
    inputs: dict[str, np.ndarray]
    calls: list[dict]
    expected: dict[str, np.ndarray | dict]
    """Arrays, or DataFrame/Series payloads (`frames.frame_payload`)."""
    tolerance: dict[str, tuple[float, float]] = field(default_factory=dict)
    """(rtol, atol) for outputs where the dtype's default is not the right measure."""


class ReferenceFailure(RuntimeError):
    """The reference could not build a case: the exercise file asks for something torch refuses."""


class CaseSource(Protocol):
    """Where a checker gets an exercise's cases on a device: built in this process with torch, or
    read from the reference cache that a helper process fills (`reference_helper.py`)."""

    def cases(self, exercise: LoadedExercise, device: str) -> list[CaseData]:
        """Every case of `exercise`, in the file's order; raises ReferenceFailure."""
        ...

    def close(self) -> None: ...
