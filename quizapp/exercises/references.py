"""PyTorch references: for each case, the inputs, the calls to make, and the expected outputs.

A reference runs in the trusted process only. Inputs come from NumPy's seeded generator, so a case
has the same numbers on every device; expected outputs come from `torch.nn.functional` (forward)
and autograd (backward) on the chosen device. torch is imported here lazily, never at start-up.

Each reference declares its case fields as a pydantic model, so a typo in an exercise file is a
`file:line:col` problem, not a crash in the middle of a check.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any, ClassVar, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

MAX_DIMENSION = 4096
MAX_ELEMENTS = 1 << 22
"""Cases come from exercise files, which anyone may write: a shape is capped before torch allocates it."""
Positive = Annotated[int, Field(ge=1, le=MAX_DIMENSION)]
Pair = tuple[Positive, Positive]


class CaseParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9._-]*$")]
    dtype: Literal["float32", "float64"] = "float64"
    seed: int | None = None

    SIZE_FIELDS: ClassVar[tuple[str, ...]] = ()
    """Integer fields whose product is the size of an input, checked like a shape."""

    @model_validator(mode="after")
    def _not_too_large(self) -> CaseParams:
        sizes = [(name, list(value)) for name, value in self
                 if isinstance(value, (list, tuple)) and len(value) > 1 and all(isinstance(v, int) for v in value)]
        if self.SIZE_FIELDS:
            sizes.append((" × ".join(self.SIZE_FIELDS), [getattr(self, field) for field in self.SIZE_FIELDS]))
        for name, dims in sizes:
            if math.prod(dims) > MAX_ELEMENTS:
                raise ValueError(f"{name} {dims} has {math.prod(dims):,} elements; at most {MAX_ELEMENTS:,}")
        return self

    def shown(self) -> dict:
        """The parameters as the learner sees them next to the case's name."""
        shown = self.model_dump(mode="json", exclude={"name", "seed", "dtype"}, exclude_defaults=True)
        return {**shown, "dtype": self.dtype}


@dataclass
class CaseData:
    inputs: dict[str, np.ndarray]
    calls: list[dict]
    expected: dict[str, np.ndarray | dict]
    """Arrays, or DataFrame/Series payloads (`frames.frame_payload`)."""
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
    # ∂(Σ out·dout)/∂x is the backward pass for upstream gradient dout. Passing dout as grad_outputs
    # instead would make torch import its symbolic-shape machinery (sympy, ~0.45 s) on first use.
    (dx,) = __import__("torch").autograd.grad((out * _torch(dout, device)).sum(), xt)
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
        expected={"x": _numpy(x)},
        # Forward differences (as in the notes) move each step by ~1e-8; the root itself does not move.
        tolerance={"x": (0.0, 1e-6)},
    )


# -- softmax, layer norm, RNN ----------------------------------------------------------------------

class SoftmaxParams(CaseParams):
    shape: Annotated[list[Positive], Field(min_length=1, max_length=3)]
    temperature: Annotated[float, Field(gt=0)] = 1.0
    axis: int = -1
    scale: Annotated[float, Field(gt=0)] = 1.0
    """Logits are standard normal times this: 1000 makes a naive exp overflow."""
    offset: float = 0.0
    minus_inf: bool = False
    """Set some logits (never a whole row) to -inf: those classes must get probability 0."""


@reference("softmax", SoftmaxParams)
def softmax(params: SoftmaxParams, rng: np.random.Generator, device: str) -> CaseData:
    import torch

    x = rng.standard_normal(params.shape) * params.scale + params.offset
    if params.minus_inf:
        moved = np.moveaxis(x, params.axis, -1)
        moved[..., 0] = -np.inf  # a view: x changes too; the other entries of each row stay finite
    x = x.astype(params.dtype)
    out = torch.softmax(_torch(x, device) / params.temperature, dim=params.axis)
    return CaseData(inputs={"x": x}, calls=[call("softmax", "$x", params.temperature, params.axis, outputs=("p",))],
                    expected={"p": _numpy(out)})


