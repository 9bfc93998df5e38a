import numpy as np


def smooth_l1(pred, target, sigma):
    d = pred - target
    s2 = sigma**2
    return np.where(np.abs(d) < 1 / sigma, 0.5 * s2 * d * d, np.abs(d) - 0.5 / s2)


def smooth_l1_grad(pred, target, sigma):
    d = pred - target
    s2 = sigma**2
    return np.where(np.abs(d) < 1 / sigma, s2 * d, np.sign(d))
