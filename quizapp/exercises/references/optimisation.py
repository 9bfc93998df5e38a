"""Optimisation: gradient descent (the fix-the-bug exercise)."""

from __future__ import annotations

from typing import Annotated

import numpy as np
from pydantic import Field

from quizapp.exercises.references.base import (
    CaseData,
    CaseParams,
    as_array,
    call,
    reference,
)


# -- optimisation ----------------------------------------------------------------------------------

class RootByGradientDescentParams(CaseParams):
    poly: Annotated[list[float], Field(min_length=2)]
    """Coefficients, highest power first (as numpy.polyval takes them)."""
    x0: float
    lr: Annotated[float, Field(gt=0)]
    iters: Annotated[int, Field(ge=1, le=20_000)]


@reference("root_by_gradient_descent", RootByGradientDescentParams)
def root_by_gradient_descent(params: RootByGradientDescentParams, rng: np.random.Generator, device: str) -> CaseData:
    """Gradient descent on f(x)²/2, whose minimum is a root of f: x ← x − lr·f(x)·f'(x)."""
    import torch

    del rng
    x = torch.tensor(params.x0, dtype=torch.float64, device=device)
    for _ in range(params.iters):
        x.requires_grad_(True)
        value = sum(c * x ** (len(params.poly) - 1 - i) for i, c in enumerate(params.poly))
        (grad,) = torch.autograd.grad(0.5 * value**2, x)
        x = (x - params.lr * grad).detach()
    return CaseData(
        inputs={},
        calls=[call("solve", {"$poly": params.poly}, params.x0, params.lr, params.iters, outputs=("x",))],
        expected={"x": as_array(x)},
        # Forward differences (as in the notes) move each step by ~1e-8; the root itself does not move.
        tolerance={"x": (0.0, 1e-6)},
    )
