"""The torso's width where the arms' landmarks miss the arms: the frame's colours show where the top ends."""

from __future__ import annotations

import numpy as np
import pytest

from mirror_app.tracking.body import LEFT_HIP, LEFT_SHOULDER, RIGHT_HIP, RIGHT_SHOULDER, Body
from mirror_app.tracking.flank import EDGE_MARGIN_PX, widen_to_top
from mirror_app.tracking.silhouette import exclude_arms, torso_extents, torso_widths

W, H = 1280, 720
PINK, SKIN, GREY = (225, 20, 100), (205, 150, 125), (190, 190, 196)
TOP_EDGE = 100.5  # the torso's columns run 540..740: 100.5 px either side of the axis at x = 640


def _scene(
    arm_colour: tuple[int, int, int], hands: tuple[int, int, int] | None = None, slack: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """A frame and its person mask: a pink top that darkens and reddens toward its flanks, arms hanging
    against it (columns 741..800 and 480..539, rows 200..479; rows 440..479 the hands' colour when given), a
    grey wall; the mask reaches `slack` px past the body's sides, as MediaPipe's smoothed one may."""
    image = np.empty((H, W, 3), np.float32)
    image[:] = GREY
    mask = np.zeros((H, W), np.float32)
    xs = np.arange(540, 741)
    shade = 1.0 - 0.35 * ((xs - 640) / 100.0) ** 2  # shading toward the flanks
    top = np.array(PINK, np.float32)[None, :] * shade[:, None]
    top[:, 2] *= shade  # deep pink turns red as it darkens, as on the squats clip
    image[150:560, 540:741] = top[None]
    mask[150:560, 540:741] = 1.0
    for x0, x1 in ((741, 801), (480, 540)):
        image[200:480, x0:x1] = arm_colour  # the hands end above the hem's height (y = 500)
        mask[200:480, x0 - (slack if x0 < 640 else 0) : x1 + (slack if x0 > 640 else 0)] = 1.0
        if hands is not None:
            image[440:480, x0:x1] = hands
    return np.clip(image, 0, 255).astype(np.uint8), mask


def _body(mask: np.ndarray, arm_x: tuple[float, float], turn_deg: float = 25.0) -> Body:
    """Upright: shoulders (740, 200) / (540, 200), hips (700, 500) / (580, 500); elbows and wrists at arm_x;
    turned by turn_deg (world landmarks) with its left side, the image's right, away from the camera."""
    px = np.zeros((33, 3), np.float32)
    px[LEFT_SHOULDER, :2], px[RIGHT_SHOULDER, :2] = (740, 200), (540, 200)
    px[LEFT_HIP, :2], px[RIGHT_HIP, :2] = (700, 500), (580, 500)
    px[13, :2], px[14, :2] = (arm_x[0], 330.0), (arm_x[1], 330.0)
    px[15, :2], px[16, :2] = (arm_x[0], 470.0), (arm_x[1], 470.0)
    px[11:17, 2] = px[23:25, 2] = 0.99
    world = np.zeros((33, 3), np.float32)
    turn = np.radians(turn_deg)
    world[LEFT_SHOULDER] = (0.2 * np.cos(turn), 0.0, 0.2 * np.sin(turn))  # +z: away from the camera
    world[RIGHT_SHOULDER] = -world[LEFT_SHOULDER]
    world[[13, 15], 2], world[[14, 16], 2] = world[LEFT_SHOULDER, 2], world[RIGHT_SHOULDER, 2]  # arms hang beside
    return Body(px, world, mask, (W, H), 1, 0)


def test_a_turned_bodys_far_arm_tracked_inside_the_real_one_leaves_no_band_of_the_top() -> None:
    image, mask = _scene(SKIN)
    # The arms' centres are at 770 and 510; MediaPipe put them 15 px inside (as the squats clip's far arm).
    body = _body(mask, (755.0, 525.0))
    raw = torso_extents(body)
    cut = exclude_arms(body, raw)
    assert cut[1].max() < TOP_EDGE - 15, f"the landmarks' cut alone leaves a band of the top: {cut}"
    widened = exclude_arms(body, raw, image=image)
    assert np.abs(widened[:, 0] - TOP_EDGE).max() < 3.0, widened  # the far side: chest, waist and (uncut) hem
    assert np.array_equal(widened[:, 1], cut[:, 1]), "the near arm's landmarks are trusted"
    assert np.allclose(torso_widths(body, image), widened)


def test_a_frontal_body_keeps_the_landmarks_cut() -> None:
    """Frontal arms are tracked well; their sleeves' folds and hands would only mislead the colours."""
    image, mask = _scene(SKIN)
    body = _body(mask, (755.0, 525.0), turn_deg=5.0)
    raw = torso_extents(body)
    assert np.array_equal(exclude_arms(body, raw, image=image), exclude_arms(body, raw))


@pytest.mark.parametrize("slack", [0, 6])
def test_sleeves_of_the_tops_colour_keep_the_landmarks_cut(slack: int) -> None:
    """Nothing tells a sleeve of the top's colour from the top: not its hands, nor the wall past its edge
    where the mask stands off the body."""
    image, mask = _scene(PINK, hands=SKIN, slack=slack)
    body = _body(mask, (755.0, 525.0))
    # Wrists at the hands' height, beside the hem's slice too.
    body.landmarks_px[[15, 16], 1] = 470.0
    raw = torso_extents(body)
    cut = exclude_arms(body, raw)
    assert np.array_equal(exclude_arms(body, raw, image=image), cut)


def test_colours_never_narrow_the_cut_nor_reach_past_the_mask() -> None:
    rng = np.random.default_rng(3)
    image = rng.integers(0, 256, (H, W, 3), dtype=np.uint8)  # breaks everywhere
    _, mask = _scene(SKIN)
    body = _body(mask, (755.0, 525.0))
    raw = torso_extents(body)
    cut = exclude_arms(body, raw)
    widened = exclude_arms(body, raw, image=image)
    assert (widened >= cut - 1e-4).all() and (widened <= raw + 1e-4).all(), (cut, widened, raw)


def _ray(colours: list[tuple[tuple[int, int, int], int]]) -> np.ndarray:
    """A one-row image of runs (colour, length) from x = 0."""
    row = np.concatenate([np.tile(np.array(c, np.uint8), (n, 1)) for c, n in colours])
    return row[None]


@pytest.mark.parametrize(
    ("runs", "edge", "expected"),
    [
        ([(PINK, 50), (SKIN, 10), (GREY, 20)], 60.0, 50.0),  # the top ends at 50, the arm beyond
        ([(PINK, 60), (GREY, 20)], 60.0, 30.0),  # unbroken to the mask's edge: the cut stays
        ([(PINK, 60 - EDGE_MARGIN_PX), (SKIN, EDGE_MARGIN_PX), (GREY, 20)], 60.0, 30.0),  # at the edge: the mask's own
        ([(PINK, 20), (SKIN, 40), (GREY, 20)], 60.0, 30.0),  # the break lies inside the cut: never moved in
        ([(PINK, 38), ((40, 20, 30), 2), (PINK, 6), (SKIN, 14), (GREY, 20)], 60.0, 46.0),  # a fold, then the arm
    ],
)
def test_widen_to_top_on_one_ray(runs: list, edge: float, expected: float) -> None:
    assert _widen(_ray(runs), edge)[0] == pytest.approx(expected, abs=1.0)


def _widen(image: np.ndarray, edge: float, hem: bool = False) -> np.ndarray:
    """widen_to_top along the image's first row from x = 0, cut at 30 px, the ray alone on its side."""
    one = np.ones(1)
    return widen_to_top(image, np.zeros((1, 2)), np.array([[1.0, 0.0]]), 30.0 * one, edge * one, 0 * one, [hem])


def test_a_hem_alone_is_not_read() -> None:
    """At the hem a hand hangs beside: a long sleeve of the top's colour ending in it looks like an arm."""
    image = _ray([(PINK, 50), (SKIN, 10), (GREY, 20)])
    assert _widen(image, 60.0, hem=True)[0] == pytest.approx(30.0)


def test_a_slow_shading_drift_is_no_edge() -> None:
    t = np.linspace(0.0, 1.0, 60)[:, None]
    ramp = (np.array(PINK) * (1.0 - 0.45 * t)).astype(np.uint8)  # darkens by almost half over 60 px
    image = np.concatenate([ramp, np.tile(np.array(GREY, np.uint8), (20, 1))])[None]
    assert _widen(image, 60.0)[0] == pytest.approx(30.0)
