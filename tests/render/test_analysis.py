"""The compositor's cheap per-frame estimates: the light's samples and the fold maps around the garment."""

from __future__ import annotations

import numpy as np

from mirror_app.render.analysis import fold_maps, fold_window, light_estimate, small_frame, sparse_frame


def _textured_frame(w: int = 1280, h: int = 720) -> np.ndarray:
    """A frame with structure at every scale (folds, print, noise), so a changed window shows."""
    rng = np.random.default_rng(3)
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    base = 120 + 60 * np.sin(x / 37.0) * np.cos(y / 23.0) + rng.normal(0, 12, (h, w))
    frame = np.stack([base, base * 0.9 + 10, base * 0.8 + 20], axis=2)
    return np.clip(frame, 0, 255).astype(np.uint8)


def test_fold_maps_around_the_box_equal_the_whole_frame_maps_inside_it() -> None:
    frame = _textured_frame()
    h, w = frame.shape[:2]
    mask = np.zeros((h // 8, w // 8), np.float32)
    mask[20:80, 50:110] = 1.0
    fine_all, coarse_all = fold_maps(small_frame(frame), mask)
    for box in ((400, 150, 820, 650), (0, 0, 300, 200), (1000, 500, 1280, 720), (3, 5, 11, 17)):
        x0, y0, x1, y1 = fold_window(box, (w, h))
        fine, coarse = fold_maps(small_frame(frame[y0 * 8 : y1 * 8, x0 * 8 : x1 * 8]), mask[y0:y1, x0:x1])
        # Every texel the shade pass reads for this box: the box's own texels and one more for bilinear reads.
        bx0, by0 = max(0, box[0] // 8 - 1), max(0, box[1] // 8 - 1)
        bx1, by1 = min(w // 8, -(-box[2] // 8) + 1), min(h // 8, -(-box[3] // 8) + 1)
        assert x0 <= bx0 and y0 <= by0 and bx1 <= x1 and by1 <= y1
        inner = np.s_[by0 - y0 : by1 - y0, bx0 - x0 : bx1 - x0]
        np.testing.assert_allclose(fine[inner], fine_all[by0:by1, bx0:bx1], atol=1e-6)
        np.testing.assert_allclose(coarse[inner], coarse_all[by0:by1, bx0:bx1], atol=1e-6)
    # ...and the window is much smaller than the frame for a garment in the middle.
    x0, y0, x1, y1 = fold_window((400, 150, 820, 650), (w, h))
    assert (x1 - x0) * (y1 - y0) < 0.4 * (w // 8) * (h // 8)


def test_light_from_sparse_samples_matches_the_area_averaged_estimate() -> None:
    frame = _textured_frame()
    warm = np.clip(frame.astype(np.float32) * np.array([1.1, 0.95, 0.7]), 0, 255).astype(np.uint8)
    for img in (frame, warm, (frame // 3).astype(np.uint8)):
        sparse, small = sparse_frame(img), small_frame(img)
        assert sparse.shape == small.shape and sparse.dtype == np.float32
        mask = np.zeros(small.shape[:2], np.float32)
        mask[:, 60:100] = 1.0
        a = light_estimate(sparse, mask, 0.5)
        b = light_estimate(small, mask, 0.5)
        np.testing.assert_allclose(a, b, atol=0.01)
    # The warm frame's estimate is warm: the sparse samples keep the tint.
    light = light_estimate(sparse_frame(warm), None, 0.5)
    assert light[0] > light[1] > light[2]
