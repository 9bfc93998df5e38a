"""Layers: pooling, convolutions, normalisation, softmax, RNN, resizing."""

from __future__ import annotations

import numpy as np

from quizapp.exercises.params.layers import (
    BatchNormParams,
    ConvParams,
    ConvTransposeParams,
    DepthwiseSeparableParams,
    LayerNormParams,
    PoolParams,
    ResizeParams,
    RnnParams,
    SoftmaxParams,
)
from quizapp.exercises.references.base import (
    CaseData,
    as_array,
    as_tensor,
    call,
    reference,
)

# -- pooling ---------------------------------------------------------------------------------------


def _pool_input(params: PoolParams, rng: np.random.Generator) -> np.ndarray:
    size = int(np.prod(params.shape))
    if params.ties:
        values = rng.integers(0, 3, size).astype(np.float64)
    else:  # distinct values, so "the" maximum of a window is unambiguous
        values = (rng.permutation(size) - size / 2) / 8
    return values.reshape(params.shape).astype(params.dtype)


def _pool_case(params: PoolParams, rng: np.random.Generator, device: str, kind: str) -> CaseData:
    import torch.nn.functional as F

    x = _pool_input(params, rng)
    xt = as_tensor(x, device, grad=True)
    pool = F.max_pool2d if kind == "max" else F.avg_pool2d
    out = pool(xt, params.kernel, params.stride)
    dout = rng.standard_normal(tuple(out.shape)).astype(params.dtype)
    # ∂(Σ out·dout)/∂x is the backward pass for upstream gradient dout. Passing dout as grad_outputs
    # instead would make torch import its symbolic-shape machinery (sympy, ~0.45 s) on first use.
    (dx,) = __import__("torch").autograd.grad((out * as_tensor(dout, device)).sum(), xt)
    name = f"{kind}pool2d"
    kernel = list(params.kernel)
    return CaseData(
        inputs={"x": x, "dout": dout},
        calls=[
            call(f"{name}_forward", "$x", kernel, params.stride, outputs=("out",)),
            call(f"{name}_backward", "$dout", "$x", kernel, params.stride, outputs=("dx",)),
        ],
        expected={"out": as_array(out), "dx": as_array(dx)},
    )


@reference("maxpool2d", PoolParams)
def maxpool2d(params: PoolParams, rng: np.random.Generator, device: str) -> CaseData:
    return _pool_case(params, rng, device, "max")


@reference("avgpool2d", PoolParams)
def avgpool2d(params: PoolParams, rng: np.random.Generator, device: str) -> CaseData:
    return _pool_case(params, rng, device, "avg")


# -- convolution -----------------------------------------------------------------------------------


@reference("conv2d", ConvParams)
def conv2d(params: ConvParams, rng: np.random.Generator, device: str) -> CaseData:
    import torch.nn.functional as F

    x = rng.standard_normal(params.shape).astype(params.dtype)
    w = rng.standard_normal(params.weight).astype(params.dtype)
    b = rng.standard_normal(params.weight[0]).astype(params.dtype)
    out = F.conv2d(
        as_tensor(x, device),
        as_tensor(w, device),
        as_tensor(b, device) if params.bias else None,
        stride=params.stride,
        padding=params.padding,
    )
    return CaseData(
        inputs={"x": x, "w": w, **({"b": b} if params.bias else {})},
        calls=[
            call(
                "conv2d_forward",
                "$x",
                "$w",
                "$b" if params.bias else None,
                params.stride,
                params.padding,
                outputs=("out",),
            )
        ],
        expected={"out": as_array(out)},
    )


# -- normalisation ---------------------------------------------------------------------------------


