"""Where arms, hands and the head lie in front of the garment: capsules the garment shader cuts out."""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from mirror_app.render.analysis import patch_means, pixel_indices, pixels_at, rgb_distance, shade_distance
from mirror_app.tracking import body as pose
from mirror_app.tracking.body import Body

FRONT_MARGIN_M = (0.03, 0.08)  # wrist this much closer than the shoulder (metres): arm fully "in front"
ARM_VISIBILITY = (0.55, 0.65)  # elbow and wrist visibility from which an arm starts, and fully, hides the garment
CLEARLY_SEEN = (0.9, 0.97)  # elbow and wrist visibility from which a shallow depth no longer hides an arm
NOT_BEHIND_M = (-0.04, -0.01)  # a clearly seen wrist this little behind its shoulder (metres) still counts as in front
SNAP_REACH = 0.3  # share of the forearm's length each end of its axis may move sideways onto the limb
SNAP_STEPS = 5  # positions tried per end, across [-SNAP_REACH, SNAP_REACH]
SNAP_SAMPLES = 12  # pixels read along each tried line
SNAP_MARGIN = 0.03  # lines this near the best one's distance from the hand count as on the forearm too
SNAP_ON_PERSON = 0.85  # share of a tried line's pixels that must lie on the person (in the frame and the mask)
SKIN_LIKE = 0.12  # mean distance (0..1 RGB) from a shade of the hand under which a line lies on a bare forearm
TRACKED_UNLIKE = 0.2  # ... above which the tracked axis lies on something else (the wearer's top)
SKIN_HUE_DEG = (-15.0, 60.0)  # hues (degrees, red 0) a hand's skin takes under room light
SKIN_GREY = 0.25  # saturation under which a colour is too grey for its hue to tell skin from anything
_SNAP_T = np.linspace(0.15, 0.85, SNAP_SAMPLES, dtype=np.float32)  # where along a line its pixels lie
_SNAP_REST = 1 - _SNAP_T  # the weight of a line's first end at those points
_SNAP_SHIFTS = np.linspace(-SNAP_REACH, SNAP_REACH, SNAP_STEPS, dtype=np.float32)  # x the forearm's length
_BYTE = np.float32(1.0 / 255.0)  # uint8 to 0..1
OTHER_SLEEVE_NEAR = (0.35, 0.6)  # shoulder widths from the other upper arm within which a wrist is on its sleeve
_OTHER = {  # each shoulder's other shoulder and elbow: the other sleeve
    pose.LEFT_SHOULDER: (pose.RIGHT_SHOULDER, pose.RIGHT_ELBOW),
    pose.RIGHT_SHOULDER: (pose.LEFT_SHOULDER, pose.LEFT_ELBOW),
}
Point = tuple[float, float]
Capsule = tuple[Point, Point, float, float, float, float, float]


class _Arm(NamedTuple):
    """An arm in front of the garment: its landmarks (pose indices), how strongly it hides the garment, and
    its knuckles with how clearly MediaPipe saw them."""

    shoulder: int
    elbow: int
    wrist: int
    weight: float
    knuckles: Point
    knuckles_seen: float


def _ramp(value: float, lo_hi: tuple[float, float]) -> float:
    """0 at or below lo, 1 at or above hi, linear between."""
    lo, hi = lo_hi
    return min(max((value - lo) / (hi - lo), 0.0), 1.0)


def _to_segment(p: Point, a: Point, b: Point) -> float:
    """The distance from a point to the segment a-b."""
    ab, ap = (b[0] - a[0], b[1] - a[1]), (p[0] - a[0], p[1] - a[1])
    t = min(max((ap[0] * ab[0] + ap[1] * ab[1]) / max(ab[0] * ab[0] + ab[1] * ab[1], 1e-9), 0.0), 1.0)
    return math.dist(p, (a[0] + t * ab[0], a[1] + t * ab[1]))


def _mid(a: tuple[float, float], b: tuple[float, float]) -> tuple[float, float]:
    """The point halfway between two."""
    return (0.5 * (a[0] + b[0]), 0.5 * (a[1] + b[1]))


def skin_plausible(rgb: np.ndarray) -> np.ndarray:
    """Whether colours (..., 3; 0..1 RGB) may be skin: a misplaced hand's "palm" on a pink, blue or green top is not.

    Only hue and saturation are read (light and skin tone change the brightness), and only a clearly
    coloured sample is rejected: a grey one (shadow, pale skin in cold light) may be skin.
    """
    c = np.asarray(rgb, np.float32)
    r, g, b = c[..., 0], c[..., 1], c[..., 2]
    hi, lo = c.max(axis=-1), c.min(axis=-1)
    grey = (hi - lo) < SKIN_GREY * np.maximum(hi, 1e-6)
    hue = np.degrees(np.arctan2(np.sqrt(3.0) * (g - b), 2.0 * r - g - b))  # red 0, yellow 60, blue -120
    return grey | ((hue >= SKIN_HUE_DEG[0]) & (hue <= SKIN_HUE_DEG[1]))


