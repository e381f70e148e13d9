"""Compositor behaviour on tiny synthetic scenes: placement, mirror, effects, occlusion, edges."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from conftest import (
    GREEN,
    RECT,
    H,
    W,
    garment_inner,
    make_fit,
    make_garment,
    person_body,
    plain_settings,
)

from mirror_app.catalog.garment import Garment
from mirror_app.generator.fit import GarmentMesh
from mirror_app.render.analysis import light_estimate, sparse_frame
from mirror_app.tracking import body as pose

SKIN = (205, 160, 130)
SHIRT = (120, 125, 130)


def _segment_mask(a: tuple[float, float], b: tuple[float, float], radius: float) -> np.ndarray:
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float32) + 0.5
    ax, ay = a
    dx, dy = b[0] - ax, b[1] - ay
    t = np.clip(((xx - ax) * dx + (yy - ay) * dy) / (dx * dx + dy * dy), 0, 1)
    return np.hypot(xx - ax - t * dx, yy - ay - t * dy) < radius


def person_scene(*, stripes: bool = False, tint: tuple[int, int, int] = SHIRT, room: int = 128):
    """Grey room, a person region (mask) in a shirt, a bare forearm + hand across the chest."""
    frame = np.full((H, W, 3), room, np.uint8)
    person = np.zeros((H, W), bool)
    person[50:, 90:210] = True
    shirt = np.array(tint, np.float32)
    if stripes:
        xx = np.arange(W, dtype=np.float32)
        shirt = shirt * (1.0 + 0.25 * np.sign(np.sin(2 * np.pi * xx / 32.0)))[None, :, None]
        frame[person] = np.clip(np.broadcast_to(shirt, (H, W, 3))[person], 0, 255).astype(np.uint8)
    else:
        frame[person] = tint
    arm = _segment_mask((100, 140), (150, 135), 6)
    hand = _segment_mask((150, 135), (170, 133), 8)
    frame[arm | hand] = SKIN
    mask = (person | arm | hand).astype(np.float32)
    return frame, mask, arm | hand


def render(renderer, frame, body, fit, **settings):
    renderer.compositor.settings = plain_settings(**settings)
    return renderer.render(frame, body, fit).astype(np.int16)


# --------------------------------------------------------------------------------------- placement
def test_garment_only_where_the_fit_says(renderer, comp, grey) -> None:
    garment, mesh = make_garment()
    comp.preload(garment, mesh)
    out = render(renderer, grey, None, make_fit(mesh))
    rows, cols = garment_inner()
    assert np.abs(out[rows, cols] - 220).max() <= 2
    changed = np.abs(out - 128).sum(axis=2) > 3
    x0, y0, x1, y1 = (int(v) for v in RECT)
    outside = changed.copy()
    outside[y0 - 1 : y1 + 1, x0 - 1 : x1 + 1] = False
    assert not outside.any()


def test_learned_shading_brightens_and_darkens_the_garment_per_vertex(renderer, comp, grey) -> None:
    garment, mesh = make_garment(colour=(160, 160, 160))
    comp.preload(garment, mesh)
    fit = make_fit(mesh)
    plain = render(renderer, grey, None, fit)
    ones = render(renderer, grey, None, dataclasses.replace(fit, shading=np.ones(len(mesh.uv), np.float32)))
    assert np.array_equal(plain, ones), "shading 1 is the analytic garment, pixel for pixel"
    # Left half of the garment at 0.5, right half at 1.5 (a crease and a highlight).
    shade = np.where(mesh.uv[:, 0] < 0.5, 0.5, 1.5).astype(np.float32)
    out = render(renderer, grey, None, dataclasses.replace(fit, shading=shade))
    rows, cols = garment_inner()
    left = out[rows, cols.start : cols.start + 20].mean()
    right = out[rows, cols.stop - 20 : cols.stop].mean()
    assert abs(left - 80) < 6 and abs(right - 240) < 6, (left, right)
    outside = np.ones(out.shape[:2], bool)
    x0, y0, x1, y1 = (int(v) for v in RECT)
    outside[y0 - 1 : y1 + 1, x0 - 1 : x1 + 1] = False
    assert np.array_equal(out[outside], plain[outside]), "the camera picture around it is untouched"


def test_output_is_upright(renderer, comp, grey) -> None:
    garment, mesh = make_garment()
    comp.preload(garment, mesh)
    out = render(renderer, grey, None, make_fit(mesh, (20, 10, 100, 90)))
    assert np.abs(out[25:75, 35:85] - 220).max() <= 2  # top-left stays top-left
    assert np.abs(out[150:230, :] - 128).max() == 0


def test_mirror_flips_the_whole_composite(renderer, comp) -> None:
    garment, mesh = make_garment()
    comp.preload(garment, mesh)
    frame = np.full((H, W, 3), 128, np.uint8)
    frame[:, :10] = (255, 0, 0)  # a red stripe on the camera's left edge
    fit = make_fit(mesh, (20, 60, 100, 200))
    plain = render(renderer, frame, None, fit, mirror=False)
    mirrored = render(renderer, frame, None, fit, mirror=True)
    np.testing.assert_array_equal(mirrored, plain[:, ::-1])
    assert np.abs(mirrored[90:170, W - 85 : W - 35] - 220).max() <= 2
    assert (mirrored[:, -5:, 0] == 255).all()


def test_back_view_and_opacity(renderer, comp, grey) -> None:
    garment, mesh = make_garment(back=(200, 40, 40))
    comp.preload(garment, mesh)
    rows, cols = garment_inner()
    back = render(renderer, grey, None, make_fit(mesh, back_view=True))
    assert np.abs(back[rows, cols] - (200, 40, 40)).max() <= 2
    half = render(renderer, grey, None, make_fit(mesh, opacity=0.5))
    assert np.abs(half[rows, cols] - (220 + 128) / 2).max() <= 2


def test_switching_garments_shows_on_next_frame(renderer, comp, grey) -> None:
    a, mesh_a = make_garment("a", (220, 220, 220))
    b, mesh_b = make_garment("b", (30, 30, 200))
    comp.preload(a, mesh_a)
    comp.preload(b, mesh_b)
    rows, cols = garment_inner()
    assert np.abs(render(renderer, grey, None, make_fit(mesh_a))[rows, cols] - 220).max() <= 2
    assert np.abs(render(renderer, grey, None, make_fit(mesh_b))[rows, cols] - (30, 30, 200)).max() <= 2
    comp.forget("b")
    assert not comp.is_loaded("b")
    np.testing.assert_array_equal(render(renderer, grey, None, make_fit(mesh_b)), grey)


def test_nearer_parts_draw_over_farther_ones(renderer, comp, grey) -> None:
    rgba = np.zeros((32, 64, 4), np.uint8)
    rgba[..., 3] = 255
    rgba[:, :32, :3] = (220, 30, 30)  # left half of the texture: red
    rgba[:, 32:, :3] = (30, 30, 220)  # right half: blue
    garment = Garment(id="layers", name="layers", category="t-shirt", rgba=rgba, anchors={})
    uv = np.array(
        [
            [0.05, 0.1],
            [0.45, 0.1],
            [0.05, 0.9],
            [0.45, 0.9],
            [0.55, 0.1],
            [0.95, 0.1],
            [0.55, 0.9],
            [0.95, 0.9],
        ],
        np.float32,
    )
    tris = np.array([[0, 1, 2], [1, 3, 2], [4, 5, 6], [5, 7, 6]], np.int32)  # red listed first
    mesh = GarmentMesh(garment_id="layers", uv=uv, triangles=tris)
    comp.preload(garment, mesh)
    quad = np.array([[100, 60], [200, 60], [100, 180], [200, 180]], np.float32)
    for red_depth, expect in ((-0.1, (220, 30, 30)), (0.1, (30, 30, 220))):
        depth = np.array([red_depth] * 4 + [0.0] * 4, np.float32)
        fit = make_fit(mesh)
        fit = dataclasses.replace(fit, vertices_px=np.concatenate([quad, quad]), depth=depth)
        out = render(renderer, grey, None, fit)
        assert np.abs(out[80:160, 120:180] - expect).max() <= 2


def test_letterboxed_viewport(renderer, comp, grey) -> None:
    garment, mesh = make_garment()
    comp.preload(garment, mesh)
    comp.settings = plain_settings()
    comp.render(grey, None, make_fit(mesh), renderer.fbo, viewport=(40, 0, 240, 180))
    out = np.frombuffer(renderer.fbo.read(components=3), np.uint8).reshape(H, W, 3)[::-1]
    assert (out[:, :40] == 0).all() and (out[:, 280:] == 0).all() and (out[:60] == 0).all()
    assert np.abs(out[60:, 40:280].astype(int) - 128).min() == 0


def test_unloaded_garment_draws_the_frame_only(renderer, comp, grey) -> None:
    _, mesh = make_garment("never-loaded")
    np.testing.assert_array_equal(render(renderer, grey, None, make_fit(mesh)), grey)


# ------------------------------------------------------------------------------------------- effects
@pytest.mark.parametrize("effect", ["light", "folds", "shadows", "occlusion"])
def test_each_effect_changes_the_image_only_when_on(renderer, comp, effect) -> None:
    frame, mask, _ = person_scene(stripes=True, tint=(150, 115, 80), room=90)  # a dim room: the light shows
    garment, mesh = make_garment()
    comp.preload(garment, mesh)
    body = person_body(mask)
    fit = make_fit(mesh)
    base = render(renderer, frame, body, fit)
    on = render(renderer, frame, body, fit, **{effect: True})
    comp.reset_light()
    again = render(renderer, frame, body, fit)
    np.testing.assert_array_equal(again, base)
    assert np.abs(on - base).mean() > 0.2, effect


def test_light_warm_dim_room_makes_garment_warmer_and_darker(renderer, comp) -> None:
    frame = np.full((H, W, 3), (110, 80, 50), np.uint8)
    mask = np.zeros((H, W), np.float32)
    mask[50:, 90:210] = 1.0
    garment, mesh = make_garment(colour=(235, 235, 235))
    comp.preload(garment, mesh)
    out = render(renderer, frame, person_body(mask, arm=False), make_fit(mesh), light=True)
    rows, cols = garment_inner()
    r, g, b = out[rows, cols].reshape(-1, 3).mean(axis=0)
    assert r > g + 10 and g > b + 10  # warmer
    assert (r + g + b) / 3 < 235 - 25  # darker
    grey_out = render(
        renderer,
        np.full((H, W, 3), 128, np.uint8),
        person_body(mask, arm=False),
        make_fit(mesh),
        light=True,
        light_smoothing=1.0,
    )
    assert np.abs(grey_out[rows, cols].reshape(-1, 3).mean(axis=0) - 235).max() < 6  # neutral: unchanged


def test_light_is_smoothed_over_frames(renderer, comp) -> None:
    garment, mesh = make_garment()
    comp.preload(garment, mesh)
    comp.settings = plain_settings(light=True, light_smoothing=0.2)
    comp.render(np.full((H, W, 3), 128, np.uint8), None, make_fit(mesh), renderer.fbo)
    first = comp.light
    comp.render(np.full((H, W, 3), 40, np.uint8), None, make_fit(mesh), renderer.fbo)
    second = comp.light
    assert 0.0 < (first - second).mean() < 0.5 * (first.mean() - 0.35)


def test_light_follows_a_change_of_room_light(renderer, comp) -> None:
    """The light's colour is searched one frame in several (NEUTRAL_EVERY); it still follows a new light."""
    garment, mesh = make_garment()
    comp.preload(garment, mesh)
    comp.settings = plain_settings(light=True, light_smoothing=0.5)
    white_room, _, _ = person_scene(tint=(220, 100, 40))
    warm_room = np.full((H, W, 3), (160, 130, 95), np.uint8)
    for _ in range(6):
        comp.render(white_room, None, make_fit(mesh), renderer.fbo)
    assert comp.light.max() / comp.light.min() < 1.03  # the orange shirt does not tint the light
    for _ in range(20):
        comp.render(warm_room, None, make_fit(mesh), renderer.fbo)
    expected = light_estimate(sparse_frame(warm_room), None, comp.settings.light_reference)
    np.testing.assert_allclose(comp.light, expected, atol=0.01)
    assert expected[0] > expected[2] * 1.1


