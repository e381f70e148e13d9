"""The compositor: camera frame + fitted garment in few passes (llvmpipe-cheap), in any moderngl context."""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from pathlib import Path

import moderngl
import numpy as np

from mirror_app.catalog.garment import Garment
from mirror_app.generator.fit import Fit, GarmentMesh
from mirror_app.render.analysis import (
    fold_log_ratio,
    light_estimate,
    premultiply,
    resample_nearest,
    small_frame,
)
from mirror_app.render.occluders import occluders as find_occluders
from mirror_app.render.settings import CompositorSettings
from mirror_app.render.shaders import load_program
from mirror_app.tracking.body import Body

log = logging.getLogger(__name__)

MAX_OCCLUDERS = 6  # must match the array sizes in shaders/garment.frag
ANALYSIS_DOWNSCALE = 4  # light and folds are estimated on a 1/4-size copy of the frame, in numpy
SHADOW_DOWNSCALE = 4  # garment alpha for shadows is rendered and blurred at 1/4 size
MASK_MAX_WIDTH = 640  # person masks wider than this are decimated before upload
SHADOW_OFFSET = 0.008  # contact shadow drop, in frame heights (light from above)
ALPHA_CUT = 0.5  # texture alpha contour taken as the garment's edge
DEPTH_MARGIN_M = 0.04  # garment must be this far behind an arm (metres) to be hidden by it

_UNIT_CAMERA, _UNIT_GARMENT, _UNIT_FOLDS, _UNIT_MASK, _UNIT_ALPHA, _UNIT_ALPHA_BLUR = range(6)


@dataclass(slots=True)
class _GarmentGpu:
    """One preloaded garment's GPU objects."""

    mesh: GarmentMesh
    front: moderngl.Texture
    back: moderngl.Texture | None
    uv_buf: moderngl.Buffer
    pos_buf: moderngl.Buffer
    index_buf: moderngl.Buffer
    vao: moderngl.VertexArray
    vao_alpha: moderngl.VertexArray
    triangles: np.ndarray
    sorted_indices: bool = False
    warned: bool = False

    def release(self) -> None:
        """Free every GL object this garment holds."""
        objs = (self.vao, self.vao_alpha, self.uv_buf, self.pos_buf, self.index_buf, self.front, self.back)
        for obj in objs:
            if obj is not None:
                obj.release()