def _bare_forearms(
    frame: np.ndarray, mask: np.ndarray | None, scale: float, arms: list[tuple[Point, Point, Point]]
) -> list[tuple[Point, Point]]:
    """Forearms (elbow, wrist), each given with its knuckles, moved onto the bare forearm where MediaPipe's
    axis lies beside it (`_snap_forearm`); the others as they are.

    The hand's colour, halfway from the wrist to the knuckles, is the bare forearm's. A "hand" no skin has
    (squats: knuckles pointing up her pink top while the hand hangs below the wrist) lies on the clothes: a
    snap would seek the top's colour. An axis whose pixels look like the hand lies on the forearm already
    (then only these 12 pixels are read). All arms' hands and axes are read at once: per arm, numpy's
    per-call overhead was most of this.
    """
    if not arms:
        return []
    h, fw = frame.shape[:2]
    skins = patch_means(frame, np.array([_mid(wr, knuckles) for _, wr, knuckles in arms], np.float32))
    ends = np.array([(e, wr) for e, wr, _ in arms], np.float32).T[:, :, :, None]  # (x/y, elbow/wrist, arm, 1)
    on_axis = pixel_indices(ends[:, 0] * _SNAP_REST + ends[:, 1] * _SNAP_T, (fw, h))  # (2, arms, SNAP_SAMPLES)
    unlike = rgb_distance(frame[on_axis[1], on_axis[0]] * _BYTE, skins[:, None])
    tracked = (np.add.reduce(unlike, axis=1) / SNAP_SAMPLES).tolist()  # each axis's distance from its hand
    out = []
    for (e, wr, _), skin, plausible, away in zip(arms, skins, skin_plausible(skins).tolist(), tracked, strict=True):
        out.append(_snap_forearm(frame, mask, scale, skin, e, wr) if plausible and away >= TRACKED_UNLIKE else (e, wr))
    return out


def _snap_forearm(
    frame: np.ndarray,
    mask: np.ndarray | None,
    scale: float,
    skin: np.ndarray,
    e: Point,
    w: Point,
) -> tuple[Point, Point]:
    """A bare forearm's ends moved sideways onto it, its tracked axis not looking like the hand (`skin`).

    A forearm pointing at the camera is placed 15-30 px off by MediaPipe, on the wearer's top beside it
    (squats, taiji frame 130): the capsule then draws a band of the top over the garment and misses the arm.
    Lines are compared with the hand shade for shade (`shade_distance`): a forearm held toward the light is
    up to a third brighter than its hand (squats frames 2-58), which colour for colour looked like no hand.
    Lines with each end moved up to SNAP_REACH of the forearm's length either way are tried; the axis moves
    only when other lines on the person clearly look like the hand, and more than the tracked one does: the
    middle of those is the forearm. A sleeved forearm looks like no hand: it stays where MediaPipe put it.

    Points are kept as (2, ...) arrays, x then y, so each step is one numpy call on contiguous rows.
    """
    a, b = np.array(((e[0],), (e[1],)), np.float32), np.array(((w[0],), (w[1],)), np.float32)  # (2, 1)
    h, fw = frame.shape[:2]
    along = (b - a)[:, 0]
    length = float(np.sqrt(along.dot(along)))
    normal = np.array([a[1] - b[1], b[0] - a[0]], np.float32) / max(length, 1e-6)  # (2, 1)
    shifts = _SNAP_SHIFTS * length
    offsets = shifts * normal  # (2, S): each end's tried positions
    # (2, S, S, SNAP_SAMPLES): the line from end a moved by offsets[i] to end b moved by offsets[j].
    xy = ((a + offsets)[:, :, None, None] * _SNAP_REST) + ((b + offsets)[:, None, :, None] * _SNAP_T)
    pxy = pixel_indices(xy, (fw, h))
    # Single pixels (many along each line average the noise): 5x5 patches made this 0.4 ms a frame.
    pixels = pixels_at(frame, pxy[0], pxy[1])
    unlike = np.add.reduce(shade_distance(pixels * _BYTE, skin), axis=2) / SNAP_SAMPLES  # (S, S): per line, mean
    if float(np.minimum.reduce(unlike, axis=None)) > SKIN_LIKE:
        return e, w  # no line looks like the hand, on the person or not (a sleeve: 5 in 6 calls on real clips)
    inside = (xy >= 0) & (xy < np.array([fw, h], np.float32)[:, None, None, None])
    on_person = inside[0] & inside[1]
    if mask is not None:
        mxy = pixel_indices(pxy * scale, (mask.shape[1], mask.shape[0]))
        on_person &= mask[mxy[1], mxy[0]] >= 0.5
    seen = np.add.reduce(on_person, axis=2) >= SNAP_ON_PERSON * SNAP_SAMPLES
    score = np.where(seen, unlike, np.inf)
    best = float(np.minimum.reduce(score, axis=None))
    centre = SNAP_STEPS // 2
    if best > SKIN_LIKE or score[centre, centre] <= best + SNAP_MARGIN:
        return e, w  # nothing looks like the hand, or the tracked axis is as good as the best: it stays
    # A thick arm holds several such lines: its axis is their middle.
    ends_i, ends_j = np.nonzero(score <= best + SNAP_MARGIN)
    na = a[:, 0] + float(np.add.reduce(shifts[ends_i]) / len(ends_i)) * normal[:, 0]  # their mean, as .mean()
    nb = b[:, 0] + float(np.add.reduce(shifts[ends_j]) / len(ends_j)) * normal[:, 0]
    return (float(na[0]), float(na[1])), (float(nb[0]), float(nb[1]))


