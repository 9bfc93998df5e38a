# fails: padding-1
# Right without padding; with it, cuts the end instead of the padding.
import numpy as np


def conv2d_backward(dout, x, w, stride, padding):
    _n, _c, h, wd = x.shape
    _f, _, kh, kw = w.shape
    _, _, h_out, w_out = dout.shape
    p, s = padding, stride
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    dxp = np.zeros_like(xp)
    dw = np.zeros_like(w)
    for i in range(h_out):
        for j in range(w_out):
            window = xp[:, :, i * s : i * s + kh, j * s : j * s + kw]  # (N, C, kh, kw)
            g = dout[:, :, i, j]  # (N, F)
            dw += np.tensordot(g, window, axes=([0], [0]))  # (F, C, kh, kw)
            dxp[:, :, i * s : i * s + kh, j * s : j * s + kw] += np.tensordot(g, w, axes=([1], [0]))
    dx = dxp[:, :, :h, :wd]
    db = dout.sum(axis=(0, 2, 3))
    return dx.astype(x.dtype), dw.astype(x.dtype), db.astype(x.dtype)
