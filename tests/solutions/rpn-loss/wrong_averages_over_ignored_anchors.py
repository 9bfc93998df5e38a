# fails: example
# The ignored anchors (label -1) take part in the cross-entropy, with a target of -1.
import numpy as np


def rpn_loss(cls_logits, labels, bbox_pred, bbox_targets, inside_weights, outside_weights, sigma):
    dtype = cls_logits.dtype
    x, y = cls_logits, labels
    cls_loss = (np.maximum(x, 0) - x * y + np.log1p(np.exp(-np.abs(x)))).mean()
    s2 = np.asarray(sigma**2, dtype)
    d = inside_weights * (bbox_pred - bbox_targets)
    elementwise = np.where(np.abs(d) < 1 / s2, 0.5 * s2 * d**2, np.abs(d) - 0.5 / s2)
    return np.asarray(cls_loss, dtype), np.asarray((outside_weights * elementwise).sum(), dtype)
