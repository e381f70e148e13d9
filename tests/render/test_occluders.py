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
