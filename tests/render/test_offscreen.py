"""The headless host: a clear error when EGL/Mesa is missing, upright RGB output."""

from __future__ import annotations

import moderngl
import numpy as np
import pytest

from mirror_app.render import offscreen
from mirror_app.render.offscreen import OffscreenRenderer, RenderBackendError


def test_missing_egl_names_the_fix(monkeypatch) -> None:
    def broken(**_: object) -> moderngl.Context:
        raise Exception("eglGetDisplay failed")

    monkeypatch.setattr(offscreen.moderngl, "create_standalone_context", broken)
    with pytest.raises(RenderBackendError) as info:
        OffscreenRenderer(64, 48)
    message = str(info.value)
    assert "EGL" in message and "libegl1 libegl-mesa0 libgl1-mesa-dri" in message
    assert "eglGetDisplay failed" in message


def test_render_returns_upright_rgb(renderer) -> None:
    renderer.compositor.settings.light = False
    frame = np.zeros((renderer.height, renderer.width, 3), np.uint8)
    frame[:10, :20] = (10, 200, 30)  # top-left marker
    renderer.compositor.settings.mirror = False
    out = renderer.render(frame, None, None)
    assert out.shape == frame.shape and out.dtype == np.uint8
    np.testing.assert_array_equal(out, frame)
    renderer.compositor.settings.mirror = True
    np.testing.assert_array_equal(renderer.render(frame, None, None), frame[:, ::-1])


@pytest.mark.parametrize("size", [(6, 6), (7, 12), (16, 9)])
def test_frames_smaller_than_the_estimates_block_still_draw_the_garment(size: tuple[int, int]) -> None:
    """Light and folds are estimated per 8x8 block; a frame without one whole block draws without them."""
    from mirror_app.render import synthetic

    frame, body, rect = synthetic.person_scene(*size)
    garment, mesh = synthetic.tshirt()
    try:
        r = OffscreenRenderer(*size)
    except RenderBackendError as exc:  # pragma: no cover - depends on the machine
        pytest.skip(str(exc))
    with r:
        r.preload(garment, mesh)
        fit = synthetic.rect_fit(mesh, rect)
        region, full = r.render(frame, body, fit), r.render_full(frame, body, fit)
    assert region.shape == full.shape == (size[1], size[0], 3)
    assert np.abs(region.astype(int) - full).max() <= 2
    assert not np.array_equal(region, frame), "the garment is drawn"