def test_folds_carry_striped_luminance_onto_the_garment(renderer, comp) -> None:
    frame, mask, _ = person_scene(stripes=True)
    garment, mesh = make_garment()
    comp.preload(garment, mesh)
    body = person_body(mask, arm=False)
    rows, cols = garment_inner()
    flat = render(renderer, frame, body, make_fit(mesh))[rows, cols].mean(axis=(0, 2))
    folded = render(renderer, frame, body, make_fit(mesh), folds=True)[rows, cols].mean(axis=(0, 2))
    stripes = frame[rows, cols].astype(np.float32).mean(axis=(0, 2))
    assert flat.std() < 0.5
    assert folded.std() > 4.0
    assert np.corrcoef(folded, stripes)[0, 1] > 0.6
    assert folded.min() > 0.5 * 220 and folded.max() < 255  # clamped: no black, no wash-out


def test_folds_fade_out_below_the_wearer_s_hips(renderer, comp) -> None:
    """A long top over the legs takes no folds from them: the stripes under the garment's part below the hips
    (here moved up to y = 110, a quarter torso length's fade ending at y = 120) print nothing, above them they
    still do; and with no body the whole garment takes them, as before."""
    frame, mask, _ = person_scene(stripes=True)
    garment, mesh = make_garment()
    comp.preload(garment, mesh)
    body = person_body(mask, arm=False)
    high = body.landmarks_px.copy()
    high[[pose.LEFT_HIP, pose.RIGHT_HIP], 1] = 110.0
    short = dataclasses.replace(body, landmarks_px=high)
    _, cols = garment_inner()
    above, below = slice(80, 100), slice(130, 180)
    stripes = frame[above, cols].astype(np.float32).mean(axis=(0, 2))
    folded = render(renderer, frame, short, make_fit(mesh), folds=True)
    top, bottom = folded[above, cols].mean(axis=(0, 2)), folded[below, cols].mean(axis=(0, 2))
    assert top.std() > 4.0 and np.corrcoef(top, stripes)[0, 1] > 0.6
    assert bottom.std() < 0.5, bottom.std()
    unfaded = render(renderer, frame, body, make_fit(mesh), folds=True)[below, cols].mean(axis=(0, 2))
    assert unfaded.std() > 4.0  # the hips at y = 200: the same rows carry the folds


