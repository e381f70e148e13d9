"""Torso extents measured on drawn masks against their known geometry."""

from __future__ import annotations

import dataclasses
import time

import cv2
import numpy as np

from mirror_app.tracking.body import LEFT_HIP, LEFT_SHOULDER, RIGHT_HIP, RIGHT_SHOULDER, Body
from mirror_app.tracking.silhouette import (
    SHOULDER_TOP_REACH,
    arm_reach,
    exclude_arms,
    forearm_widths,
    shoulder_tops,
    torso_extents,
    torso_widths,
)

W, H = 1280, 720


def _body(shoulders: tuple, hips: tuple, mask: np.ndarray | None) -> Body:
    px = np.zeros((33, 3), np.float32)
    px[LEFT_SHOULDER, :2], px[RIGHT_SHOULDER, :2] = shoulders
    px[LEFT_HIP, :2], px[RIGHT_HIP, :2] = hips
    return Body(px, np.zeros((33, 3), np.float32), mask, (W, H), 1, 0)


def _upright_body(mask: np.ndarray | None) -> Body:
    # S = (640, 200), H = (640, 500): down = (0, 1), across = (1, 0) (+x).
    return _body(((740, 200), (540, 200)), ((700, 500), (580, 500)), mask)


def test_offset_rectangle_upright() -> None:
    mask = np.zeros((H, W), np.float32)
    mask[150:560, 500:821] = 1.0  # columns 500..820: edges at x = 499.5 and 820.5
    ext = torso_extents(_upright_body(mask))
    expected = np.array([[180.5, 140.5]] * 3)
    assert ext.shape == (3, 2) and ext.dtype == np.float32
    assert np.abs(ext - expected).max() < 2.0, ext


