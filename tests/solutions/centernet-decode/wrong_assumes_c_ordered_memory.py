# fails: non-contiguous-inputs
# The 3×3 windows as a zero-copy view with strides worked out from the shape: right only when the
# padded heatmap is C-ordered (np.pad keeps a Fortran-ordered input's layout).
import numpy as np
from numpy.lib.stride_tricks import as_strided


def centernet_decode(heat, wh, offset, k):
    n, c, h, w = heat.shape
    padded = np.pad(heat, ((0, 0), (0, 0), (1, 1), (1, 1)), constant_values=-np.inf)
    item = padded.itemsize
    hp, wp = h + 2, w + 2
    windows = as_strided(
        padded,
        shape=(n, c, h, w, 3, 3),
        strides=(c * hp * wp * item, hp * wp * item, wp * item, item, wp * item, item),
    )
    hmax = windows.max(axis=(4, 5))
    peaks = np.where(hmax == heat, heat, 0).reshape(n, -1)
    order = np.argsort(-peaks, axis=1, kind="stable")[:, :k]
    scores = np.take_along_axis(peaks, order, axis=1)
    classes, pixel = order // (h * w), order % (h * w)
    ys, xs = pixel // w, pixel % w
    b = np.arange(n)[:, None]
    cx, cy = xs + offset[b, 0, ys, xs], ys + offset[b, 1, ys, xs]
    half_w, half_h = wh[b, 0, ys, xs] / 2, wh[b, 1, ys, xs] / 2
    boxes = np.stack([cx - half_w, cy - half_h, cx + half_w, cy + half_h], axis=-1)
    return scores.astype(heat.dtype), classes.astype(np.int64), boxes.astype(heat.dtype)
