import numpy as np


def _source(out_size, in_size, align_corners):
    i = np.arange(out_size, dtype=np.float64)
    if align_corners:
        return i * ((in_size - 1) / (out_size - 1)) if out_size > 1 else np.zeros(out_size)
    return np.maximum((i + 0.5) * (in_size / out_size) - 0.5, 0)


def _weights(out_size, in_size, align_corners):
    y = _source(out_size, in_size, align_corners)
    y0 = np.minimum(np.floor(y).astype(int), in_size - 1)
    y1 = np.minimum(y0 + 1, in_size - 1)
    return y0, y1, y - y0


def resize_bilinear(x, size, align_corners):
    h_out, w_out = size
    y0, y1, ly = _weights(h_out, x.shape[2], align_corners)
    x0, x1, lx = _weights(w_out, x.shape[3], align_corners)
    rows = x[:, :, y0, :] * (1 - ly)[:, None] + x[:, :, y1, :] * ly[:, None]
    out = rows[:, :, :, x0] * (1 - lx) + rows[:, :, :, x1] * lx
    return out.astype(x.dtype)
