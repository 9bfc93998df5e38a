# fails: huge-logits
# log σ(x) and log(1 − σ(x)) as written on paper: inf and nan once |x| is large.
import numpy as np


def rpn_loss(cls_logits, labels, bbox_pred, bbox_targets, inside_weights, outside_weights, sigma):
    dtype = cls_logits.dtype
    keep = labels >= 0
    x, y = cls_logits[keep], labels[keep]
    with np.errstate(all="ignore"):
        p = 1 / (1 + np.exp(-x))
        cls_loss = (-(y * np.log(p) + (1 - y) * np.log(1 - p))).mean()
    s2 = np.asarray(sigma**2, dtype)
    d = inside_weights * (bbox_pred - bbox_targets)
    elementwise = np.where(np.abs(d) < 1 / s2, 0.5 * s2 * d**2, np.abs(d) - 0.5 / s2)
    return np.asarray(cls_loss, dtype), np.asarray((outside_weights * elementwise).sum(), dtype)
