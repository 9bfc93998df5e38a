import numpy as np


def softmax(x, T, axis):
    z = x / T
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)
