"""Which arms count as in front of the garment: seen ones only, fading with MediaPipe's visibility."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from mirror_app.render.compositor import occluder_vertices
from mirror_app.render.occluders import ARM_VISIBILITY, occluders, skin_plausible
from mirror_app.render.synthetic import person_scene
from mirror_app.tracking import body as pose
from mirror_app.tracking.body import Body


def _arm_capsules(body: Body) -> list[tuple]:
    """The capsules that start at the crossing (right) arm's elbow or wrist."""
    lm = body.landmarks_px
    ends = {tuple(np.round(lm[i, :2], 3)) for i in (pose.RIGHT_ELBOW, pose.RIGHT_WRIST)}
    return [c for c in occluders(body, body.frame_size) if tuple(np.round(c[0], 3)) in ends]


def _with(body: Body, **points: tuple[float, float] | float) -> Body:
    """The body with the right wrist moved (`wrist`), the right arm's visibility set (`vis`) or its wrist
    put `ahead` metres in front of its shoulder (negative: behind)."""
    lm = body.landmarks_px.copy()
    world = np.array(body.world, dtype=np.float32)
    if "wrist" in points:
        lm[pose.RIGHT_WRIST, :2] = points["wrist"]
    if "vis" in points:
        lm[[pose.RIGHT_ELBOW, pose.RIGHT_WRIST], 2] = points["vis"]
    if "ahead" in points:
        world[pose.RIGHT_WRIST, 2] = world[pose.RIGHT_SHOULDER, 2] - float(points["ahead"])  # type: ignore[arg-type]
    return dataclasses.replace(body, landmarks_px=lm, world=world)


def _weight(body: Body) -> float:
    """How strongly the crossing arm's forearm hides the garment (0: not at all)."""
    caps = _arm_capsules(body)
    return float(caps[0][5]) if caps else 0.0


def test_an_arm_across_the_chest_is_in_front() -> None:
    _, body, _ = person_scene()
    caps = _arm_capsules(body)
    assert len(caps) == 2 and all(c[5] == 1.0 for c in caps)


def test_a_long_sleeve_stands_for_the_forearm_so_only_the_hand_is_cut_out() -> None:
    frame, body, _ = person_scene()
    lm = body.landmarks_px
    elbow, wrist = (tuple(np.round(lm[i, :2], 3)) for i in (pose.RIGHT_ELBOW, pose.RIGHT_WRIST))
    bare = [tuple(np.round(c[0], 3)) for c in occluders(body, body.frame_size, frame)]
    sleeved = [tuple(np.round(c[0], 3)) for c in occluders(body, body.frame_size, frame, sleeved_forearms=True)]
    assert elbow in bare and wrist in bare
    assert elbow not in sleeved and wrist in sleeved  # the hand's capsule starts at the wrist
    assert len(sleeved) == len(bare) - 1  # the head's stays


@pytest.mark.parametrize("wrist", [(700.0, 730.0), (700.0, 720.0), (-3.0, 400.0), (1290.0, 400.0), (640.0, -1.0)])
def test_a_wrist_off_the_picture_is_a_guess_and_hides_nothing(wrist: tuple[float, float]) -> None:
    """MediaPipe places wrists it cannot see past the frame's edge; the camera there shows something else."""
    _, body, _ = person_scene()
    assert _arm_capsules(_with(body, wrist=wrist)) == []
    assert len(_arm_capsules(_with(body, wrist=(700.0, 718.0)))) == 2  # just inside still counts


def test_an_arm_fades_in_with_its_visibility_instead_of_popping() -> None:
    _, body, _ = person_scene()
    lo, hi = ARM_VISIBILITY
    weights = []
    for vis in np.linspace(lo - 0.05, hi + 0.05, 9):
        caps = _arm_capsules(_with(body, vis=float(vis)))
        weights.append(caps[0][5] if caps else 0.0)
    assert weights[0] == 0.0 and weights[-1] == 1.0
    assert all(b >= a for a, b in zip(weights, weights[1:], strict=False))
    assert sum(0.0 < w < 1.0 for w in weights) >= 3  # in between, partly


@pytest.mark.parametrize("ahead", [0.035, 0.0, -0.008])
def test_a_clearly_seen_arm_is_in_front_though_mediapipe_puts_it_shallow(ahead: float) -> None:
    """Arms held forward across the chest get wrists only 3-6 cm before the shoulder from MediaPipe (squats
    clip): clearly seen, they hide the garment fully instead of as a half-transparent ghost."""
    _, body, _ = person_scene()
    assert _weight(_with(body, ahead=ahead, vis=0.99)) == 1.0
    assert _weight(_with(body, ahead=ahead, vis=0.8)) < 0.2  # seen less clearly: the depth decides


def test_a_clearly_seen_arm_behind_the_shoulder_stays_hidden() -> None:
    _, body, _ = person_scene()
    assert _weight(_with(body, ahead=-0.06, vis=0.99)) == 0.0
    assert _weight(_with(body, ahead=0.2, vis=0.99)) == 1.0


