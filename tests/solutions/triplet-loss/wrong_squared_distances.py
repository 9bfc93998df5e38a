import numpy as np


def triplet_loss(anchor, positive, negative, margin):
    d_pos = ((anchor - positive) ** 2).sum(axis=1)
    d_neg = ((anchor - negative) ** 2).sum(axis=1)
    return np.maximum(d_pos - d_neg + margin, 0)