def test_ellipse_and_downscaled_mask() -> None:
    cx, cy, a, b = 660, 380, 190, 300
    full = np.zeros((H, W), np.uint8)
    cv2.ellipse(full, (cx, cy), (a, b), 0, 0, 360, 255, -1)
    fractions = (0.0, 0.3, 0.65, 1.0)
    ys = 200 + np.array(fractions) * 300
    half = a * np.sqrt(1 - ((ys - cy) / b) ** 2)
    expected = np.stack([cx + half - 640, 640 - (cx - half)], axis=1)
    for scale in (1, 2, 4):
        mask = cv2.resize(full, (W // scale, H // scale), interpolation=cv2.INTER_AREA).astype(np.float32) / 255
        ext = torso_extents(_upright_body(mask), fractions)
        assert np.abs(ext - expected).max() < 2.0, (scale, ext, expected)


def test_tilted_torso_on_rotated_rectangle() -> None:
    angle = np.deg2rad(25.0)
    down = np.array([np.sin(angle), np.cos(angle)])  # leaning: hips to the right of shoulders
    across = np.array([down[1], -down[0]])
    s, length = np.array([600.0, 180.0]), 320.0
    h = s + down * length
    plus, minus = 150.0, 110.0
    corners = np.array(
        [
            s - 60 * down + plus * across,
            s - 60 * down - minus * across,
            h + 60 * down - minus * across,
            h + 60 * down + plus * across,
        ]
    )
    mask = np.zeros((H, W), np.float32)
    cv2.fillPoly(mask, [np.round(corners * 16).astype(np.int32)], 1.0, cv2.LINE_AA, shift=4)
    shoulders = (tuple(s + 80 * across), tuple(s - 80 * across))
    hips = (tuple(h + 60 * across), tuple(h - 60 * across))
    ext = torso_extents(_body(shoulders, hips, mask))
    assert np.abs(ext - [[plus, minus]] * 3).max() < 2.0, ext


def test_unknown_cases_give_zero() -> None:
    assert not torso_extents(_upright_body(None)).any()
    assert not torso_extents(_upright_body(np.zeros((H, W), np.float32))).any()  # axis not on the person
    wide = np.zeros((H, W), np.float32)
    wide[100:600, 300:] = 1.0  # person runs off the right edge of the image
    ext = torso_extents(_upright_body(wide))
    assert not ext[:, 0].any()  # +across leaves the image before the silhouette: unknown
    assert np.abs(ext[:, 1] - 340.5).max() < 2.0


def test_cost_is_well_under_half_a_millisecond() -> None:
    mask = np.zeros((H // 2, W // 2), np.float32)
    mask[75:280, 250:410] = 1.0
    body = _upright_body(mask)
    torso_extents(body)
    times = []
    for _ in range(50):
        t0 = time.perf_counter()
        torso_extents(body)
        times.append(time.perf_counter() - t0)
    assert float(np.median(times)) < 1e-3  # measured ~0.1 ms; loose bound for a shared CPU


def _arms_body(mask: np.ndarray, elbow_x: tuple[float, float], wrist: tuple[tuple[float, float], ...]) -> Body:
    """The upright body with its arms: elbows at waist height, wrists where given (left then right)."""
    body = _upright_body(mask)
    px = body.landmarks_px.copy()
    px[13, :2], px[14, :2] = (elbow_x[0], 330.0), (elbow_x[1], 330.0)
    px[15, :2], px[16, :2] = wrist
    px[11:17, 2] = px[23:25, 2] = 0.99
    return Body(px, body.world, mask, (W, H), 1, 0)


def test_arms_hanging_beside_the_torso_are_cut_away() -> None:
    mask = np.zeros((H, W), np.float32)
    mask[150:560, 540:741] = 1.0  # torso: 100 px either side of x = 640
    mask[200:520, 741:801] = 1.0  # left arm against it (image right)
    mask[200:520, 480:540] = 1.0  # right arm
    body = _arms_body(mask, (775.0, 505.0), ((775.0, 470.0), (505.0, 470.0)))
    raw = torso_extents(body)
    assert raw[0, 0] > 155 and raw[1, 1] > 155, "the mask alone reaches the arms' outside"
    cut = exclude_arms(body, raw)
    # At the waist the arm's centre is 135 px out, radius 0.11 * 300 = 33 px: the torso edge at ~102 px (the
    # true one is 100.5). At the chest the upper arm still runs from the shoulder joint over the torso's
    # edge: the cut stops at the chest's floor, 0.9 half shoulder widths.
    assert np.abs(cut[1] - 102.0).max() < 4.0, cut
    assert (cut[0] >= 89.5).all() and (cut[0] <= 105.0).all(), cut


def test_a_forearm_across_the_waist_does_not_pinch_the_garment() -> None:
    mask = np.zeros((H, W), np.float32)
    mask[150:560, 535:746] = 1.0  # torso 105 px either side; forearms in front of it add nothing to the mask
    half_shoulders = 100.0
    body = _arms_body(mask, (770.0, 510.0), ((712.0, 420.0), (568.0, 420.0)))  # wrists 72 px from the axis
    raw = torso_extents(body)
    cut = exclude_arms(body, raw)
    # Cut to the forearm's inner edge (72 - 33 = 39 px) the waist would be a notch; it stops at 0.8 x 100.
    assert cut[1].min() >= 0.8 * half_shoulders - 0.5, cut
    assert (cut <= raw + 1e-3).all(), "the cut never widens"


def test_shoulder_tops_measure_the_mask_above_each_joint_by_side() -> None:
    """Left shoulder (x 740, the +across side) under a top 30 px higher than the right's (x 540); a head above
    the middle. Torso length 300, so the reach is 90 px."""
    mask = np.zeros((H, W), np.float32)
    mask[200:560, 500:821] = 1.0
    mask[160:200, 700:800] = 1.0  # the left shoulder's top at y 159.5: 40.5 px above its joint
    mask[190:200, 500:600] = 1.0  # the right one's at y 189.5: 10.5 px
    tops = shoulder_tops(_upright_body(mask))
    assert tops.shape == (2,) and np.abs(tops - [40.5, 10.5]).max() < 1.5, tops  # half a sample step
    # Labels swapped (the left landmark on the image's left): the columns still follow the sides.
    swapped = _body(((540, 200), (740, 200)), ((580, 500), (700, 500)), mask)
    assert np.abs(shoulder_tops(swapped) - tops).max() < 1e-4
    # A head or raised hair above a joint, past the reach: unknown, not a shoulder 200 px high.
    mask[0:200, 700:800] = 1.0
    assert shoulder_tops(_upright_body(mask))[0] == 0.0 and 300 * SHOULDER_TOP_REACH < 200
    assert (shoulder_tops(_upright_body(None)) == 0).all()


def _bulky_arms(left_radius: int, right_radius: int) -> tuple[np.ndarray, Body]:
    """The upright torso (100 px either side of x 640) with upper arms drawn as round-ended bands of the given
    radii from the shoulder joints to elbows out beside the waist."""
    mask = np.zeros((H, W), np.uint8)
    mask[150:560, 540:741] = 1
    cv2.line(mask, (740, 200), (790, 330), 1, 2 * left_radius + 1)
    cv2.line(mask, (540, 200), (500, 330), 1, 2 * right_radius + 1)
    mask = mask.astype(np.float32)
    return mask, _arms_body(mask, (790.0, 500.0), ((800.0, 450.0), (490.0, 450.0)))


def test_arm_reach_measures_each_upper_arm_from_its_axis_by_side() -> None:
    """How far the mask reaches out from each upper arm's axis: the drawn radii, in the shoulder tops' order
    (the +across side first, whatever the labels say)."""
    mask, body = _bulky_arms(30, 20)
    widths = torso_widths(body)
    reach = arm_reach(body, widths)
    assert reach.shape == (2,) and np.abs(reach - [30.5, 20.5]).max() < 1.5, reach
    swapped_px = body.landmarks_px.copy()
    swapped_px[[11, 12, 13, 14, 15, 16]] = swapped_px[[12, 11, 14, 13, 16, 15]]
    swapped = Body(swapped_px, body.world, mask, (W, H), 1, 0)
    assert np.abs(arm_reach(swapped, widths) - reach).max() < 1e-3


def test_arm_reach_is_unknown_where_the_mask_cannot_tell_the_arm() -> None:
    mask, body = _bulky_arms(30, 20)
    widths = torso_widths(body)
    # An upper arm in front of the torso, 20 px inside its edge: the torso's edge (21 px out along the ray) is no
    # arm's edge.
    torso_only = np.zeros((H, W), np.float32)
    torso_only[150:560, 540:741] = 1.0
    px = body.landmarks_px.copy()
    px[13, :2] = (700.0, 330.0)
    in_front = Body(px, body.world, torso_only, (W, H), 1, 0)
    assert arm_reach(in_front, torso_widths(in_front))[0] == 0.0
    # Barely seen, or behind the back.
    px = body.landmarks_px.copy()
    px[13, 2] = 0.2
    assert arm_reach(Body(px, body.world, mask, (W, H), 1, 0), widths)[0] == 0.0
    world = body.world.copy()
    world[13, 2] = world[11, 2] + 0.2
    assert arm_reach(Body(body.landmarks_px, world, mask, (W, H), 1, 0), widths)[0] == 0.0
    # An edge further out than any arm (the mask runs on into something else), and no mask at all.
    wide = mask.copy()
    wide[150:560, 741:1000] = 1.0
    assert arm_reach(Body(body.landmarks_px, body.world, wide, (W, H), 1, 0), widths)[0] == 0.0
    assert (arm_reach(_upright_body(None)) == 0).all()


def _forearms(left_radius: int, right_radius: int, wrists: tuple = ((800.0, 470.0), (480.0, 470.0))) -> Body:
    """The upright torso with slim upper arms and forearms drawn as bands of the given radii from elbows beside the
    waist to the wrists; world joints put the torso 0.5 m long (600 px a metre) and each forearm 0.25 m."""
    mask = np.zeros((H, W), np.uint8)
    mask[150:560, 540:741] = 1
    cv2.line(mask, (740, 200), (800, 330), 1, 21)
    cv2.line(mask, (540, 200), (480, 330), 1, 21)
    cv2.line(mask, (800, 330), tuple(int(v) for v in wrists[0]), 1, 2 * left_radius + 1)
    cv2.line(mask, (480, 330), tuple(int(v) for v in wrists[1]), 1, 2 * right_radius + 1)
    body = _arms_body(mask.astype(np.float32), (800.0, 480.0), wrists)
    world = np.zeros((33, 3), np.float32)
    world[LEFT_SHOULDER], world[RIGHT_SHOULDER] = (0.17, -0.5, 0.0), (-0.17, -0.5, 0.0)
    world[LEFT_HIP], world[RIGHT_HIP] = (0.1, 0.0, 0.0), (-0.1, 0.0, 0.0)
    world[13], world[14] = (0.27, -0.28, 0.0), (-0.27, -0.28, 0.0)
    world[15], world[16] = (0.27, -0.03, 0.0), (-0.27, -0.03, 0.0)
    return Body(body.landmarks_px, world, body.mask, (W, H), 1, 0)


def test_forearm_widths_measure_each_forearm_across_its_middle_by_side() -> None:
    """The mask's width across each forearm: the drawn bands' (counted along the row through their middles: OpenCV
    draws them 2 px wider than asked), the +across side first whatever the labels say, as arm_reach."""
    body = _forearms(15, 20)
    assert body.mask is not None
    drawn = [body.mask[400, 741:1000].sum(), body.mask[400, 0:540].sum()]
    assert drawn == [33.0, 43.0], drawn
    widths = torso_widths(body)
    fore = forearm_widths(body, widths)
    assert fore.shape == (2,) and np.abs(fore - drawn).max() < 1.0, fore
    swapped_px = body.landmarks_px.copy()
    swapped_px[[11, 12, 13, 14, 15, 16]] = swapped_px[[12, 11, 14, 13, 16, 15]]
    swapped_world = body.world.copy()
    swapped_world[[11, 12, 13, 14, 15, 16]] = swapped_world[[12, 11, 14, 13, 16, 15]]
    swapped = Body(swapped_px, swapped_world, body.mask, (W, H), 1, 0)
    assert np.abs(forearm_widths(swapped, widths) - fore).max() < 1e-3
    cached = forearm_widths(dataclasses.replace(body, forearms=np.array([5.0, 6.0], np.float32)))
    assert cached.tolist() == [5.0, 6.0]  # what the tracker measured, not measured again


def test_forearm_widths_are_unknown_where_the_mask_cannot_tell_the_forearm() -> None:
    body = _forearms(15, 20)
    # A forearm pointing at the camera (its picture a fifth of its 150 px): the band across it is mostly fist.
    end_on = _forearms(15, 20, wrists=((800.0, 360.0), (480.0, 470.0)))
    assert forearm_widths(end_on, torso_widths(end_on))[0] == 0.0
    assert forearm_widths(end_on, torso_widths(end_on))[1] > 30.0
    # A forearm across the torso: its middle lies within the torso's width.
    across = _forearms(15, 20, wrists=((700.0, 470.0), (480.0, 470.0)))
    assert forearm_widths(across, torso_widths(across))[0] == 0.0
    # Barely seen; an edge past FOREARM_EDGE_MAX (the mask runs on into something); no mask.
    px = body.landmarks_px.copy()
    px[15, 2] = 0.2
    assert forearm_widths(Body(px, body.world, body.mask, (W, H), 1, 0), torso_widths(body))[0] == 0.0
    assert body.mask is not None
    wide = body.mask.copy()
    wide[380:430, 800:1000] = 1.0
    assert forearm_widths(Body(body.landmarks_px, body.world, wide, (W, H), 1, 0), torso_widths(body))[0] == 0.0
    assert (forearm_widths(_upright_body(None)) == 0).all()