def test_shadows_darken_just_outside_the_hem(renderer, comp) -> None:
    frame, mask, _ = person_scene()
    garment, mesh = make_garment()
    comp.preload(garment, mesh)
    body = person_body(mask, arm=False)
    base = render(renderer, frame, body, make_fit(mesh))
    shaded = render(renderer, frame, body, make_fit(mesh), shadows=True)
    below = slice(int(RECT[3]) - 6, int(RECT[3]) + 2), slice(130, 170)  # just under the hem (border 9 px)
    far = slice(225, 240), slice(20, 60)
    assert (shaded[below] - base[below]).mean() < -3
    assert np.abs(shaded[far] - base[far]).max() == 0
    rows, cols = garment_inner()
    assert np.abs(shaded[rows, cols] - base[rows, cols]).mean() < 3  # interior barely touched


def test_hand_in_front_of_the_torso_stays_visible(renderer, comp) -> None:
    frame, mask, limb = person_scene()
    garment, mesh = make_garment()
    comp.preload(garment, mesh)
    fit = make_fit(mesh)
    rows, cols = garment_inner()
    region = np.zeros_like(limb)
    region[rows, cols] = True
    hand = limb & region
    assert hand.sum() > 300
    out = render(renderer, frame, person_body(mask, wrist_z=-0.3), fit, occlusion=True)
    visible = (np.abs(out - frame).max(axis=2) <= 10)[hand]
    assert visible.mean() >= 0.9
    # No halo: a ring 3-6 px outside the limb, on the garment, shows the garment, not the wearer's shirt.
    grown = _grow(limb, 6) & ~_grow(limb, 3) & region
    assert (np.abs(out[grown] - 220).max(axis=1) <= 12).mean() >= 0.9
    # Arm behind the body: the garment covers it.
    behind = render(renderer, frame, person_body(mask, wrist_z=0.25), fit, occlusion=True)
    assert (np.abs(behind - frame).max(axis=2) <= 10)[hand].mean() < 0.1
    # Occlusion off: covered too.
    off = render(renderer, frame, person_body(mask, wrist_z=-0.3), fit)
    assert (np.abs(off - frame).max(axis=2) <= 10)[hand].mean() < 0.1


