"""Long hair falling over the shoulders: where the camera frame is drawn back over the garment.

From what each frame already has (camera frame, person mask, face and shoulder landmarks), at a scale where
the ear-to-ear distance is HEAD_PX pixels (~0.2 ms whatever the person's size): the hair colour is sampled
on the top of the head (inside the person mask, well above the eyes), and the hair-coloured pixels that are
connected to it and reach below the ears are the hair in front of the clothes. Conservative by design: no
map when the hair's colour cannot be told from the face's skin, the wearer's own top (sampled on the
sternum) or the room beside the head, when too little of the head top is seen, or when nothing hair-like
hangs below the ears (short hair). The shader then refines the map's soft edge per pixel with the same
colour test.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from mirror_app.render.analysis import shrink
from mirror_app.tracking import body as pose
from mirror_app.tracking.body import Body

HEAD_PX = 12.0  # ear-to-ear distance in the working map (its pixels per head width)
MIN_HEAD_PX = 10.0  # ear-to-ear distance in the frame under which no map is made (too far to matter)
SAMPLE_ABOVE_EYES = 0.45  # hair samples lie this many head widths above the eye line...
SAMPLE_HALF_WIDTH = 0.7  # ...and within this many head widths of the head's axis
MIN_SAMPLES = 10  # fewer hair samples than this (bald, hat cut off by the frame edge): no map
SEPARABLE = 0.15  # hair closer than this (0..1 RGB distance) to the skin, the top or the room: no map
SKIN_LIKE = 0.08  # head-top samples this near a shade of the face's skin are forehead, not hair
MAX_SPREAD = 0.12  # median distance of the head-top samples from their median above which: no map
MAX_TOLERANCE = 0.12  # widest colour distance a pixel may be from the hair colour and count as hair
MARGIN = 0.05  # a hair pixel must be this much nearer to the hair colour than to the skin, top and room
CENTRE_HALF_WIDTH = 0.45  # head widths either side of the head's axis (face, neck) where hair is not sought
MIN_LOCK_AREA = 0.1  # hair below the ears smaller than this (in head widths squared) is not a lock
REACH_BELOW_EARS = 0.5  # hair must reach this many head widths below the ear line to count as long
_LANDMARKS = (pose.NOSE, 2, 5, 7, 8, 9, 10, pose.LEFT_SHOULDER, pose.RIGHT_SHOULDER)
_ROI_SIDE, _ROI_TOP, _ROI_BELOW = 1.2, 1.6, 2.6  # working region around head and shoulders, in head widths


@dataclass(frozen=True, slots=True)
class HairMap:
    """Soft map (uint8, 255 = hair in front) of the hair below the head, with what the shader tests per pixel."""

    alpha: np.ndarray  # (h, w) uint8
    rect: tuple[int, int, int, int]  # frame pixels (x0, y0, x1, y1) that the map covers
    hair: np.ndarray  # (3,) float32 hair colour, 0..1
    tolerance: float  # colour distance within which a pixel may be hair
    others: np.ndarray  # (3, 3) float32 skin, top and room colours: a pixel nearer to them is not hair


def _median(pixels: np.ndarray) -> np.ndarray:
    return np.median(pixels.reshape(-1, 3), axis=0).astype(np.float32)


SHADE_RANGE = (0.55, 1.3)  # brightness factors skin and cloth take in shadow and light and stay themselves


def shade_distance(pixels: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """Distance (0..1 RGB) of each pixel (..., 3) from the nearest shade of `ref` (ref x k, k in SHADE_RANGE), for
    skin and the wearer's top: a neck in the chin's shadow or a fold stays skin or cloth, not "dark like hair".
    (Not for the hair itself: brown hair is a dark shade of skin.) Same metric as shaders/hair.frag."""
    k = np.clip(pixels @ ref / max(float(ref @ ref), 1e-4), *SHADE_RANGE)
    return np.linalg.norm(pixels - k[..., None] * ref, axis=-1)


def hair_map(frame: np.ndarray, mask: np.ndarray | None, body: Body | None) -> HairMap | None:
    """The hair over the shoulders of this frame, or None when there is none to draw (or it cannot be told
    from the skin or the clothes)."""
    if body is None or mask is None or mask.size == 0:
        return None
    lm = np.asarray(body.landmarks_px, dtype=np.float32)
    if lm.shape[0] < pose.NUM_LANDMARKS or float(lm[list(_LANDMARKS), 2].min()) < 0.5:
        return None
    fh, fw = frame.shape[:2]
    bw, bh = body.frame_size
    px = lm[:, :2] * (np.array([fw / bw, fh / bh], np.float32) if bw and bh else 1.0)
    ears = px[[7, 8]]
    head_w = float(np.linalg.norm(ears[0] - ears[1]))
    if head_w < MIN_HEAD_PX:
        return None
    shoulders = px[[pose.LEFT_SHOULDER, pose.RIGHT_SHOULDER]]
    ear_mid, sh_mid = ears.mean(axis=0), shoulders.mean(axis=0)
    up = ear_mid - sh_mid
    if float(np.linalg.norm(up)) < 0.5 * head_w:
        return None
    up /= np.linalg.norm(up)
    right = np.array([-up[1], up[0]], np.float32)
    eye_mid = px[[2, 5]].mean(axis=0)

    # Working region: head top to well below the shoulders, at HEAD_PX per head width.
    pts = np.concatenate([ears, shoulders, [eye_mid + up * _ROI_TOP * head_w], [sh_mid - up * _ROI_BELOW * head_w]])
    x0 = int(max(0, pts[:, 0].min() - _ROI_SIDE * head_w))
    x1 = int(min(fw, pts[:, 0].max() + _ROI_SIDE * head_w))
    y0 = int(max(0, pts[:, 1].min()))
    y1 = int(min(fh, pts[:, 1].max()))
    if x1 - x0 < 4 or y1 - y0 < 4:
        return None
    scale = min(1.0, HEAD_PX / head_w)
    size = (max(2, round((x1 - x0) * scale)), max(2, round((y1 - y0) * scale)))
    mh, mw = mask.shape[:2]
    mx0, my0 = int(x0 * mw / fw), int(y0 * mh / fh)
    mx1, my1 = max(mx0 + 1, int(x1 * mw / fw)), max(my0 + 1, int(y1 * mh / fh))
    person = cv2.resize(np.ascontiguousarray(mask[my0:my1, mx0:mx1]), size, interpolation=cv2.INTER_LINEAR)
    person = person.astype(np.float32) * (1.0 / 255.0 if mask.dtype == np.uint8 else 1.0)

    # Head-relative coordinates of every working pixel, in head widths (outer sums of row and column terms).
    fx = (x0 + (np.arange(size[0], dtype=np.float32) + 0.5) * (x1 - x0) / size[0])[None, :]
    fy = (y0 + (np.arange(size[1], dtype=np.float32) + 0.5) * (y1 - y0) / size[1])[:, None]
    above_eyes = ((fx - eye_mid[0]) * up[0] + (fy - eye_mid[1]) * up[1]) / head_w
    above_ears = ((fx - ear_mid[0]) * up[0] + (fy - ear_mid[1]) * up[1]) / head_w
    across = np.abs(((fx - ear_mid[0]) * right[0] + (fy - ear_mid[1]) * right[1]) / head_w)
    on_person = person > 0.8
    top = (person > 0.7) & (above_eyes > SAMPLE_ABOVE_EYES) & (across < SAMPLE_HALF_WIDTH)
    if int(top.sum()) < MIN_SAMPLES:
        return None
    crop = shrink(frame[y0:y1, x0:x1], size)

    def patch(near: np.ndarray) -> np.ndarray | None:
        return _median(crop[near]) if int(near.sum()) >= 4 else None

    nose = px[pose.NOSE]
    face_at = nose + 0.35 * (px[[9, 10]].mean(axis=0) - nose)
    skin = patch(((fx - face_at[0]) ** 2 + (fy - face_at[1]) ** 2 < (0.25 * head_w) ** 2) & on_person)
    # The room just off the head: where the mask bleeds past the hair, what is sampled there is the wall.
    backdrop = patch((person < 0.1) & (above_ears > 0.0))
    if skin is None or backdrop is None:
        return None
    # Hair samples: the head top without the forehead's skin and the room the mask bled into.
    samples = crop[top]
    plain = np.linalg.norm(samples - backdrop, axis=1)
    samples = samples[(shade_distance(samples, skin) > SKIN_LIKE) & (plain > SEPARABLE)]
    if len(samples) < MIN_SAMPLES:
        return None  # bald, or a forehead up to the crown
    hair = _median(samples)
    spread = float(np.median(np.linalg.norm(samples - hair, axis=1)))
    if spread > MAX_SPREAD:
        return None  # no one colour up there: a patterned hat, a mixed background
    tolerance = float(np.clip(2.0 * spread, 0.06, MAX_TOLERANCE))
    sh_span = float(np.linalg.norm(shoulders[0] - shoulders[1]))
    top_at = sh_mid - up * 0.45 * sh_span
    clothes = patch(((fx - top_at[0]) ** 2 + (fy - top_at[1]) ** 2 < (0.35 * head_w) ** 2) & on_person)
    if clothes is None:
        return None
    ref = np.stack([skin, clothes, backdrop])
    apart = (shade_distance(hair, skin), shade_distance(hair, clothes), np.linalg.norm(hair - backdrop))
    if min(float(d) for d in apart) < SEPARABLE:
        return None

    to_hair = np.linalg.norm(crop - hair, axis=2)
    to_other = np.minimum(shade_distance(crop, skin), shade_distance(crop, clothes))
    np.minimum(to_other, np.linalg.norm(crop - backdrop, axis=2), out=to_other)
    # Never through the face, the neck or the middle of the chest: hair over the shoulders hangs beside them,
    # and shaded skin or a dark collar there must not count (nor connect the head's hair to the clothes).
    beside = (across > CENTRE_HALF_WIDTH) | (above_eyes > 0.4)
    like = (to_hair < tolerance) & (to_hair < to_other - MARGIN) & (person > 0.5) & beside
    count, labels = cv2.connectedComponents(like.astype(np.uint8), connectivity=8)
    if count <= 1:
        return None
    rooted = np.unique(labels[top & like])
    hanging = np.isin(labels, rooted[rooted > 0])
    below = int((hanging & (above_ears < -REACH_BELOW_EARS)).sum()) / (head_w * scale) ** 2  # head widths^2
    if below < MIN_LOCK_AREA:
        return None  # short hair: nothing (or a wisp) falls past the ears onto the clothes
    # Grown by two working pixels, then softened: the map is fully on over every hair pixel (strand edges
    # mixed with the top's colour included) and the shader's per-pixel colour test draws the edge.
    alpha = cv2.dilate(hanging.astype(np.uint8) * 255, np.ones((5, 5), np.uint8))
    alpha = cv2.GaussianBlur(alpha, (3, 3), 0)
    return HairMap(alpha, (x0, y0, x1, y1), hair, tolerance, ref.astype(np.float32))
