"""The box and RoI references are written in plain torch (torchvision is optional); where
torchvision is installed, they must agree with `torchvision.ops` on every built-in case.

Skipped cleanly without torchvision (CI does not install it: it needs a matching torch build).
"""

import numpy as np
import pytest

torchvision = pytest.importorskip("torchvision")
import torch  # noqa: E402

from quizapp.exercises.references import build_case  # noqa: E402


def cases(builtin_exercises, exercise_id):
    exercise = builtin_exercises.get(exercise_id)
    return [
        (params, build_case(exercise.spec.check, params, exercise.id, "cpu"))
        for params in exercise.case_params()
    ]


def test_box_iou_and_giou_match_torchvision(builtin_exercises):
    for _params, data in cases(builtin_exercises, "iou-giou"):
        a, b = (torch.from_numpy(data.inputs[name]) for name in ("a", "b"))
        np.testing.assert_allclose(data.expected["iou"], torchvision.ops.box_iou(a, b).numpy(), rtol=1e-6)
        np.testing.assert_allclose(
            data.expected["giou"], torchvision.ops.generalized_box_iou(a, b).numpy(), rtol=1e-6
        )


def test_nms_matches_torchvision(builtin_exercises):
    for params, data in cases(builtin_exercises, "nms"):
        boxes, scores = (torch.from_numpy(data.inputs[name]) for name in ("boxes", "scores"))
        kept = torchvision.ops.nms(boxes, scores, params.iou_threshold).numpy()
        np.testing.assert_array_equal(data.expected["keep"], kept, err_msg=params.name)


def test_roi_align_matches_torchvision(builtin_exercises):
    for params, data in cases(builtin_exercises, "roi-align"):
        out = torchvision.ops.roi_align(
            torch.from_numpy(data.inputs["features"]),
            torch.from_numpy(data.inputs["rois"]),
            output_size=tuple(params.output_size),
            spatial_scale=params.spatial_scale,
            sampling_ratio=params.sampling_ratio,
            aligned=params.aligned,
        )
        np.testing.assert_allclose(
            data.expected["out"], out.numpy(), rtol=1e-5, atol=1e-6, err_msg=params.name
        )
