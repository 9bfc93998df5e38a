"""Comparing the learner's arrays with the reference's, in words a learner can act on."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# (rtol, atol) per dtype: torch.testing's float64 defaults; float32 a little looser, because a loop
# in NumPy sums in a different order from PyTorch's kernels. CUDA kernels get ten times more.
TOLERANCES = {"float64": (1e-7, 1e-7), "float32": (1e-5, 1e-5)}
DEVICE_FACTOR = {"cpu": 1.0, "cuda": 10.0}


@dataclass(frozen=True)
class Comparison:
    passed: bool
    message: str
    max_abs_err: float | None = None
    max_rel_err: float | None = None


def tolerance_for(dtype: np.dtype, device: str) -> tuple[float, float]:
    rtol, atol = TOLERANCES.get(np.dtype(dtype).name, TOLERANCES["float32"])
    factor = DEVICE_FACTOR.get(device.split(":")[0], 10.0)
    return rtol * factor, atol * factor


def compare(name: str, got: np.ndarray, expected: np.ndarray, rtol: float, atol: float) -> Comparison:
    """Equal within `atol + rtol·|expected|` where the expected value is finite; exactly equal
    (the same signed infinity, or NaN for NaN) where it is not. A tolerance is no use there:
    `rtol·inf` is inf, which would accept any value at all."""
    if got.shape != expected.shape:
        return Comparison(False, f"{name}: shape {_shape(got)}, expected {_shape(expected)}")
    if got.dtype != expected.dtype:
        hint = _dtype_hint(got.dtype, expected.dtype)
        return Comparison(
            False, f"{name}: dtype {got.dtype}, expected {expected.dtype}" + (f" ({hint})" if hint else "")
        )
    if (got == expected).all():  # the usual pass, at a twentieth of the cost (NaN never equals)
        return Comparison(True, f"{name}: ok", 0.0, 0.0)
    got64, expected64 = got.astype(np.float64), expected.astype(np.float64)
    finite = np.isfinite(expected64)
    same = (got64 == expected64) | (np.isnan(got64) & np.isnan(expected64))
    with np.errstate(invalid="ignore", over="ignore"):
        abs_err = np.where(same, 0.0, np.abs(got64 - expected64))
    abs_err = np.where(np.isnan(abs_err), np.inf, abs_err)  # NaN where a number was expected, or the reverse
    with np.errstate(divide="ignore", invalid="ignore"):
        rel_err = np.where(abs_err == 0, 0.0, abs_err / np.abs(expected64))
    rel_err = np.where(same | finite, rel_err, np.inf)  # inf/inf or NaN/NaN would say NaN: it is a miss
    max_abs = float(abs_err.max()) if abs_err.size else 0.0
    max_rel = float(rel_err.max()) if rel_err.size else 0.0
    bad = ~same & (~finite | (abs_err > atol + rtol * np.abs(np.where(finite, expected64, 0.0))))
    count = int(bad.sum())
    if count == 0:
        return Comparison(True, f"{name}: ok", max_abs, max_rel)
    first = tuple(int(i) for i in np.argwhere(bad)[0])
    where = "[" + ", ".join(map(str, first)) + "]"
    message = (
        f"{name}: {count} of {bad.size} values differ; first at {where}: got {got64[first]:.6g}, "
        f"expected {expected64[first]:.6g} (max abs err {max_abs:.3g}, max rel err {max_rel:.3g}; "
        f"allowed {atol:g} + {rtol:g}·|expected|)"
    )
    return Comparison(False, message, max_abs, max_rel)


def _dtype_hint(got: np.dtype, expected: np.dtype) -> str | None:
    """What the dtype mismatch usually means, when the two kinds say it."""
    if got == np.float64 and expected == np.float32:
        return "new arrays default to float64: pass dtype=x.dtype"
    if expected.kind in "iu" and got.kind == "f":
        return f"expected integers (e.g. indices): convert with .astype(np.{expected.name})"
    if expected.kind == "f" and got.kind in "iu":
        return "integer arithmetic somewhere? compute in x.dtype"
    return None


def _shape(array: np.ndarray) -> str:
    return "(" + ", ".join(map(str, array.shape)) + ("," if array.ndim == 1 else "") + ")"
