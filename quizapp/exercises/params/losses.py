"""The case fields of the losses references, without torch (the catalog reads them)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

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


class RpnLossParams(CaseParams):
    SIZE_FIELDS = ("anchors",)
    anchors: Positive
    """Sampled anchors (py-faster-rcnn samples 256 per image)."""
    positives: Annotated[int, Field(ge=0)] = 4
    ignored: Annotated[int, Field(ge=0)] = 2
    """Anchors labelled -1: in neither loss."""
    sigma: Annotated[float, Field(gt=0)] = 3.0
    """RPN uses σ = 3 (the box head σ = 1)."""
    scale: Annotated[float, Field(gt=0)] = 2.0
    """Logits are standard normal times this: 1000 makes a naive log(sigmoid) give -inf."""
    boundary: bool = False
    """Put some box differences exactly at ±1/σ², where the two pieces of Smooth L1 meet."""

    @model_validator(mode="after")
    def _labels_fit(self) -> RpnLossParams:
        if self.positives + self.ignored > self.anchors:
            raise ValueError("positives + ignored must not exceed anchors")
        return self
