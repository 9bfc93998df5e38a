"""The case fields of the optimisation references, without torch (the catalog reads them)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from quizapp.exercises.params.base import CaseParams


class RootByGradientDescentParams(CaseParams):
    poly: Annotated[list[float], Field(min_length=2)]
    """Coefficients, highest power first (as numpy.polyval takes them)."""
    x0: float
    lr: Annotated[float, Field(gt=0)]
    iters: Annotated[int, Field(ge=1, le=20_000)]


class OptimiserParams(CaseParams):
    shape: Annotated[list[Annotated[int, Field(ge=1, le=4096)]], Field(min_length=1, max_length=3)]
    steps: Annotated[int, Field(ge=1, le=50)] = 3
    lr: Annotated[float, Field(gt=0)] = 0.1
    weight_decay: Annotated[float, Field(ge=0)] = 0.0
    momentum: Annotated[float, Field(ge=0, lt=1)] = 0.9
    """SGD only."""
    nesterov: bool = False
    """SGD only."""
    betas: tuple[Annotated[float, Field(ge=0, lt=1)], Annotated[float, Field(ge=0, lt=1)]] = (0.9, 0.999)
    """Adam only."""
    eps: Annotated[float, Field(gt=0)] = 1e-8
    """Adam only."""
    decoupled: bool = False
    """Adam only: AdamW's decoupled weight decay instead of Adam's L2 term in the gradient."""
