import numpy as np


def depthwise_separable(x, w_dw, w_pw, stride, padding):
    # Each depthwise output sums over every input channel: an ordinary conv with C copies.
    n, c, h, w = x.shape
    k = w_dw.shape[-1]
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    h_out = (h + 2 * padding - k) // stride + 1
    w_out = (w + 2 * padding - k) // stride + 1
    depthwise = np.zeros((n, c, h_out, w_out), dtype=x.dtype)
    for i in range(h_out):
        for j in range(w_out):
            window = xp[:, :, i * stride : i * stride + k, j * stride : j * stride + k]
            depthwise[:, :, i, j] = np.einsum("nckl,dkl->nd", window, w_dw[:, 0])
    return np.einsum("nchw,fc->nfhw", depthwise, w_pw[:, :, 0, 0])