def test_an_arm_held_just_before_the_chest_is_drawn_whole(renderer, comp) -> None:
    """MediaPipe puts arms held forward across the chest only a few cm before the shoulders (squats clip);
    seen clearly, such a forearm and hand are drawn whole, not as a half-transparent ghost over the garment."""
    frame, mask, limb = person_scene()
    garment, mesh = make_garment()
    comp.preload(garment, mesh)
    rows, cols = garment_inner()
    region = np.zeros_like(limb)
    region[rows, cols] = True
    hand = limb & region
    # Shoulders at z -0.05: the elbow 4 cm and the wrist 6 cm before them.
    out = render(renderer, frame, person_body(mask, wrist_z=-0.11, elbow_z=-0.09), make_fit(mesh), occlusion=True)
    assert (np.abs(out - frame).max(axis=2) <= 10)[hand].mean() >= 0.9


def test_a_long_sleeved_garment_covers_the_forearm_and_shows_the_hand(renderer, comp) -> None:
    """A long sleeve stands for the forearm: the wearer's own forearm is not drawn over the garment (it
    showed as a second, skin-coloured arm beside the sleeve of an arm held across the chest), the hand is."""
    frame, mask, limb = person_scene()
    arm = _segment_mask((100, 140), (150, 135), 6)
    garment, mesh = make_garment()
    anchors = {"left_elbow": (10.0, 40.0), "right_elbow": (54.0, 40.0)}
    sleeved = dataclasses.replace(garment, id="sleeved", anchors=anchors)
    comp.preload(sleeved, dataclasses.replace(mesh, garment_id="sleeved"))
    comp.preload(garment, mesh)
    rows, cols = garment_inner()
    region = np.zeros_like(limb)
    region[rows, cols] = True
    forearm = arm & region & (np.arange(W)[None, :] < 133)  # short of the hand capsule's round end at the wrist
    hand = limb & ~arm & region
    assert forearm.sum() > 150 and hand.sum() > 150
    body = person_body(mask, wrist_z=-0.3)
    short = render(renderer, frame, body, make_fit(mesh), occlusion=True)
    long = render(renderer, frame, body, make_fit(dataclasses.replace(mesh, garment_id="sleeved")), occlusion=True)
    assert (np.abs(short - frame).max(axis=2) <= 10)[forearm].mean() >= 0.9  # a tee: the bare forearm is drawn
    assert (np.abs(long[forearm] - 220).max(axis=1) <= 12).mean() >= 0.9  # a long sleeve: the garment stays
    assert (np.abs(long - frame).max(axis=2) <= 10)[hand].mean() >= 0.9


