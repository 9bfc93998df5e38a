import numpy as np


def softmax(x, T, axis):
    z = x / T
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)
