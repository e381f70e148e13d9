"""A garment image prepared at a ladder of scales, so the garment pass samples one bilinear level.

On llvmpipe a trilinear (mipmapped) fetch costs about twice a bilinear one and is most of the garment pass.
The garment is drawn at one scale (within a frame it varies little), so the level whose texel density just
exceeds the screen's is picked once per frame and sampled bilinearly: never minified by more than
LEVEL_STEP (no aliasing on stripes), prefiltered by area averaging, premultiplied (no background fringe).
"""

from __future__ import annotations

import math

import cv2
import moderngl
import numpy as np

from mirror_app.render.analysis import premultiply

LEVEL_STEP = 2.0**0.25  # scale ratio between neighbouring levels
MIN_LEVEL_PX = 16  # smallest level's longer side
HYSTERESIS = 0.3  # in levels: a garment resting at a level boundary does not flip between two levels


class GarmentTextures:
    """One garment image (straight-alpha RGBA uint8) as premultiplied, bilinear textures at 1, 1/LEVEL_STEP,
    1/LEVEL_STEP^2, ... of its size, each made on first use (a garment is seen at two or three scales in a
    session, and a catalog's worth of ladders would be hundreds of textures)."""

    def __init__(self, ctx: moderngl.Context, rgba: np.ndarray) -> None:
        if rgba.ndim != 3 or rgba.shape[2] != 4 or rgba.dtype != np.uint8:
            raise ValueError(f"garment texture must be (H, W, 4) uint8, got {rgba.shape} {rgba.dtype}")
        self.ctx = ctx
        h, w = rgba.shape[:2]
        self.size = (w, h)
        self._base = np.ascontiguousarray(premultiply(rgba))
        self.count = max(1, int(math.log(max(w, h) / MIN_LEVEL_PX, LEVEL_STEP)) + 1)
        self._levels: dict[int, moderngl.Texture] = {}
        self._current = 0

    def level(self, k: int) -> moderngl.Texture:
        """Level k (0 = full size), area-averaged from the full image and uploaded on first use."""
        k = min(max(k, 0), self.count - 1)
        tex = self._levels.get(k)
        if tex is None:
            w, h = self.size
            scale = LEVEL_STEP**-k
            size = (max(1, round(w * scale)), max(1, round(h * scale)))
            img = self._base if k == 0 else cv2.resize(self._base, size, interpolation=cv2.INTER_AREA)
            tex = self.ctx.texture(size, 4, np.ascontiguousarray(img))
            tex.repeat_x = tex.repeat_y = False
            tex.filter = (moderngl.LINEAR, moderngl.LINEAR)
            self._levels[k] = tex
        return tex

    def for_scale(self, px_per_texel: float, *, steady: bool = True) -> moderngl.Texture:
        """The level to sample when one texel of the full image covers `px_per_texel` screen pixels: the
        smallest one that is not minified (by more than the hysteresis, when `steady`)."""
        ideal = -math.log(max(px_per_texel, 1e-6), LEVEL_STEP)  # continuous level index at 1 texel per pixel
        if not steady:
            return self.level(math.floor(ideal))
        k = self._current
        if not (ideal - 1.0 - HYSTERESIS <= k <= ideal + HYSTERESIS):
            k = math.floor(ideal)
        self._current = min(max(k, 0), self.count - 1)
        return self.level(self._current)

    def release(self) -> None:
        """Free every level made so far."""
        for tex in self._levels.values():
            tex.release()
        self._levels.clear()


def inside_share(inside: np.ndarray, alpha: np.ndarray, reach: int = 16) -> np.ndarray:
    """Per texel, the share of the garment there that is the inside of its back (uint8): the catalog's mask
    (coverage, at most the alpha) over the alpha, carried `reach` texels past the garment's edge into
    transparent texels (where the wearer drawn over the camera frame changes nothing), as far as a small
    mip level's blurred alpha reaches. The pass that draws the wearer over it then removes all of the garment
    where its coverage is all inside: mask x alpha left a thin light line along the back neckline's edge."""
    a = alpha.astype(np.float32)
    share = np.clip(inside.astype(np.float32) / np.maximum(a, 1.0), 0.0, 1.0)
    share[a <= 0] = 0.0
    # Along the garment's own soft edge the mask's anti-aliasing counted the edge twice (coverage x alpha):
    # there a texel takes its neighbours' share, the inside behind it.
    soft = (a > 0) & (a < 255)
    share[soft] = np.maximum(share, cv2.dilate(share, np.ones((3, 3), np.uint8)))[soft]
    grown = cv2.dilate(share, np.ones((2 * reach + 1, 2 * reach + 1), np.uint8))
    share = np.where(a > 0, share, grown)
    return (share * 255.0 + 0.5).astype(np.uint8)