def _grow(m: np.ndarray, r: int) -> np.ndarray:
    out = m.copy()
    for dy in range(-r, r + 1):
        for dx in range(-r, r + 1):
            if dx * dx + dy * dy <= r * r:
                out |= np.roll(np.roll(m, dy, 0), dx, 1)
    return out


@pytest.mark.parametrize(
    "rect",
    [
        (100.0, 60.0, 200.0, 200.0),
        (140.3, 100.7, 171.9, 141.2),
        (-40.0, -30.0, 330.0, 260.0),
        (60.5, 20.25, 260.5, 230.75),
    ],
)
def test_no_background_fringe_at_the_edge(renderer, comp, grey, rect) -> None:
    garment, mesh = make_garment(colour=(230, 225, 220))
    comp.preload(garment, mesh)
    for settings in ({}, {"light": True, "folds": True, "shadows": True}):
        out = render(renderer, grey, None, make_fit(mesh, rect), **settings)
        greenish = (out[..., 1] > out[..., 0] + 12) & (out[..., 1] > out[..., 2] + 12)
        assert not greenish.any(), f"{greenish.sum()} green-ish pixels at {rect} {settings}"


def test_edge_is_antialiased(renderer, comp, grey) -> None:
    garment, mesh = make_garment()
    comp.preload(garment, mesh)
    out = render(renderer, grey, None, make_fit(mesh, (100.0, 60.0, 200.0, 200.0)))
    row = out[130, 90:120, 0]
    partial = (row > 130) & (row < 218)
    assert 1 <= partial.sum() <= 4  # a 1-2 px ramp, not a hard step, not a blur
    assert GREEN not in [tuple(p) for p in out[130, 90:120]]


