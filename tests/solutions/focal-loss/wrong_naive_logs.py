# fails: huge-logits
# log σ(x) as written on paper: −inf and nan for large logits.
import numpy as np


def sigmoid_focal_loss(logits, targets, alpha, gamma):
    x, t = logits, targets
    # BCE with logits, stable for any |x|: max(x, 0) - x t + log(1 + e^{-|x|})
    p = 1 / (1 + np.exp(-x))
    ce = -t * np.log(p) - (1 - t) * np.log(1 - p)
    p_t = p * t + (1 - p) * (1 - t)
    loss = ce * (1 - p_t) ** gamma
    if alpha >= 0:
        loss = (alpha * t + (1 - alpha) * (1 - t)) * loss
    return loss.astype(logits.dtype)