def _with_knuckles(body: Body) -> Body:
    """The body with the crossing hand's pinky and index knuckles (18, 20) on the synthetic hand."""
    lm = body.landmarks_px.copy()
    lm[18], lm[20] = (690.0, 389.0, 0.9), (690.0, 403.0, 0.9)
    return dataclasses.replace(body, landmarks_px=lm)


def _moved_down(body: Body, dy: float) -> Body:
    """The body with the right elbow and wrist placed `dy` px lower, as MediaPipe puts a forearm pointing at
    the camera: on the wearer's top beside the real one."""
    lm = body.landmarks_px.copy()
    lm[[pose.RIGHT_ELBOW, pose.RIGHT_WRIST], 1] += dy
    return dataclasses.replace(body, landmarks_px=lm)


def _forearm_ends(body: Body, frame: np.ndarray | None) -> np.ndarray:
    """(elbow end, wrist end) of the crossing arm's forearm capsule."""
    caps = occluders(body, body.frame_size, frame)
    return np.array(caps[0][:2])


def test_a_forearm_tracked_onto_the_shirt_beside_it_is_moved_back_onto_the_arm() -> None:
    frame, body, _ = person_scene()
    body = _with_knuckles(body)
    true_ends = body.landmarks_px[[pose.RIGHT_ELBOW, pose.RIGHT_WRIST], :2]
    off = _moved_down(body, 30.0)  # the forearm is 22 px thick: its axis now lies on the shirt
    assert np.linalg.norm(_forearm_ends(off, None) - true_ends, axis=1).min() > 29  # without the frame
    assert np.linalg.norm(_forearm_ends(off, frame) - true_ends, axis=1).max() < 8
    # The person mask at half size, as the tracker keeps it for 1280-wide frames: the same.
    assert off.mask is not None
    half = dataclasses.replace(off, mask=np.ascontiguousarray(off.mask[::2, ::2]))
    assert np.linalg.norm(_forearm_ends(half, frame) - true_ends, axis=1).max() < 8
    # Tracked on the arm: left there.
    assert np.linalg.norm(_forearm_ends(body, frame) - true_ends, axis=1).max() < 1e-3


SQUATS_TOP = (173, 1, 16)  # her deep pink top where MediaPipe put her forearm (squats frame 58)


def test_a_lit_forearm_whose_hand_is_in_shadow_is_still_found() -> None:
    """Squats frames 2-58: the forearm held toward the light is up to a third brighter than the hand in its
    shadow. Compared colour for colour no line looked like the hand (0.22 against 0.12), the axis stayed on
    her top, and its capsule drew a red band of the top over the garment's chest; compared shade for shade
    (`shade_distance`), the forearm is the hand's skin."""
    frame, body, _ = person_scene(shirt=SQUATS_TOP)
    body = _with_knuckles(body)
    fore = np.abs(frame.astype(np.int16) - (195, 152, 124)).max(axis=2) <= 1  # the synthetic forearm (skin x 0.95)
    hand = np.abs(frame.astype(np.int16) - (205, 160, 130)).max(axis=2) <= 1
    hand[: int(body.landmarks_px[pose.RIGHT_WRIST, 1]) - 60] = False  # the crossing hand, not the head or neck
    assert fore.sum() > 2000 and hand.sum() > 1000  # the scene is what the test says
    frame[fore] = (230, 190, 165)  # in the light
    frame[hand] = (184, 150, 128)  # in the forearm's shadow, a quarter darker
    true_ends = body.landmarks_px[[pose.RIGHT_ELBOW, pose.RIGHT_WRIST], :2]
    off = _moved_down(body, 30.0)
    assert np.linalg.norm(_forearm_ends(off, frame) - true_ends, axis=1).max() < 8
    # Tracked on the arm: left there.
    assert np.linalg.norm(_forearm_ends(body, frame) - true_ends, axis=1).max() < 1e-3


def test_a_sleeve_the_colour_of_the_shirt_stays_where_it_was_tracked() -> None:
    """Colour cannot tell such a sleeve from the shirt beside it, so nothing is moved."""
    frame, body, _ = person_scene(shirt=(195, 152, 124))  # the forearm's own colour
    off = _moved_down(_with_knuckles(body), 30.0)
    tracked = off.landmarks_px[[pose.RIGHT_ELBOW, pose.RIGHT_WRIST], :2]
    assert np.linalg.norm(_forearm_ends(off, frame) - tracked, axis=1).max() < 1e-3