# ------------------------------------------------------------------------------------ region path
@pytest.mark.parametrize("mirror", [False, True])
@pytest.mark.parametrize("effects", ["none", "all"])
def test_region_path_matches_full_frame_path(renderer, comp, mirror, effects) -> None:
    """The headless host composites only the garment's box through GL and pastes it into the frame: the
    picture must be the full-frame path's (the Qt window's) picture."""
    frame, mask, _ = person_scene(stripes=True, tint=(150, 115, 80))
    garment, mesh = make_garment()
    inside = np.zeros(garment.rgba.shape[:2], np.uint8)
    inside[6:18, 20:44] = 255  # the inside of the back over the person's top (drawn behind them with occlusion)
    comp.preload(dataclasses.replace(garment, inside=inside), mesh)
    body = person_body(mask)
    on = effects == "all"
    settings = dict(light=on, folds=on, shadows=on, occlusion=on, mirror=mirror)
    for rect in (RECT, (-40.0, -30.0, 150.0, 120.0), (250.0, 150.0, 360.0, 280.0)):
        fit = make_fit(mesh, rect)
        comp.settings = plain_settings(**settings)
        comp.reset_light()
        full = renderer.render_full(frame, body, fit).astype(np.int16)
        comp.reset_light()
        region = renderer.render(frame, body, fit).astype(np.int16)
        diff = np.abs(full - region)
        assert diff.max() <= 2, f"{rect} {settings}: max diff {diff.max()}"
        assert (diff > 0).mean() < 0.001


def test_region_path_without_garment_is_the_frame(renderer, comp) -> None:
    frame, mask, _ = person_scene()
    comp.settings = plain_settings(light=True, mirror=True)
    np.testing.assert_array_equal(renderer.render(frame, person_body(mask), None), frame[:, ::-1])
    _, mesh = make_garment("not-loaded")
    np.testing.assert_array_equal(renderer.render(frame, person_body(mask), make_fit(mesh)), frame[:, ::-1])


def test_region_box_is_mirrored_and_bounded(renderer, comp) -> None:
    garment, mesh = make_garment()
    comp.preload(garment, mesh)
    for mirror in (False, True):
        comp.settings = plain_settings(mirror=mirror)
        box = comp.render_region(np.full((H, W, 3), 128, np.uint8), None, make_fit(mesh), renderer.fbo)
        assert box is not None
        x, y, w, h = box
        margin = 0.04 * H + 1
        x0 = W - RECT[2] if mirror else RECT[0]
        assert x0 - margin <= x <= x0 and w <= RECT[2] - RECT[0] + 2 * margin + 1
        assert H - RECT[3] - margin <= y <= H - RECT[3] and h <= RECT[3] - RECT[1] + 2 * margin + 1


def test_coverage_lod_keeps_the_grid_and_cuts_triangles() -> None:
    from mirror_app.render.compositor import grid_lod
    from mirror_app.render.synthetic import grid_mesh

    mesh = grid_mesh("g", 21, 25)
    levels, pairs = grid_lod(mesh.uv, mesh.triangles)
    assert set(levels) == {2, 4}
    assert len(levels[4]) < len(levels[2]) < 0.5 * len(mesh.triangles)
    assert pairs is not None and len(pairs) == 64

    def area(tris: np.ndarray) -> float:
        p = mesh.uv[tris]
        u, v = p[:, 1] - p[:, 0], p[:, 2] - p[:, 0]
        return float(0.5 * np.abs(u[:, 0] * v[:, 1] - u[:, 1] * v[:, 0]).sum())

    for tris in levels.values():  # the coarse quads tile the same area
        assert abs(area(tris) - area(mesh.triangles)) < 1e-4
    jitter = np.random.default_rng(0).normal(0, 1e-3, mesh.uv.shape)
    assert grid_lod((mesh.uv + jitter).astype(np.float32), mesh.triangles) == ({}, None)  # not a grid


