# fails: weight-decay
# Weight decay added to the step, past the buffer.


def sgd_steps(w, grads, lr, momentum, weight_decay, nesterov):
    w = w.copy()
    buf = None
    for g in grads:
        if momentum:
            buf = g.copy() if buf is None else momentum * buf + g  # the first step starts at g
            g = g + momentum * buf if nesterov else buf
        w = w - lr * (g + weight_decay * w)
    return w
