import numpy as np


def avgpool2d_forward(x, kernel_size, stride):
    kh, kw = kernel_size
    n, c, h, w = x.shape
    out = np.empty((n, c, (h - kh) // stride + 1, (w - kw) // stride + 1), dtype=x.dtype)
    for i in range(out.shape[2]):
        for j in range(out.shape[3]):
            out[:, :, i, j] = x[:, :, i * stride : i * stride + kh, j * stride : j * stride + kw].mean(
                axis=(2, 3)
            )
    return out


def avgpool2d_backward(dout, x, kernel_size, stride):
    kh, kw = kernel_size
    dx = np.zeros_like(x)
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            dx[:, :, i * stride : i * stride + kh, j * stride : j * stride + kw] = dout[:, :, i, j][
                :, :, None, None
            ] / (kh * kw)
    return dx