def test_occlusion_on_a_sleeve_coloured_like_the_shirt_keeps_only_the_core(renderer, comp) -> None:
    """A forearm in a sleeve of the shirt's own colour cannot be told apart by colour: only a narrow core
    along its axis may show, not a wide band of the wearer's shirt over the garment."""
    frame, mask, limb = person_scene()
    frame[limb] = SHIRT  # the forearm and hand now look like the shirt behind them
    garment, mesh = make_garment()
    comp.preload(garment, mesh)
    out = render(renderer, frame, person_body(mask, wrist_z=-0.3), make_fit(mesh), occlusion=True)
    rows, cols = garment_inner()
    region = np.zeros_like(limb)
    region[rows, cols] = True
    band = _grow(limb, 10) & ~_grow(limb, 4) & region  # shirt beside the limb, on the garment
    assert (np.abs(out[band] - 220).max(axis=1) <= 12).mean() >= 0.9


def test_a_wrist_tracked_onto_a_coloured_top_draws_no_band_of_it(renderer, comp) -> None:
    """The pose puts the wrist 8 px below the real one, on the wearer's pink top (squats frame 41): the
    forearm is still drawn, but neither its capsule's core nor the hand's capsule, whose palm samples then
    lie on the top, draws the top over the garment."""
    pink = (225, 20, 100)
    frame, mask, limb = person_scene(tint=pink)
    garment, mesh = make_garment()
    comp.preload(garment, mesh)
    body = person_body(mask, wrist_z=-0.3)
    lm = body.landmarks_px.copy()
    lm[16, 1] += 8.0  # the right wrist
    off = dataclasses.replace(body, landmarks_px=lm)
    out = render(renderer, frame, off, make_fit(mesh), occlusion=True)
    rows, cols = garment_inner()
    region = np.zeros_like(limb)
    region[rows, cols] = True
    top_drawn = (np.abs(out - np.array(pink)).max(axis=2) <= 40) & region
    assert top_drawn.sum() <= 10, f"{top_drawn.sum()} px of the top drawn over the garment"
    forearm = _segment_mask((100, 140), (140, 136), 5) & region  # short of the wrist and the hand capsule
    assert (np.abs(out - frame).max(axis=2) <= 10)[forearm].mean() >= 0.8


def test_a_fading_garment_leaves_the_frame_under_it_unshaded(renderer, comp) -> None:
    """The contact shadow runs on under an opaque garment (it hides it there); a fading one shows the frame
    beneath it, which must not darken into a shadow of the garment as it fades out."""
    frame, mask, _ = person_scene()
    garment, mesh = make_garment()
    comp.preload(garment, mesh)
    body = person_body(mask, arm=False)
    rows, cols = garment_inner()
    for opacity in (0.25, 0.5):
        fit = make_fit(mesh, opacity=opacity)
        base = render(renderer, frame, body, fit).astype(np.float32)
        shaded = render(renderer, frame, body, fit, shadows=True).astype(np.float32)
        assert np.abs(shaded[rows, cols] - base[rows, cols]).mean() < 1.0, opacity
    # Opaque, the shadow still darkens just outside the hem (test_shadows_darken_just_outside_the_hem).


def test_a_deep_shadow_in_the_wearers_clothes_prints_as_a_soft_shade(renderer, comp) -> None:
    """A pocket of shadow 3x darker than the shirt around it (a puffy suit's crease) shades the garment over
    it a little, not as a dark blotch; gentle folds still carry (the striped test above)."""
    frame, mask, _ = person_scene(tint=(150, 115, 80))
    pocket = _segment_mask((144, 95), (156, 95), 12)
    frame[pocket] = (50, 38, 27)
    garment, mesh = make_garment()
    comp.preload(garment, mesh)
    body = person_body(mask, arm=False)
    flat = render(renderer, frame, body, make_fit(mesh)).mean(axis=2)
    folded = render(renderer, frame, body, make_fit(mesh), folds=True).mean(axis=2)
    darkening = 1.0 - folded[pocket].mean() / flat[pocket].mean()
    assert 0.05 < darkening < 0.18, darkening


