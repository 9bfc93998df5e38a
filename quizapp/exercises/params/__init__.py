"""Each reference's case fields (pydantic models), keyed by the exercise file's `check:` name.

Kept apart from the references themselves: the catalog validates exercise files with these in
every process (the TUI's too), and nothing here imports torch. `references/` registers a builder
for each name, and must name the same fields class (`references.base.reference` checks it)."""

from __future__ import annotations

from quizapp.exercises.params.backward import BatchNormBackwardParams, ConvBackwardParams, RnnBackwardParams
from quizapp.exercises.params.base import CaseParams
from quizapp.exercises.params.boxes import BoxParams, RoiAlignParams
from quizapp.exercises.params.detection import CenterNetParams, FocalLossParams, RoiPoolParams
from quizapp.exercises.params.images import MorphologyParams, PatchMergingParams
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
from quizapp.exercises.params.losses import RpnLossParams, SmoothL1Params, TripletParams
from quizapp.exercises.params.optimisation import OptimiserParams, RootByGradientDescentParams
from quizapp.exercises.params.tabular import WineParams

PARAMS: dict[str, type[CaseParams]] = {
    "batchnorm_backward": BatchNormBackwardParams,
    "conv2d_backward": ConvBackwardParams,
    "rnn_backward": RnnBackwardParams,
    "box_iou": BoxParams,
    "nms": BoxParams,
    "roi_align": RoiAlignParams,
    "sigmoid_focal_loss": FocalLossParams,
    "roi_pool": RoiPoolParams,
    "centernet_decode": CenterNetParams,
    "morphology": MorphologyParams,
    "swin_patch_merging": PatchMergingParams,
    "maxpool2d": PoolParams,
    "avgpool2d": PoolParams,
    "conv2d": ConvParams,
    "batchnorm": BatchNormParams,
    "softmax": SoftmaxParams,
    "layernorm": LayerNormParams,
    "rnn_forward": RnnParams,
    "conv_transpose2d": ConvTransposeParams,
    "depthwise_separable": DepthwiseSeparableParams,
    "bilinear_resize": ResizeParams,
    "smooth_l1": SmoothL1Params,
    "triplet_loss": TripletParams,
    "rpn_loss": RpnLossParams,
    "root_by_gradient_descent": RootByGradientDescentParams,
    "sgd_steps": OptimiserParams,
    "adam_steps": OptimiserParams,
    "pandas_wine": WineParams,
}

__all__ = ["PARAMS", "CaseParams"]
