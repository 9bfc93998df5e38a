"""PyTorch references: for each case, the inputs, the calls to make, and the expected outputs.

A reference runs in the trusted process only. Inputs come from NumPy's seeded generator, so a case
has the same numbers on every device; expected outputs come from `torch.nn.functional` (forward)
and autograd (backward) on the chosen device. torch is imported here lazily, never at start-up.

Each reference declares its case fields as a pydantic model, so a typo in an exercise file is a
`file:line:col` problem, not a crash in the middle of a check.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

Positive = Annotated[int, Field(ge=1)]
Pair = tuple[Positive, Positive]


class CaseParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9._-]*$")]
    dtype: Literal["float32", "float64"] = "float64"
    seed: int | None = None

    def shown(self) -> dict:
        """The parameters as the learner sees them next to the case's name."""
        shown = self.model_dump(mode="json", exclude={"name", "seed", "dtype"}, exclude_defaults=True)
        return {**shown, "dtype": self.dtype}


@dataclass
class CaseData:
    inputs: dict[str, np.ndarray]
    calls: list[dict]
    expected: dict[str, np.ndarray]
    tolerance: dict[str, tuple[float, float]] = field(default_factory=dict)
    """(rtol, atol) for outputs where the dtype's default is not the right measure."""


@dataclass(frozen=True)
class Reference:
    params: type[CaseParams]
    build: Callable[[Any, np.random.Generator, str], CaseData]


REFERENCES: dict[str, Reference] = {}


def reference(name: str, params: type[CaseParams]) -> Callable:
    def register(build: Callable) -> Callable:
        REFERENCES[name] = Reference(params, build)
        return build
    return register


def build_case(check: str, params: CaseParams, exercise_id: str, device: str) -> CaseData:
    seed = params.seed if params.seed is not None else zlib.crc32(f"{exercise_id}/{params.name}".encode())
    if device.startswith("cuda"):
        import torch

        # TF32 would round float32 convolutions and matmuls to 10 mantissa bits: no reference.
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
    return REFERENCES[check].build(params, np.random.default_rng(seed), device)


def call(fn: str, *args: object, outputs: tuple[str, ...]) -> dict:
    return {"fn": fn, "args": [{"$array": a[1:]} if isinstance(a, str) and a.startswith("$") else a for a in args],
            "outputs": list(outputs)}


def _torch(array: np.ndarray, device: str, *, grad: bool = False):  # noqa: ANN202
    import torch

    tensor = torch.from_numpy(np.ascontiguousarray(array)).to(device)
    return tensor.requires_grad_(grad)


def _numpy(tensor) -> np.ndarray:  # noqa: ANN001
    return tensor.detach().cpu().numpy().copy()  # torch may update the tensor in place later


# -- pooling ---------------------------------------------------------------------------------------

class PoolParams(CaseParams):
    shape: tuple[Positive, Positive, Positive, Positive]
    kernel: Pair
    stride: Positive
    ties: bool = False
    """Repeated values in a window: PyTorch routes the gradient to the first maximum in scan order."""

    @model_validator(mode="after")
    def _fits(self) -> PoolParams:
        if self.kernel[0] > self.shape[2] or self.kernel[1] > self.shape[3]:
            raise ValueError(f"kernel {list(self.kernel)} is larger than the input's H×W {list(self.shape[2:])}")
        return self


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
    xt = _torch(x, device, grad=True)
    pool = F.max_pool2d if kind == "max" else F.avg_pool2d
    out = pool(xt, params.kernel, params.stride)
    dout = rng.standard_normal(tuple(out.shape)).astype(params.dtype)
    (dx,) = __import__("torch").autograd.grad(out, xt, _torch(dout, device))
    name = f"{kind}pool2d"
    kernel = list(params.kernel)
    return CaseData(
        inputs={"x": x, "dout": dout},
        calls=[call(f"{name}_forward", "$x", kernel, params.stride, outputs=("out",)),
               call(f"{name}_backward", "$dout", "$x", kernel, params.stride, outputs=("dx",))],
        expected={"out": _numpy(out), "dx": _numpy(dx)},
    )


@reference("maxpool2d", PoolParams)
def maxpool2d(params: PoolParams, rng: np.random.Generator, device: str) -> CaseData:
    return _pool_case(params, rng, device, "max")


@reference("avgpool2d", PoolParams)
def avgpool2d(params: PoolParams, rng: np.random.Generator, device: str) -> CaseData:
    return _pool_case(params, rng, device, "avg")


# -- convolution -----------------------------------------------------------------------------------

class ConvParams(CaseParams):
    shape: tuple[Positive, Positive, Positive, Positive]
    weight: tuple[Positive, Positive, Positive, Positive]
    stride: Positive = 1
    padding: Annotated[int, Field(ge=0)] = 0
    bias: bool = True

    @model_validator(mode="after")
    def _fits(self) -> ConvParams:
        if self.weight[1] != self.shape[1]:
            raise ValueError(f"weight has {self.weight[1]} input channels but the input has {self.shape[1]}")
        for size, k in zip(self.shape[2:], self.weight[2:]):
            if size + 2 * self.padding < k:
                raise ValueError("the kernel is larger than the padded input")
        return self


