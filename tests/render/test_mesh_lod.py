"""Flat blocks of the garment mesh drawn as quads, and the garment texture ladder: cheaper, same picture."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mirror_app.render import synthetic
from mirror_app.render.garment_textures import HYSTERESIS, LEVEL_STEP, GarmentTextures
from mirror_app.render.mesh_lod import flat_blocks, merge_flat
from mirror_app.render.offscreen import OffscreenRenderer, RenderBackendError
from mirror_app.render.settings import CompositorSettings

SIZE = (480, 270)


def _binding_like_mesh(nx: int = 21, ny: int = 25):
    """A grid split along (a, d) per cell, as the generator's binding makes it, over the synthetic tee."""
    garment, mesh = synthetic.tshirt(nx=nx, ny=ny)
    idx = np.arange(nx * ny).reshape(ny, nx)
    a, b, c, d = idx[:-1, :-1], idx[:-1, 1:], idx[1:, :-1], idx[1:, 1:]
    tris = np.concatenate([np.stack([a, b, d], -1).reshape(-1, 3), np.stack([a, d, c], -1).reshape(-1, 3)])
    return garment, type(mesh)(garment_id=mesh.garment_id, uv=mesh.uv, triangles=tris.astype(np.int32))


def test_flat_fit_merges_most_cells_and_a_kink_keeps_its_cells() -> None:
    _, mesh = _binding_like_mesh()
    blocks = flat_blocks(mesh.uv, mesh.triangles)
    assert blocks is not None
    affine = mesh.uv * np.array([300.0, 200.0], np.float32) + 40.0
    merged = merge_flat(blocks, mesh.triangles, affine)
    assert len(merged) < 0.5 * len(mesh.triangles)
    kinked = affine.copy()
    kinked[len(kinked) // 2] += 3.0  # one vertex off the plane: the blocks around it stay fine
    around = merge_flat(blocks, mesh.triangles, kinked)
    assert len(merged) < len(around) < len(mesh.triangles)
    uses = np.isin(around, len(kinked) // 2).any(axis=1).sum()
    assert uses >= 6  # the moved vertex is still drawn with its own (fine) triangles


def test_other_meshes_are_not_merged() -> None:
    _, mesh = synthetic.tshirt(nx=10, ny=12)  # cells split along (b, c): a merged quad would not match
    assert flat_blocks(mesh.uv, mesh.triangles) is None
    jitter = np.random.default_rng(0).normal(0, 0.01, mesh.uv.shape).astype(np.float32)
    _, grid = _binding_like_mesh(10, 12)
    assert flat_blocks(grid.uv + jitter, grid.triangles) is None


@pytest.fixture(scope="module")
def renderer():
    try:
        off = dict(light=False, folds=False, shadows=False, occlusion=False, hair=False, mirror=False)
        r = OffscreenRenderer(*SIZE, CompositorSettings(**off))
    except RenderBackendError as exc:  # pragma: no cover - depends on the machine
        pytest.skip(str(exc))
    yield r
    r.release()


def test_merged_mesh_draws_the_fine_mesh_picture_without_cracks(renderer) -> None:
    """A bulged fit (flat in places, curved in others) with and without merging: no pixel of the garment
    opens a crack onto the frame behind it, and the picture moves by under a quarter pixel."""
    garment, mesh = _binding_like_mesh(41, 51)
    plain = garment.rgba.copy()
    plain[..., :3] = (230, 230, 230)  # one colour: any crack or shift shows as a large difference
    garment = type(garment)(id=garment.id, name=garment.name, category=garment.category, rgba=plain, anchors={})
    renderer.preload(garment, mesh)
    frame = np.full((SIZE[1], SIZE[0], 3), 20, np.uint8)
    fit = synthetic.rect_fit(mesh, (90.0, 20.0, 390.0, 260.0), bulge=1.0)
    entry = renderer.compositor._garments[garment.id]
    assert entry.flat is not None
    merged = renderer.render(frame, None, fit).astype(np.int16)
    assert entry.drawn[1] < 0.8 * entry.triangles.size  # the merge really happened
    flat, entry.flat = entry.flat, None
    fine = renderer.render(frame, None, fit).astype(np.int16)
    entry.flat = flat
    assert entry.drawn[1] == entry.triangles.size
    diff = np.abs(merged - fine).max(axis=2)
    assert (fine > 200).all(axis=2).sum() > 20000  # the garment covers much of the frame
    # A quarter-pixel shift of a 210-level edge changes it by at most ~53 levels; a crack shows 210.
    assert diff.max() <= 60, f"a crack or an edge moved by more than the tolerance: {diff.max()}"
    assert (diff > 8).mean() < 0.01


def test_texture_ladder_picks_the_level_just_denser_than_the_screen(renderer) -> None:
    garment, _ = synthetic.tshirt()
    with renderer.ctx:
        tex = GarmentTextures(renderer.ctx, garment.rgba)
        try:
            sizes = [tex.level(k).size[0] for k in range(tex.count)]
            assert sizes == sorted(sizes, reverse=True) and sizes[0] == garment.rgba.shape[1]
            for px_per_texel in (1.0, 0.6, 0.3, 0.11):
                level = tex.for_scale(px_per_texel, steady=False)
                texels_per_px = level.size[0] / (garment.rgba.shape[1] * px_per_texel)
                assert 1.0 - 1e-6 <= texels_per_px < LEVEL_STEP + 1e-6  # never minified, at most one step denser
            # Steady: a garment hovering at a level boundary keeps its level.
            boundary = LEVEL_STEP**-3
            first = tex.for_scale(boundary * 1.01)
            assert tex.for_scale(boundary * 0.99) is first
            assert tex.for_scale(boundary * LEVEL_STEP ** -(1 + HYSTERESIS) * 0.95) is not first
            assert math.isclose(tex.for_scale(4.0).size[0], garment.rgba.shape[1])  # magnified: full size
        finally:
            tex.release()
