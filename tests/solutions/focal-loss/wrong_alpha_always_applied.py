# fails: gamma-0-no-alpha-is-bce
# A negative alpha should switch the weighting off.
import numpy as np


def sigmoid_focal_loss(logits, targets, alpha, gamma):
    x, t = logits, targets
    # BCE with logits, stable for any |x|: max(x, 0) - x t + log(1 + e^{-|x|})
    ce = np.maximum(x, 0) - x * t + np.log1p(np.exp(-np.abs(x)))
    p = np.exp(-np.logaddexp(0, -x))  # sigmoid without overflow
    p_t = p * t + (1 - p) * (1 - t)
    loss = ce * (1 - p_t) ** gamma
    if True:
        loss = (alpha * t + (1 - alpha) * (1 - t)) * loss
    return loss.astype(logits.dtype)