def _neck_scene() -> tuple[np.ndarray, np.ndarray, Garment, GarmentMesh]:
    """A grey room with a skin-coloured neck column (the person mask) under a garment whose image shows the
    inside of its back in a patch at the top (texels rows 6-18, columns 20-44: frame x 131-169, y 73-99)."""
    frame = np.full((H, W, 3), 128, np.uint8)
    mask = np.zeros((H, W), np.float32)
    frame[:, 140:160] = SKIN
    mask[:, 140:160] = 1.0
    garment, mesh = make_garment(back=(200, 100, 100))
    inside = np.zeros(garment.rgba.shape[:2], np.uint8)
    inside[6:18, 20:44] = 255
    return frame, mask, dataclasses.replace(garment, inside=inside), mesh


def test_the_inside_of_the_back_lies_behind_the_wearer(renderer, comp) -> None:
    frame, mask, garment, mesh = _neck_scene()
    comp.preload(garment, mesh)
    body = person_body(mask, arm=False)
    out = render(renderer, frame, body, make_fit(mesh), occlusion=True)
    neck, beside, below = out[78:95, 143:157], out[78:95, 133:137], out[120:150, 145:155]
    assert np.abs(neck - SKIN).max() <= 3  # the wearer's neck shows through the opening
    assert np.abs(beside - 220).max() <= 3  # beside the neck, the inside of the back
    assert np.abs(below - 220).max() <= 3  # the front of the garment covers the person as ever
    # Switched off with occlusion; the back view has no opening; no person mask: the image as it is.
    for settings, fit, who in (
        ({}, make_fit(mesh), body),
        ({"occlusion": True}, make_fit(mesh), person_body(None, arm=False)),
    ):
        drawn = render(renderer, frame, who, fit, **settings)
        assert np.abs(drawn[78:95, 143:157] - 220).max() <= 3, settings
    back = render(renderer, frame, body, make_fit(mesh, back_view=True), occlusion=True)
    assert np.abs(back[78:95, 143:157] - (200, 100, 100)).max() <= 3


def test_an_inside_mask_of_another_size_is_not_used(renderer, comp) -> None:
    frame, mask, garment, mesh = _neck_scene()
    assert garment.inside is not None
    comp.preload(dataclasses.replace(garment, inside=garment.inside[:-1]), mesh)
    out = render(renderer, frame, person_body(mask, arm=False), make_fit(mesh), occlusion=True)
    assert np.abs(out[78:95, 143:157] - 220).max() <= 3


def test_no_line_of_the_garment_is_left_along_the_inside_of_the_backs_edge(renderer, comp) -> None:
    """Where the inside of the back reaches the garment's own (soft) top edge, the wearer's neck shows right
    up to it: the catalog's mask is coverage (x the garment's alpha), the pass takes the share of it."""
    frame, mask, garment, mesh = _neck_scene()
    rgba = garment.rgba.copy()
    rgba[2:4, 20:44, :3] = 220
    rgba[2:4, 20:44, 3] = np.array([[64], [160]], np.uint8)  # a feathered top edge over the opening
    inside = np.zeros(rgba.shape[:2], np.uint8)
    # As the catalog's masks are: coverage x alpha, where the opening's own outline is the garment's edge and
    # anti-aliased as well (so counted twice there).
    inside[2:18, 20:44] = rgba[2:18, 20:44, 3]
    inside[2:4, 20:44] = np.array([[16], [96]], np.uint8)
    comp.preload(dataclasses.replace(garment, rgba=rgba, inside=inside), mesh)
    out = render(renderer, frame, person_body(mask, arm=False), make_fit(mesh), occlusion=True)
    neck = out[62:95, 143:157]  # from above the garment's edge down into the opening
    assert np.abs(neck - SKIN).max() <= 4, np.abs(neck - SKIN).max()
