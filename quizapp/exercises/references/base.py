"""What every reference shares: case fields, the case data, the registry, and torch ⇄ NumPy.

PyTorch references: for each case, the inputs, the calls to make, and the expected outputs.

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
        sizes = [
            (name, list(value))
            for name, value in self
            if isinstance(value, (list, tuple)) and len(value) > 1 and all(isinstance(v, int) for v in value)
        ]
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
    return {
        "fn": fn,
        "args": [{"$array": a[1:]} if isinstance(a, str) and a.startswith("$") else a for a in args],
        "outputs": list(outputs),
    }


def as_tensor(array: np.ndarray, device: str, *, grad: bool = False):
    import torch

    tensor = torch.from_numpy(np.ascontiguousarray(array)).to(device)
    return tensor.requires_grad_(grad)


def as_array(tensor) -> np.ndarray:
    return tensor.detach().cpu().numpy().copy()  # torch may update the tensor in place later