@reference("batchnorm", BatchNormParams)
def batchnorm(params: BatchNormParams, rng: np.random.Generator, device: str) -> CaseData:
    import torch.nn.functional as F

    channels = params.shape[1]
    gamma = rng.uniform(0.5, 1.5, channels).astype(params.dtype)
    beta = rng.standard_normal(channels).astype(params.dtype)
    running_mean = rng.standard_normal(channels).astype(params.dtype) * 0.1
    running_var = rng.uniform(0.5, 2.0, channels).astype(params.dtype)
    inputs = {"gamma": gamma, "beta": beta, "running_mean0": running_mean, "running_var0": running_var}
    mean_t, var_t = as_tensor(running_mean.copy(), device), as_tensor(running_var.copy(), device)
    calls: list[dict] = []
    expected: dict[str, np.ndarray | dict] = {}
    for step in range(params.batches):
        x = (rng.standard_normal(params.shape) * 2 + 3).astype(params.dtype)
        inputs[f"x{step}"] = x
        out = F.batch_norm(
            as_tensor(x, device),
            mean_t,
            var_t,
            as_tensor(gamma, device),
            as_tensor(beta, device),
            training=params.training,
            momentum=params.momentum,
            eps=params.eps,
        )
        names = (f"out{step}", f"running_mean{step + 1}", f"running_var{step + 1}")
        calls.append(
            call(
                "batchnorm_forward",
                f"$x{step}",
                "$gamma",
                "$beta",
                f"$running_mean{step}",
                f"$running_var{step}",
                params.training,
                params.momentum,
                params.eps,
                outputs=names,
            )
        )
        expected.update(zip(names, (as_array(out), as_array(mean_t), as_array(var_t))))
    return CaseData(inputs=inputs, calls=calls, expected=expected)


# -- softmax, layer norm, RNN ----------------------------------------------------------------------


@reference("softmax", SoftmaxParams)
def softmax(params: SoftmaxParams, rng: np.random.Generator, device: str) -> CaseData:
    import torch

    x = rng.standard_normal(params.shape) * params.scale + params.offset
    if params.minus_inf:
        moved = np.moveaxis(x, params.axis, -1)
        moved[..., 0] = -np.inf  # a view: x changes too; the other entries of each row stay finite
    x = x.astype(params.dtype)
    out = torch.softmax(as_tensor(x, device) / params.temperature, dim=params.axis)
    return CaseData(
        inputs={"x": x},
        calls=[call("softmax", "$x", params.temperature, params.axis, outputs=("p",))],
        expected={"p": as_array(out)},
    )


@reference("layernorm", LayerNormParams)
def layernorm(params: LayerNormParams, rng: np.random.Generator, device: str) -> CaseData:
    import torch.nn.functional as F

    normalized = params.shape[-params.normalized_dims :]
    x = (rng.standard_normal(params.shape) * 3 + 1).astype(params.dtype)
    gamma = rng.uniform(0.5, 1.5, normalized).astype(params.dtype)
    beta = rng.standard_normal(normalized).astype(params.dtype)
    out = F.layer_norm(
        as_tensor(x, device), list(normalized), as_tensor(gamma, device), as_tensor(beta, device), params.eps
    )
    return CaseData(
        inputs={"x": x, "gamma": gamma, "beta": beta},
        calls=[call("layernorm_forward", "$x", "$gamma", "$beta", params.eps, outputs=("out",))],
        expected={"out": as_array(out)},
    )


