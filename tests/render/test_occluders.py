"""Which arms count as in front of the garment: seen ones only, fading with MediaPipe's visibility."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from mirror_app.render.occluders import ARM_VISIBILITY, occluders
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
