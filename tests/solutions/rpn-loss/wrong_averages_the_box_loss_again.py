# fails: example
# The outside weights already normalise by the sampled anchors; dividing by the positives again
# (as some ports do) shrinks the box loss.
import numpy as np


def rpn_loss(cls_logits, labels, bbox_pred, bbox_targets, inside_weights, outside_weights, sigma):
    dtype = cls_logits.dtype
    keep = labels >= 0
    x, y = cls_logits[keep], labels[keep]
    cls_loss = (np.maximum(x, 0) - x * y + np.log1p(np.exp(-np.abs(x)))).mean()
    s2 = np.asarray(sigma**2, dtype)
    d = inside_weights * (bbox_pred - bbox_targets)
    elementwise = np.where(np.abs(d) < 1 / s2, 0.5 * s2 * d**2, np.abs(d) - 0.5 / s2)
    reg_loss = (outside_weights * elementwise).sum() / max(int((labels == 1).sum()), 1)
    return np.asarray(cls_loss, dtype), np.asarray(reg_loss, dtype)