class LayerNormParams(CaseParams):
    shape: Annotated[list[Positive], Field(min_length=2, max_length=4)]
    normalized_dims: Annotated[int, Field(ge=1, le=3)] = 1
    eps: Annotated[float, Field(gt=0)] = 1e-5


@reference("layernorm", LayerNormParams)
def layernorm(params: LayerNormParams, rng: np.random.Generator, device: str) -> CaseData:
    import torch.nn.functional as F

    normalized = params.shape[-params.normalized_dims:]
    x = (rng.standard_normal(params.shape) * 3 + 1).astype(params.dtype)
    gamma = rng.uniform(0.5, 1.5, normalized).astype(params.dtype)
    beta = rng.standard_normal(normalized).astype(params.dtype)
    out = F.layer_norm(_torch(x, device), list(normalized), _torch(gamma, device), _torch(beta, device), params.eps)
    return CaseData(inputs={"x": x, "gamma": gamma, "beta": beta},
                    calls=[call("layernorm_forward", "$x", "$gamma", "$beta", params.eps, outputs=("out",))],
                    expected={"out": _numpy(out)})


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
        for name, torch_name in (("W_ih", "weight_ih_l0"), ("W_hh", "weight_hh_l0"), ("b_ih", "bias_ih_l0"),
                                 ("b_hh", "bias_hh_l0")):
            getattr(rnn, torch_name).copy_(_torch(weights[name], device))
        out, h_n = rnn(_torch(x, device), _torch(h0[None], device) if params.h0 else None)
    inputs = {"x": x, **weights, **({"h0": h0} if params.h0 else {})}
    return CaseData(
        inputs=inputs,
        calls=[call("rnn_forward", "$x", "$h0" if params.h0 else None, "$W_ih", "$W_hh", "$b_ih", "$b_hh",
                    outputs=("outputs", "h_last"))],
        expected={"outputs": _numpy(out), "h_last": _numpy(h_n[0])},
    )


class TripletParams(CaseParams):
    SIZE_FIELDS = ("batch", "dim")
    batch: Positive
    dim: Positive
    margin: Annotated[float, Field(gt=0)] = 1.0
    easy: bool = False
    """Negatives far away: many losses are exactly 0 (the hinge is inactive)."""


@reference("triplet_loss", TripletParams)
def triplet_loss(params: TripletParams, rng: np.random.Generator, device: str) -> CaseData:
    import torch.nn.functional as F

    shape = (params.batch, params.dim)
    anchor = rng.standard_normal(shape)
    positive = anchor + rng.standard_normal(shape) * 0.5
    negative = anchor + rng.standard_normal(shape) * (5.0 if params.easy else 0.7)
    arrays = {name: value.astype(params.dtype) for name, value in
              (("anchor", anchor), ("positive", positive), ("negative", negative))}
    loss = F.triplet_margin_loss(*(_torch(arrays[n], device) for n in ("anchor", "positive", "negative")),
                                 margin=params.margin, p=2, reduction="none")
    return CaseData(
        inputs=arrays,
        calls=[call("triplet_loss", "$anchor", "$positive", "$negative", params.margin, outputs=("loss",))],
        expected={"loss": _numpy(loss)},
        # PyTorch measures ‖a − p + 1e-6‖: a learner's exact norm may differ by ~1e-6·√dim.
        tolerance={"loss": (1e-5, 1e-5 * max(1.0, np.sqrt(params.dim)))},
    )


# -- boxes -----------------------------------------------------------------------------------------

class BoxParams(CaseParams):
    SIZE_FIELDS = ("n", "m")
    n: Positive
    m: Positive = 1
    layout: Literal["random", "disjoint", "nested", "touching", "identical", "at-threshold"] = "random"
    """For NMS, "at-threshold" is a pair whose IoU equals the threshold exactly (0.5): both stay."""
    iou_threshold: Annotated[float, Field(ge=0, le=1)] = 0.5


def _boxes(count: int, rng: np.random.Generator, dtype: str) -> np.ndarray:
    corner = rng.uniform(0, 50, (count, 2))
    size = rng.uniform(5, 30, (count, 2))
    return np.concatenate([corner, corner + size], axis=1).astype(dtype)


