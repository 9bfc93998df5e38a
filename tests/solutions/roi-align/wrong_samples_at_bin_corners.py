import numpy as np


def bilinear(fmap, y, x):
    _, height, width = fmap.shape
    if y < -1.0 or y > height or x < -1.0 or x > width:
        return np.zeros(fmap.shape[0], dtype=fmap.dtype)
    y, x = max(y, 0.0), max(x, 0.0)
    y0, x0 = int(y), int(x)
    if y0 >= height - 1:
        y0 = y1 = height - 1
        y = float(y0)
    else:
        y1 = y0 + 1
    if x0 >= width - 1:
        x0 = x1 = width - 1
        x = float(x0)
    else:
        x1 = x0 + 1
    ly, lx = y - y0, x - x0
    return (
        (1 - ly) * (1 - lx) * fmap[:, y0, x0]
        + (1 - ly) * lx * fmap[:, y0, x1]
        + ly * (1 - lx) * fmap[:, y1, x0]
        + ly * lx * fmap[:, y1, x1]
    )


def roi_align(features, rois, output_size, spatial_scale, sampling_ratio, aligned):
    out_h, out_w = output_size
    offset = 0.5 if aligned else 0.0
    out = np.zeros((len(rois), features.shape[1], out_h, out_w), dtype=features.dtype)
    for k, roi in enumerate(rois.astype(np.float64)):
        fmap = features[int(roi[0])]
        x1, y1, x2, y2 = roi[1:] * spatial_scale - offset
        roi_w, roi_h = x2 - x1, y2 - y1
        if not aligned:
            roi_w, roi_h = max(roi_w, 1.0), max(roi_h, 1.0)
        bin_h, bin_w = roi_h / out_h, roi_w / out_w
        s = sampling_ratio
        for ph in range(out_h):
            for pw in range(out_w):
                total = 0.0
                for iy in range(s):
                    y = y1 + ph * bin_h + iy * bin_h / s
                    for ix in range(s):
                        total = total + bilinear(fmap, y, x1 + pw * bin_w + ix * bin_w / s)
                out[k, :, ph, pw] = total / (s * s)
    return out
