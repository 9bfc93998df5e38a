# fails: halves-round-away-from-zero
# round() goes to the even neighbour: 2.5 → 2.
import math

import numpy as np


def _c_round(v):
    return math.floor(v + 0.5) if v >= 0 else -math.floor(-v + 0.5)


def roi_pool(features, rois, output_size, spatial_scale):
    _n, c, height, width = features.shape
    out_h, out_w = output_size
    out = np.zeros((len(rois), c, out_h, out_w), dtype=features.dtype)
    scale = features.dtype.type(spatial_scale)
    for k, roi in enumerate(rois):
        batch = int(roi[0])
        x1, y1, x2, y2 = (round(float(v * scale)) for v in roi[1:])
        roi_w, roi_h = max(x2 - x1 + 1, 1), max(y2 - y1 + 1, 1)
        bin_h, bin_w = roi_h / out_h, roi_w / out_w
        for ph in range(out_h):
            hs = min(max(math.floor(ph * bin_h) + y1, 0), height)
            he = min(max(math.ceil((ph + 1) * bin_h) + y1, 0), height)
            for pw in range(out_w):
                ws = min(max(math.floor(pw * bin_w) + x1, 0), width)
                we = min(max(math.ceil((pw + 1) * bin_w) + x1, 0), width)
                if he > hs and we > ws:
                    out[k, :, ph, pw] = features[batch, :, hs:he, ws:we].max(axis=(1, 2))
    return out
