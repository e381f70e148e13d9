"""Hair falling over the shoulders drawn over the garment, and nothing eaten where there is none."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import tshirt_renderer

from mirror_app.render import synthetic
from mirror_app.render.hair import hair_map
from mirror_app.render.settings import CompositorSettings
from mirror_app.tracking.body import Body

SIZE = (640, 360)
HAIR = (70, 45, 30)
GREY_TOP = (120, 125, 130)
OFF = dict(light=False, folds=False, shadows=False, occlusion=False, mirror=False)


@pytest.fixture(scope="module")
def renderer():
    with tshirt_renderer(SIZE) as pair:
        yield pair


def _scene(hair: str, shirt: tuple[int, int, int] = GREY_TOP):
    frame, body, rect = synthetic.person_scene(*SIZE, hair=hair, shirt=shirt, arm_across=False)
    return frame, body, rect


def _render(renderer, frame, body, fit, **settings) -> np.ndarray:
    r, _ = renderer
    r.compositor.settings = CompositorSettings(**{**OFF, **settings})
    r.compositor.reset_light()
    return r.render(frame, body, fit).astype(np.int16)


def _hair_pixels(frame: np.ndarray, body: Body) -> np.ndarray:
    """The lock's pixels below the ears (the synthetic hair colour, whatever the strand shading)."""
    d = np.abs(frame.astype(np.int16) - np.array(HAIR)).max(axis=2)
    below_ears = np.arange(frame.shape[0])[:, None] > body.landmarks_px[7, 1] + 10
    return (d < 12) & below_ears


def test_long_hair_over_the_shoulder_is_drawn_over_the_garment(renderer) -> None:
    frame, body, rect = _scene("long")
    fit = synthetic.rect_fit(renderer[1], rect, bulge=0.5)
    off = _render(renderer, frame, body, fit, hair=False)
    on = _render(renderer, frame, body, fit, hair=True)
    under_garment = np.abs(off - frame).max(axis=2) > 30  # pixels the garment covers with hair off
    hair = _hair_pixels(frame, body) & under_garment
    assert hair.sum() > 500  # the lock really lies on the garment in this scene
    shown = np.abs(on - frame).max(axis=2) <= 6
    fraction = shown[hair].mean()
    assert fraction >= 0.9, f"only {fraction:.1%} of the hair over the garment is drawn"
    # And only the hair: the garment elsewhere (a 3-px band around the lock aside) is untouched.
    grown = np.zeros_like(hair)
    ys, xs = np.nonzero(hair)
    for dy in range(-3, 4):
        for dx in range(-3, 4):
            grown[np.clip(ys + dy, 0, SIZE[1] - 1), np.clip(xs + dx, 0, SIZE[0] - 1)] = True
    elsewhere = under_garment & ~grown
    changed = (np.abs(on - off).max(axis=2) > 4)[elsewhere].mean()
    assert changed < 0.001, f"{changed:.2%} of the garment away from the hair changed"


@pytest.mark.parametrize(
    ("hair", "shirt"),
    [("short", GREY_TOP), ("none", GREY_TOP), ("long", HAIR)],
    ids=["short-hair", "bald", "top-the-colour-of-the-hair"],
)
def test_garment_keeps_its_coverage_without_separable_long_hair(renderer, hair, shirt) -> None:
    """Short hair, no hair, and long hair on a top of the same colour (cannot be told apart: stay out)."""
    frame, body, rect = _scene(hair, shirt)
    fit = synthetic.rect_fit(renderer[1], rect, bulge=0.5)
    off = _render(renderer, frame, body, fit, hair=False)
    on = _render(renderer, frame, body, fit, hair=True)
    under_garment = np.abs(off - frame).max(axis=2) > 30
    kept = (np.abs(on - off).max(axis=2) <= 2)[under_garment].mean()
    assert kept >= 0.999, f"garment coverage {kept:.2%} with {hair} hair on a {shirt} top"
    assert hair_map(frame, body.mask, body) is None


def test_hair_map_needs_the_head_landmarks() -> None:
    frame, body, _ = _scene("long")
    assert hair_map(frame, body.mask, body) is not None
    assert hair_map(frame, None, body) is None
    lm = body.landmarks_px.copy()
    lm[7, 2] = 0.0  # an ear not seen
    hidden = Body(lm, body.world, body.mask, body.frame_size, body.person_id, body.capture_ns)
    assert hair_map(frame, body.mask, hidden) is None


def test_hair_can_be_switched_off(renderer) -> None:
    frame, body, rect = _scene("long")
    fit = synthetic.rect_fit(renderer[1], rect, bulge=0.5)
    off = _render(renderer, frame, body, fit, hair=False)
    on = _render(renderer, frame, body, fit, hair=True)
    again = _render(renderer, frame, body, fit, hair=False)
    np.testing.assert_array_equal(again, off)
    assert np.abs(on - off).mean() > 0.2


def test_hair_found_lately_absent_is_looked_for_again_within_a_quarter_second(renderer) -> None:
    """Without long hair in view the search runs on one frame in HAIR_RECHECK_FRAMES; hair that appears
    (the same person turning, leaning) is drawn within that many frames, and then on every frame."""
    from mirror_app.render.compositor import HAIR_RECHECK_FRAMES

    r, mesh = renderer
    r.compositor.settings = CompositorSettings(**{**OFF, "hair": True})
    r.compositor.reset_light()
    short, body_s, rect = _scene("short")
    fit = synthetic.rect_fit(mesh, rect, bulge=0.5)
    for _ in range(3):
        r.render(short, body_s, fit)
    long_hair, body_l, _ = _scene("long")
    hair = _hair_pixels(long_hair, body_l)
    shown = []
    for _ in range(HAIR_RECHECK_FRAMES + 3):
        out = r.render(long_hair, body_l, fit).astype(np.int16)
        shown.append((np.abs(out - long_hair).max(axis=2) <= 6)[hair].mean())
    first = next(i for i, f in enumerate(shown) if f > 0.9)
    assert first < HAIR_RECHECK_FRAMES
    assert min(shown[first:]) > 0.9