def _box_pairs(params: BoxParams, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    a = _boxes(params.n, rng, params.dtype)
    if params.layout == "random":
        return a, _boxes(params.m, rng, params.dtype)
    first = a[:1].repeat(params.m, axis=0).astype(np.float64)
    width = first[:, 2] - first[:, 0]
    if params.layout == "disjoint":
        b = first + np.array([1, 0, 1, 0]) * (width[:, None] + rng.uniform(1, 10, (params.m, 1)))
    elif params.layout == "nested":
        shrink = rng.uniform(0.1, 0.4, (params.m, 1)) * width[:, None]
        b = first + np.concatenate([shrink, shrink, -shrink, -shrink], axis=1)
    elif params.layout == "touching":  # shares an edge: intersection area exactly 0
        b = first + np.array([1, 0, 1, 0]) * width[:, None]
    else:  # identical (and at-threshold, which only NMS uses)
        b = first
    return a, b.astype(params.dtype)


def _torch_box_iou(a, b):  # noqa: ANN001, ANN202 - torchvision.ops.box_iou, in plain torch
    import torch

    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    top_left = torch.maximum(a[:, None, :2], b[None, :, :2])
    bottom_right = torch.minimum(a[:, None, 2:], b[None, :, 2:])
    wh = (bottom_right - top_left).clamp(min=0)
    inter = wh[..., 0] * wh[..., 1]
    union = area_a[:, None] + area_b[None, :] - inter
    return inter / union, union


@reference("box_iou", BoxParams)
def box_iou(params: BoxParams, rng: np.random.Generator, device: str) -> CaseData:
    """torchvision.ops.box_iou and generalized_box_iou, written out (torchvision is optional here)."""
    import torch

    a, b = _box_pairs(params, rng)
    at, bt = _torch(a, device), _torch(b, device)
    iou, union = _torch_box_iou(at, bt)
    enclosing = torch.maximum(at[:, None, 2:], bt[None, :, 2:]) - torch.minimum(at[:, None, :2], bt[None, :, :2])
    area_c = enclosing[..., 0] * enclosing[..., 1]
    giou = iou - (area_c - union) / area_c
    return CaseData(inputs={"a": a, "b": b},
                    calls=[call("box_iou", "$a", "$b", outputs=("iou",)),
                           call("generalized_box_iou", "$a", "$b", outputs=("giou",))],
                    expected={"iou": _numpy(iou), "giou": _numpy(giou)})


@reference("nms", BoxParams)
def nms(params: BoxParams, rng: np.random.Generator, device: str) -> CaseData:
    """torchvision.ops.nms, written out: greedy, highest score first, drops IoU > threshold."""
    import torch

    if params.layout == "at-threshold":  # IoU([0,0,2,1], [0,0,1,1]) = 1/2 exactly: not suppressed
        boxes = np.array([[0, 0, 2, 1], [0, 0, 1, 1], [10, 10, 12, 12]], dtype=params.dtype)
        scores = np.array([0.9, 0.8, 0.7], dtype=params.dtype)
    else:
        centres = rng.uniform(0, 40, (max(1, params.n // 3), 2))
        jitter = rng.normal(0, 3, (params.n, 2))
        corner = centres[rng.integers(0, len(centres), params.n)] + jitter
        size = rng.uniform(10, 20, (params.n, 2))
        boxes = np.concatenate([corner, corner + size], axis=1).astype(params.dtype)
        scores = rng.permutation(params.n).astype(params.dtype) / params.n + 0.01  # distinct scores
    bt = _torch(boxes, device)
    order = torch.argsort(_torch(scores, device), descending=True)
    keep: list[int] = []
    suppressed = torch.zeros(len(boxes), dtype=torch.bool, device=device)
    iou = _torch_box_iou(bt, bt)[0]
    for index in order.tolist():
        if suppressed[index]:
            continue
        keep.append(index)
        suppressed |= iou[index] > params.iou_threshold
    return CaseData(inputs={"boxes": boxes, "scores": scores},
                    calls=[call("nms", "$boxes", "$scores", params.iou_threshold, outputs=("keep",))],
                    expected={"keep": np.array(keep, dtype=np.int64)})


# -- more convolutions and resizing ----------------------------------------------------------------

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


@reference("conv_transpose2d", ConvTransposeParams)
def conv_transpose2d(params: ConvTransposeParams, rng: np.random.Generator, device: str) -> CaseData:
    import torch.nn.functional as F

    x = rng.standard_normal(params.shape).astype(params.dtype)
    w = rng.standard_normal(params.weight).astype(params.dtype)
    b = rng.standard_normal(params.weight[1]).astype(params.dtype)
    out = F.conv_transpose2d(_torch(x, device), _torch(w, device), _torch(b, device) if params.bias else None,
                             stride=params.stride, padding=params.padding, output_padding=params.output_padding)
    return CaseData(
        inputs={"x": x, "w": w, **({"b": b} if params.bias else {})},
        calls=[call("conv_transpose2d", "$x", "$w", "$b" if params.bias else None, params.stride, params.padding,
                    params.output_padding, outputs=("out",))],
        expected={"out": _numpy(out)},
    )


class DepthwiseSeparableParams(CaseParams):
    shape: tuple[Positive, Positive, Positive, Positive]
    out_channels: Positive
    kernel: Positive = 3
    stride: Positive = 1
    padding: Annotated[int, Field(ge=0)] = 0


@reference("depthwise_separable", DepthwiseSeparableParams)
def depthwise_separable(params: DepthwiseSeparableParams, rng: np.random.Generator, device: str) -> CaseData:
    import torch.nn.functional as F

    channels = params.shape[1]
    x = rng.standard_normal(params.shape).astype(params.dtype)
    w_dw = rng.standard_normal((channels, 1, params.kernel, params.kernel)).astype(params.dtype)
    w_pw = rng.standard_normal((params.out_channels, channels, 1, 1)).astype(params.dtype)
    depthwise = F.conv2d(_torch(x, device), _torch(w_dw, device), stride=params.stride, padding=params.padding,
                         groups=channels)
    out = F.conv2d(depthwise, _torch(w_pw, device))
    return CaseData(inputs={"x": x, "w_dw": w_dw, "w_pw": w_pw},
                    calls=[call("depthwise_separable", "$x", "$w_dw", "$w_pw", params.stride, params.padding,
                                outputs=("out",))],
                    expected={"out": _numpy(out)})


class ResizeParams(CaseParams):
    shape: tuple[Positive, Positive, Positive, Positive]
    size: Pair
    align_corners: bool = False


@reference("bilinear_resize", ResizeParams)
def bilinear_resize(params: ResizeParams, rng: np.random.Generator, device: str) -> CaseData:
    import torch.nn.functional as F

    x = rng.standard_normal(params.shape).astype(params.dtype)
    out = F.interpolate(_torch(x, device), size=tuple(params.size), mode="bilinear", align_corners=params.align_corners)
    return CaseData(inputs={"x": x},
                    calls=[call("resize_bilinear", "$x", list(params.size), params.align_corners, outputs=("out",))],
                    expected={"out": _numpy(out)})


# -- pandas ----------------------------------------------------------------------------------------

class WineParams(CaseParams):
    rows: Annotated[int, Field(ge=1, le=200)]
    missing: bool = False
    """Some prices and some countries missing."""
    countries: list[str] = ["Italy", "France"]
    last_label: Annotated[int, Field(ge=0)] = 2


_COUNTRIES = ["Italy", "France", "Spain", "US", "Chile", "Portugal"]


@reference("pandas_wine", WineParams)
def pandas_wine(params: WineParams, rng: np.random.Generator, device: str) -> CaseData:
    """The reference is pandas itself (on the CPU whatever the device)."""
    import pandas as pd

    from quizapp.exercises.frames import frame_payload, make_frame

    del device
    country = [str(c) for c in rng.choice(_COUNTRIES, params.rows)]
    price = [round(float(p), 2) for p in rng.uniform(5, 200, params.rows)]
    if params.missing:
        for i in range(0, params.rows, 4):
            price[i] = None
        for i in range(1, params.rows, 5):
            country[i] = None
    columns = {"country": country, "points": [int(p) for p in rng.integers(80, 101, params.rows)], "price": price}
    df = make_frame(columns)
    frame = {"$frame": columns}
    return CaseData(
        inputs={},
        calls=[
            call("select_countries", frame, params.countries, outputs=("selected",)),
            call("first_rows", frame, params.last_label, outputs=("first",)),
            call("mean_points_by_country", frame, outputs=("mean_points",)),
            call("fill_missing_prices", frame, outputs=("filled",)),
            call("country_dummies", frame, outputs=("dummies",)),
        ],
        expected={
            "selected": frame_payload(df.loc[df.country.isin(params.countries)]),
            "first": frame_payload(df.loc[: params.last_label, ["country", "points"]]),
            "mean_points": frame_payload(df.groupby("country").points.mean()),
            "filled": frame_payload(df.fillna({"price": df.price.median()})),
            "dummies": frame_payload(pd.get_dummies(df.country, dummy_na=True)),
        },
    )


# -- RoI Align -------------------------------------------------------------------------------------

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


@reference("roi_align", RoiAlignParams)
def roi_align(params: RoiAlignParams, rng: np.random.Generator, device: str) -> CaseData:
    """torchvision.ops.roi_align (its CPU kernel, sample by sample), in plain torch."""
    import torch

    features = rng.standard_normal(params.shape).astype(params.dtype)
    rois = np.array(params.rois, dtype=params.dtype)
    fmap = _torch(features, device)
    height, width = params.shape[2:]
    out_h, out_w = params.output_size
    offset = 0.5 if params.aligned else 0.0
    grid = params.sampling_ratio
    out = torch.zeros((len(rois), params.shape[1], out_h, out_w), dtype=fmap.dtype, device=device)

    def sample(batch: int, y: float, x: float):  # noqa: ANN202
        if y < -1.0 or y > height or x < -1.0 or x > width:
            return 0
        y, x = max(y, 0.0), max(x, 0.0)
        y_low, x_low = int(y), int(x)
        if y_low >= height - 1:
            y_high = y_low = height - 1
            y = float(y_low)
        else:
            y_high = y_low + 1
        if x_low >= width - 1:
            x_high = x_low = width - 1
            x = float(x_low)
        else:
            x_high = x_low + 1
        ly, lx = y - y_low, x - x_low
        m = fmap[batch]
        return ((1 - ly) * (1 - lx) * m[:, y_low, x_low] + (1 - ly) * lx * m[:, y_low, x_high]
                + ly * (1 - lx) * m[:, y_high, x_low] + ly * lx * m[:, y_high, x_high])

    for k, (batch, *box) in enumerate(rois.astype(np.float64).tolist()):
        x1, y1, x2, y2 = (value * params.spatial_scale - offset for value in box)
        roi_w, roi_h = x2 - x1, y2 - y1
        if not params.aligned:  # torchvision forces malformed RoIs to be 1×1
            roi_w, roi_h = max(roi_w, 1.0), max(roi_h, 1.0)
        bin_h, bin_w = roi_h / out_h, roi_w / out_w
        for ph in range(out_h):
            for pw in range(out_w):
                total = 0
                for iy in range(grid):
                    y = y1 + ph * bin_h + (iy + 0.5) * bin_h / grid
                    for ix in range(grid):
                        total = total + sample(int(batch), y, x1 + pw * bin_w + (ix + 0.5) * bin_w / grid)
                out[k, :, ph, pw] = total / (grid * grid)
    return CaseData(
        inputs={"features": features, "rois": rois},
        calls=[call("roi_align", "$features", "$rois", list(params.output_size), params.spatial_scale,
                    params.sampling_ratio, params.aligned, outputs=("out",))],
        expected={"out": _numpy(out)},
    )
