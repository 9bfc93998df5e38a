import numpy as np


def maxpool2d_forward(x, kernel_size, stride):
    kh, kw = kernel_size
    n, c, h, w = x.shape
    h_out, w_out = (h - kh) // stride + 1, (w - kw) // stride + 1
    out = np.empty((n, c, h_out, w_out), dtype=x.dtype)
    for i in range(h_out):
        for j in range(w_out):
            out[:, :, i, j] = x[:, :, i * stride : i * stride + kh, j * stride : j * stride + kw].max(
                axis=(2, 3)
            )
    return out


def maxpool2d_backward(dout, x, kernel_size, stride):
    # The classic mask trick: every element equal to the maximum gets the gradient.
    kh, kw = kernel_size
    dx = np.zeros_like(x)
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            window = x[:, :, i * stride : i * stride + kh, j * stride : j * stride + kw]
            mask = window == window.max(axis=(2, 3), keepdims=True)
            dx[:, :, i * stride : i * stride + kh, j * stride : j * stride + kw] += (
                mask * dout[:, :, i, j][:, :, None, None]
            )
    return dx
