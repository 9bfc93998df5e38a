# fails: example
# offset[0] added to y and offset[1] to x.
import numpy as np


def centernet_decode(heat, wh, offset, k):
    n, _c, h, w = heat.shape
    padded = np.pad(heat, ((0, 0), (0, 0), (1, 1), (1, 1)), constant_values=-np.inf)
    hmax = np.full_like(heat, -np.inf)
    for dy in range(3):
        for dx in range(3):
            hmax = np.maximum(hmax, padded[:, :, dy : dy + h, dx : dx + w])
    peaks = np.where(hmax == heat, heat, 0).reshape(n, -1)
    order = np.argsort(-peaks, axis=1, kind="stable")[:, :k]
    scores = np.take_along_axis(peaks, order, axis=1)
    classes, pixel = order // (h * w), order % (h * w)
    ys, xs = pixel // w, pixel % w
    b = np.arange(n)[:, None]
    cx, cy = xs + offset[b, 1, ys, xs], ys + offset[b, 0, ys, xs]
    half_w, half_h = wh[b, 0, ys, xs] / 2, wh[b, 1, ys, xs] / 2
    boxes = np.stack([cx - half_w, cy - half_h, cx + half_w, cy + half_h], axis=-1)
    return scores.astype(heat.dtype), classes.astype(np.int64), boxes.astype(heat.dtype)
