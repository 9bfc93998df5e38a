"""Detection: sigmoid focal loss, RoI Pool (quantised) and CenterNet decoding, in plain torch
after torchvision's formula and CPU kernel and CenterNet's own decoder (torchvision is optional)."""

from __future__ import annotations

import math

import numpy as np

from quizapp.exercises.params.detection import CenterNetParams, FocalLossParams, RoiPoolParams
from quizapp.exercises.references.base import (
    CaseData,
    as_array,
    as_tensor,
    call,
    reference,
)

# -- focal loss ------------------------------------------------------------------------------------


@reference("sigmoid_focal_loss", FocalLossParams)
def sigmoid_focal_loss(params: FocalLossParams, rng: np.random.Generator, device: str) -> CaseData:
    """torchvision.ops.sigmoid_focal_loss(reduction="none"), written out."""
    import torch
    import torch.nn.functional as F

    logits = (rng.standard_normal(params.shape) * params.scale).astype(params.dtype)
    targets = (rng.uniform(size=params.shape) < 0.3).astype(params.dtype)
    x, t = as_tensor(logits, device), as_tensor(targets, device)
    p = torch.sigmoid(x)
    ce = F.binary_cross_entropy_with_logits(x, t, reduction="none")
    p_t = p * t + (1 - p) * (1 - t)
    loss = ce * (1 - p_t) ** params.gamma
    if params.alpha >= 0:
        loss = (params.alpha * t + (1 - params.alpha) * (1 - t)) * loss
    return CaseData(
        inputs={"logits": logits, "targets": targets},
        calls=[
            call("sigmoid_focal_loss", "$logits", "$targets", params.alpha, params.gamma, outputs=("loss",))
        ],
        expected={"loss": as_array(loss)},
    )


# -- RoI Pool --------------------------------------------------------------------------------------


def _c_round(value: float) -> int:
    """C's round(): halves away from zero (Python's round() and np.round go to the even one)."""
    return math.floor(value + 0.5) if value >= 0 else -math.floor(-value + 0.5)


@reference("roi_pool", RoiPoolParams)
def roi_pool(params: RoiPoolParams, rng: np.random.Generator, device: str) -> CaseData:
    """torchvision.ops.roi_pool (its CPU kernel), in plain torch: corners rounded to the feature
    grid, bins floored/ceiled, clipped to the map; an empty bin is 0."""
    import torch

    features = rng.standard_normal(params.shape).astype(params.dtype)
    rois = np.array(params.rois, dtype=params.dtype)
    fmap = as_tensor(features, device)
    height, width = params.shape[2:]
    out_h, out_w = params.output_size
    out = torch.zeros((len(rois), params.shape[1], out_h, out_w), dtype=fmap.dtype, device=device)
    scale = np.dtype(params.dtype).type(params.spatial_scale)
    for k, roi in enumerate(rois):
        batch = int(roi[0])
        x1, y1, x2, y2 = (_c_round(float(value * scale)) for value in roi[1:])  # the product in the dtype
        roi_w, roi_h = max(x2 - x1 + 1, 1), max(y2 - y1 + 1, 1)
        bin_h, bin_w = roi_h / out_h, roi_w / out_w
        for ph in range(out_h):
            h_start = min(max(math.floor(ph * bin_h) + y1, 0), height)
            h_end = min(max(math.ceil((ph + 1) * bin_h) + y1, 0), height)
            for pw in range(out_w):
                w_start = min(max(math.floor(pw * bin_w) + x1, 0), width)
                w_end = min(max(math.ceil((pw + 1) * bin_w) + x1, 0), width)
                if h_end > h_start and w_end > w_start:
                    out[k, :, ph, pw] = fmap[batch, :, h_start:h_end, w_start:w_end].amax(dim=(1, 2))
    return CaseData(
        inputs={"features": np.asfortranarray(features) if params.fortran else features, "rois": rois},
        calls=[
            call(
                "roi_pool",
                "$features",
                "$rois",
                list(params.output_size),
                params.spatial_scale,
                outputs=("out",),
            )
        ],
        expected={"out": as_array(out)},
    )


# -- CenterNet decoding ----------------------------------------------------------------------------


@reference("centernet_decode", CenterNetParams)
def centernet_decode(params: CenterNetParams, rng: np.random.Generator, device: str) -> CaseData:
    """CenterNet's `ctdet_decode`: peaks by a 3×3 max-pool, the top k over classes × pixels, plus
    the sub-pixel offset and the size at each peak. Equal scores: the lower flat index first."""
    import torch.nn.functional as F

    n, c, (h, w) = params.batch, params.classes, params.size
    heat = (1 / (1 + np.exp(-rng.standard_normal((n, c, h, w)) * 2))).astype(params.dtype)
    if params.plateau:
        for b in range(n):
            flat = int(np.argmax(heat[b]))
            cls, y, x = (int(i) for i in np.unravel_index(flat, (c, h, w)))
            neighbour = (y, x + 1) if x + 1 < w else (y, x - 1)
            heat[b, cls, neighbour[0], neighbour[1]] = heat[b, cls, y, x]
    wh = rng.uniform(1, 8, (n, 2, h, w)).astype(params.dtype)
    offset = rng.uniform(0, 1, (n, 2, h, w)).astype(params.dtype)
    heat_t = as_tensor(heat, device)
    peaks = heat_t * (F.max_pool2d(heat_t, 3, stride=1, padding=1) == heat_t)
    scored: np.ndarray = as_array(peaks).reshape(n, -1)
    order = np.argsort(-scored, axis=1, kind="stable")[:, : params.k]  # ties: lower index first
    scores = np.take_along_axis(scored, order, axis=1)
    classes, pixel = order // (h * w), order % (h * w)
    ys, xs = pixel // w, pixel % w
    batch = np.arange(n)[:, None]
    cx = xs + offset[batch, 0, ys, xs]
    cy = ys + offset[batch, 1, ys, xs]
    half_w, half_h = wh[batch, 0, ys, xs] / 2, wh[batch, 1, ys, xs] / 2
    boxes = np.stack([cx - half_w, cy - half_h, cx + half_w, cy + half_h], axis=-1).astype(params.dtype)
    return CaseData(
        inputs={
            name: np.asfortranarray(array) if params.fortran else array
            for name, array in {"heat": heat, "wh": wh, "offset": offset}.items()
        },
        calls=[
            call(
                "centernet_decode",
                "$heat",
                "$wh",
                "$offset",
                params.k,
                outputs=("scores", "classes", "boxes"),
            )
        ],
        expected={"scores": scores.astype(params.dtype), "classes": classes.astype(np.int64), "boxes": boxes},
    )