@reference("conv2d", ConvParams)
def conv2d(params: ConvParams, rng: np.random.Generator, device: str) -> CaseData:
    import torch.nn.functional as F

    x = rng.standard_normal(params.shape).astype(params.dtype)
    w = rng.standard_normal(params.weight).astype(params.dtype)
    b = rng.standard_normal(params.weight[0]).astype(params.dtype)
    out = F.conv2d(_torch(x, device), _torch(w, device), _torch(b, device) if params.bias else None,
                   stride=params.stride, padding=params.padding)
    return CaseData(
        inputs={"x": x, "w": w, **({"b": b} if params.bias else {})},
        calls=[call("conv2d_forward", "$x", "$w", "$b" if params.bias else None, params.stride, params.padding,
                    outputs=("out",))],
        expected={"out": _numpy(out)},
    )


# -- normalisation ---------------------------------------------------------------------------------

class BatchNormParams(CaseParams):
    shape: Annotated[list[Positive], Field(min_length=2, max_length=4)]
    training: bool = True
    momentum: Annotated[float, Field(gt=0, le=1)] = 0.1
    eps: Annotated[float, Field(gt=0)] = 1e-5
    batches: Annotated[int, Field(ge=1, le=10)] = 1
    """Batches passed one after the other, each with the running statistics the last one returned."""


@reference("batchnorm", BatchNormParams)
def batchnorm(params: BatchNormParams, rng: np.random.Generator, device: str) -> CaseData:
    import torch.nn.functional as F

    channels = params.shape[1]
    gamma = rng.uniform(0.5, 1.5, channels).astype(params.dtype)
    beta = rng.standard_normal(channels).astype(params.dtype)
    running_mean = rng.standard_normal(channels).astype(params.dtype) * 0.1
    running_var = rng.uniform(0.5, 2.0, channels).astype(params.dtype)
    inputs = {"gamma": gamma, "beta": beta, "running_mean0": running_mean, "running_var0": running_var}
    mean_t, var_t = _torch(running_mean.copy(), device), _torch(running_var.copy(), device)
    calls, expected = [], {}
    for step in range(params.batches):
        x = (rng.standard_normal(params.shape) * 2 + 3).astype(params.dtype)
        inputs[f"x{step}"] = x
        out = F.batch_norm(_torch(x, device), mean_t, var_t, _torch(gamma, device), _torch(beta, device),
                           training=params.training, momentum=params.momentum, eps=params.eps)
        names = (f"out{step}", f"running_mean{step + 1}", f"running_var{step + 1}")
        calls.append(call("batchnorm_forward", f"$x{step}", "$gamma", "$beta", f"$running_mean{step}",
                          f"$running_var{step}", params.training, params.momentum, params.eps, outputs=names))
        expected.update(zip(names, (_numpy(out), _numpy(mean_t), _numpy(var_t))))
    return CaseData(inputs=inputs, calls=calls, expected=expected)


# -- losses ----------------------------------------------------------------------------------------

class SmoothL1Params(CaseParams):
    shape: Annotated[list[Positive], Field(min_length=1, max_length=4)]
    sigma: Annotated[float, Field(gt=0)] = 1.0
    boundary: bool = False
    """Put some differences exactly at ±1/σ², where the two pieces meet."""


@reference("smooth_l1", SmoothL1Params)
def smooth_l1(params: SmoothL1Params, rng: np.random.Generator, device: str) -> CaseData:
    import torch
    import torch.nn.functional as F

    beta = 1.0 / params.sigma**2
    target = rng.standard_normal(params.shape)
    diff = rng.standard_normal(params.shape) * 2 * beta
    if params.boundary:
        # Quarter-integer targets and ±beta steps are exact in binary when 1/σ² is (σ = 1, 2, 4 …).
        target = np.round(target * 4) / 4
        diff.reshape(-1)[::3] = beta * np.where(diff.reshape(-1)[::3] < 0, -1, 1)
    target = target.astype(params.dtype)
    pred = (target + diff).astype(params.dtype)
    pred_t = _torch(pred, device, grad=True)
    # Faster R-CNN's sigma form equals PyTorch's beta form with beta = 1/sigma².
    loss = F.smooth_l1_loss(pred_t, _torch(target, device), beta=beta, reduction="none")
    (grad,) = torch.autograd.grad(loss.sum(), pred_t)
    return CaseData(
        inputs={"pred": pred, "target": target},
        calls=[call("smooth_l1", "$pred", "$target", params.sigma, outputs=("loss",)),
               call("smooth_l1_grad", "$pred", "$target", params.sigma, outputs=("grad",))],
        expected={"loss": _numpy(loss), "grad": _numpy(grad)},
    )


# -- optimisation ----------------------------------------------------------------------------------

class RootByGradientDescentParams(CaseParams):
    poly: Annotated[list[float], Field(min_length=2)]
    """Coefficients, highest power first (as numpy.polyval takes them)."""
    x0: float
    lr: Annotated[float, Field(gt=0)]
    iters: Annotated[int, Field(ge=1, le=100_000)]


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
        expected={"x": _numpy(x)},
        # Forward differences (as in the notes) move each step by ~1e-8; the root itself does not move.
        tolerance={"x": (0.0, 1e-6)},
    )
