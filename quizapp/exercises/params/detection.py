"""The case fields of the detection references, without torch (the catalog reads them)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from quizapp.exercises.params.base import CaseParams, Positive


class FocalLossParams(CaseParams):
    shape: Annotated[list[Positive], Field(min_length=1, max_length=3)]
    alpha: Annotated[float, Field(ge=-1, le=1)] = 0.25
    """A negative alpha turns the class weighting off, as in torchvision."""
    gamma: Annotated[float, Field(ge=0)] = 2.0
    scale: Annotated[float, Field(gt=0)] = 2.0
    """Logits are standard normal times this: 1000 makes a naive log(sigmoid) give -inf."""


class RoiPoolParams(CaseParams):
    shape: tuple[Positive, Positive, Positive, Positive]
    rois: Annotated[list[tuple[int, float, float, float, float]], Field(min_length=1, max_length=64)]
    """(batch index, x1, y1, x2, y2) in image coordinates."""
    output_size: tuple[Annotated[int, Field(ge=1, le=64)], Annotated[int, Field(ge=1, le=64)]] = (2, 2)
    spatial_scale: Annotated[float, Field(gt=0)] = 1.0
    fortran: bool = False
    """The features Fortran-ordered (as a transposed view is)."""

    @model_validator(mode="after")
    def _batch_indices(self) -> RoiPoolParams:
        if any(not 0 <= roi[0] < self.shape[0] for roi in self.rois):
            raise ValueError(f"every RoI's batch index must be below the batch size {self.shape[0]}")
        return self


class CenterNetParams(CaseParams):
    batch: Positive = 1
    classes: Positive = 3
    size: tuple[Positive, Positive] = (16, 16)
    k: Annotated[int, Field(ge=1, le=100)] = 10
    plateau: bool = False
    """Two neighbouring pixels share a peak's value: a 3×3 max-pool keeps both (== its max)."""
    fortran: bool = False
    """The three maps Fortran-ordered (as a transposed view is): a window view with strides worked
    out from the shape reads other pixels."""

    @model_validator(mode="after")
    def _enough_pixels(self) -> CenterNetParams:
        if self.k > self.classes * self.size[0] * self.size[1]:
            raise ValueError("k is larger than classes × H × W")
        if self.classes * self.size[0] * self.size[1] * self.batch > 1 << 20:
            raise ValueError("the heatmap is too large")
        return self
