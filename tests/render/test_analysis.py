"""The compositor's cheap per-frame estimates: the light's samples and the fold maps around the garment."""

from __future__ import annotations

import cv2
import numpy as np

from mirror_app.render.analysis import (
    FOLD_FADE,
    LUMA,
    fold_keep,
    fold_maps,
    fold_window,
    light_estimate,
    patch_means,
    pixels_at,
    small_frame,
    sparse_frame,
)


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


def _ratio(fine: np.ndarray, coarse: np.ndarray) -> np.ndarray:
    """What the shade pass carries onto the garment: log2 of the luma over its coarse map, on the person."""
    return np.log2((fine[..., 0] + 0.04) / (coarse + 0.04)) * fine[..., 1]


def _plain_ratio(frame: np.ndarray) -> np.ndarray:
    """The same ratio with every change of luma read as a fold (before the clothes' own edges were told apart)."""
    luma = small_frame(frame) @ np.array([0.299, 0.587, 0.114], np.float32)
    coarse = cv2.blur(cv2.blur(luma, (5, 5), borderType=cv2.BORDER_REPLICATE), (5, 5), borderType=cv2.BORDER_REPLICATE)
    return np.log2((luma + 0.04) / (coarse + 0.04))


def _folded(colour: tuple[int, int, int], h: int = 720, w: int = 640) -> np.ndarray:
    """A shirt of one colour shaded by soft diagonal folds (+-25 % light, ~80 px apart)."""
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    shade = 1.0 + 0.25 * np.sin((x + 0.6 * y) / 13.0)
    return np.clip(np.array(colour, np.float32) * shade[..., None], 0, 255).astype(np.uint8)


def test_folds_are_carried_and_the_wearers_own_hem_is_not() -> None:
    frame = _folded((225, 20, 100))  # her pink top...
    frame[400:] = (22, 22, 28)  # ...over black leggings from y = 400 (row 50 at 1/8 size)
    fine, coarse = fold_maps(small_frame(frame), None)
    ratio, plain = _ratio(fine, coarse), _plain_ratio(frame)
    # Along each row the folds average out and the hem's step does not.
    hem = np.s_[44:56]
    assert np.abs(plain[hem].mean(axis=1)).max() > 0.8, "the hem is a strong change of luma"
    assert np.abs(ratio[hem].mean(axis=1)).max() < 0.1, ratio[hem].mean(axis=1)
    folds = np.s_[5:40, 5:75]  # the top, away from its hem
    # Folds 70 px apart keep 76 % (91 % before the fine luma's own 3x3 blur, which takes the 8 px blocks below).
    assert np.sqrt(np.mean(ratio[folds] ** 2)) > 0.7 * np.sqrt(np.mean(plain[folds] ** 2))


def test_compression_blocks_are_no_folds() -> None:
    """A white tee on compressed video: each 8x8 block a few percent lighter or darker than its neighbours.
    Carried whole, they printed grey blotches on a white garment (taiji, squats, asl_book)."""
    blocks = np.random.default_rng(11).uniform(-1.0, 1.0, (90, 80)).astype(np.float32)
    light = 1.0 + 0.05 * cv2.resize(blocks, (640, 720), interpolation=cv2.INTER_NEAREST)
    frame = np.clip(np.array((228, 230, 232), np.float32) * light[..., None], 0, 255).astype(np.uint8)
    fine, coarse = fold_maps(small_frame(frame), None)
    ratio, plain = _ratio(fine, coarse), _plain_ratio(frame)
    inside = np.s_[5:85, 5:75]
    assert np.sqrt(np.mean(ratio[inside] ** 2)) < 0.6 * np.sqrt(np.mean(plain[inside] ** 2))


def test_fold_keep_is_whole_above_the_hips_and_gone_below_along_the_torso() -> None:
    """1 on the shoulders' side of the hip line, 0 from FOLD_FADE torso lengths past it, falling in between;
    measured along the torso's axis, so a torso leaning 45 degrees fades along its own lean; and with keep 0
    the fine luma is the coarse one, so the shade pass carries no fold there."""
    for lean in (0.0, np.pi / 4):
        down = np.array([np.sin(lean), np.cos(lean)])
        hips = np.array([320.0, 320.0])
        shoulders = hips - 200.0 * down
        keep = fold_keep((*shoulders.tolist(), *down.tolist(), 200.0), (0, 0, 80, 60))
        assert keep.shape == (60, 80)
        centres = (np.stack(np.mgrid[0:60, 0:80][::-1], axis=-1) + 0.5) * 8.0  # (x, y) px of each texel
        along = (centres - hips) @ down / 200.0  # torso lengths past the hip line
        assert (keep[along <= 0.0] == 1.0).all()
        assert (keep[along >= FOLD_FADE] == 0.0).all()
        fading = (along > 0.02) & (along < FOLD_FADE - 0.02)
        assert fading.sum() > 20 and ((keep[fading] > 0.0) & (keep[fading] < 1.0)).all()
    np.testing.assert_array_equal(fold_keep(None, (0, 0, 8, 6)), np.ones((6, 8), np.float32))
    frame = _folded((225, 20, 100), 480, 640)
    small = small_frame(frame)
    fine, coarse = fold_maps(small, None, np.zeros(small.shape[:2], np.float32))
    np.testing.assert_allclose(fine[..., 0], coarse, atol=1e-6)
    whole, _ = fold_maps(small, None, np.ones(small.shape[:2], np.float32))
    np.testing.assert_allclose(whole, fold_maps(small, None)[0], atol=1e-6)


