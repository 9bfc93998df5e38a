import numpy as np


def patch_merging(x, H, W):
    b, _, c = x.shape
    grid = x.reshape(b, H, W, c)
    parts = [grid[:, 0::2, 0::2], grid[:, 1::2, 0::2], grid[:, 0::2, 1::2], grid[:, 1::2, 1::2]]
    return np.concatenate(parts, axis=-1).reshape(b, (H // 2) * (W // 2), 4 * c)


def cyclic_shift(image, shift):
    return np.roll(image, shift=(-shift, -shift), axis=(1, 2))
