"""Fixtures for compositor tests: one standalone EGL renderer and tiny synthetic scenes built here."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import numpy as np
import pytest

from mirror_app.catalog.garment import Garment
from mirror_app.generator.fit import Fit, GarmentMesh
from mirror_app.render import synthetic
from mirror_app.render.offscreen import OffscreenRenderer, RenderBackendError
from mirror_app.render.settings import CompositorSettings
from mirror_app.render.synthetic import grid_mesh, synthetic_body
from mirror_app.tracking import body as pose
from mirror_app.tracking.body import Body

W, H = 320, 240
GREEN = (0, 255, 0)
RECT = (100.0, 60.0, 200.0, 200.0)  # where the test fit puts the garment (camera-frame pixels)


def plain_settings(**on: object) -> CompositorSettings:
    """Every effect off (and no mirror) unless switched on by keyword."""
    base: dict[str, object] = {
        "light": False,
        "folds": False,
        "shadows": False,
        "occlusion": False,
        "hair": False,
        "mirror": False,
    }
    base.update(on)
    return CompositorSettings(**base)  # type: ignore[arg-type]


def make_garment(
    garment_id: str = "g1",
    colour: tuple[int, int, int] = (220, 220, 220),
    back: tuple[int, int, int] | None = None,
    size: int = 64,
) -> tuple[Garment, GarmentMesh]:
    """A square RGBA garment: solid colour inside a 4-texel transparent green border, 10x10 grid mesh."""

    def image(c: tuple[int, int, int]) -> np.ndarray:
        rgba = np.zeros((size, size, 4), np.uint8)
        rgba[..., :3] = GREEN
        rgba[4:-4, 4:-4, :3] = c
        rgba[4:-4, 4:-4, 3] = 255
        return rgba

    garment = Garment(
        id=garment_id,
        name=garment_id,
        category="t-shirt",
        rgba=image(colour),
        anchors={},
        back_rgba=image(back) if back is not None else None,
    )
    return garment, grid_mesh(garment_id, 10, 10)


def make_fit(
    mesh: GarmentMesh,
    rect: tuple[float, float, float, float] = RECT,
    *,
    opacity: float = 1.0,
    back_view: bool = False,
    depth: float = 0.0,
) -> Fit:
    """Lay the texture's uv square onto rect."""
    x0, y0, x1, y1 = rect
    verts = np.stack([x0 + mesh.uv[:, 0] * (x1 - x0), y0 + mesh.uv[:, 1] * (y1 - y0)], 1).astype(np.float32)
    return Fit(
        mesh=mesh,
        vertices_px=verts,
        depth=np.full(len(verts), depth, np.float32),
        opacity=opacity,
        back_view=back_view,
        anchors_px={},
    )


def garment_inner(rect: tuple[float, float, float, float] = RECT, inset: int = 8) -> tuple[slice, slice]:
    """Rows/cols safely inside the garment's opaque part (texture border is 4/64 of the rect)."""
    x0, y0, x1, y1 = (int(v) for v in rect)
    return slice(y0 + inset + 10, y1 - inset - 10), slice(x0 + inset + 8, x1 - inset - 8)


def person_body(
    mask: np.ndarray | None, *, wrist_z: float = -0.3, elbow_z: float | None = None, arm: bool = True
) -> Body:
    """Shoulders, hips, and a right forearm crossing the chest toward the image's right (world z in metres;
    the elbow halfway to the wrist's depth unless given)."""
    lm = {
        pose.LEFT_SHOULDER: (190.0, 70.0, -0.05),
        pose.RIGHT_SHOULDER: (110.0, 70.0, -0.05),
        pose.LEFT_HIP: (180.0, 200.0, 0.0),
        pose.RIGHT_HIP: (120.0, 200.0, 0.0),
    }
    if arm:
        lm[pose.RIGHT_ELBOW] = (100.0, 140.0, wrist_z / 2 if elbow_z is None else elbow_z)
        lm[pose.RIGHT_WRIST] = (150.0, 135.0, wrist_z)
    return synthetic_body(lm, (W, H), mask)


@contextlib.contextmanager
def tshirt_renderer(size: tuple[int, int]) -> Iterator[tuple[OffscreenRenderer, GarmentMesh]]:
    """A renderer of this size with the synthetic T-shirt preloaded; the test skips on a machine without EGL."""
    try:
        r = OffscreenRenderer(*size)
    except RenderBackendError as exc:  # pragma: no cover - depends on the machine
        pytest.skip(str(exc))
    garment, mesh = synthetic.tshirt()
    r.preload(garment, mesh)
    try:
        yield r, mesh
    finally:
        r.release()


@pytest.fixture(scope="session")
def renderer() -> OffscreenRenderer:
    try:
        r = OffscreenRenderer(W, H)
    except RenderBackendError as exc:  # pragma: no cover - depends on the machine
        pytest.skip(str(exc))
    yield r
    r.release()


@pytest.fixture
def comp(renderer: OffscreenRenderer):
    """The session compositor with effects off, the light estimate reset and its context current."""
    renderer.compositor.settings = plain_settings()
    renderer.compositor.reset_light()
    with renderer.ctx:
        yield renderer.compositor


@pytest.fixture
def grey() -> np.ndarray:
    return np.full((H, W, 3), 128, np.uint8)


@pytest.fixture
def gl(renderer: OffscreenRenderer):
    """The session GL context, made current (other tests may have made theirs current)."""
    with renderer.ctx:
        yield renderer.ctx
