"""Backward passes: BatchNorm, Conv2d and an RNN through time, each against autograd.

Every reference draws a random upstream gradient `dout` and takes ∂(Σ out·dout)/∂inputs with
`torch.autograd.grad`, in the case's dtype (float64 by default, as the learner's notes check).
"""

from __future__ import annotations

import numpy as np

from quizapp.exercises.params.backward import BatchNormBackwardParams, ConvBackwardParams, RnnBackwardParams
from quizapp.exercises.references.base import (
    CaseData,
    as_array,
    as_tensor,
    call,
    reference,
)


def _grads(out, dout: np.ndarray, inputs: list, device: str) -> list[np.ndarray]:
    import torch

    grads = torch.autograd.grad((out * as_tensor(dout, device)).sum(), inputs)
    return [as_array(grad) for grad in grads]


def _maybe_fortran(array: np.ndarray, fortran: bool) -> np.ndarray:
    """A Fortran-ordered copy: the same values, not C-contiguous, as a transposed view would be."""
    return np.asfortranarray(array) if fortran else array


@reference("batchnorm_backward", BatchNormBackwardParams)
def batchnorm_backward(params: BatchNormBackwardParams, rng: np.random.Generator, device: str) -> CaseData:
    import torch.nn.functional as F

    channels = params.shape[1]
    x = (rng.standard_normal(params.shape) * 2 + 1).astype(params.dtype)
    gamma = rng.uniform(0.5, 1.5, channels).astype(params.dtype)
    beta = rng.standard_normal(channels).astype(params.dtype)
    xt, gt, bt = (as_tensor(a, device, grad=True) for a in (x, gamma, beta))
    out = F.batch_norm(xt, None, None, gt, bt, training=True, eps=params.eps)
    dout = rng.standard_normal(params.shape).astype(params.dtype)
    dx, dgamma, dbeta = _grads(out, dout, [xt, gt, bt], device)
    return CaseData(
        inputs={"dout": dout, "x": _maybe_fortran(x, params.fortran), "gamma": gamma},
        calls=[
            call("batchnorm_backward", "$dout", "$x", "$gamma", params.eps, outputs=("dx", "dgamma", "dbeta"))
        ],
        expected={"dx": dx, "dgamma": dgamma, "dbeta": dbeta},
    )


@reference("conv2d_backward", ConvBackwardParams)
def conv2d_backward(params: ConvBackwardParams, rng: np.random.Generator, device: str) -> CaseData:
    """Against autograd through F.conv2d (what torch.nn.grad.conv2d_input/conv2d_weight compute)."""
    import torch.nn.functional as F

    x = rng.standard_normal(params.shape).astype(params.dtype)
    w = rng.standard_normal(params.weight).astype(params.dtype)
    b = rng.standard_normal(params.weight[0]).astype(params.dtype)
    xt, wt, bt = (as_tensor(a, device, grad=True) for a in (x, w, b))
    out = F.conv2d(xt, wt, bt, stride=params.stride, padding=params.padding)
    dout = rng.standard_normal(tuple(out.shape)).astype(params.dtype)
    dx, dw, db = _grads(out, dout, [xt, wt, bt], device)
    return CaseData(
        inputs={"dout": dout, "x": _maybe_fortran(x, params.fortran), "w": w},
        calls=[
            call(
                "conv2d_backward",
                "$dout",
                "$x",
                "$w",
                params.stride,
                params.padding,
                outputs=("dx", "dw", "db"),
            )
        ],
        expected={"dx": dx, "dw": dw, "db": db},
    )


@reference("rnn_backward", RnnBackwardParams)
def rnn_backward(params: RnnBackwardParams, rng: np.random.Generator, device: str) -> CaseData:
    """Backpropagation through time, against autograd through `nn.RNN` (tanh, one layer)."""
    import torch

    dtype, hidden = params.dtype, params.hidden_size
    x = rng.standard_normal((params.seq_len, params.batch, params.input_size)).astype(dtype)
    h0 = rng.standard_normal((params.batch, hidden)).astype(dtype)
    bound = 1 / np.sqrt(hidden)
    weights = {
        "W_ih": rng.uniform(-bound, bound, (hidden, params.input_size)),
        "W_hh": rng.uniform(-bound, bound, (hidden, hidden)),
        "b_ih": rng.uniform(-bound, bound, hidden),
        "b_hh": rng.uniform(-bound, bound, hidden),
    }
    weights = {name: value.astype(dtype) for name, value in weights.items()}
    rnn = torch.nn.RNN(params.input_size, hidden).to(device=device, dtype=getattr(torch, dtype))
    with torch.no_grad():
        for name, torch_name in (
            ("W_ih", "weight_ih_l0"),
            ("W_hh", "weight_hh_l0"),
            ("b_ih", "bias_ih_l0"),
            ("b_hh", "bias_hh_l0"),
        ):
            getattr(rnn, torch_name).copy_(as_tensor(weights[name], device))
    xt, h0t = as_tensor(x, device, grad=True), as_tensor(h0[None], device, grad=True)
    out, _ = rnn(xt, h0t)
    dout = rng.standard_normal(tuple(out.shape)).astype(dtype)
    if params.last_only:
        dout[:-1] = 0
    parameters = [rnn.weight_ih_l0, rnn.weight_hh_l0, rnn.bias_ih_l0, rnn.bias_hh_l0]
    dx, dh0, dW_ih, dW_hh, db_ih, db_hh = _grads(out, dout, [xt, h0t, *parameters], device)
    return CaseData(
        inputs={"dout": dout, "x": x, "h0": h0, **weights},
        calls=[
            call(
                "rnn_backward",
                "$dout",
                "$x",
                "$h0",
                "$W_ih",
                "$W_hh",
                "$b_ih",
                "$b_hh",
                outputs=("dx", "dh0", "dW_ih", "dW_hh", "db_ih", "db_hh"),
            )
        ],
        expected={"dx": dx, "dh0": dh0[0], "dW_ih": dW_ih, "dW_hh": dW_hh, "db_ih": db_ih, "db_hh": db_hh},
    )
