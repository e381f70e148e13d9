"""Cheap numpy estimates from a 1/8-size copy of the frame: scene light and the wearer's folds."""

from __future__ import annotations

import cv2
import numpy as np

LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)


def premultiply(rgba: np.ndarray) -> np.ndarray:
    """Premultiplied copy of straight-alpha RGBA, so mip filtering never pulls in the photo's background."""
    rgba = np.ascontiguousarray(rgba, dtype=np.uint8)
    alpha = np.repeat(rgba[..., 3:4], 4, axis=2)
    alpha[..., 3] = 255  # alpha itself stays
    # OpenCV's saturating, rounding uint8 multiply: ~10x faster than float numpy on a garment texture.
    return cv2.multiply(rgba, alpha, scale=1.0 / 255.0)


def pixel_indices(xy: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Whole-pixel indices (truncated) of points (2, ...: x then y) on a picture `size` (w, h), clamped onto it
    (minimum/maximum in place: np.clip's wrapper costs more than they do on these few points)."""
    i = xy.astype(np.intp)
    np.maximum(i, 0, out=i)
    np.minimum(i[0], size[0] - 1, out=i[0])
    np.minimum(i[1], size[1] - 1, out=i[1])
    return i


def rgb_distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Euclidean distance of colours (..., 3) broadcast against each other: np.linalg.norm's sums in its
    order, without its per-call overhead (a sum over the last axis of 3 also took longer)."""
    d = a - b
    d *= d
    return np.sqrt(d[..., 0] + d[..., 1] + d[..., 2])


SHADE_RANGE = (0.55, 1.3)  # brightness factors skin and cloth take in shadow and light and stay themselves


def shade_distance(pixels: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """Distance (0..1 RGB) of each pixel (..., 3) from the nearest shade of `ref` (ref x k, k in SHADE_RANGE), for
    skin and cloth: a neck in the chin's shadow or a fold stays skin or cloth (the hair search), a forearm in
    the light is its shaded hand's skin (the forearm snap). Same metric as shaders/hair.frag."""
    return channel_distances(np.moveaxis(pixels, -1, 0), shades(pixels, ref[None]))[0]


def shades(pixels: np.ndarray, refs: np.ndarray, at: np.ndarray | None = None) -> np.ndarray:
    """Centres (n, 3, ...) for channel_distances: refs (n, 3) at each pixel's shade of them (of pixels `at`
    only, if given)."""
    k = np.empty((len(refs), *(pixels.shape[:-1] if at is None else at.shape)), np.float32)
    for i, ref in enumerate(refs):
        dots = pixels @ ref  # over all the pixels even when fewer are wanted: BLAS rounds each by its place in a row
        np.divide(dots if at is None else dots.reshape(-1)[at], max(float(ref @ ref), 1e-4), out=k[i, ...])
    k.clip(*SHADE_RANGE, out=k)
    return k[:, None] * refs.reshape(refs.shape + (1,) * (k.ndim - 1))


def channel_distances(planes: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """np.linalg.norm(pixels - centre) bit for bit, channel-first (3, ...) against (n, 3, ...) or (n, 3) centres:
    rgb_distance's metric for many pixels at once, where numpy loops slowly over a last axis of 3."""
    if centres.ndim == 2:  # (n, 3): one colour per map
        centres = centres.reshape(centres.shape + (1,) * (planes.ndim - 1))
    d = planes - centres
    d *= d
    return np.sqrt(d.sum(axis=1))  # (n, ...): the squares summed in channel order, as np.linalg.norm does


def pixels_at(image: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """image[y, x] for whole-pixel indices on the image: on a C-contiguous image one flat take, which costs
    about 2/3 of numpy's 2-D fancy indexing on a few hundred pixels (on a few dozen it costs more)."""
    if not image.flags.c_contiguous:
        return image[y, x]
    h, w = image.shape[:2]
    return image.reshape(h * w, *image.shape[2:]).take(y * w + x, axis=0)


_PATCH = np.arange(-2, 3)
_PATCH_ONES = np.ones(_PATCH.size**2, np.float32)


def patch_means(frame: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Mean colour (0..1) of the 5x5 patch around each frame point (K, 2), clamped to the frame: (K, 3).

    Called per frame on a handful of points, so numpy's per-call overhead is the cost: ufuncs stand in for
    np.clip, and a matmul sums each patch (whole numbers, exact in float32 in any order) 3x faster than a
    reduce over the patch's axis; the sums and roundings are mean()'s.
    """
    h, w = frame.shape[:2]
    xy = pixel_indices(points.astype(np.intp).T[:, :, None] + _PATCH, (w, h))  # (2, K, 5)
    patches = pixels_at(frame, xy[0, :, None, :], xy[1, :, :, None]).reshape(len(points), _PATCH_ONES.size, 3)
    return _PATCH_ONES @ patches.astype(np.float32) / _PATCH_ONES.size * np.float32(1.0 / 255.0)


def shrink(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """An RGB image scaled down to `size` (w, h) as float RGB in [0, 1]: bilinear to twice the size, then 2x2
    means, so each output pixel averages 16 samples spread over its area, at a fraction of INTER_AREA's cost."""
    w, h = size
    twice = cv2.resize(image, (w * 2, h * 2), interpolation=cv2.INTER_LINEAR)
    small = cv2.resize(twice, (w, h), interpolation=cv2.INTER_AREA).astype(np.float32)
    small *= 1.0 / 255.0
    return small


def small_frame(frame: np.ndarray) -> np.ndarray:
    """1/8-size float RGB in [0, 1], 16 samples per 8x8 block (~0.2 ms at 720p where strided numpy reads took
    ~0.5 ms)."""
    h, w = frame.shape[0] // 8, frame.shape[1] // 8
    return shrink(frame[: h * 8, : w * 8], (w, h))


def sparse_frame(frame: np.ndarray) -> np.ndarray:
    """The pixel at the centre of each 8x8 block, float RGB in [0, 1], shaped like small_frame: the light
    estimate's input. A mean over 14,400 points needs no area averaging (~0.02 ms at 720p here, where
    small_frame over the whole frame took ~0.4 ms)."""
    h, w = frame.shape[0] // 8, frame.shape[1] // 8
    small = frame[4 : h * 8 : 8, 4 : w * 8 : 8].astype(np.float32)
    small *= 1.0 / 255.0
    return small


FOLD_REACH = 5  # 1/8-size texels around a pixel that its fold value depends on (a radius-4 blur + bilinear)


def fold_window(box: tuple[int, int, int, int], frame_size: tuple[int, int]) -> tuple[int, int, int, int]:
    """The 1/8-size texels (x0, y0, x1, y1) the fold maps are computed over for a garment box (frame pixels):
    the box plus FOLD_REACH, so every texel the shade pass reads equals a whole-frame computation."""
    sw, sh = frame_size[0] // 8, frame_size[1] // 8
    x0, y0 = max(0, box[0] // 8 - FOLD_REACH), max(0, box[1] // 8 - FOLD_REACH)
    x1, y1 = min(sw, -(-box[2] // 8) + FOLD_REACH), min(sh, -(-box[3] // 8) + FOLD_REACH)
    return x0, y0, max(x0, x1), max(y0, y1)


def resample_nearest(img: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Nearest-neighbour resize to (rows, cols) (OpenCV: ~10x faster than numpy index sampling)."""
    return cv2.resize(np.ascontiguousarray(img), (shape[1], shape[0]), interpolation=cv2.INTER_NEAREST)


LIGHT_TINT = 0.6
"""Share of the measured tint taken as the light's: the near-neutral surfaces it is read from (walls, paper,
white and grey clothes) show the light's colour, with a little of their own."""
NEUTRAL_SATURATION = 0.3
"""Saturation (max - min) / max, once the current estimate of the light is divided out, below which a pixel
counts as a near-neutral surface for the light's colour; an orange suit, a red flag, wood panels are 0.4-0.8."""
NEUTRAL_SHARE = 0.02
"""Near-neutral weight (a share of all pixels: a white sheet of paper on a wall of wood panels) from which
the light's colour is read from them alone; with less it leans toward the frame's mean colour, and with none
it is that mean (a room all one colour is as likely coloured light as coloured walls)."""


def light_from_region(mean_rgb: np.ndarray, reference: float) -> np.ndarray:
    """Light multiplier from a region's mean colour: neutral grey at `reference` luma gives (1, 1, 1)."""
    luma = float(mean_rgb @ LUMA)
    if luma < 1e-4:
        return np.full(3, 0.35, dtype=np.float32)
    # Compressed intensity: a dark shirt should not black out the garment, a dim room should dim it.
    intensity = float(np.clip((luma / reference) ** 0.7, 0.35, 1.15))
    # Only part of the measured tint is light: the rest is the colour of what is in the picture.
    chroma = np.clip(1.0 + LIGHT_TINT * (mean_rgb / luma - 1.0), 0.85, 1.15)
    return (intensity * chroma).astype(np.float32)


WHITE_LUMA = 0.8
"""Luma of a white wall or sheet of paper in the light `light_reference` calls neutral: the near-neutral
surfaces' brighter half, measured against it, can raise the intensity the frame's mean gives."""


Neutral = tuple[np.ndarray, float, float]  # what neutral_light returns: colour, brighter half's luma, trust


def neutral_light(small: np.ndarray, person: np.ndarray | None = None) -> Neutral:
    """The light as the room's near-neutral pixels show it (low saturation, neither near-black nor clipped,
    off the `person` mask: the wearer's grey-blue shirt is not blue light): (colour, luma of their brighter
    half, trust in 0..1). Found in two rounds (as the camera balanced it, then with that first estimate
    divided out); the colour leans toward the frame's mean colour as trust falls (few near-neutral pixels,
    see NEUTRAL_SHARE). Grey-world alone took the wearer's orange suit or a room's wood panels for warm
    light, and a white tee came out peach."""
    room = np.asarray(cv2.mean(small)[:3], np.float32)
    # 2x2 samples averaged: a quarter of the work, and pixel noise does not lift the brighter half.
    small = cv2.resize(small, (max(1, small.shape[1] // 2), max(1, small.shape[0] // 2)), interpolation=cv2.INTER_AREA)
    pixels = small.reshape(-1, 3)
    luma = pixels @ LUMA
    _, saturation, value = cv2.split(cv2.cvtColor(small, cv2.COLOR_RGB2HSV))  # float: S = (max - min) / max
    usable = ((value > 0.06) & (value - value * saturation < 0.97)).astype(np.float32)  # not black, not clipped
    if person is not None:
        off = cv2.resize(np.asarray(person, np.float32), (small.shape[1], small.shape[0]), interpolation=cv2.INTER_AREA)
        usable *= 1.0 - off
    colour, trust, bright = np.ones(3, np.float32), 0.0, 0.0
    for turn in range(2):
        if turn:  # the first estimate divided out: greys in a tinted light are grey again
            gains = np.diag(float(colour @ LUMA) / np.maximum(colour, 1e-4)).astype(np.float32)
            saturation = cv2.split(cv2.cvtColor(cv2.transform(small, gains), cv2.COLOR_RGB2HSV))[1]
        weights = 1.0 - saturation * (1.0 / NEUTRAL_SATURATION)
        np.clip(weights, 0.0, 1.0, out=weights)
        weights *= weights
        weights *= usable
        weights = weights.reshape(-1)
        total = float(weights.sum())
        if total <= 0.0 or (turn and total < NEUTRAL_SHARE * weights.size):
            break
        colour = np.asarray((weights @ pixels) / total, np.float32)
        upper = weights * (luma >= float(colour @ LUMA))
        bright = float(upper @ luma) / float(upper.sum()) if upper.any() else float(colour @ LUMA)
        if not turn:
            trust = min(1.0, total / (NEUTRAL_SHARE * weights.size))
    room_luma, colour_luma = float(room @ LUMA), float(colour @ LUMA)
    if trust <= 0.0 or room_luma < 1e-4 or colour_luma < 1e-4:
        return np.asarray(room, np.float32), 0.0, 0.0
    mixed = trust * colour / colour_luma + (1.0 - trust) * room / room_luma
    return np.asarray(mixed * room_luma, np.float32), bright, trust


def light_estimate(
    small: np.ndarray, mask_small: np.ndarray | None, reference: float, neutral: Neutral | None = None
) -> np.ndarray:
    """Light multiplier from a small frame: intensity from the mean luma (half the person's, half the room's)
    and the near-neutral surfaces' brightness (`neutral_light`, or `neutral` when the caller kept a recent
    one; a room of dark wood is not a dim room when its white paper is bright); colour from those surfaces,
    because the person region is mostly their own clothes' colour (an orange suit is not orange light)."""
    pixels = small.reshape(-1, 3)
    room = np.asarray(cv2.mean(small)[:3], np.float32)  # numpy's axis-0 sum over (N, 3) is ~20x slower
    person = room
    if mask_small is not None:
        weights = mask_small.reshape(-1).astype(np.float32, copy=False)
        total = float(weights.sum())
        if total > 0.01 * weights.size:
            person = (weights @ pixels) / total
    room_luma = float(room @ LUMA)
    mixed_luma = 0.5 * (float(np.asarray(person) @ LUMA) + room_luma)
    colour, bright, trust = neutral if neutral is not None else neutral_light(small, mask_small)
    # The brightest near-neutral surfaces bound the light from below (nothing is whiter than white): a room of
    # dark wood panels with bright paper on them is not a dim room. No white in view says nothing either way.
    mixed_luma = max(mixed_luma, mixed_luma + 0.5 * trust * (bright * (reference / WHITE_LUMA) - mixed_luma))
    colour_luma = float(colour @ LUMA)
    mean = colour * (mixed_luma / colour_luma) if colour_luma > 1e-4 else room
    return light_from_region(np.asarray(mean, dtype=np.float32), reference)


FOLD_RANGE = 0.12
"""How far apart (hue x saturation, plus FOLD_LUMA x luma) two texels may be and still be the same cloth for
the fold map's coarse average: shading a saturated orange hoodie turns its hue by ~5 degrees (~0.04); a
pink top against black leggings, blue against white stripes, lie 0.5-1 apart."""
FOLD_LUMA = 0.3  # weight of luma in that distance: white on black is another cloth, a fold's 25 % is not
FOLD_FINE_SIGMA = 1.0
"""Spread (1/8-size texels) of the fine luma's own within-cloth blur: a lone texel's luma is mostly the video's
8x8 compression blocks (on taiji, squats and asl_book 65 % of the carried ratio's RMS lay at that scale)."""


_CLOTH = np.array(
    [[0.299 * FOLD_LUMA, 1.0, 0.0], [0.587 * FOLD_LUMA, -0.5, 0.8660254], [0.114 * FOLD_LUMA, -0.5, -0.8660254]],
    np.float32,
)  # RGB -> (FOLD_LUMA x luma, the two opponent axes of hue)


def _cloth_guide(small: np.ndarray) -> np.ndarray:
    """Per texel: FOLD_LUMA x luma, then hue as a 2-vector as long as the saturation (what light and shade
    leave alone), so distances between texels tell one cloth from another."""
    guide = np.asarray(cv2.transform(np.ascontiguousarray(small, dtype=np.float32), _CLOTH.T), np.float32)
    # 1 / (max channel + 0.02): the offset calms near-black texels' hue (np.max over the last axis: 20x slower)
    inv = 1.0 / (cv2.max(cv2.max(small[..., 0], small[..., 1]), small[..., 2]) + 0.02)
    guide[..., 1] *= inv
    guide[..., 2] *= inv
    return guide


FOLD_FADE = 0.25
"""Torso lengths below the hip line over which the wearer's folds fade out of the garment."""


def fold_keep(torso: tuple[float, float, float, float, float] | None, window: tuple[int, int, int, int]) -> np.ndarray:
    """How much of the wearer's folds the garment takes at each 1/8-size texel of `window` (x0, y0, x1, y1):
    1 down to the hip line, fading to 0 FOLD_FADE torso lengths below it (along the torso's axis: `torso` is
    silhouette.torso_axis, mid-shoulders, unit down and length in frame px; None: 1 everywhere).

    A top's folds are those of the wearer's own top, which ends about the hips. Below them a long tee or a
    dress lies over legs, leggings and the gaps between them: their shading printed on the garment as blotches
    in 8 px blocks (squats 45, a white tee over black leggings), and is no fabric's fold anyway."""
    x0, y0, x1, y1 = window
    if torso is None:
        return np.ones((y1 - y0, x1 - x0), np.float32)
    sx, sy, dx, dy, length = torso
    hx, hy = sx + dx * length, sy + dy * length  # mid-hips
    per_px = 1.0 / (length * FOLD_FADE)  # torso lengths below the hips, over FOLD_FADE, per px along the axis
    # Texel centres in frame px: (i + 0.5) * 8.
    xs = (np.arange(x0, x1, dtype=np.float64) + 0.5) * 8.0 - hx
    ys = (np.arange(y0, y1, dtype=np.float64) + 0.5) * 8.0 - hy
    below = ys[:, None] * (dy * per_px) + xs[None, :] * (dx * per_px)
    t = np.clip(below, 0.0, 1.0)
    return (1.0 - t * t * (3.0 - 2.0 * t)).astype(np.float32)


def fold_maps(
    small: np.ndarray, mask_small: np.ndarray | None, keep: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Inputs of the fold transfer at 1/8 size: (luma + person mask as RG, luma blurred within each cloth).

    The shade pass takes log2(fine / coarse): detail from ~16 px to ~40 px at full size, the scale of cloth
    folds, without pixel noise, compression blocks or the fine print of the wearer's own shirt, nor the edges
    between clothes.
    `keep` (0..1 per texel, `fold_keep`) moves the fine luma toward the coarse one: no fold where it is 0.
    """
    guide = _cloth_guide(small)
    # The coarse luma averages only texels of the same cloth (a cross-bilateral blur guided by hue and
    # saturation): where the wearer's clothes change (the hem of her top on black leggings, his polo's blue
    # and white bands) the ratio keeps their folds and loses the edge, which on the garment was a bright
    # band over a grey block, or the polo's stripes.
    same = cv2.bilateralFilter(guide, 9, FOLD_RANGE, 3.0, borderType=cv2.BORDER_REPLICATE)
    coarse = same[..., 0] / FOLD_LUMA
    # The fine luma too, over its 3x3 neighbours: single texels are video compression's 8 px blocks and the
    # wearer's print, not folds (a white tee took them as grey blotches).
    near = cv2.bilateralFilter(guide, 3, FOLD_RANGE, FOLD_FINE_SIGMA, borderType=cv2.BORDER_REPLICATE)
    luma = near[..., 0] / FOLD_LUMA
    fine = np.empty(luma.shape + (2,), np.float32)
    fine[..., 0] = luma if keep is None else coarse + keep * (luma - coarse)
    fine[..., 1] = 1.0 if mask_small is None else mask_small
    return fine, np.ascontiguousarray(coarse, dtype=np.float32)
