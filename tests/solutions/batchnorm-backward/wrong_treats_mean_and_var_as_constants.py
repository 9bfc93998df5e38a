# fails: example
# The gradient through μ and σ² is dropped.
import numpy as np


def batchnorm_backward(dout, x, gamma, eps):
    axes = (0, *tuple(range(2, x.ndim)))
    shape = [1] * x.ndim
    shape[1] = x.shape[1]
    x.size // x.shape[1]
    mean = x.mean(axis=axes, keepdims=True)
    var = x.var(axis=axes, keepdims=True)  # biased: the batch's own variance normalises
    inv_std = 1.0 / np.sqrt(var + eps)
    x_hat = (x - mean) * inv_std
    dbeta = dout.sum(axis=axes)
    dgamma = (dout * x_hat).sum(axis=axes)
    dx_hat = dout * gamma.reshape(shape)
    dx = dx_hat * inv_std
    return dx.astype(x.dtype), dgamma.astype(x.dtype), dbeta.astype(x.dtype)
