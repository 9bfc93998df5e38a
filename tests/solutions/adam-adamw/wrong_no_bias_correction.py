# fails: one-step
# m and v used without dividing by 1 − β^t.
import numpy as np


def adam_steps(w, grads, lr, betas, eps, weight_decay, decoupled):
    beta1, beta2 = betas
    w = w.copy()
    m = np.zeros_like(w)
    v = np.zeros_like(w)
    for _t, g in enumerate(grads, start=1):
        if decoupled:
            w = w * (1 - lr * weight_decay)  # AdamW: decay the weights, not the gradient
        else:
            g = g + weight_decay * w  # Adam: L2 through the gradient
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        m_hat = m
        v_hat = v
        w = w - lr * m_hat / (np.sqrt(v_hat) + eps)
    return w.astype(grads.dtype)
