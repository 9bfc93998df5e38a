# fails: non-contiguous-inputs
# A zero-copy grid view with strides worked out from the shape: right only when x is C-ordered.
import numpy as np
from numpy.lib.stride_tricks import as_strided


def patch_merging(x, H, W):
    b, _, c = x.shape
    item = x.itemsize
    grid = as_strided(x, shape=(b, H, W, c), strides=(H * W * c * item, W * c * item, c * item, item))
    parts = [grid[:, 0::2, 0::2], grid[:, 1::2, 0::2], grid[:, 0::2, 1::2], grid[:, 1::2, 1::2]]
    return np.concatenate(parts, axis=-1).reshape(b, (H // 2) * (W // 2), 4 * c)


def cyclic_shift(image, shift):
    return np.roll(image, shift=(-shift, -shift), axis=(1, 2))
