"""Optimisation: gradient descent (the fix-the-bug exercise), SGD with momentum, Adam and AdamW."""

from __future__ import annotations

import numpy as np

from quizapp.exercises.params.optimisation import OptimiserParams, RootByGradientDescentParams
from quizapp.exercises.references.base import (
    CaseData,
    as_array,
    as_tensor,
    call,
    reference,
)

# -- optimisation ----------------------------------------------------------------------------------


@reference("root_by_gradient_descent", RootByGradientDescentParams)
def root_by_gradient_descent(
    params: RootByGradientDescentParams, rng: np.random.Generator, device: str
) -> CaseData:
    """Gradient descent on f(x)²/2, whose minimum is a root of f: x ← x − lr·f(x)·f'(x)."""
    import torch

    del rng
    x = torch.tensor(params.x0, dtype=torch.float64, device=device)
    for _ in range(params.iters):
        x.requires_grad_(True)
        value = sum(
            (c * x ** (len(params.poly) - 1 - i) for i, c in enumerate(params.poly)), torch.zeros_like(x)
        )
        (grad,) = torch.autograd.grad(0.5 * value**2, x)
        x = (x - params.lr * grad).detach()
    return CaseData(
        inputs={},
        calls=[call("solve", {"$poly": params.poly}, params.x0, params.lr, params.iters, outputs=("x",))],
        expected={"x": as_array(x)},
        # Forward differences (as in the notes) move each step by ~1e-8; the root itself does not move.
        tolerance={"x": (0.0, 1e-6)},
    )


# -- optimiser steps -------------------------------------------------------------------------------


def _optimiser_case(params: OptimiserParams, rng: np.random.Generator, device: str, kind: str) -> CaseData:
    import torch

    shape = tuple(params.shape)
    w0 = rng.standard_normal(shape).astype(params.dtype)
    grads = rng.standard_normal((params.steps, *shape)).astype(params.dtype)
    weight = torch.nn.Parameter(
        as_tensor(w0.copy(), device)
    )  # from_numpy shares memory: step() would change w0
    if kind == "sgd":
        optimiser: torch.optim.Optimizer = torch.optim.SGD(
            [weight],
            lr=params.lr,
            momentum=params.momentum,
            weight_decay=params.weight_decay,
            nesterov=params.nesterov,
        )
        args: tuple[object, ...] = (params.lr, params.momentum, params.weight_decay, params.nesterov)
    else:
        make = torch.optim.AdamW if params.decoupled else torch.optim.Adam
        optimiser = make(
            [weight],
            lr=params.lr,
            betas=(params.betas[0], params.betas[1]),
            eps=params.eps,
            weight_decay=params.weight_decay,
        )
        args = (params.lr, list(params.betas), params.eps, params.weight_decay, params.decoupled)
    for step in range(params.steps):
        weight.grad = as_tensor(grads[step], device)
        optimiser.step()
    fn = "sgd_steps" if kind == "sgd" else "adam_steps"
    return CaseData(
        inputs={"w": w0, "grads": grads},
        calls=[call(fn, "$w", "$grads", *args, outputs=("w_final",))],
        expected={"w_final": as_array(weight)},
    )


@reference("sgd_steps", OptimiserParams)
def sgd_steps(params: OptimiserParams, rng: np.random.Generator, device: str) -> CaseData:
    """torch.optim.SGD (momentum, dampening 0, weight decay, Nesterov) over the given gradients."""
    return _optimiser_case(params, rng, device, "sgd")


@reference("adam_steps", OptimiserParams)
def adam_steps(params: OptimiserParams, rng: np.random.Generator, device: str) -> CaseData:
    """torch.optim.Adam, or AdamW when `decoupled`, over the given gradients."""
    return _optimiser_case(params, rng, device, "adam")
