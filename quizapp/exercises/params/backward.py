"""The case fields of the backward references, without torch (the catalog reads them)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from quizapp.exercises.params.base import MAX_ELEMENTS, CaseParams, Positive
from quizapp.exercises.params.layers import ConvShape


class BatchNormBackwardParams(CaseParams):
    shape: Annotated[list[Positive], Field(min_length=2, max_length=4)]
    eps: Annotated[float, Field(gt=0)] = 1e-5
    fortran: bool = False
    """x arrives Fortran-ordered (not C-contiguous)."""


class ConvBackwardParams(ConvShape):
    fortran: bool = False


class RnnBackwardParams(CaseParams):
    seq_len: Positive
    batch: Positive
    input_size: Positive
    hidden_size: Positive
    last_only: bool = False
    """The loss looks at the last hidden state only: dout is zero for every step but the last."""

    @model_validator(mode="after")
    def _small_enough(self) -> RnnBackwardParams:
        size = self.seq_len * self.batch * max(self.input_size, self.hidden_size)
        if size > MAX_ELEMENTS:
            raise ValueError(f"seq_len × batch × width is {size:,}; at most {MAX_ELEMENTS:,}")
        return self