def test_a_sleeved_forearm_is_not_moved_onto_bare_skin_nearby() -> None:
    """A forearm in a sleeve of its own colour (the signers' long sleeves) looks like no hand: whatever skin
    lies within reach, it stays where it was tracked."""
    frame, body, _ = person_scene()
    body = _with_knuckles(body)
    lm = body.landmarks_px
    sleeve = frame.copy()
    yy, xx = np.mgrid[0:720, 0:1280].astype(np.float32)
    a, b = lm[pose.RIGHT_ELBOW, :2], lm[pose.RIGHT_WRIST, :2]
    t = np.clip(((xx - a[0]) * (b[0] - a[0]) + (yy - a[1]) * (b[1] - a[1])) / float(np.sum((b - a) ** 2)), 0, 1)
    fore = np.hypot(xx - (a[0] + t * (b[0] - a[0])), yy - (a[1] + t * (b[1] - a[1]))) < 23  # paint it a sleeve
    sleeve[fore] = (200, 130, 40)
    tracked = lm[[pose.RIGHT_ELBOW, pose.RIGHT_WRIST], :2]
    assert np.linalg.norm(_forearm_ends(body, sleeve) - tracked, axis=1).max() < 1e-3


PINK_TOP = (225, 20, 100)  # the squats clip's top


@pytest.mark.parametrize(
    "rgb",
    [(235, 205, 190), (205, 160, 130), (160, 110, 80), (90, 60, 45), (60, 35, 18), (200, 120, 115), (170, 170, 178)],
)
def test_skin_of_any_tone_and_light_may_be_skin(rgb: tuple[int, int, int]) -> None:
    """Pale, medium, dark, dark in warm light, flushed, and pale in cold light (too grey to tell)."""
    assert skin_plausible(np.array(rgb, np.float32) / 255.0)


@pytest.mark.parametrize("rgb", [PINK_TOP, (60, 80, 170), (60, 150, 70), (120, 60, 160), (40, 170, 200)])
def test_clearly_coloured_clothes_are_not_skin(rgb: tuple[int, int, int]) -> None:
    """Pink (squats), the taiji polo's blue, green, purple, cyan."""
    assert not skin_plausible(np.array(rgb, np.float32) / 255.0)


def test_a_hand_pointed_onto_a_coloured_top_does_not_pull_the_forearm_onto_it() -> None:
    """Knuckles the pose put up the wearer's pink top (squats frame 17) give a "hand colour" of the top: the
    forearm, tracked on the arm, must not be snapped onto lines of that colour."""
    frame, body, _ = person_scene(shirt=PINK_TOP)
    frame[(frame[..., 0] > 150) & (frame[..., 1] < 60)] = PINK_TOP  # flat, no folds: lines on it match the "hand"
    lm = body.landmarks_px.copy()
    wrist = lm[pose.RIGHT_WRIST, :2]
    lm[18], lm[20] = (wrist[0] - 8, wrist[1] - 70, 0.9), (wrist[0] + 8, wrist[1] - 70, 0.9)  # on the top
    pointed = dataclasses.replace(body, landmarks_px=lm)
    off = _moved_down(pointed, 12.0)  # a little off, still on the arm (22 px thick): nothing to mend
    tracked = off.landmarks_px[[pose.RIGHT_ELBOW, pose.RIGHT_WRIST], :2]
    assert np.linalg.norm(_forearm_ends(off, frame) - tracked, axis=1).max() < 1e-3


def _weights(capsules: list[tuple], frame: np.ndarray) -> np.ndarray:
    """Each capsule's weight as drawn (the vertex data's), one per capsule."""
    rows = occluder_vertices(capsules, frame)
    return rows[::6, 9]


def test_a_hand_capsule_on_clothes_no_skin_has_draws_nothing() -> None:
    """A hand capsule whose palm samples are pink top would draw a blob of the top over the garment."""
    frame, body, _ = person_scene(shirt=PINK_TOP)
    on_hand = ((650.0, 400.0), (725.0, 392.0), 24.0, -0.3, -0.3, 1.0, 0.35)  # the synthetic hand
    on_top = ((650.0, 330.0), (725.0, 322.0), 24.0, -0.3, -0.3, 1.0, 0.35)  # 70 px up, on the top
    forearm_on_top = ((465.0, 330.0), (650.0, 310.0), 40.0, -0.15, -0.3, 1.0, 1.0)  # may be a sleeve
    assert frame[330, 690].tolist() != frame[396, 690].tolist()  # the scene is what the test says
    assert _weights([on_hand, on_top, forearm_on_top], frame).tolist() == [1.0, 0.0, 1.0]
    # On a grey top colour cannot tell: the capsule stays.
    grey, _, _ = person_scene()
    assert _weights([on_top], grey).tolist() == [1.0]


def test_a_hand_capsule_half_on_the_top_takes_its_colour_from_the_skin() -> None:
    frame, _, _ = person_scene(shirt=PINK_TOP)
    # From the wrist to past the fingertips: the palm samples at 0.2 (hand) and 0.45 (top, past the fist).
    cap = ((650.0, 400.0), (900.0, 380.0), 24.0, -0.3, -0.3, 1.0, 0.35)
    rows = occluder_vertices([cap], frame)
    limb0, limb1 = rows[0, 10:13], rows[0, 13:16]
    skin = np.array((205, 160, 130), np.float32) / 255.0
    assert rows[0, 9] == 1.0
    assert np.abs(limb0 - skin).max() < 0.05 and np.abs(limb1 - skin).max() < 0.05
