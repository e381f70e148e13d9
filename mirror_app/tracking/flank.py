"""Where the wearer's own top ends beside an arm, from the frame's colours: the mask cannot tell arm from torso."""

from __future__ import annotations

import numpy as np

FLANK_STEP = 0.15
"""Least distance (colour_features) of a sample from the few just inside it for the top to end there. Shading
drifts a top's colour slowly (a deep pink turns red toward the flank, ~0.005 a pixel); the top's edge against
skin or a sleeve of another colour jumps by 0.2-0.4 within a few pixels."""
FLANK_LOCAL = 6  # samples (px) just inside that a sample is compared with
EDGE_MARGIN_PX = 2
"""A break this close to the mask's edge is the silhouette's own edge (the background), not an arm beside."""
FLANK_CONTRAST = 0.12
"""Least distance between the top's colour (inside the cut) and the colour just inside the mask's edge (the
arm's, where one hangs beside) for colours to be read at all: a sleeve of the top's colour has folds and
seams that break its colour too, and nothing tells them from the top's edge."""
OUTER_PX = (4, 10)  # the arm's colour is taken this far (px) inside the mask's edge (its edge may stand off the body)
AFTER_PX = 4  # samples from a break on: most must stay unlike the top (a fold or seam line is 1-3 px)
TOP_SAMPLES_AT = np.linspace(0.1, 0.8, 16)  # where, as shares of the cut, the top's colour is taken


def colour_features(rgb: np.ndarray) -> np.ndarray:
    """Chromaticity plus a little lightness: a top in shadow stays near its colour, skin and a pink top do not meet."""
    f = rgb.astype(np.float32)
    total = f.sum(axis=-1, keepdims=True)
    chroma = f / (total + 30.0)  # the offset keeps near-black pixels from taking a random hue
    return np.concatenate([chroma, total / (3.0 * 255.0) * 0.3], axis=-1)


def widen_to_top(
    image: np.ndarray,
    origins: np.ndarray,
    directions: np.ndarray,
    cuts: np.ndarray,
    edges: np.ndarray,
    sides: np.ndarray,
    hem: np.ndarray,
) -> np.ndarray:
    """Each ray's cut moved out to where the frame's colours break from the wearer's top for good, when the
    arm's colour (just inside the mask's edge) differs from the top's and the break comes before the mask's
    edge (so something else, an arm, lies between the top and the background).

    Rays run from `origins` (frame px, (m, 2)) along unit `directions`; `cuts` are where the arms' landmarks
    cut the torso, `edges` where the person mask ends (px along the ray). Rays with the same `sides` value lie
    on one side of the body; `hem` marks those at the hem's height. A side's colours are read only when each
    of its rays above the hem shows the arm apart from the top: a long sleeve of the top's colour (its folds
    and seams break the colour too) ends in a hand, which alone would pass at the hem. A cut never moves in.
    Returns the cuts (m,) as float32.
    """
    cuts = np.asarray(cuts, np.float64)
    out = cuts.astype(np.float32)
    if cuts.size == 0:
        return out
    edges = np.asarray(edges, np.float64)
    first = np.ceil(cuts).astype(np.intp)  # first sample that may break
    start = first - FLANK_LOCAL
    usable = (start >= 0) & (first < edges)
    if not usable.any():
        return out
    length = int(np.ceil(edges[usable].max())) + AFTER_PX + 1
    d = np.broadcast_to(np.arange(length)[None, :], (len(cuts), length))  # (m, L) px along each ray, from the axis
    pts = origins[:, None, :] + d[..., None] * directions[:, None, :]
    h, w = image.shape[:2]
    xs = np.clip(np.rint(pts[..., 0]).astype(np.intp), 0, w - 1)
    ys = np.clip(np.rint(pts[..., 1]).astype(np.intp), 0, h - 1)
    feats = colour_features(image[ys, xs])  # (m, L, 4)
    # The top's colour (inside the cut, 16 samples) against the arm's (just inside the mask's edge).
    rows = np.arange(len(cuts))[:, None]
    inner = np.rint(cuts[:, None] * TOP_SAMPLES_AT[None, :]).astype(np.intp)
    outer = np.clip(np.ceil(edges).astype(np.intp)[:, None] - np.arange(OUTER_PX[0], OUTER_PX[1] + 1)[None, :], 0, None)
    contrast = np.linalg.norm(np.median(feats[rows, inner], axis=1) - np.median(feats[rows, outer], axis=1), axis=-1)
    apart = usable & (contrast >= FLANK_CONTRAST)
    sides, hem = np.asarray(sides), np.asarray(hem, bool)
    readable = np.array([bool(apart[(sides == g) & ~hem].all() and ((sides == g) & ~hem).any()) for g in sides])
    read = np.flatnonzero(readable & apart)
    if read.size == 0:
        return out
    feats, at = feats[read], d[read, FLANK_LOCAL:]
    sums = np.concatenate([np.zeros_like(feats[:, :1]), np.cumsum(feats, axis=1)], axis=1)
    local = (sums[:, FLANK_LOCAL:-1] - sums[:, : -FLANK_LOCAL - 1]) / FLANK_LOCAL  # mean of the samples before
    step2 = FLANK_STEP * FLANK_STEP
    jump = ((feats[:, FLANK_LOCAL:] - local) ** 2).sum(axis=-1) > step2
    # A break stays broken when most of the samples from it on stay unlike the top's colour just before it:
    # a fold or a seam line of the top itself is 1-3 px wide.
    ahead = np.minimum(np.arange(at.shape[1])[:, None] + FLANK_LOCAL + np.arange(AFTER_PX)[None, :], length - 1)
    unlike = ((feats[:, ahead] - local[:, :, None, :]) ** 2).sum(axis=-1) > step2  # (r, L', AFTER_PX)
    stays = unlike.sum(axis=-1) * 4 >= AFTER_PX * 3
    breaks = jump & stays & (at >= first[read, None]) & (at < edges[read, None])
    pos = np.take_along_axis(at, np.argmax(breaks, axis=1)[:, None], axis=1)[:, 0]
    good = breaks.any(axis=1) & (pos <= np.ceil(edges[read]) - 1 - EDGE_MARGIN_PX)
    ok, pos = read[good], pos[good]
    out[ok] = np.maximum(cuts[ok], pos).astype(np.float32)
    return out