class Compositor:
    """Draws the camera frame and the fitted garment into any moderngl framebuffer."""

    def __init__(
        self,
        ctx: moderngl.Context,
        settings: CompositorSettings | None = None,
        *,
        shader_dir: Path | None = None,
    ) -> None:
        self.ctx = ctx
        self.settings = settings if settings is not None else CompositorSettings()
        self._garment_prog = load_program(ctx, "garment", shader_dir=shader_dir)
        self._alpha_prog = load_program(ctx, "garment_alpha", vertex="garment", shader_dir=shader_dir)
        self._bg_prog = load_program(ctx, "background", shader_dir=shader_dir)
        self._blur_prog = load_program(ctx, "blur", shader_dir=shader_dir)
        _set(self._garment_prog, u_camera=_UNIT_CAMERA, u_garment=_UNIT_GARMENT, u_folds=_UNIT_FOLDS, u_mask=_UNIT_MASK,
             u_alpha_blur=_UNIT_ALPHA_BLUR, u_alpha_cut=ALPHA_CUT, u_depth_margin=DEPTH_MARGIN_M)
        _set(self._alpha_prog, u_garment=_UNIT_GARMENT)
        _set(self._bg_prog, u_camera=_UNIT_CAMERA, u_mask=_UNIT_MASK, u_alpha=_UNIT_ALPHA,
             u_alpha_blur=_UNIT_ALPHA_BLUR)
        _set(self._blur_prog, u_source=0)

        self._frame_quad = ctx.buffer(reserve=8 * 4, dynamic=True)
        self._bg_vao = ctx.vertex_array(self._bg_prog, [(self._frame_quad, "2f", "in_px")])
        ndc = np.array([-1, -1, 1, -1, -1, 1, 1, 1], dtype="f4")
        self._ndc_quad = ctx.buffer(ndc.tobytes())
        self._blur_vao = ctx.vertex_array(self._blur_prog, [(self._ndc_quad, "2f", "in_ndc")])

        self._white = self._small_texture(np.full((1, 1), 255, np.uint8))
        self._black = self._small_texture(np.zeros((1, 1), np.uint8))
        self._flat = self._small_texture(np.zeros((1, 1), np.float32))
        self._camera: moderngl.Texture | None = None
        self._frame_size: tuple[int, int] = (0, 0)
        self._mask: moderngl.Texture | None = None
        self._folds: moderngl.Texture | None = None
        self._shadow_size: tuple[int, int] = (0, 0)
        self._shadow_tex: list[moderngl.Texture] = []
        self._shadow_fbo: list[moderngl.Framebuffer] = []
        self._garments: dict[str, _GarmentGpu] = {}
        self._light: np.ndarray | None = None
        self.last_cpu_ms = 0.0  # numpy preparation time of the latest render (analysis, sorting, uploads)

    # ----------------------------------------------------------------------------------------- garments
    def preload(self, garment: Garment, mesh: GarmentMesh) -> None:
        """Upload a garment's textures (premultiplied, mipmapped) and rest mesh, replacing an earlier copy."""
        if mesh.garment_id != garment.id:
            raise ValueError(f"mesh is for {mesh.garment_id!r}, garment is {garment.id!r}")
        self.forget(garment.id)
        front = self._garment_texture(garment.rgba)
        back = self._garment_texture(garment.back_rgba) if garment.back_rgba is not None else None
        self._garments[garment.id] = self._upload_mesh(mesh, front, back)
        log.debug("preloaded garment %s (%d vertices)", garment.id, len(mesh.uv))

    def forget(self, garment_id: str) -> None:
        """Free a preloaded garment's GPU memory (no-op when it is not loaded)."""
        entry = self._garments.pop(garment_id, None)
        if entry is not None:
            entry.release()

    def is_loaded(self, garment_id: str) -> bool:
        """Whether render() can draw fits of this garment."""
        return garment_id in self._garments

    @property
    def light(self) -> np.ndarray:
        """Current smoothed scene light multiplier (RGB), (1, 1, 1) before any estimate."""
        return self._light.copy() if self._light is not None else np.ones(3, dtype=np.float32)

    def reset_light(self) -> None:
        """Forget the smoothed light, e.g. after a scene cut, so the next frame sets it directly."""
        self._light = None

    def _garment_texture(self, rgba: np.ndarray) -> moderngl.Texture:
        if rgba.ndim != 3 or rgba.shape[2] != 4 or rgba.dtype != np.uint8:
            raise ValueError(f"garment texture must be (H, W, 4) uint8, got {rgba.shape} {rgba.dtype}")
        tex = self.ctx.texture((rgba.shape[1], rgba.shape[0]), 4, np.ascontiguousarray(premultiply(rgba)))
        tex.repeat_x = tex.repeat_y = False
        tex.build_mipmaps()
        tex.filter = (moderngl.LINEAR_MIPMAP_LINEAR, moderngl.LINEAR)
        return tex

    def _upload_mesh(
        self, mesh: GarmentMesh, front: moderngl.Texture, back: moderngl.Texture | None
    ) -> _GarmentGpu:
        uv = np.ascontiguousarray(mesh.uv, dtype="f4")
        triangles = np.ascontiguousarray(mesh.triangles, dtype="i4").reshape(-1, 3)
        if uv.ndim != 2 or uv.shape[1] != 2:
            raise ValueError(f"mesh uv must be (N, 2), got {uv.shape}")
        if triangles.size and (triangles.min() < 0 or triangles.max() >= len(uv)):
            raise ValueError("mesh triangles index outside the vertices")
        ctx = self.ctx
        uv_buf = ctx.buffer(uv.tobytes())
        pos_buf = ctx.buffer(reserve=max(len(uv), 1) * 12, dynamic=True)
        index_buf = ctx.buffer(triangles.tobytes() if triangles.size else b"\0" * 12, dynamic=True)
        content = [(pos_buf, "2f 1f", "in_px", "in_depth"), (uv_buf, "2f", "in_uv")]
        vao = ctx.vertex_array(self._garment_prog, content, index_buf, skip_errors=True)
        vao_alpha = ctx.vertex_array(self._alpha_prog, content, index_buf, skip_errors=True)
        return _GarmentGpu(mesh, front, back, uv_buf, pos_buf, index_buf, vao, vao_alpha, triangles)

    def _entry_for(self, fit: Fit | None) -> _GarmentGpu | None:
        """The preloaded garment a fit refers to, with its mesh refreshed if the fit carries a new one."""
        if fit is None or fit.opacity <= 0.0:
            return None
        entry = self._garments.get(fit.mesh.garment_id)
        if entry is None:
            log.debug("fit for garment %s that is not preloaded: drawing the frame only", fit.mesh.garment_id)
            return None
        if fit.mesh is not entry.mesh:
            same = (
                fit.mesh.uv.shape == entry.mesh.uv.shape
                and fit.mesh.triangles.shape == entry.mesh.triangles.shape
                and np.array_equal(fit.mesh.uv, entry.mesh.uv)
                and np.array_equal(fit.mesh.triangles, entry.mesh.triangles)
            )
            if not same:
                log.info("garment %s: new rest mesh in the fit, re-uploading geometry", fit.mesh.garment_id)
                for obj in (entry.vao, entry.vao_alpha, entry.uv_buf, entry.pos_buf, entry.index_buf):
                    obj.release()
                entry = self._upload_mesh(fit.mesh, entry.front, entry.back)
                self._garments[fit.mesh.garment_id] = entry
            entry.mesh = fit.mesh
        if fit.vertices_px.shape != (len(entry.mesh.uv), 2) or fit.depth.shape != (len(entry.mesh.uv),):
            if not entry.warned:
                log.warning("garment %s: fit has %s vertices / %s depths for a %d-vertex mesh; not drawn",
                            fit.mesh.garment_id, fit.vertices_px.shape, fit.depth.shape, len(entry.mesh.uv))
                entry.warned = True
            return None
        if entry.triangles.size == 0:
            return None
        return entry

    # ------------------------------------------------------------------------------------------- frame
    def render(
        self,
        frame_rgb: np.ndarray,
        body: Body | None,
        fit: Fit | None,
        target: moderngl.Framebuffer,
        viewport: tuple[int, int, int, int] | None = None,
    ) -> None:
        """Composite one frame into `target` (the camera frame scaled to `viewport`), mirrored last."""
        t0 = time.perf_counter()
        s = self.settings
        frame = _as_rgb(frame_rgb)
        h, w = frame.shape[:2]
        ctx = self.ctx
        self._upload_camera(frame)
        entry = self._entry_for(fit)

        has_mask = body is not None and body.mask is not None and body.mask.size > 0
        need_mask = entry is not None and (s.occlusion or s.shadows or s.folds)
        mask_small: np.ndarray | None = None
        small: np.ndarray | None = None
        if s.light or (s.folds and entry is not None):
            small = small_frame(frame)
            if has_mask:
                mask_small = resample_nearest(body.mask, small.shape[:2])  # type: ignore[union-attr]
        if s.light and small is not None:
            self._update_light(small, mask_small)
        folds_tex = self._flat
        if s.folds and entry is not None and small is not None:
            folds_tex = self._upload_folds(small, mask_small)
        mask_tex = self._white
        if need_mask and has_mask:
            mask_tex = self._upload_mask(body.mask)  # type: ignore[union-attr]

        occluders = (
            find_occluders(body, (w, h)) if (entry is not None and s.occlusion and has_mask) else []
        )
        if entry is not None:
            self._upload_fit(entry, fit)  # type: ignore[arg-type]
        self.last_cpu_ms = (time.perf_counter() - t0) * 1e3

        ctx.disable(moderngl.DEPTH_TEST | moderngl.CULL_FACE)
        shadows = s.shadows and entry is not None and s.shadow_strength > 0.0
        if shadows:
            self._render_shadow_alpha(entry, fit, (w, h))  # type: ignore[arg-type]

        # ---- target: background (camera + contact shadow), then the garment over it
        target.use()
        full = (0, 0, target.width, target.height)
        vp = tuple(int(v) for v in viewport) if viewport is not None else full
        if vp != full:
            target.clear(0.0, 0.0, 0.0, 1.0)
        ctx.viewport = vp
        xform = _frame_to_clip((w, h), mirror=s.mirror, y_down=True)
        nearest = vp[2] == w and vp[3] == h
        flt = moderngl.NEAREST if nearest else moderngl.LINEAR
        self._camera.filter = (flt, flt)  # type: ignore[union-attr]
        self._camera.use(_UNIT_CAMERA)  # type: ignore[union-attr]
        mask_tex.use(_UNIT_MASK)
        if shadows:
            self._shadow_tex[0].use(_UNIT_ALPHA)
            self._shadow_tex[2].use(_UNIT_ALPHA_BLUR)
        else:
            self._black.use(_UNIT_ALPHA)
            self._black.use(_UNIT_ALPHA_BLUR)
        _set(self._bg_prog, u_xform=xform, u_frame_size=(float(w), float(h)))
        if shadows:
            box = _shadow_box(fit.vertices_px, (w, h))  # type: ignore[union-attr]
            _set(self._bg_prog, u_shadow=s.shadow_strength, u_shadow_box=box,
                 u_shadow_offset=(0.0, SHADOW_OFFSET))
        else:
            _set(self._bg_prog, u_shadow=0.0)
        ctx.disable(moderngl.BLEND)
        self._bg_vao.render(moderngl.TRIANGLE_STRIP)

        if entry is not None:
            tex = entry.back if (fit.back_view and entry.back is not None) else entry.front  # type: ignore[union-attr]
            tex.use(_UNIT_GARMENT)
            folds_tex.use(_UNIT_FOLDS)
            light = self._light if (s.light and self._light is not None) else np.ones(3, np.float32)
            seg = np.zeros((MAX_OCCLUDERS, 4), np.float32)
            par = np.zeros((MAX_OCCLUDERS, 4), np.float32)
            for i, (a, b, radius, da, db, weight) in enumerate(occluders[:MAX_OCCLUDERS]):
                seg[i] = (*a, *b)
                par[i] = (radius, da, db, weight)
            _set(
                self._garment_prog,
                u_xform=xform,
                u_frame_size=(float(w), float(h)),
                u_opacity=float(np.clip(fit.opacity, 0.0, 1.0)),  # type: ignore[union-attr]
                u_light=tuple(float(c) for c in light),
                u_folds_strength=float(s.folds_strength) if s.folds else 0.0,
                u_ao=0.35 * float(s.shadow_strength) if shadows else 0.0,
                u_feather_px=max(float(s.feather_px), 0.25),
                u_occluders=len(occluders[:MAX_OCCLUDERS]),
            )
            if occluders:
                self._garment_prog["u_cap_seg"].write(seg.tobytes())
                self._garment_prog["u_cap_param"].write(par.tobytes())
            ctx.enable(moderngl.BLEND)
            ctx.blend_equation = moderngl.FUNC_ADD
            ctx.blend_func = (moderngl.ONE, moderngl.ONE_MINUS_SRC_ALPHA, moderngl.ZERO, moderngl.ONE)
            entry.vao.render(moderngl.TRIANGLES, vertices=entry.triangles.size)
            ctx.disable(moderngl.BLEND)

    # ----------------------------------------------------------------------------------- per-frame work
    def _upload_camera(self, frame: np.ndarray) -> None:
        h, w = frame.shape[:2]
        if self._camera is None or self._frame_size != (w, h):
            if self._camera is not None:
                self._camera.release()
            self._camera = self.ctx.texture((w, h), 3, alignment=1)
            self._camera.repeat_x = self._camera.repeat_y = False
            self._frame_size = (w, h)
            quad = np.array([0, 0, w, 0, 0, h, w, h], dtype="f4")
            self._frame_quad.write(quad.tobytes())
        self._camera.write(frame, alignment=1)

    def _update_light(self, small: np.ndarray, mask_small: np.ndarray | None) -> None:
        """EMA of the light multiplier, so flicker and people walking by do not pump the garment."""
        estimate = light_estimate(small, mask_small, self.settings.light_reference)
        k = float(np.clip(self.settings.light_smoothing, 0.0, 1.0))
        if self._light is None:
            self._light = estimate
        else:
            self._light = (self._light + k * (estimate - self._light)).astype(np.float32)

    def _upload_folds(self, small: np.ndarray, mask_small: np.ndarray | None) -> moderngl.Texture:
        data = fold_log_ratio(small, mask_small)
        size = (data.shape[1], data.shape[0])
        if self._folds is None or self._folds.size != size:
            if self._folds is not None:
                self._folds.release()
            self._folds = self._small_texture(data)
        else:
            self._folds.write(data)
        return self._folds

    def _upload_mask(self, mask: np.ndarray) -> moderngl.Texture:
        step = max(1, math.ceil(mask.shape[1] / MASK_MAX_WIDTH))
        m = mask[::step, ::step] if step > 1 else mask
        if m.dtype == np.uint8:
            data = np.ascontiguousarray(m)
        else:
            data = (np.clip(m, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
        size = (data.shape[1], data.shape[0])
        if self._mask is None or self._mask.size != size:
            if self._mask is not None:
                self._mask.release()
            self._mask = self._small_texture(data)
        else:
            self._mask.write(data, alignment=1)
        return self._mask

    def _upload_fit(self, entry: _GarmentGpu, fit: Fit) -> None:
        """Vertex positions + depth every frame; triangles re-sorted far-to-near only when depth varies."""
        n = len(entry.mesh.uv)
        data = np.empty((n, 3), dtype=np.float32)
        data[:, :2] = fit.vertices_px
        data[:, 2] = fit.depth
        entry.pos_buf.write(data.tobytes())
        depth = data[:, 2]
        if n and float(depth.max() - depth.min()) > 1e-4:
            tri_depth = depth[entry.triangles].sum(axis=1)
            order = np.argsort(-tri_depth, kind="stable")
            entry.index_buf.write(np.ascontiguousarray(entry.triangles[order]).tobytes())
            entry.sorted_indices = True
        elif entry.sorted_indices:
            entry.index_buf.write(entry.triangles.tobytes())
            entry.sorted_indices = False

    def _render_shadow_alpha(self, entry: _GarmentGpu, fit: Fit, frame_size: tuple[int, int]) -> None:
        """Garment coverage at 1/4 size, then a separable blur: feeds contact shadows and edge darkening."""
        w, h = frame_size
        size = (max(1, math.ceil(w / SHADOW_DOWNSCALE)), max(1, math.ceil(h / SHADOW_DOWNSCALE)))
        if self._shadow_size != size:
            for obj in (*self._shadow_fbo, *self._shadow_tex):
                obj.release()
            self._shadow_tex = [self.ctx.texture(size, 1) for _ in range(3)]
            for tex in self._shadow_tex:
                tex.repeat_x = tex.repeat_y = False
            self._shadow_fbo = [self.ctx.framebuffer(color_attachments=[t]) for t in self._shadow_tex]
            self._shadow_size = size
        ctx = self.ctx
        sharp, half, blurred = self._shadow_fbo
        sharp.use()
        sharp.clear(0.0, 0.0, 0.0, 0.0)
        tex = entry.back if (fit.back_view and entry.back is not None) else entry.front
        tex.use(_UNIT_GARMENT)
        _set(self._alpha_prog, u_xform=_frame_to_clip(frame_size, mirror=False, y_down=False),
             u_opacity=float(np.clip(fit.opacity, 0.0, 1.0)))
        ctx.enable(moderngl.BLEND)
        ctx.blend_equation = moderngl.FUNC_ADD
        over = (moderngl.ONE, moderngl.ONE_MINUS_SRC_ALPHA)
        ctx.blend_func = (*over, *over)
        entry.vao_alpha.render(moderngl.TRIANGLES, vertices=entry.triangles.size)
        ctx.disable(moderngl.BLEND)
        spread = 1.5  # texels between taps: sigma ~2 low-res texels, ~8 px at full size
        for src, dst, step in ((0, half, (spread / size[0], 0.0)), (1, blurred, (0.0, spread / size[1]))):
            dst.use()
            self._shadow_tex[src].use(0)
            _set(self._blur_prog, u_step=step)
            self._blur_vao.render(moderngl.TRIANGLE_STRIP)

    def _small_texture(self, data: np.ndarray) -> moderngl.Texture:
        """Single-channel linear-filtered, edge-clamped texture for masks and estimates."""
        dtype = "f4" if data.dtype == np.float32 else "f1"
        tex = self.ctx.texture((data.shape[1], data.shape[0]), 1, np.ascontiguousarray(data), dtype=dtype)
        tex.repeat_x = tex.repeat_y = False
        tex.filter = (moderngl.LINEAR, moderngl.LINEAR)
        return tex

    def release(self) -> None:
        """Free every GL object (call with the context current, before it goes away)."""
        for garment_id in list(self._garments):
            self.forget(garment_id)
        objs: list = [self._camera, self._mask, self._folds, *self._shadow_fbo, *self._shadow_tex,
                      self._white, self._black, self._flat, self._bg_vao, self._blur_vao, self._frame_quad,
                      self._ndc_quad, self._garment_prog, self._alpha_prog, self._bg_prog, self._blur_prog]
        for obj in objs:
            if obj is not None:
                obj.release()
        self._camera = self._mask = self._folds = None
        self._shadow_fbo, self._shadow_tex, self._shadow_size = [], [], (0, 0)


# ------------------------------------------------------------------------------------------------ helpers
def _set(prog: moderngl.Program, **uniforms: object) -> None:
    """Set uniforms that exist; the GLSL compiler drops unused ones, which is not an error here."""
    for name, value in uniforms.items():
        if name in prog:
            prog[name].value = value


def _as_rgb(frame_rgb: np.ndarray) -> np.ndarray:
    if frame_rgb.ndim != 3 or frame_rgb.shape[2] < 3 or frame_rgb.dtype != np.uint8:
        raise ValueError(f"frame must be (H, W, 3) uint8 RGB, got {frame_rgb.shape} {frame_rgb.dtype}")
    frame = frame_rgb[..., :3] if frame_rgb.shape[2] != 3 else frame_rgb
    return np.ascontiguousarray(frame)


def _frame_to_clip(frame_size: tuple[int, int], *, mirror: bool, y_down: bool) -> tuple[float, ...]:
    """Affine map frame pixels -> clip space; the mirror flip is folded in here instead of a final pass."""
    w, h = frame_size
    sx, ox = 2.0 / w, -1.0
    if mirror:
        sx, ox = -sx, 1.0
    sy, oy = (-2.0 / h, 1.0) if y_down else (2.0 / h, -1.0)
    return (sx, sy, ox, oy)


def _shadow_box(vertices_px: np.ndarray, frame_size: tuple[int, int]) -> tuple[float, float, float, float]:
    """Frame-uv rectangle around the garment plus the shadow's reach."""
    w, h = frame_size
    margin = 0.04 * h
    x0, y0 = vertices_px.min(axis=0) - margin
    x1, y1 = vertices_px.max(axis=0) + margin
    return (float(x0) / w, float(y0) / h, float(x1) / w, float(y1) / h)
