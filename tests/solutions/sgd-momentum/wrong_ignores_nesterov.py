# fails: nesterov
# Classical momentum whatever `nesterov` says.


def sgd_steps(w, grads, lr, momentum, weight_decay, nesterov):
    w = w.copy()
    buf = None
    for g in grads:
        g = g + weight_decay * w
        if momentum:
            buf = g.copy() if buf is None else momentum * buf + g  # the first step starts at g
            g = buf
        w = w - lr * g
    return w
