"""Boxes: IoU/GIoU, NMS and RoI Align, written out after torchvision's CPU kernels
(torchvision is optional; tests/test_references_vs_torchvision.py compares them where it is installed)."""

from __future__ import annotations

import numpy as np

from quizapp.exercises.params.boxes import BoxParams, RoiAlignParams
from quizapp.exercises.references.base import (
    CaseData,
    as_array,
    as_tensor,
    call,
    reference,
)

# -- boxes -----------------------------------------------------------------------------------------


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


def _torch_box_iou(a, b):
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
    at, bt = as_tensor(a, device), as_tensor(b, device)
    iou, union = _torch_box_iou(at, bt)
    enclosing = torch.maximum(at[:, None, 2:], bt[None, :, 2:]) - torch.minimum(
        at[:, None, :2], bt[None, :, :2]
    )
    area_c = enclosing[..., 0] * enclosing[..., 1]
    giou = iou - (area_c - union) / area_c
    return CaseData(
        inputs={"a": a, "b": b},
        calls=[
            call("box_iou", "$a", "$b", outputs=("iou",)),
            call("generalized_box_iou", "$a", "$b", outputs=("giou",)),
        ],
        expected={"iou": as_array(iou), "giou": as_array(giou)},
    )


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
    bt = as_tensor(boxes, device)
    order = torch.argsort(as_tensor(scores, device), descending=True)
    keep: list[int] = []
    suppressed = torch.zeros(len(boxes), dtype=torch.bool, device=device)
    iou = _torch_box_iou(bt, bt)[0]
    for index in order.tolist():
        if suppressed[index]:
            continue
        keep.append(index)
        suppressed |= iou[index] > params.iou_threshold
    return CaseData(
        inputs={"boxes": boxes, "scores": scores},
        calls=[call("nms", "$boxes", "$scores", params.iou_threshold, outputs=("keep",))],
        expected={"keep": np.array(keep, dtype=np.int64)},
    )


# -- RoI Align -------------------------------------------------------------------------------------


@reference("roi_align", RoiAlignParams)
def roi_align(params: RoiAlignParams, rng: np.random.Generator, device: str) -> CaseData:
    """torchvision.ops.roi_align (its CPU kernel, sample by sample), in plain torch."""
    import torch

    features = rng.standard_normal(params.shape).astype(params.dtype)
    rois = np.array(params.rois, dtype=params.dtype)
    fmap = as_tensor(features, device)
    height, width = params.shape[2:]
    out_h, out_w = params.output_size
    offset = 0.5 if params.aligned else 0.0
    grid = params.sampling_ratio
    out = torch.zeros((len(rois), params.shape[1], out_h, out_w), dtype=fmap.dtype, device=device)

    def sample(batch: int, y: float, x: float):
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
        return (
            (1 - ly) * (1 - lx) * m[:, y_low, x_low]
            + (1 - ly) * lx * m[:, y_low, x_high]
            + ly * (1 - lx) * m[:, y_high, x_low]
            + ly * lx * m[:, y_high, x_high]
        )

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
        calls=[
            call(
                "roi_align",
                "$features",
                "$rois",
                list(params.output_size),
                params.spatial_scale,
                params.sampling_ratio,
                params.aligned,
                outputs=("out",),
            )
        ],
        expected={"out": as_array(out)},
    )
