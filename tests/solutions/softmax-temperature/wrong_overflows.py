import numpy as np


def softmax(x, T, axis):
    e = np.exp(x / T)
    return e / e.sum(axis=axis, keepdims=True)
