"""Headless compositing into a standalone EGL context: video files, benchmarks and tests without a window."""

from __future__ import annotations

import logging

import moderngl
import numpy as np

from mirror_app.catalog.garment import Garment
from mirror_app.generator.fit import Fit, GarmentMesh
from mirror_app.render.compositor import Compositor
from mirror_app.render.settings import CompositorSettings
from mirror_app.tracking.body import Body

log = logging.getLogger(__name__)

EGL_FIX = (
    "moderngl could not create a standalone EGL context. Headless rendering needs EGL and a Mesa driver: "
    "on Debian/Ubuntu `apt-get install libegl1 libegl-mesa0 libgl1-mesa-dri` (llvmpipe works without a GPU)."
)


class RenderBackendError(RuntimeError):
    """No OpenGL context could be created for headless rendering (EGL/Mesa missing or broken)."""


def create_egl_context() -> moderngl.Context:
    """A standalone GL 3.3+ context through EGL, or RenderBackendError naming the fix."""
    try:
        ctx = moderngl.create_standalone_context(backend="egl")  # type: ignore[arg-type]
    except Exception as exc:  # glcontext raises plain Exception subclasses per platform
        raise RenderBackendError(f"{EGL_FIX} ({type(exc).__name__}: {exc})") from exc
    if ctx.version_code < 330:
        version = ctx.version_code
        ctx.release()
        raise RenderBackendError(f"{EGL_FIX} (got OpenGL {version}, need 330)")
    log.info("EGL context: %s, GL %d", ctx.info.get("GL_RENDERER", "?"), ctx.version_code)
    return ctx


class OffscreenRenderer:
    """A compositor in its own EGL context rendering into an RGBA8 framebuffer read back as RGB."""

    def __init__(self, width: int, height: int, settings: CompositorSettings | None = None) -> None:
        self.width, self.height = int(width), int(height)
        self.ctx = create_egl_context()
        self._color = self.ctx.renderbuffer((self.width, self.height), 4)
        self.fbo = self.ctx.framebuffer(color_attachments=[self._color])
        self.compositor = Compositor(self.ctx, settings)

    def preload(self, garment: Garment, mesh: GarmentMesh) -> None:
        """Compositor.preload with this renderer's context current."""
        with self.ctx:
            self.compositor.preload(garment, mesh)

    def render(self, frame_rgb: np.ndarray, body: Body | None, fit: Fit | None) -> np.ndarray:
        """Composite one frame and return it upright as (H, W, 3) RGB uint8 at the renderer's size.

        Makes this renderer's context current first: with several standalone contexts in one process
        (tests, a second renderer) GL calls otherwise go to whichever was made current last.
        """
        with self.ctx:
            self.compositor.render(frame_rgb, body, fit, self.fbo)
            data = self.fbo.read(components=3, alignment=1)
        # GL rows run bottom-up; flip so row 0 is the top of the picture.
        return np.frombuffer(data, dtype=np.uint8).reshape(self.height, self.width, 3)[::-1].copy()

    def release(self) -> None:
        """Free the compositor, the framebuffer and the context."""
        with self.ctx:
            self.compositor.release()
            self.fbo.release()
            self._color.release()
        self.ctx.release()

    def __enter__(self) -> OffscreenRenderer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
