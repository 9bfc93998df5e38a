import numpy as np


def conv_transpose2d(x, w, b, stride, padding, output_padding):
    n, _, h, wd = x.shape
    _, c_out, kh, kw = w.shape
    h_full = (h - 1) * stride + kh + output_padding
    w_full = (wd - 1) * stride + kw + output_padding
    buf = np.zeros((n, c_out, h_full, w_full), dtype=x.dtype)
    for i in range(h):
        for j in range(wd):
            buf[:, :, i * stride : i * stride + kh, j * stride : j * stride + kw] += np.einsum(
                "nc,cokl->nokl", x[:, :, i, j], w[:, :, ::-1, ::-1]
            )
    h_out = (h - 1) * stride - 2 * padding + kh + output_padding
    w_out = (wd - 1) * stride - 2 * padding + kw + output_padding
    out = buf[:, :, padding : padding + h_out, padding : padding + w_out]
    if b is not None:
        out = out + b[None, :, None, None]
    return out
