"""The case fields of the boxes references, without torch (the catalog reads them)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from quizapp.exercises.params.base import CaseParams, Positive


class BoxParams(CaseParams):
    SIZE_FIELDS = ("n", "m")
    n: Positive
    m: Positive = 1
    layout: Literal["random", "disjoint", "nested", "touching", "identical", "at-threshold"] = "random"
    """For NMS, "at-threshold" is a pair whose IoU equals the threshold exactly (0.5): both stay."""
    iou_threshold: Annotated[float, Field(ge=0, le=1)] = 0.5


class RoiAlignParams(CaseParams):
    shape: tuple[Positive, Positive, Positive, Positive]
    rois: Annotated[list[tuple[int, float, float, float, float]], Field(min_length=1, max_length=64)]
    """(batch index, x1, y1, x2, y2) in image coordinates."""
    output_size: tuple[Annotated[int, Field(ge=1, le=64)], Annotated[int, Field(ge=1, le=64)]] = (2, 2)
    spatial_scale: Annotated[float, Field(gt=0)] = 1.0
    sampling_ratio: Annotated[int, Field(ge=1, le=4)] = 2
    aligned: bool = False

    @model_validator(mode="after")
    def _batch_indices(self) -> RoiAlignParams:
        if any(not 0 <= roi[0] < self.shape[0] for roi in self.rois):
            raise ValueError(f"every RoI's batch index must be below the batch size {self.shape[0]}")
        return self
