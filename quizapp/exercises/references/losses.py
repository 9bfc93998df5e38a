"""Losses: Smooth L1 with sigma, triplet margin, the RPN's two losses."""

from __future__ import annotations

import numpy as np

from quizapp.exercises.params.losses import RpnLossParams, SmoothL1Params, TripletParams
from quizapp.exercises.references.base import (
    CaseData,
    as_array,
    as_tensor,
    call,
    reference,
)

# -- losses ----------------------------------------------------------------------------------------


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
    pred_t = as_tensor(pred, device, grad=True)
    # Faster R-CNN's sigma form equals PyTorch's beta form with beta = 1/sigma².
    loss = F.smooth_l1_loss(pred_t, as_tensor(target, device), beta=beta, reduction="none")
    (grad,) = torch.autograd.grad(loss.sum(), pred_t)
    return CaseData(
        inputs={"pred": pred, "target": target},
        calls=[
            call("smooth_l1", "$pred", "$target", params.sigma, outputs=("loss",)),
            call("smooth_l1_grad", "$pred", "$target", params.sigma, outputs=("grad",)),
        ],
        expected={"loss": as_array(loss), "grad": as_array(grad)},
    )


@reference("triplet_loss", TripletParams)
def triplet_loss(params: TripletParams, rng: np.random.Generator, device: str) -> CaseData:
    import torch.nn.functional as F

    shape = (params.batch, params.dim)
    anchor = rng.standard_normal(shape)
    positive = anchor + rng.standard_normal(shape) * 0.5
    negative = anchor + rng.standard_normal(shape) * (5.0 if params.easy else 0.7)
    arrays = {
        name: value.astype(params.dtype)
        for name, value in (("anchor", anchor), ("positive", positive), ("negative", negative))
    }
    anchor_t, positive_t, negative_t = (
        as_tensor(arrays[n], device) for n in ("anchor", "positive", "negative")
    )
    loss = F.triplet_margin_loss(
        anchor_t,
        positive_t,
        negative_t,
        margin=params.margin,
        p=2,
        reduction="none",
    )
    return CaseData(
        inputs=arrays,
        calls=[call("triplet_loss", "$anchor", "$positive", "$negative", params.margin, outputs=("loss",))],
        expected={"loss": as_array(loss)},
        # PyTorch measures ‖a − p + 1e-6‖: a learner's exact norm may differ by ~1e-6·√dim.
        tolerance={"loss": (1e-5, 1e-5 * max(1.0, np.sqrt(params.dim)))},
    )


@reference("rpn_loss", RpnLossParams)
def rpn_loss(params: RpnLossParams, rng: np.random.Generator, device: str) -> CaseData:
    """py-faster-rcnn's RPN losses with a sigmoid objectness (as torchvision's RPN has): BCE with
    logits averaged over the sampled anchors, and Smooth L1 (σ) on inside-weighted differences,
    outside-weighted and summed."""
    import torch.nn.functional as F

    n = params.anchors
    order = rng.permutation(n)
    labels = np.zeros(n)
    labels[order[: params.positives]] = 1
    labels[order[params.positives : params.positives + params.ignored]] = -1
    logits = rng.standard_normal(n) * params.scale
    beta = 1.0 / params.sigma**2
    targets = rng.standard_normal((n, 4)) * 0.5
    diff = rng.standard_normal((n, 4)) * 2 * beta
    if params.boundary:
        targets = np.round(targets * 4) / 4
        diff.reshape(-1)[::3] = beta * np.where(diff.reshape(-1)[::3] < 0, -1, 1)
    inside = np.repeat((labels == 1)[:, None], 4, axis=1).astype(float)
    sampled = labels >= 0
    outside = np.repeat(sampled[:, None], 4, axis=1) / max(int(sampled.sum()), 1)
    arrays = {
        "cls_logits": logits,
        "labels": labels,
        "bbox_pred": targets + diff,
        "bbox_targets": targets,
        "inside_weights": inside,
        "outside_weights": outside,
    }
    arrays = {name: value.astype(params.dtype) for name, value in arrays.items()}
    t = {name: as_tensor(value, device) for name, value in arrays.items()}
    keep = t["labels"] >= 0
    cls_loss = (
        F.binary_cross_entropy_with_logits(t["cls_logits"][keep], t["labels"][keep])
        if bool(keep.any())
        else t["cls_logits"].sum() * 0
    )
    weighted = t["inside_weights"] * (t["bbox_pred"] - t["bbox_targets"])
    elementwise = F.smooth_l1_loss(weighted, weighted.new_zeros(weighted.shape), beta=beta, reduction="none")
    reg_loss = (t["outside_weights"] * elementwise).sum()
    return CaseData(
        inputs=arrays,
        calls=[
            call(
                "rpn_loss",
                "$cls_logits",
                "$labels",
                "$bbox_pred",
                "$bbox_targets",
                "$inside_weights",
                "$outside_weights",
                params.sigma,
                outputs=("cls_loss", "reg_loss"),
            )
        ],
        expected={"cls_loss": as_array(cls_loss), "reg_loss": as_array(reg_loss)},
    )
