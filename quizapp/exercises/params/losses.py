"""The case fields of the losses references, without torch (the catalog reads them)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from quizapp.exercises.params.base import CaseParams, Positive


class SmoothL1Params(CaseParams):
    shape: Annotated[list[Positive], Field(min_length=1, max_length=4)]
    sigma: Annotated[float, Field(gt=0)] = 1.0
    boundary: bool = False
    """Put some differences exactly at ±1/σ², where the two pieces meet."""


class TripletParams(CaseParams):
    SIZE_FIELDS = ("batch", "dim")
    batch: Positive
    dim: Positive
    margin: Annotated[float, Field(gt=0)] = 1.0
    easy: bool = False
    """Negatives far away: many losses are exactly 0 (the hinge is inactive)."""
