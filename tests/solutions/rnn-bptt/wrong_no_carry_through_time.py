# fails: example
# Each step's gradient only from its own output: BPTT truncated to one step.
import numpy as np


def rnn_backward(dout, x, h0, W_ih, W_hh, b_ih, b_hh):
    states = [h0]
    for x_t in x:
        states.append(np.tanh(x_t @ W_ih.T + b_ih + states[-1] @ W_hh.T + b_hh))
    dx = np.zeros_like(x)
    dW_ih, dW_hh = np.zeros_like(W_ih), np.zeros_like(W_hh)
    db_ih, db_hh = np.zeros_like(b_ih), np.zeros_like(b_hh)
    dh_next = np.zeros_like(h0)
    for t in reversed(range(len(x))):
        dh = dout[t]  # from the output at t and from step t + 1
        da = dh * (1 - states[t + 1] ** 2)  # through tanh
        dx[t] = da @ W_ih
        dW_ih += da.T @ x[t]
        dW_hh += da.T @ states[t]
        db_ih += da.sum(axis=0)
        db_hh += da.sum(axis=0)
        dh_next = da @ W_hh
    return dx, dh_next, dW_ih, dW_hh, db_ih, db_hh
