# fails: example
# −dilate(x) is not a minimum.
import numpy as np


def dilate(x, k):
    r = k // 2
    h, w = x.shape[2:]
    padded = np.pad(x, ((0, 0), (0, 0), (r, r), (r, r)), constant_values=-np.inf)
    out = np.full(x.shape, -np.inf, dtype=x.dtype)
    for dy in range(k):
        for dx in range(k):
            out = np.maximum(out, padded[:, :, dy : dy + h, dx : dx + w])
    return out


def erode(x, k):
    return -dilate(x, k)


def opening(x, k):
    return dilate(erode(x, k), k)


def closing(x, k):
    return erode(dilate(x, k), k)
