import numpy as np


def rnn_forward(x, h0, W_ih, W_hh, b_ih, b_hh):
    h = np.zeros((x.shape[1], W_hh.shape[0]), dtype=x.dtype) if h0 is None else h0
    states = []
    for x_t in x:
        h = np.tanh(x_t @ W_ih.T + b_ih + h @ W_hh.T + b_hh)
        states.append(h)
    return np.stack(states), h
