"""The compositor: camera frame + fitted garment in few passes (llvmpipe-cheap), in any moderngl context."""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, field
from pathlib import Path

import moderngl
import numpy as np

from mirror_app.catalog.garment import Garment
from mirror_app.generator.fit import Fit, GarmentMesh
from mirror_app.render.analysis import fold_maps, light_estimate, premultiply, resample_nearest, small_frame
from mirror_app.render.occluders import occluders as find_occluders
from mirror_app.render.settings import CompositorSettings
from mirror_app.render.shaders import load_program
from mirror_app.tracking.body import Body

log = logging.getLogger(__name__)

MAX_OCCLUDERS = 6  # must match the array sizes in shaders/garment.frag
SHADOW_DOWNSCALE = 4  # garment alpha for shadows is rendered and blurred at 1/4 size
SHADOW_SPREAD = 1.5  # blur tap spacing in low-res texels: sigma ~2 texels, ~8 px at full size
SHADOW_OFFSET = 0.008  # contact shadow drop, in frame heights (light from above)
MASK_MAX_WIDTH = 640  # person masks wider than this are decimated before upload
ALPHA_CUT = 0.5  # texture alpha contour taken as the garment's edge
DEPTH_MARGIN_M = 0.04  # garment must be this far behind an arm (metres) to be hidden by it
AO_SHARE = 0.35  # edge darkening inside the garment, as a share of shadow_strength

_UNIT_CAMERA, _UNIT_GARMENT, _UNIT_FOLDS, _UNIT_COARSE, _UNIT_MASK, _UNIT_ALPHA, _UNIT_ALPHA_BLUR = range(7)
_Variant = tuple[bool, bool, bool]  # (folds, ao, occlusion) compiled into the garment shader


@dataclass(slots=True)
class _GarmentGpu:
    """One preloaded garment's GPU objects."""

    mesh: GarmentMesh
    front: moderngl.Texture
    back: moderngl.Texture | None
    uv_buf: moderngl.Buffer
    pos_buf: moderngl.Buffer
    index_buf: moderngl.Buffer
    triangles: np.ndarray  # drawn triangles (fully transparent ones culled), rest order
    vaos: dict[object, moderngl.VertexArray] = field(default_factory=dict)
    sorted_indices: bool = False
    warned: bool = False

    def release_geometry(self) -> None:
        """Free buffers and vertex arrays (textures stay)."""
        for obj in (*self.vaos.values(), self.uv_buf, self.pos_buf, self.index_buf):
            obj.release()
        self.vaos.clear()

    def release(self) -> None:
        """Free every GL object this garment holds."""
        self.release_geometry()
        for tex in (self.front, self.back):
            if tex is not None:
                tex.release()