def test_stripes_of_the_wearers_shirt_are_no_folds() -> None:
    """Taiji's polo: blue and white bands 40 px tall showed through a plain red tee as light and dark bands."""
    frame = np.empty((720, 640, 3), np.uint8)
    for i, y in enumerate(range(0, 720, 40)):
        frame[y : y + 40] = (40, 70, 200) if i % 2 else (225, 228, 235)
    fine, coarse = fold_maps(small_frame(frame), None)
    ratio, plain = _ratio(fine, coarse), _plain_ratio(frame)
    assert np.sqrt(np.mean(ratio**2)) < 0.3 * np.sqrt(np.mean(plain**2)), (ratio.std(), plain.std())


def test_patch_means_are_the_plain_means_of_the_clamped_patches_bit_for_bit() -> None:
    """Its sums and roundings are np.mean's, on contiguous frames and others (an RGBA frame's RGB view), for
    points inside, on the edges and off the frame (patches clamped onto it, as the occluders' samples are)."""
    rgba = np.random.default_rng(5).integers(0, 256, (48, 64, 4), np.uint8)
    points = np.array([(10.7, 20.2), (0.0, 0.0), (63.9, 47.9), (-7.5, 30.0), (70.0, -3.0), (1.0, 46.0)], np.float32)
    for frame in (np.ascontiguousarray(rgba[..., :3]), rgba[..., :3]):
        plain = []
        for x, y in points.astype(int):
            xs, ys = np.clip(np.arange(x - 2, x + 3), 0, 63), np.clip(np.arange(y - 2, y + 3), 0, 47)
            plain.append(frame[np.ix_(ys, xs)].reshape(25, 3).mean(axis=0, dtype=np.float32) * np.float32(1 / 255))
        assert np.array_equal(patch_means(frame, points), np.array(plain))


def test_pixels_at_reads_what_fancy_indexing_reads() -> None:
    rng = np.random.default_rng(6)
    rgba = rng.integers(0, 256, (30, 40, 4), np.uint8)
    mask = rng.random((30, 40)).astype(np.float32)
    x, y = rng.integers(0, 40, (3, 7)), rng.integers(0, 30, (3, 7))
    for image in (np.ascontiguousarray(rgba[..., :3]), rgba[..., :3], mask, mask[:, ::2]):
        xs = np.minimum(x, image.shape[1] - 1)
        assert np.array_equal(pixels_at(image, xs, y), image[y, xs])


def _room(room: tuple[int, int, int], person: tuple[int, int, int], paper: tuple[int, int, int] | None = None):
    """A 720p room of one colour, a person in clothes of another (and their mask at 1/8 size), maybe a
    white sheet of paper on the wall; a little sensor noise. Returns the light estimate's inputs."""
    frame = np.empty((720, 1280, 3), np.uint8)
    frame[:] = room
    frame[150:, 400:880] = person
    if paper is not None:
        frame[60:260, 900:1160] = paper
    noisy = frame + np.random.default_rng(1).normal(0, 3, frame.shape)
    mask = np.zeros((90, 160), np.float32)
    mask[19:, 50:110] = 1.0
    return sparse_frame(np.clip(noisy, 0, 255).astype(np.uint8)), mask


def _tint(light: np.ndarray) -> float:
    """How far a light multiplier is from white: its largest channel over its smallest, less 1."""
    return float(light.max() / light.min() - 1.0)


def test_the_wearers_clothes_do_not_tint_the_light() -> None:
    # An orange suit (or a grey-blue shirt) in a grey room: the room is lit white, the garment stays white.
    for clothes in ((220, 100, 40), (110, 120, 130)):
        assert _tint(light_estimate(*_room((130, 128, 126), clothes), 0.5)) < 0.03, clothes
    # Wood panels with a sheet of white paper on them: white light, and no dimmer than the paper says.
    with_paper = light_estimate(*_room((90, 55, 30), (110, 120, 130), (225, 222, 218)), 0.5)
    without = light_estimate(*_room((90, 55, 30), (110, 120, 130)), 0.5)
    assert _tint(with_paper) < 0.03
    assert float(with_paper @ LUMA) > float(without @ LUMA) + 0.08


def test_a_warm_light_still_warms() -> None:
    # Grey walls in a tungsten-warm light, mildly or strongly: the garment takes the warmth.
    for walls in ((150, 135, 115), (160, 130, 95)):
        light = light_estimate(*_room(walls, (220, 100, 40)), 0.5)
        assert light[0] > light[1] > light[2] and _tint(light) > 0.1, walls
    # A grey room: neither the room's mean luma nor its white surfaces call for a change.
    grey = light_estimate(*_room((128, 128, 128), (128, 128, 128)), 0.5)
    np.testing.assert_allclose(grey, 1.0, atol=0.03)
