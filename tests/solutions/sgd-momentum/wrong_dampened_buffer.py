# fails: momentum
# An exponential average, (1 − μ)·g: not PyTorch's momentum.


def sgd_steps(w, grads, lr, momentum, weight_decay, nesterov):
    w = w.copy()
    buf = None
    for g in grads:
        g = g + weight_decay * w
        if momentum:
            buf = (
                (1 - momentum) * g if buf is None else momentum * buf + (1 - momentum) * g
            )  # the first step starts at g
            g = g + momentum * buf if nesterov else buf
        w = w - lr * g
    return w