def covered_triangles(triangles: np.ndarray, uv: np.ndarray, textures: list[np.ndarray]) -> np.ndarray:
    """Triangles whose uv bounding box touches any non-transparent texel: the rest would rasterize for nothing."""
    keep = np.zeros(len(triangles), dtype=bool)
    for rgba in textures:
        h, w = rgba.shape[:2]
        solid = (rgba[..., 3] > 0).astype(np.int32)
        sat = np.zeros((h + 1, w + 1), np.int64)
        sat[1:, 1:] = solid.cumsum(0).cumsum(1)
        tri_uv = uv[triangles]  # (T, 3, 2)
        pad = 2  # texels: mip filtering reaches a little past the box
        x0 = np.clip(np.floor(tri_uv[..., 0].min(1) * w) - pad, 0, w).astype(np.intp)
        x1 = np.clip(np.ceil(tri_uv[..., 0].max(1) * w) + pad, 0, w).astype(np.intp)
        y0 = np.clip(np.floor(tri_uv[..., 1].min(1) * h) - pad, 0, h).astype(np.intp)
        y1 = np.clip(np.ceil(tri_uv[..., 1].max(1) * h) + pad, 0, h).astype(np.intp)
        count = sat[y1, x1] - sat[y0, x1] - sat[y1, x0] + sat[y0, x0]
        keep |= count > 0
    return np.ascontiguousarray(triangles[keep])


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
        self._shader_dir = shader_dir
        self._garment_progs: dict[_Variant, moderngl.Program] = {}
        self._garment_program((True, True, True))  # compile the usual variant now: errors show at start
        self._alpha_prog = load_program(ctx, "garment_alpha", vertex="garment", shader_dir=shader_dir)
        self._bg_prog = load_program(ctx, "background", shader_dir=shader_dir)
        self._shadow_prog = load_program(ctx, "shadow", vertex="background", shader_dir=shader_dir)
        self._blur_prog = load_program(ctx, "blur", shader_dir=shader_dir)
        _set(self._alpha_prog, u_garment=_UNIT_GARMENT)
        _set(self._bg_prog, u_camera=_UNIT_CAMERA)
        _set(self._shadow_prog, u_mask=_UNIT_MASK, u_alpha=_UNIT_ALPHA, u_alpha_blur=_UNIT_ALPHA_BLUR)
        _set(self._blur_prog, u_source=0)

        self._frame_quad = ctx.buffer(reserve=8 * 4, dynamic=True)
        self._bg_vao = ctx.vertex_array(self._bg_prog, [(self._frame_quad, "2f", "in_px")])
        self._shadow_quad = ctx.buffer(reserve=8 * 4, dynamic=True)
        self._shadow_vao = ctx.vertex_array(self._shadow_prog, [(self._shadow_quad, "2f", "in_px")])
        ndc = np.array([-1, -1, 1, -1, -1, 1, 1, 1], dtype="f4")
        self._ndc_quad = ctx.buffer(ndc.tobytes())
        self._blur_vao = ctx.vertex_array(self._blur_prog, [(self._ndc_quad, "2f", "in_ndc")])

        self._white = self._small_texture(np.full((1, 1), 255, np.uint8))
        self._camera: moderngl.Texture | None = None
        self._frame_size: tuple[int, int] = (0, 0)
        self._mask: moderngl.Texture | None = None
        self._folds: moderngl.Texture | None = None
        self._coarse: moderngl.Texture | None = None
        self._shadow_size: tuple[int, int] = (0, 0)
        self._shadow_tex: list[moderngl.Texture] = []
        self._shadow_fbo: list[moderngl.Framebuffer] = []
        self._garments: dict[str, _GarmentGpu] = {}
        self._light: np.ndarray | None = None
        self.last_cpu_ms = 0.0  # numpy preparation of the latest render (analysis, sorting, uploads)

    # ----------------------------------------------------------------------------------------- garments
    def preload(self, garment: Garment, mesh: GarmentMesh) -> None:
        """Upload a garment's textures (premultiplied, mipmapped) and rest mesh, replacing an earlier copy."""
        if mesh.garment_id != garment.id:
            raise ValueError(f"mesh is for {mesh.garment_id!r}, garment is {garment.id!r}")
        self.forget(garment.id)
        images = [garment.rgba] + ([garment.back_rgba] if garment.back_rgba is not None else [])
        front = self._garment_texture(garment.rgba)
        back = self._garment_texture(garment.back_rgba) if garment.back_rgba is not None else None
        entry = self._upload_mesh(mesh, front, back, images)
        self._garments[garment.id] = entry
        log.debug("preloaded garment %s: %d vertices, %d of %d triangles drawn", garment.id, len(mesh.uv),
                  len(entry.triangles), len(mesh.triangles))

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

    def _garment_program(self, variant: _Variant) -> moderngl.Program:
        """The garment shader with only the switched-on effects compiled in (llvmpipe pays for dead code)."""
        prog = self._garment_progs.get(variant)
        if prog is None:
            folds, ao, occlusion = variant
            defines = {"FOLDS": int(folds), "AO": int(ao), "OCCLUSION": int(occlusion)}
            prog = load_program(self.ctx, "garment", shader_dir=self._shader_dir, defines=defines)
            _set(prog, u_camera=_UNIT_CAMERA, u_garment=_UNIT_GARMENT, u_folds=_UNIT_FOLDS,
                 u_folds_coarse=_UNIT_COARSE, u_mask=_UNIT_MASK, u_alpha_blur=_UNIT_ALPHA_BLUR,
                 u_alpha_cut=ALPHA_CUT, u_depth_margin=DEPTH_MARGIN_M)
            self._garment_progs[variant] = prog
        return prog

    def _garment_texture(self, rgba: np.ndarray) -> moderngl.Texture:
        if rgba.ndim != 3 or rgba.shape[2] != 4 or rgba.dtype != np.uint8:
            raise ValueError(f"garment texture must be (H, W, 4) uint8, got {rgba.shape} {rgba.dtype}")
        tex = self.ctx.texture((rgba.shape[1], rgba.shape[0]), 4, np.ascontiguousarray(premultiply(rgba)))
        tex.repeat_x = tex.repeat_y = False
        tex.build_mipmaps()
        tex.filter = (moderngl.LINEAR_MIPMAP_LINEAR, moderngl.LINEAR)
        return tex

    def _upload_mesh(
        self, mesh: GarmentMesh, front: moderngl.Texture, back: moderngl.Texture | None,
        images: list[np.ndarray],
    ) -> _GarmentGpu:
        uv = np.ascontiguousarray(mesh.uv, dtype="f4")
        triangles = np.ascontiguousarray(mesh.triangles, dtype="i4").reshape(-1, 3)
        if uv.ndim != 2 or uv.shape[1] != 2:
            raise ValueError(f"mesh uv must be (N, 2), got {uv.shape}")
        if triangles.size and (triangles.min() < 0 or triangles.max() >= len(uv)):
            raise ValueError("mesh triangles index outside the vertices")
        if triangles.size and images:
            triangles = covered_triangles(triangles, uv, images)
        ctx = self.ctx
        uv_buf = ctx.buffer(uv.tobytes())
        pos_buf = ctx.buffer(reserve=max(len(uv), 1) * 12, dynamic=True)
        index_buf = ctx.buffer(triangles.tobytes() if triangles.size else b"\0" * 12, dynamic=True)
        return _GarmentGpu(mesh, front, back, uv_buf, pos_buf, index_buf, triangles)

    def _vao(self, entry: _GarmentGpu, prog: moderngl.Program) -> moderngl.VertexArray:
        """The garment's vertex array for one program, made on first use."""
        vao = entry.vaos.get(prog.glo)
        if vao is None:
            content = [(entry.pos_buf, "2f 1f", "in_px", "in_depth"), (entry.uv_buf, "2f", "in_uv")]
            vao = self.ctx.vertex_array(prog, content, entry.index_buf, skip_errors=True)
            entry.vaos[prog.glo] = vao
        return vao

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
                entry.release_geometry()
                entry = self._upload_mesh(fit.mesh, entry.front, entry.back, [])
                self._garments[fit.mesh.garment_id] = entry
            entry.mesh = fit.mesh
        n = len(entry.mesh.uv)
        if fit.vertices_px.shape != (n, 2) or np.shape(fit.depth) != (n,):
            if not entry.warned:
                log.warning("garment %s: fit has %s vertices / %s depths for a %d-vertex mesh; not drawn",
                            fit.mesh.garment_id, fit.vertices_px.shape, np.shape(fit.depth), n)
                entry.warned = True
            return None
        return entry if entry.triangles.size else None

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
        ctx = self.ctx
        frame = _as_rgb(frame_rgb)
        h, w = frame.shape[:2]
        self._upload_camera(frame)
        entry = self._entry_for(fit)
        has_mask = body is not None and body.mask is not None and body.mask.size > 0
        mask = body.mask if (has_mask and body is not None) else None

        folds = s.folds and entry is not None and s.folds_strength > 0.0
        shadows = s.shadows and entry is not None and s.shadow_strength > 0.0
        occluders = find_occluders(body, (w, h))[:MAX_OCCLUDERS] if (s.occlusion and mask is not None) else []
        occlusion = entry is not None and bool(occluders)
        if s.light or folds:
            small = small_frame(frame)
            mask_small = resample_nearest(mask, small.shape[:2]) if mask is not None else None
            if s.light:
                self._update_light(small, mask_small)
            if folds:
                self._upload_folds(small, mask_small)
        mask_tex = self._upload_mask(mask) if (mask is not None and (occlusion or shadows)) else self._white
        if entry is not None:
            self._upload_fit(entry, fit)  # type: ignore[arg-type]
        self.last_cpu_ms = (time.perf_counter() - t0) * 1e3

        ctx.disable(moderngl.DEPTH_TEST | moderngl.CULL_FACE | moderngl.BLEND)
        ctx.blend_equation = moderngl.FUNC_ADD
        if shadows:
            self._render_shadow_alpha(entry, fit, (w, h))  # type: ignore[arg-type]

        # ---- into the target: camera frame, contact shadow over the garment's box, garment
        target.use()
        full = (0, 0, target.width, target.height)
        vp = tuple(int(v) for v in viewport) if viewport is not None else full
        if vp != full:
            target.clear(0.0, 0.0, 0.0, 1.0)
        ctx.viewport = vp
        xform = _frame_to_clip((w, h), mirror=s.mirror, y_down=True)
        camera = self._camera
        assert camera is not None
        flt = moderngl.NEAREST if (vp[2] == w and vp[3] == h) else moderngl.LINEAR
        if camera.filter != (flt, flt):
            camera.filter = (flt, flt)
        camera.use(_UNIT_CAMERA)
        _set(self._bg_prog, u_xform=xform, u_frame_size=(float(w), float(h)))
        self._bg_vao.render(moderngl.TRIANGLE_STRIP)
        if entry is None:
            return
        assert fit is not None

        mask_tex.use(_UNIT_MASK)
        if shadows:
            x0, y0, x1, y1 = _shadow_box(fit.vertices_px, (w, h))
            self._shadow_quad.write(np.array([x0, y0, x1, y0, x0, y1, x1, y1], dtype="f4").tobytes())
            self._shadow_tex[0].use(_UNIT_ALPHA)
            self._shadow_tex[2].use(_UNIT_ALPHA_BLUR)
            _set(self._shadow_prog, u_xform=xform, u_frame_size=(float(w), float(h)),
                 u_shadow=float(np.clip(s.shadow_strength, 0.0, 1.0)), u_shadow_offset=(0.0, SHADOW_OFFSET))
            ctx.enable(moderngl.BLEND)
            ctx.blend_func = (moderngl.DST_COLOR, moderngl.ZERO, moderngl.ZERO, moderngl.ONE)
            self._shadow_vao.render(moderngl.TRIANGLE_STRIP)

        prog = self._garment_program((folds, shadows, occlusion))
        tex = entry.back if (fit.back_view and entry.back is not None) else entry.front
        tex.use(_UNIT_GARMENT)
        if folds:
            self._folds.use(_UNIT_FOLDS)  # type: ignore[union-attr]
            self._coarse.use(_UNIT_COARSE)  # type: ignore[union-attr]
        light = self._light if (s.light and self._light is not None) else np.ones(3, np.float32)
        _set(
            prog,
            u_xform=xform,
            u_frame_size=(float(w), float(h)),
            u_opacity=float(np.clip(fit.opacity, 0.0, 1.0)),
            u_light=tuple(float(c) for c in light),
            u_folds_strength=float(s.folds_strength),
            u_ao=AO_SHARE * float(np.clip(s.shadow_strength, 0.0, 1.0)),
            u_feather_px=max(float(s.feather_px), 0.25),
            u_occluders=len(occluders),
        )
        if occlusion:
            seg = np.zeros((MAX_OCCLUDERS, 4), np.float32)
            par = np.zeros((MAX_OCCLUDERS, 4), np.float32)
            for i, (a, b, radius, da, db, weight) in enumerate(occluders):
                seg[i] = (*a, *b)
                par[i] = (radius, da, db, weight)
            prog["u_cap_seg"].write(seg.tobytes())
            prog["u_cap_param"].write(par.tobytes())
        ctx.enable(moderngl.BLEND)
        ctx.blend_func = (moderngl.ONE, moderngl.ONE_MINUS_SRC_ALPHA, moderngl.ZERO, moderngl.ONE)
        self._vao(entry, prog).render(moderngl.TRIANGLES, vertices=entry.triangles.size)
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

    def _upload_folds(self, small: np.ndarray, mask_small: np.ndarray | None) -> None:
        fine, coarse = fold_maps(small, mask_small)
        self._folds = self._refresh(self._folds, fine)
        self._coarse = self._refresh(self._coarse, coarse)

    def _upload_mask(self, mask: np.ndarray) -> moderngl.Texture:
        step = max(1, math.ceil(mask.shape[1] / MASK_MAX_WIDTH))
        m = mask[::step, ::step] if step > 1 else mask
        if m.dtype == np.uint8:
            data = np.ascontiguousarray(m)
        else:
            data = (np.clip(m, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
        self._mask = self._refresh(self._mask, data)
        return self._mask

    def _refresh(self, tex: moderngl.Texture | None, data: np.ndarray) -> moderngl.Texture:
        """Write into the existing texture when the size and channels match, else replace it."""
        size = (data.shape[1], data.shape[0])
        components = data.shape[2] if data.ndim == 3 else 1
        if tex is not None and tex.size == size and tex.components == components:
            tex.write(np.ascontiguousarray(data), alignment=1)
            return tex
        if tex is not None:
            tex.release()
        return self._small_texture(data)

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
        over = (moderngl.ONE, moderngl.ONE_MINUS_SRC_ALPHA)
        ctx.blend_func = (*over, *over)
        self._vao(entry, self._alpha_prog).render(moderngl.TRIANGLES, vertices=entry.triangles.size)
        ctx.disable(moderngl.BLEND)
        steps = ((0, half, (SHADOW_SPREAD / size[0], 0.0)), (1, blurred, (0.0, SHADOW_SPREAD / size[1])))
        for src, dst, step in steps:
            dst.use()
            self._shadow_tex[src].use(0)
            _set(self._blur_prog, u_step=step)
            self._blur_vao.render(moderngl.TRIANGLE_STRIP)

    def _small_texture(self, data: np.ndarray) -> moderngl.Texture:
        """Linear-filtered, edge-clamped float or byte texture for masks and estimates."""
        dtype = "f4" if data.dtype == np.float32 else "f1"
        components = data.shape[2] if data.ndim == 3 else 1
        tex = self.ctx.texture((data.shape[1], data.shape[0]), components, np.ascontiguousarray(data),
                               dtype=dtype, alignment=1)
        tex.repeat_x = tex.repeat_y = False
        tex.filter = (moderngl.LINEAR, moderngl.LINEAR)
        return tex

    def release(self) -> None:
        """Free every GL object (call with the context current, before it goes away)."""
        for garment_id in list(self._garments):
            self.forget(garment_id)
        objs: list = [self._camera, self._mask, self._folds, self._coarse, *self._shadow_fbo,
                      *self._shadow_tex, self._white, self._bg_vao, self._shadow_vao, self._blur_vao,
                      self._frame_quad, self._shadow_quad, self._ndc_quad, *self._garment_progs.values(),
                      self._alpha_prog, self._bg_prog, self._shadow_prog, self._blur_prog]
        for obj in objs:
            if obj is not None:
                obj.release()
        self._garment_progs.clear()
        self._camera = self._mask = self._folds = self._coarse = None
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
