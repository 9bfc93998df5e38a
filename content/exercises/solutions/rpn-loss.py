import numpy as np


def rpn_loss(cls_logits, labels, bbox_pred, bbox_targets, inside_weights, outside_weights, sigma):
    dtype = cls_logits.dtype
    keep = labels >= 0
    x, y = cls_logits[keep], labels[keep]
    # BCE with logits, stable for any |x|: max(x, 0) - x y + log(1 + e^{-|x|})
    bce = np.maximum(x, 0) - x * y + np.log1p(np.exp(-np.abs(x)))
    cls_loss = bce.mean() if keep.any() else np.zeros((), dtype)

    s2 = np.asarray(sigma**2, dtype)
    d = inside_weights * (bbox_pred - bbox_targets)
    small = np.abs(d) < 1 / s2
    elementwise = np.where(small, 0.5 * s2 * d**2, np.abs(d) - 0.5 / s2)
    reg_loss = (outside_weights * elementwise).sum()
    return np.asarray(cls_loss, dtype), np.asarray(reg_loss, dtype)
