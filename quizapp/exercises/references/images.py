"""Images: morphology as max-pool compositions, and Swin's patch merging and cyclic shift."""

from __future__ import annotations

import numpy as np

from quizapp.exercises.params.images import MorphologyParams, PatchMergingParams
from quizapp.exercises.references.base import (
    CaseData,
    as_array,
    as_tensor,
    call,
    reference,
)


@reference("morphology", MorphologyParams)
def morphology(params: MorphologyParams, rng: np.random.Generator, device: str) -> CaseData:
    """Dilation = max over the k×k window (F.max_pool2d, stride 1, padding k//2, which pads with
    -inf); erosion = -dilation(-x); opening = dilate(erode(x)); closing = erode(dilate(x))."""
    import torch.nn.functional as F

    if params.values == "binary":
        x = (rng.uniform(size=params.shape) < 0.6).astype(params.dtype)
    else:
        x = rng.standard_normal(params.shape).astype(params.dtype)
    k = params.kernel

    def dilate(t):
        return F.max_pool2d(t, k, stride=1, padding=k // 2)

    def erode(t):
        return -dilate(-t)

    xt = as_tensor(x, device)
    results = {
        "dilated": dilate(xt),
        "eroded": erode(xt),
        "opened": dilate(erode(xt)),
        "closed": erode(dilate(xt)),
    }
    names = {"dilated": "dilate", "eroded": "erode", "opened": "opening", "closed": "closing"}
    return CaseData(
        inputs={"x": np.asfortranarray(x) if params.fortran else x},
        calls=[call(fn, "$x", k, outputs=(output,)) for output, fn in names.items()],
        expected={name: as_array(value) for name, value in results.items()},
    )


@reference("swin_patch_merging", PatchMergingParams)
def swin_patch_merging(params: PatchMergingParams, rng: np.random.Generator, device: str) -> CaseData:
    """Swin's PatchMerging (before its LayerNorm and Linear) and the shifted window's torch.roll."""
    import torch

    b, (h, w), c = params.batch, params.size, params.channels
    x = rng.standard_normal((b, h * w, c)).astype(params.dtype)
    grid = as_tensor(x, device).view(b, h, w, c)
    parts = [grid[:, 0::2, 0::2], grid[:, 1::2, 0::2], grid[:, 0::2, 1::2], grid[:, 1::2, 1::2]]
    merged = torch.cat(parts, dim=-1).view(b, (h // 2) * (w // 2), 4 * c)
    image = rng.standard_normal((b, h, w, c)).astype(params.dtype)
    shifted = torch.roll(as_tensor(image, device), shifts=(-params.shift, -params.shift), dims=(1, 2))
    return CaseData(
        inputs={
            "x": np.asfortranarray(x) if params.fortran else x,
            "image": np.asfortranarray(image) if params.fortran else image,
        },
        calls=[
            call("patch_merging", "$x", h, w, outputs=("merged",)),
            call("cyclic_shift", "$image", params.shift, outputs=("shifted",)),
        ],
        expected={"merged": as_array(merged), "shifted": as_array(shifted)},
    )
