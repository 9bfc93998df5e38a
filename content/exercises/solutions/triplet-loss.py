import numpy as np


def triplet_loss(anchor, positive, negative, margin):
    d_pos = np.linalg.norm(anchor - positive, axis=1)
    d_neg = np.linalg.norm(anchor - negative, axis=1)
    return np.maximum(d_pos - d_neg + margin, 0)
