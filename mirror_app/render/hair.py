"""Long hair falling over the shoulders: where the camera frame is drawn back over the garment.

From what each frame already has (camera frame, person mask, face and shoulder landmarks), at a scale where
the ear-to-ear distance is HEAD_PX pixels (~0.5 ms a call at 720p here, whatever the person's size): the hair
colour is sampled on the top of the head (inside the person mask, well above the eyes), and the hair-coloured
pixels that are connected to it and reach below the ears are the hair in front of the clothes. Conservative by
design: no map when the hair's colour cannot be told from the face's skin, the wearer's own top (sampled on
the sternum) or the room beside the head, when too little of the head top is seen, or when nothing hair-like
hangs below the ears (short hair). The shader then refines the map's soft edge per pixel with the same colour
test.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from mirror_app.render.analysis import channel_distances, shades, shrink
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


_VISIBLE = np.array(_LANDMARKS)  # the landmarks that must be seen, as a fancy index built once
# Landmark pairs whose midpoints and spans are used: ears, shoulders, eyes (inner), mouth corners.
_PAIRS = np.array([[7, pose.LEFT_SHOULDER, 2, 9], [8, pose.RIGHT_SHOULDER, 5, 10]])
_REACH = np.array([[_ROI_TOP], [-_ROI_BELOW]], np.float32)  # the region's reach from the eyes and shoulders
_GROW = np.ones((5, 5), np.uint8)  # the map's growth around the hair pixels (two working pixels each way)


def _median(values: np.ndarray) -> np.ndarray:
    """np.median over the first axis, bit for bit, by one sort: its own checks cost more than sorting these pixels."""
    ordered = np.sort(values, axis=0)
    half = len(values) // 2
    return ordered[half] if len(values) % 2 else (ordered[half - 1] + ordered[half]) / 2


def _length(vector: np.ndarray) -> float:
    """np.linalg.norm of a 1-D vector, bit for bit (its own sqrt(x . x)), without its argument checks."""
    return float(np.sqrt(vector.dot(vector)))


def hair_map(frame: np.ndarray, mask: np.ndarray | None, body: Body | None) -> HairMap | None:
    """The hair over the shoulders of this frame, or None when there is none to draw (or it cannot be told
    from the skin or the clothes)."""
    if body is None or mask is None or mask.size == 0:
        return None
    lm = np.asarray(body.landmarks_px, dtype=np.float32)
    if lm.shape[0] < pose.NUM_LANDMARKS or float(lm[_VISIBLE, 2].min()) < 0.5:
        return None
    fh, fw = frame.shape[:2]
    bw, bh = body.frame_size
    px = lm[:, :2] * (np.array([fw / bw, fh / bh], np.float32) if bw and bh else 1.0)
    ends = px[_PAIRS]  # (2, 4, 2): the first and the second landmark of each pair
    gaps = ends[0] - ends[1]
    mids = (ends[0] + ends[1]) / 2
    ear_mid, sh_mid, eye_mid, mouth_mid = mids
    head_w = _length(gaps[0])
    if head_w < MIN_HEAD_PX:
        return None
    up = ear_mid - sh_mid
    up_len = _length(up)
    if up_len < 0.5 * head_w:
        return None
    up /= up_len

    # Working region: head top to well below the shoulders, at HEAD_PX per head width.
    reach = mids[[2, 1]] + up * _REACH * head_w  # the head top above the eyes, the chest below the shoulders
    pts = np.concatenate([ends[:, :2].reshape(4, 2), reach])  # and the ears and shoulders
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    x0 = int(max(0, lo[0] - _ROI_SIDE * head_w))
    x1 = int(min(fw, hi[0] + _ROI_SIDE * head_w))
    y0 = int(max(0, lo[1]))
    y1 = int(min(fh, hi[1]))
    if x1 - x0 < 4 or y1 - y0 < 4:
        return None
    scale = min(1.0, HEAD_PX / head_w)
    size = (max(2, round((x1 - x0) * scale)), max(2, round((y1 - y0) * scale)))
    mh, mw = mask.shape[:2]
    mx0, my0 = int(x0 * mw / fw), int(y0 * mh / fh)
    mx1, my1 = max(mx0 + 1, int(x1 * mw / fw)), max(my0 + 1, int(y1 * mh / fh))
    # Resized from the mask in place (OpenCV takes the row stride): copying the region first read all of it.
    person = cv2.resize(mask[my0:my1, mx0:mx1], size, interpolation=cv2.INTER_LINEAR).astype(np.float32, copy=False)
    if mask.dtype == np.uint8:
        person *= 1.0 / 255.0

    # Head-relative coordinates of every working pixel, in head widths: the height above the eyes, the height
    # above the ears and the distance across from the ears' midpoint, each the outer sum of a column term
    # (3, 1, w) and a row term (3, h, 1), the three at once.
    fx = x0 + (np.arange(size[0], dtype=np.float32) + 0.5) * (x1 - x0) / size[0]
    fy = (y0 + (np.arange(size[1], dtype=np.float32) + 0.5) * (y1 - y0) / size[1])[:, None]
    origins, axes = mids[[2, 0, 0], :, None], np.array([up, up, (-up[1], up[0])])[:, :, None]
    terms_x, terms_y = (fx - origins[:, :1]) * axes[:, :1], (fy - origins[:, 1:]) * axes[:, 1:]
    above_eyes, above_ears, across = (terms_x + terms_y) / head_w
    across = np.abs(across)
    on_person = person > 0.8
    top = (person > 0.7) & (above_eyes > SAMPLE_ABOVE_EYES) & (across < SAMPLE_HALF_WIDTH)
    if np.count_nonzero(top) < MIN_SAMPLES:
        return None
    crop = shrink(frame[y0:y1, x0:x1], size)
    pixels = crop.reshape(-1, 3)  # rows, as the shade products take them; channels first for the distances

    def patch(near: np.ndarray) -> np.ndarray | None:
        return _median(pixels.compress(near.ravel(), axis=0)) if np.count_nonzero(near) >= 4 else None

    nose = px[pose.NOSE]
    face_at = nose + 0.35 * (mouth_mid - nose)
    skin = patch(((fx - face_at[0]) ** 2 + (fy - face_at[1]) ** 2 < (0.25 * head_w) ** 2) & on_person)
    # The room just off the head: where the mask bleeds past the hair, what is sampled there is the wall.
    backdrop = patch((person < 0.1) & (above_ears > 0.0))
    if skin is None or backdrop is None:
        return None
    # Hair samples: the head top without the forehead's skin and the room the mask bled into.
    samples = pixels.compress(top.ravel(), axis=0)
    channels = samples.T
    keep = channel_distances(channels, shades(samples, skin[None]))[0] > SKIN_LIKE
    keep &= channel_distances(channels, backdrop[None])[0] > SEPARABLE
    samples = samples.compress(keep, axis=0)
    if len(samples) < MIN_SAMPLES:
        return None  # bald, or a forehead up to the crown
    hair = _median(samples)
    spread = float(_median(channel_distances(samples.T, hair[None])[0]))
    if spread > MAX_SPREAD:
        return None  # no one colour up there: a patterned hat, a mixed background
    tolerance = min(max(2.0 * spread, 0.06), MAX_TOLERANCE)
    top_at = sh_mid - up * 0.45 * _length(gaps[1])
    clothes = patch(((fx - top_at[0]) ** 2 + (fy - top_at[1]) ** 2 < (0.35 * head_w) ** 2) & on_person)
    if clothes is None:
        return None
    ref = np.array([skin, clothes, backdrop])
    if min(*channel_distances(hair, shades(hair, ref[:2])).tolist(), _length(hair - backdrop)) < SEPARABLE:
        return None

    planes = np.ascontiguousarray(crop.transpose(2, 0, 1)).reshape(3, -1)  # (3, h * w)
    to_hair = channel_distances(planes, hair[None])[0]
    # Never through the face, the neck or the middle of the chest: hair over the shoulders hangs beside them,
    # and shaded skin or a dark collar there must not count (nor connect the head's hair to the clothes).
    beside = (across > CENTRE_HALF_WIDTH) | (above_eyes > 0.4)
    # Hair is near the hair colour, on the person and beside the face: only there is it told from the skin, the
    # top and the room (the same distances as over the whole map, on a fraction of its pixels).
    near = np.flatnonzero((to_hair < tolerance) & (person.ravel() > 0.5) & beside.ravel())
    at = planes[:, near]
    to_other = np.minimum(
        channel_distances(at, shades(crop, ref[:2], near)).min(axis=0), channel_distances(at, backdrop[None])[0]
    )
    like = np.zeros(crop.shape[:2], bool)
    np.put(like, near, to_hair[near] < to_other - MARGIN)
    low = above_ears < -REACH_BELOW_EARS
    unit = (head_w * scale) ** 2  # working pixels per head width squared
    if np.count_nonzero(like & low) / unit < MIN_LOCK_AREA:
        return None  # even all the hair-like pixels below the ears together are no lock: none hangs there
    count, labels = cv2.connectedComponents(like.view(np.uint8), connectivity=8)
    rooted = np.zeros(count, np.uint8)  # 255 for the components that reach the head top's samples
    rooted[labels[top & like]] = 255
    hanging = rooted[labels]
    if np.count_nonzero(hanging[low]) / unit < MIN_LOCK_AREA:
        return None  # short hair: nothing (or a wisp) falls past the ears onto the clothes
    # Grown by two working pixels, then softened: the map is fully on over every hair pixel (strand edges
    # mixed with the top's colour included) and the shader's per-pixel colour test draws the edge.
    alpha = cv2.GaussianBlur(cv2.dilate(hanging, _GROW), (3, 3), 0)
    return HairMap(alpha, (x0, y0, x1, y1), hair, tolerance, ref)
