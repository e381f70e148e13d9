"""Headless compositing into a standalone EGL context: video files, benchmarks and tests without a window."""

from __future__ import annotations

import logging
import time

import cv2
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


SOFTWARE_GL = ("llvmpipe", "softpipe", "swrast", "software")
"""Words in GL_RENDERER that mean OpenGL runs on the CPU (Mesa's llvmpipe here)."""


def egl_renderer_name() -> str | None:
    """GL_RENDERER of a standalone EGL context on this machine (None: no EGL), to tell a GPU from the CPU."""
    try:
        ctx = create_egl_context()
    except RenderBackendError:
        return None
    try:
        return str(ctx.info.get("GL_RENDERER", ""))
    finally:
        ctx.release()


def is_software_gl(renderer: str) -> bool:
    """Whether this GL_RENDERER is OpenGL on the CPU."""
    return any(word in renderer.lower() for word in SOFTWARE_GL)


def mirrored_copy(frame: np.ndarray) -> np.ndarray:
    """frame[:, ::-1] as a new contiguous array. cv2.flip is SIMD: ~0.5 ms at 720p here, where numpy's
    reversed-stride copy takes ~4.5 ms."""
    return cv2.flip(np.ascontiguousarray(frame), 1)


class OffscreenRenderer:
    """A compositor in its own EGL context rendering into an RGBA8 framebuffer read back as RGB."""

    def __init__(self, width: int, height: int, settings: CompositorSettings | None = None) -> None:
        self.width, self.height = int(width), int(height)
        self.ctx = create_egl_context()
        self._color = self.ctx.renderbuffer((self.width, self.height), 4)
        self.fbo = self.ctx.framebuffer(color_attachments=[self._color])
        self.compositor = Compositor(self.ctx, settings)
        # Milliseconds of the last render(): "render" (compositing, GL work finished), "readback" (reading the
        # garment's box back and pasting it in), "copy" (the mirrored CPU copy of the frame); they add up to
        # the whole call.
        self.last_stage_ms: dict[str, float] = {"render": 0.0, "readback": 0.0, "copy": 0.0}

    def preload(self, garment: Garment, mesh: GarmentMesh) -> None:
        """Compositor.preload with this renderer's context current."""
        with self.ctx:
            self.compositor.preload(garment, mesh)

    def render(self, frame_rgb: np.ndarray, body: Body | None, fit: Fit | None) -> np.ndarray:
        """Composite one frame and return it upright as (H, W, 3) RGB uint8 at the renderer's size.

        Only the garment's box goes through GL (Compositor.render_region): the picture is a CPU copy of the
        frame (mirrored with cv2.flip) with the read-back box pasted in; `last_stage_ms` says where the time
        went. A frame of another size than the renderer's takes the full-frame path (render_full).
        Makes this renderer's context current first: with several standalone contexts in one process
        (tests, a second renderer) GL calls otherwise go to whichever was made current last.
        """
        frame = np.asarray(frame_rgb)
        if frame.ndim != 3 or frame.shape[:2] != (self.height, self.width) or frame.shape[2] != 3:
            return self.render_full(frame_rgb, body, fit)
        t0 = time.perf_counter()
        with self.ctx:
            box = self.compositor.render_region(frame, body, fit, self.fbo)
            if box is not None:
                self.ctx.finish()  # so "render" holds the GL work and "readback" only the transfer
            t1 = time.perf_counter()
            data = self.fbo.read(viewport=box, components=3, alignment=1) if box is not None else None
        t2 = time.perf_counter()
        out = mirrored_copy(frame) if self.compositor.settings.mirror else frame.copy()
        t3 = time.perf_counter()
        if box is not None:
            x, y, w, h = box
            assert data is not None  # read() without a buffer to fill always returns bytes
            part = np.frombuffer(data, dtype=np.uint8).reshape(h, w, 3)
            top = self.height - y - h
            out[top : top + h, x : x + w] = part[::-1]  # GL rows run bottom-up
        t4 = time.perf_counter()
        self.last_stage_ms = {
            "render": (t1 - t0) * 1e3,
            "readback": (t2 - t1 + t4 - t3) * 1e3,
            "copy": (t3 - t2) * 1e3,
        }
        return out

    def render_full(self, frame_rgb: np.ndarray, body: Body | None, fit: Fit | None) -> np.ndarray:
        """Composite the whole frame through GL (Compositor.render, as the Qt window does) and read it all
        back: the reference for the region path, and the path for frames of another size."""
        t0 = time.perf_counter()
        with self.ctx:
            self.compositor.render(frame_rgb, body, fit, self.fbo)
            self.ctx.finish()
            t1 = time.perf_counter()
            data = self.fbo.read(components=3, alignment=1)
        # GL rows run bottom-up; flip so row 0 is the top of the picture.
        out = cv2.flip(np.frombuffer(data, dtype=np.uint8).reshape(self.height, self.width, 3), 0)
        self.last_stage_ms = {"render": (t1 - t0) * 1e3, "readback": (time.perf_counter() - t1) * 1e3, "copy": 0.0}
        return out

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
