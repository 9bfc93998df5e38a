"""What every reference shares: case fields, the case data, the registry, and torch ⇄ NumPy.

PyTorch references: for each case, the inputs, the calls to make, and the expected outputs.

A reference runs in the trusted process only. Inputs come from NumPy's seeded generator, so a case
has the same numbers on every device; expected outputs come from `torch.nn.functional` (forward)
and autograd (backward) on the chosen device. torch is imported here lazily, never at start-up.

Each reference declares its case fields as a pydantic model, so a typo in an exercise file is a
`file:line:col` problem, not a crash in the middle of a check.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from quizapp.exercises.cases import CaseData
from quizapp.exercises.params import PARAMS
from quizapp.exercises.params.base import CaseParams


@dataclass(frozen=True)
class Reference:
    params: type[CaseParams]
    build: Callable[[Any, np.random.Generator, str], CaseData]


REFERENCES: dict[str, Reference] = {}


def reference(name: str, params: type[CaseParams]) -> Callable:
    if PARAMS.get(name) is not params:
        raise TypeError(f"reference {name!r}: its case fields must be params.PARAMS[{name!r}]")

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
