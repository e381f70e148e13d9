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


def colour_features(rgb: np.ndarray) -> np.ndarray:
    """Chromaticity plus a little lightness: a top in shadow stays near its colour, skin and a pink top do not meet."""
    f = rgb.astype(np.float32)
    total = f.sum(axis=-1, keepdims=True)
    chroma = f / (total + 30.0)  # the offset keeps near-black pixels from taking a random hue
    return np.concatenate([chroma, total / (3.0 * 255.0) * 0.3], axis=-1)


def widen_to_top(
    image: np.ndarray, origins: np.ndarray, directions: np.ndarray, cuts: np.ndarray, edges: np.ndarray
) -> np.ndarray:
    """Each ray's cut moved out to where the frame's colours break from the wearer's top, when that comes
    before the mask's edge (so something else, an arm, lies between the top and the background).

    Rays run from `origins` (frame px, (m, 2)) along unit `directions`; `cuts` are where the arms' landmarks
    cut the torso, `edges` where the person mask ends (px along the ray). A cut stays where the colours run
    on unbroken to the mask's edge (a sleeve of the top's colour: nothing to tell them apart by); it never
    moves in. Returns the cuts (m,) as float32.
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
    start = np.maximum(start, 0)
    length = int(np.ceil(edges[usable].max() - start[usable].min())) + 1
    d = start[:, None] + np.arange(length)[None, :]  # (m, L) px along each ray
    pts = origins[:, None, :] + d[..., None] * directions[:, None, :]
    h, w = image.shape[:2]
    xs = np.clip(np.rint(pts[..., 0]).astype(np.intp), 0, w - 1)
    ys = np.clip(np.rint(pts[..., 1]).astype(np.intp), 0, h - 1)
    feats = colour_features(image[ys, xs])  # (m, L, 4)
    sums = np.concatenate([np.zeros_like(feats[:, :1]), np.cumsum(feats, axis=1)], axis=1)
    local = (sums[:, FLANK_LOCAL:-1] - sums[:, : -FLANK_LOCAL - 1]) / FLANK_LOCAL  # mean of the samples before
    jump = np.linalg.norm(feats[:, FLANK_LOCAL:] - local, axis=-1)
    at = d[:, FLANK_LOCAL:]
    breaks = (jump > FLANK_STEP) & (at < edges[:, None])
    has = breaks.any(axis=1)
    pos = np.take_along_axis(at, np.argmax(breaks, axis=1)[:, None], axis=1)[:, 0]
    ok = usable & has & (pos <= np.ceil(edges) - 1 - EDGE_MARGIN_PX)
    out[ok] = np.maximum(cuts[ok], pos[ok]).astype(np.float32)
    return out