@reference("rnn_forward", RnnParams)
def rnn_forward(params: RnnParams, rng: np.random.Generator, device: str) -> CaseData:
    import torch

    dtype = params.dtype
    x = rng.standard_normal((params.seq_len, params.batch, params.input_size)).astype(dtype)
    h0 = rng.standard_normal((params.batch, params.hidden_size)).astype(dtype)
    bound = 1 / np.sqrt(params.hidden_size)
    weights = {
        "W_ih": rng.uniform(-bound, bound, (params.hidden_size, params.input_size)),
        "W_hh": rng.uniform(-bound, bound, (params.hidden_size, params.hidden_size)),
        "b_ih": rng.uniform(-bound, bound, params.hidden_size),
        "b_hh": rng.uniform(-bound, bound, params.hidden_size),
    }
    weights = {name: value.astype(dtype) for name, value in weights.items()}
    rnn = torch.nn.RNN(params.input_size, params.hidden_size).to(device=device, dtype=getattr(torch, dtype))
    with torch.no_grad():
        for name, torch_name in (
            ("W_ih", "weight_ih_l0"),
            ("W_hh", "weight_hh_l0"),
            ("b_ih", "bias_ih_l0"),
            ("b_hh", "bias_hh_l0"),
        ):
            getattr(rnn, torch_name).copy_(as_tensor(weights[name], device))
        out, h_n = rnn(as_tensor(x, device), as_tensor(h0[None], device) if params.h0 else None)
    inputs = {"x": x, **weights, **({"h0": h0} if params.h0 else {})}
    return CaseData(
        inputs=inputs,
        calls=[
            call(
                "rnn_forward",
                "$x",
                "$h0" if params.h0 else None,
                "$W_ih",
                "$W_hh",
                "$b_ih",
                "$b_hh",
                outputs=("outputs", "h_last"),
            )
        ],
        expected={"outputs": as_array(out), "h_last": as_array(h_n[0])},
    )


# -- more convolutions and resizing ----------------------------------------------------------------


@reference("conv_transpose2d", ConvTransposeParams)
def conv_transpose2d(params: ConvTransposeParams, rng: np.random.Generator, device: str) -> CaseData:
    import torch.nn.functional as F

    x = rng.standard_normal(params.shape).astype(params.dtype)
    w = rng.standard_normal(params.weight).astype(params.dtype)
    b = rng.standard_normal(params.weight[1]).astype(params.dtype)
    out = F.conv_transpose2d(
        as_tensor(x, device),
        as_tensor(w, device),
        as_tensor(b, device) if params.bias else None,
        stride=params.stride,
        padding=params.padding,
        output_padding=params.output_padding,
    )
    return CaseData(
        inputs={"x": x, "w": w, **({"b": b} if params.bias else {})},
        calls=[
            call(
                "conv_transpose2d",
                "$x",
                "$w",
                "$b" if params.bias else None,
                params.stride,
                params.padding,
                params.output_padding,
                outputs=("out",),
            )
        ],
        expected={"out": as_array(out)},
    )


@reference("depthwise_separable", DepthwiseSeparableParams)
def depthwise_separable(params: DepthwiseSeparableParams, rng: np.random.Generator, device: str) -> CaseData:
    import torch.nn.functional as F

    channels = params.shape[1]
    x = rng.standard_normal(params.shape).astype(params.dtype)
    w_dw = rng.standard_normal((channels, 1, params.kernel, params.kernel)).astype(params.dtype)
    w_pw = rng.standard_normal((params.out_channels, channels, 1, 1)).astype(params.dtype)
    depthwise = F.conv2d(
        as_tensor(x, device),
        as_tensor(w_dw, device),
        stride=params.stride,
        padding=params.padding,
        groups=channels,
    )
    out = F.conv2d(depthwise, as_tensor(w_pw, device))
    return CaseData(
        inputs={"x": x, "w_dw": w_dw, "w_pw": w_pw},
        calls=[
            call(
                "depthwise_separable", "$x", "$w_dw", "$w_pw", params.stride, params.padding, outputs=("out",)
            )
        ],
        expected={"out": as_array(out)},
    )


@reference("bilinear_resize", ResizeParams)
def bilinear_resize(params: ResizeParams, rng: np.random.Generator, device: str) -> CaseData:
    import torch.nn.functional as F

    x = rng.standard_normal(params.shape).astype(params.dtype)
    out = F.interpolate(
        as_tensor(x, device), size=tuple(params.size), mode="bilinear", align_corners=params.align_corners
    )
    return CaseData(
        inputs={"x": x},
        calls=[call("resize_bilinear", "$x", list(params.size), params.align_corners, outputs=("out",))],
        expected={"out": as_array(out)},
    )