def occluders(
    body: Body | None,
    frame_size: tuple[int, int],
    frame: np.ndarray | None = None,
    *,
    sleeved_forearms: bool = False,
) -> list[Capsule]:
    """Capsules (a, b, radius px, depth a, depth b, weight, core) for forearms, hands and the head.

    `core`: the share of the axis (from a) along which pixels near the axis count as the limb whatever their
    colour (a sleeve the colour of the shirt behind it); past it only limb-coloured pixels do, so a capsule
    reaching for fingertips that may be curled in does not show the wearer's shirt beyond the fist.

    Depths are metres in the frame the fit's depth uses (arms: from the arm's shoulder; the head: from the
    torso's mean z), so the shader hides only garment parts lying behind the limb (a sleeve on it stays).
    With the camera `frame` (RGB uint8, `frame_size`), a bare forearm MediaPipe put on the wearer's top
    beside the real one is moved onto it (`_bare_forearms`).

    `sleeved_forearms` (a long-sleeved garment): the garment's own sleeve stands for each forearm, so only
    hands and the head are drawn over it. A forearm capsule would draw the wearer's real forearm (bare skin,
    their own sleeve) over the garment's torso wherever the pose's axis and the garment's sleeve part: a
    second arm beside the sleeve of an arm held across the chest.
    """
    if body is None:
        return []
    lm = np.asarray(body.landmarks_px, dtype=np.float32)
    world = np.asarray(body.world, dtype=np.float32)
    if lm.shape[0] < pose.NUM_LANDMARKS or world.shape[0] < pose.NUM_LANDMARKS:
        return []
    fw, fh = body.frame_size
    sx, sy = (frame_size[0] / fw, frame_size[1] / fh) if (fw and fh) else (1.0, 1.0)
    # Plain floats: on 33 landmarks, numpy's per-call overhead was most of this function's time.
    px = [(x * sx, y * sy) for x, y in lm[:, :2].tolist()]
    vis = lm[:, 2].tolist()
    z = world[:, 2].tolist()
    torso_z = sum(z[i] for i in pose.TORSO) / len(pose.TORSO)
    out: list[Capsule] = []
    arms = (
        (pose.LEFT_SHOULDER, pose.LEFT_ELBOW, pose.LEFT_WRIST, (17, 19)),
        (pose.RIGHT_SHOULDER, pose.RIGHT_ELBOW, pose.RIGHT_WRIST, (18, 20)),
    )
    w, h = frame_size
    picture = frame if frame is not None and frame.shape[:2] == (h, w) else None  # to snap forearms with
    scale = body.mask_at_frame_scale() * fw / w if fw else 1.0
    front: list[_Arm] = []
    shoulder_px = math.dist(px[pose.LEFT_SHOULDER], px[pose.RIGHT_SHOULDER])
    for shoulder, elbow, wrist, hand in arms:
        e, wr = px[elbow], px[wrist]
        # A wrist past the frame's edge is MediaPipe's guess, not something seen: drawing the camera there
        # over the garment would cut it with whatever lies under the guess (the demo's suit at the hem).
        if not (0.0 <= wr[0] < w and 0.0 <= wr[1] < h):
            continue
        if math.dist(e, wr) < 4.0:
            continue
        # Ramps, so an arm fades in and out instead of popping when a score wavers about a threshold.
        # MediaPipe's depth puts arms held forward across the chest only 3-6 cm before the shoulder (squats
        # clip), which the depth ramp alone left half hidden (a ghost forearm) or under the garment; but an
        # elbow and wrist it clearly sees are not hidden behind the body, so only a depth that says "behind"
        # overrules them.
        seen = min(vis[elbow], vis[wrist])
        ahead = z[shoulder] - z[wrist]
        shown = max(_ramp(ahead, FRONT_MARGIN_M), _ramp(seen, CLEARLY_SEEN) * _ramp(ahead, NOT_BEHIND_M))
        weight = shown * _ramp(seen, ARM_VISIBILITY)
        if weight <= 0.0:
            continue
        knuckles, knuckles_seen = _mid(px[hand[0]], px[hand[1]]), min(vis[hand[0]], vis[hand[1]])
        front.append(_Arm(shoulder, elbow, wrist, weight, knuckles, knuckles_seen))
    forearms = [(px[arm.elbow], px[arm.wrist]) for arm in front]
    if picture is not None:  # snapped where there is a hand to take the bare forearm's colour from
        with_hand = [i for i, arm in enumerate(front) if arm.knuckles_seen >= 0.5]
        snapped = _bare_forearms(picture, body.mask, scale, [(*forearms[i], front[i].knuckles) for i in with_hand])
        for i, ends in zip(with_hand, snapped, strict=True):
            forearms[i] = ends
    for (shoulder, elbow, wrist, weight, knuckles, knuckles_seen), (e, wr) in zip(front, forearms, strict=True):
        length = math.dist(e, wr)
        beyond = (wr[0] + 0.7 * (wr[0] - e[0]), wr[1] + 0.7 * (wr[1] - e[1]))  # along the forearm
        tip = beyond
        if knuckles_seen >= 0.3:
            # The pose's hand points are knuckles: fingers reach about as far again (open hand, signing).
            tip = (knuckles[0] + 0.8 * (knuckles[0] - wr[0]), knuckles[1] + 0.8 * (knuckles[1] - wr[1]))
            if math.dist(tip, wr) < 0.4 * length:
                tip = beyond
        # Depths in the frame of the fit's sleeves (generator/warp.py): from this arm's shoulder. A sleeve's
        # forearm part sits at the forearm's mean depth less 3 cm, so the capsule is lifted to at least that
        # mean: a forearm never cuts through its own sleeve (a long sleeve crossing the chest stays a sleeve),
        # and still hides the torso behind it.
        de, dw = z[elbow] - z[shoulder], z[wrist] - z[shoulder]
        de, dw = max(de, 0.5 * (de + dw)), max(dw, 0.5 * (de + dw))
        # The other sleeve's depths are from the other shoulder. The near arm of a turned body (squats: 23 cm
        # nearer) measured from its own shoulder lay behind the far sleeve it crosses in front of, which
        # then cut the forearm off short of the hand. So a hand on the far sleeve is measured from the far
        # shoulder; the elbow end (and, under a long sleeve, the wrist, in the cuff) keeps its own sleeve's
        # frame, and so does a hand elsewhere (one hanging by the hip: the garment there is the torso).
        other, other_elbow = _OTHER[shoulder]
        apart = _to_segment(wr, px[other], px[other_elbow]) / max(shoulder_px, 1.0)
        on_sleeve = 1.0 - _ramp(apart, OTHER_SLEEVE_NEAR)
        reach = dw + on_sleeve * min(z[shoulder] - z[other], 0.0)
        if not sleeved_forearms:
            out.append((e, wr, 0.22 * length, de, reach, weight, 1.0))
        out.append((wr, tip, 0.30 * length, dw if sleeved_forearms else reach, reach, weight, 0.35))
    ears = (7, 8)
    if min(vis[ears[0]], vis[ears[1]], vis[pose.NOSE]) >= 0.5:
        width = math.dist(px[ears[0]], px[ears[1]])
        centre = _mid(px[ears[0]], px[ears[1]])
        mouth = _mid(px[9], px[10]) if min(vis[9], vis[10]) >= 0.3 else px[pose.NOSE]
        down = (mouth[0] - centre[0], mouth[1] - centre[1])
        norm = math.hypot(*down)
        chin = mouth
        if norm > 1e-3:
            chin = (mouth[0] + down[0] / norm * 0.25 * width, mouth[1] + down[1] / norm * 0.25 * width)
        head_depth = min(z[pose.NOSE] - torso_z, -0.1)
        out.append((centre, chin, 0.45 * width, head_depth, head_depth, 1.0, 1.0))
    return out
