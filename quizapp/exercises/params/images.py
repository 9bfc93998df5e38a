"""The case fields of the images references, without torch (the catalog reads them)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from quizapp.exercises.params.base import CaseParams, Positive


class MorphologyParams(CaseParams):
    shape: tuple[Positive, Positive, Positive, Positive]
    kernel: Annotated[int, Field(ge=1, le=15)] = 3
    values: Literal["normal", "binary"] = "normal"
    """"binary": 0/1 images, as in the notes (many ties; the border matters)."""
    fortran: bool = False

    @model_validator(mode="after")
    def _odd(self) -> MorphologyParams:
        if self.kernel % 2 == 0:
            raise ValueError("kernel must be odd (the window is centred on each pixel)")
        return self


class PatchMergingParams(CaseParams):
    batch: Positive = 1
    size: tuple[Positive, Positive] = (4, 4)
    channels: Positive = 3
    shift: Annotated[int, Field(ge=0)] = 1
    fortran: bool = False
    """Both inputs Fortran-ordered (as a transposed view is): code that assumes C-ordered memory
    (hand-made strides, a reinterpreted buffer) gets other values."""

    @model_validator(mode="after")
    def _even(self) -> PatchMergingParams:
        if self.size[0] % 2 or self.size[1] % 2:
            raise ValueError("H and W must be even to merge 2×2 patches")
        if self.batch * self.size[0] * self.size[1] * self.channels > 1 << 22:
            raise ValueError("the input is too large")
        return self
