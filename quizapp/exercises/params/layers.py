"""The case fields of the layers references, without torch (the catalog reads them)."""

from __future__ import annotations

from typing import Annotated, Self

from pydantic import Field, model_validator

from quizapp.exercises.params.base import MAX_ELEMENTS, CaseParams, Pair, Positive


class PoolParams(CaseParams):
    shape: tuple[Positive, Positive, Positive, Positive]
    kernel: Pair
    stride: Positive
    ties: bool = False
    """Repeated values in a window: PyTorch routes the gradient to the first maximum in scan order."""

    @model_validator(mode="after")
    def _fits(self) -> PoolParams:
        if self.kernel[0] > self.shape[2] or self.kernel[1] > self.shape[3]:
            raise ValueError(
                f"kernel {list(self.kernel)} is larger than the input's H×W {list(self.shape[2:])}"
            )
        return self


class ConvShape(CaseParams):
    """A conv2d's input (N, C, H, W), weight (C_out, C, kH, kW), stride and padding, checked to fit."""

    shape: tuple[Positive, Positive, Positive, Positive]
    weight: tuple[Positive, Positive, Positive, Positive]
    stride: Positive = 1
    padding: Annotated[int, Field(ge=0)] = 0

    @model_validator(mode="after")
    def _fits(self) -> Self:
        if self.weight[1] != self.shape[1]:
            raise ValueError(f"weight has {self.weight[1]} input channels but the input has {self.shape[1]}")
        for size, k in zip(self.shape[2:], self.weight[2:]):
            if size + 2 * self.padding < k:
                raise ValueError("the kernel is larger than the padded input")
        return self


class ConvParams(ConvShape):
    bias: bool = True


class BatchNormParams(CaseParams):
    shape: Annotated[list[Positive], Field(min_length=2, max_length=4)]
    training: bool = True
    momentum: Annotated[float, Field(gt=0, le=1)] = 0.1
    eps: Annotated[float, Field(gt=0)] = 1e-5
    batches: Annotated[int, Field(ge=1, le=10)] = 1
    """Batches passed one after the other, each with the running statistics the last one returned."""


class SoftmaxParams(CaseParams):
    shape: Annotated[list[Positive], Field(min_length=1, max_length=3)]
    temperature: Annotated[float, Field(gt=0)] = 1.0
    axis: int = -1
    scale: Annotated[float, Field(gt=0)] = 1.0
    """Logits are standard normal times this: 1000 makes a naive exp overflow."""
    offset: float = 0.0
    minus_inf: bool = False
    """Set some logits (never a whole row) to -inf: those classes must get probability 0."""


class LayerNormParams(CaseParams):
    shape: Annotated[list[Positive], Field(min_length=2, max_length=4)]
    normalized_dims: Annotated[int, Field(ge=1, le=3)] = 1
    eps: Annotated[float, Field(gt=0)] = 1e-5


class RnnParams(CaseParams):
    seq_len: Positive
    batch: Positive
    input_size: Positive
    hidden_size: Positive
    h0: bool = True
    """False passes None for h0: the learner starts from zeros, as nn.RNN does."""

    @model_validator(mode="after")
    def _small_enough(self) -> RnnParams:
        size = self.seq_len * self.batch * max(self.input_size, self.hidden_size)
        if size > MAX_ELEMENTS:
            raise ValueError(f"seq_len × batch × width is {size:,}; at most {MAX_ELEMENTS:,}")
        return self


class ConvTransposeParams(CaseParams):
    shape: tuple[Positive, Positive, Positive, Positive]
    weight: tuple[Positive, Positive, Positive, Positive]
    """(C_in, C_out, k_h, k_w), as ConvTranspose2d stores it."""
    stride: Positive = 1
    padding: Annotated[int, Field(ge=0)] = 0
    output_padding: Annotated[int, Field(ge=0)] = 0
    bias: bool = True

    @model_validator(mode="after")
    def _fits(self) -> ConvTransposeParams:
        if self.weight[0] != self.shape[1]:
            raise ValueError(f"weight has {self.weight[0]} input channels but the input has {self.shape[1]}")
        if self.output_padding >= self.stride:
            raise ValueError("output_padding must be smaller than stride")
        return self


class DepthwiseSeparableParams(CaseParams):
    shape: tuple[Positive, Positive, Positive, Positive]
    out_channels: Positive
    kernel: Positive = 3
    stride: Positive = 1
    padding: Annotated[int, Field(ge=0)] = 0


class ResizeParams(CaseParams):
    shape: tuple[Positive, Positive, Positive, Positive]
    size: Pair
    align_corners: bool = False
