"""The compositor: camera frame + fitted garment in few passes (llvmpipe-cheap), in any moderngl context."""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, field
from pathlib import Path

import cv2
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
LOW_RES_DOWNSCALE = 4  # coverage, blur and shade maps are rendered at 1/4 size
SHADOW_SPREAD = 1.5  # blur tap spacing in low-res texels: sigma ~2 texels, ~8 px at full size
SHADOW_OFFSET = 0.008  # contact shadow drop, in frame heights (light from above)
MASK_MAX_WIDTH = 640  # person masks wider than this are decimated before upload
ALPHA_CUT = 0.5  # texture alpha contour taken as the garment's edge
DEPTH_MARGIN_M = 0.04  # garment must be this far behind an arm (metres) to be hidden by it
AO_SHARE = 0.35  # edge darkening inside the garment, as a share of shadow_strength

(
    _UNIT_CAMERA,
    _UNIT_GARMENT,
    _UNIT_FOLDS,
    _UNIT_COARSE,
    _UNIT_MASK,
    _UNIT_COVER,
    _UNIT_COVER_BLUR,
    _UNIT_SHADE,
) = range(8)
_OCCLUDER_FORMAT = "2f 4f 4f 3f 3f"
_OCCLUDER_ATTRS = ("in_px", "in_seg", "in_param", "in_ref0", "in_ref1")


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
        for vao in self.vaos.values():
            vao.release()
        for buf in (self.uv_buf, self.pos_buf, self.index_buf):
            buf.release()
        self.vaos.clear()

    def release(self) -> None:
        """Free every GL object this garment holds."""
        self.release_geometry()
        for tex in (self.front, self.back):
            if tex is not None:
                tex.release()


def covered_triangles(triangles: np.ndarray, uv: np.ndarray, textures: list[np.ndarray]) -> np.ndarray:
    """Triangles whose uv box touches a non-transparent texel: the others would rasterize for nothing."""
    keep = np.zeros(len(triangles), dtype=bool)
    for rgba in textures:
        h, w = rgba.shape[:2]
        sat = cv2.integral((rgba[..., 3] > 0).astype(np.uint8), sdepth=cv2.CV_32S)  # (h + 1, w + 1)
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
    """Draws the camera frame and the fitted garment into any moderngl framebuffer.

    Passes (see docs/compositor.md): low-res garment coverage + depth, its blur and a low-res shade map
    (folds, edge darkening, contact shadow); then into the target: camera frame, garment mesh, the shade
    map as a 2x modulate over the garment's box, and the camera frame again inside occluder capsules.
    """

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
        load = self._load
        self._garment_prog = load("garment")
        self._cover_prog = load("cover", vertex="garment")
        self._bg_prog = load("background")
        self._blur_prog = load("blur")
        self._shade_progs = {
            (folds, shadows): load("shade", vertex="background", defines={"FOLDS": int(folds), "SHADOWS": int(shadows)})
            for folds, shadows in ((True, True), (True, False), (False, True))
        }
        self._modulate_prog = load("modulate", vertex="background")
        self._occlude_prog = load("occlude")
        _set(self._garment_prog, u_garment=_UNIT_GARMENT, u_alpha_cut=ALPHA_CUT)
        _set(self._cover_prog, u_garment=_UNIT_GARMENT)
        _set(self._bg_prog, u_camera=_UNIT_CAMERA)
        _set(self._blur_prog, u_source=0)
        for prog in self._shade_progs.values():
            _set(
                prog,
                u_cover=_UNIT_COVER,
                u_cover_blur=_UNIT_COVER_BLUR,
                u_folds=_UNIT_FOLDS,
                u_folds_coarse=_UNIT_COARSE,
            )
        _set(self._modulate_prog, u_shade=_UNIT_SHADE)
        _set(
            self._occlude_prog,
            u_camera=_UNIT_CAMERA,
            u_mask=_UNIT_MASK,
            u_cover=_UNIT_COVER,
            u_depth_margin=DEPTH_MARGIN_M,
        )

        self._frame_quad = ctx.buffer(reserve=8 * 4, dynamic=True)
        self._bg_vao = ctx.vertex_array(self._bg_prog, [(self._frame_quad, "2f", "in_px")])
        self._box_quad = ctx.buffer(reserve=8 * 4, dynamic=True)
        self._shade_vaos = {
            key: ctx.vertex_array(prog, [(self._box_quad, "2f", "in_px")]) for key, prog in self._shade_progs.items()
        }
        self._modulate_vao = ctx.vertex_array(self._modulate_prog, [(self._box_quad, "2f", "in_px")])
        ndc = np.array([-1, -1, 1, -1, -1, 1, 1, 1], dtype="f4")
        self._ndc_quad = ctx.buffer(ndc.tobytes())
        self._blur_vao = ctx.vertex_array(self._blur_prog, [(self._ndc_quad, "2f", "in_ndc")])
        self._occluder_buf = ctx.buffer(reserve=MAX_OCCLUDERS * 6 * 16 * 4, dynamic=True)
        self._occlude_vao = ctx.vertex_array(
            self._occlude_prog, [(self._occluder_buf, _OCCLUDER_FORMAT, *_OCCLUDER_ATTRS)]
        )

        self._white = self._small_texture(np.full((1, 1), 255, np.uint8))
        self._camera: moderngl.Texture | None = None
        self._frame_size: tuple[int, int] = (0, 0)
        self._mask: moderngl.Texture | None = None
        self._folds: moderngl.Texture | None = None
        self._coarse: moderngl.Texture | None = None
        self._low_size: tuple[int, int] = (0, 0)
        self._low_tex: dict[str, moderngl.Texture] = {}
        self._low_fbo: dict[str, moderngl.Framebuffer] = {}
        self._garments: dict[str, _GarmentGpu] = {}
        self._light: np.ndarray | None = None
        self.last_cpu_ms = 0.0  # numpy preparation of the latest render (analysis, sorting, uploads)

    def _load(self, name: str, **kwargs: object) -> moderngl.Program:
        return load_program(self.ctx, name, shader_dir=self._shader_dir, **kwargs)  # type: ignore[arg-type]

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
        log.debug(
            "preloaded garment %s: %d vertices, %d of %d triangles drawn",
            garment.id,
            len(mesh.uv),
            len(entry.triangles),
            len(mesh.triangles),
        )

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
        self,
        mesh: GarmentMesh,
        front: moderngl.Texture,
        back: moderngl.Texture | None,
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
                log.warning(
                    "garment %s: fit has %s vertices / %s depths for a %d-vertex mesh; not drawn",
                    fit.mesh.garment_id,
                    fit.vertices_px.shape,
                    np.shape(fit.depth),
                    n,
                )
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
        size = (float(w), float(h))
        self._upload_camera(frame)
        entry = self._entry_for(fit)
        mask = body.mask if (body is not None and body.mask is not None and body.mask.size > 0) else None

        folds = s.folds and entry is not None and s.folds_strength > 0.0
        shadows = s.shadows and entry is not None and s.shadow_strength > 0.0
        capsules = find_occluders(body, (w, h))[:MAX_OCCLUDERS] if (s.occlusion and mask is not None) else []
        occlusion = entry is not None and bool(capsules)
        if s.light or folds:
            small = small_frame(frame)
            mask_small = resample_nearest(mask, small.shape[:2]) if mask is not None else None
            if s.light:
                self._update_light(small, mask_small)
            if folds:
                self._upload_folds(small, mask_small)
        if entry is None:
            self.last_cpu_ms = (time.perf_counter() - t0) * 1e3
            self._draw_camera(target, viewport, (w, h))
            return
        assert fit is not None
        mask_tex = self._upload_mask(mask) if (mask is not None and occlusion) else self._white
        self._upload_fit(entry, fit)
        if occlusion:
            self._occluder_buf.write(_occluder_vertices(capsules, frame).tobytes())
        box = _garment_box(fit.vertices_px, (w, h))
        self._box_quad.write(
            np.array([box[0], box[1], box[2], box[1], box[0], box[3], box[2], box[3]], dtype="f4").tobytes()
        )
        self.last_cpu_ms = (time.perf_counter() - t0) * 1e3

        opacity = float(np.clip(fit.opacity, 0.0, 1.0))
        garment_tex = entry.back if (fit.back_view and entry.back is not None) else entry.front
        garment_tex.use(_UNIT_GARMENT)
        if shadows or occlusion or folds:
            self._render_low_res(entry, fit, (w, h), folds=folds, shadows=shadows, cover=shadows or occlusion)

        # ---- into the target: camera frame, garment, shade map, camera again over the occluders
        xform = self._draw_camera(target, viewport, (w, h))
        ctx.enable(moderngl.BLEND)
        ctx.blend_equation = moderngl.FUNC_ADD  # type: ignore[assignment]
        ctx.blend_func = (moderngl.ONE, moderngl.ONE_MINUS_SRC_ALPHA, moderngl.ZERO, moderngl.ONE)  # type: ignore[assignment]
        garment_tex.use(_UNIT_GARMENT)
        light = self._light if (s.light and self._light is not None) else np.ones(3, np.float32)
        _set(
            self._garment_prog,
            u_xform=xform,
            u_opacity=opacity,
            u_light=tuple(float(c) for c in light),
            u_feather_px=max(float(s.feather_px), 0.25),
        )
        self._vao(entry, self._garment_prog).render(moderngl.TRIANGLES, vertices=entry.triangles.size)
        if shadows or folds:
            self._low_tex["shade"].use(_UNIT_SHADE)
            _set(self._modulate_prog, u_xform=xform, u_frame_size=size)
            ctx.blend_func = (moderngl.DST_COLOR, moderngl.SRC_COLOR, moderngl.ZERO, moderngl.ONE)  # type: ignore[assignment]
            self._modulate_vao.render(moderngl.TRIANGLE_STRIP)
        if occlusion:
            mask_tex.use(_UNIT_MASK)
            self._low_tex["cover"].use(_UNIT_COVER)
            _set(self._occlude_prog, u_xform=xform, u_frame_size=size)
            ctx.blend_func = (moderngl.ONE, moderngl.ONE_MINUS_SRC_ALPHA, moderngl.ZERO, moderngl.ONE)  # type: ignore[assignment]
            self._occlude_vao.render(moderngl.TRIANGLES, vertices=6 * len(capsules))
        ctx.disable(moderngl.BLEND)

    def _draw_camera(
        self,
        target: moderngl.Framebuffer,
        viewport: tuple[int, int, int, int] | None,
        frame_size: tuple[int, int],
    ) -> tuple[float, ...]:
        """Bind the target, letterbox, draw the camera frame; returns the frame->clip transform."""
        ctx = self.ctx
        ctx.disable(moderngl.DEPTH_TEST | moderngl.CULL_FACE | moderngl.BLEND)
        target.use()
        full = (0, 0, target.width, target.height)
        vp = (*(int(v) for v in viewport),) if viewport is not None else full
        vp = (vp[0], vp[1], vp[2], vp[3])
        if vp != full:
            target.clear(0.0, 0.0, 0.0, 1.0)
        ctx.viewport = vp
        w, h = frame_size
        xform = _frame_to_clip(frame_size, mirror=self.settings.mirror, y_down=True)
        camera = self._camera
        assert camera is not None
        flt = moderngl.NEAREST if (vp[2] == w and vp[3] == h) else moderngl.LINEAR
        if camera.filter != (flt, flt):
            camera.filter = (flt, flt)
        camera.use(_UNIT_CAMERA)
        _set(self._bg_prog, u_xform=xform, u_frame_size=(float(w), float(h)))
        self._bg_vao.render(moderngl.TRIANGLE_STRIP)
        return xform

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
        data = m if m.dtype == np.uint8 else (np.clip(m, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
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

    def _low_res_targets(self, frame_size: tuple[int, int]) -> None:
        """(Re)make the 1/4-size textures: cover (RG16F), blur ping-pong (R16F), shade (R16F)."""
        w, h = frame_size
        size = (max(1, math.ceil(w / LOW_RES_DOWNSCALE)), max(1, math.ceil(h / LOW_RES_DOWNSCALE)))
        if self._low_size == size:
            return
        for fb in self._low_fbo.values():
            fb.release()
        for tex in self._low_tex.values():
            tex.release()
        self._low_tex = {
            "cover": self.ctx.texture(size, 2, dtype="f2"),
            "half": self.ctx.texture(size, 1, dtype="f2"),
            "blur": self.ctx.texture(size, 1, dtype="f2"),
            "shade": self.ctx.texture(size, 4, dtype="f2"),
        }
        for tex in self._low_tex.values():
            tex.repeat_x = tex.repeat_y = False
        self._low_fbo = {name: self.ctx.framebuffer(color_attachments=[t]) for name, t in self._low_tex.items()}
        self._low_size = size

    def _render_low_res(
        self,
        entry: _GarmentGpu,
        fit: Fit,
        frame_size: tuple[int, int],
        *,
        folds: bool,
        shadows: bool,
        cover: bool,
    ) -> None:
        """Garment coverage/depth, its blur and the shade map, all at 1/4 size where pixels are cheap."""
        self._low_res_targets(frame_size)
        ctx = self.ctx
        fbo, tex = self._low_fbo, self._low_tex
        low_xform = _frame_to_clip(frame_size, mirror=False, y_down=False)
        opacity = float(np.clip(fit.opacity, 0.0, 1.0))
        if cover:
            fbo["cover"].use()
            fbo["cover"].clear(0.0, 0.0, 0.0, 0.0)
            _set(self._cover_prog, u_xform=low_xform, u_opacity=opacity)
            ctx.enable(moderngl.BLEND)
            over = (moderngl.ONE, moderngl.ONE_MINUS_SRC_ALPHA)
            ctx.blend_func = (*over, *over)  # type: ignore[assignment]
            self._vao(entry, self._cover_prog).render(moderngl.TRIANGLES, vertices=entry.triangles.size)
            ctx.disable(moderngl.BLEND)
        if shadows:
            low = self._low_size
            steps = (
                ("cover", "half", (SHADOW_SPREAD / low[0], 0.0)),
                ("half", "blur", (0.0, SHADOW_SPREAD / low[1])),
            )
            # Blur only the garment's box (+ reach): the rest of the low-res targets is never read.
            bx = _garment_box(fit.vertices_px, frame_size)
            sx, sy = low[0] / frame_size[0], low[1] / frame_size[1]
            x0, y0 = int(bx[0] * sx) - 2, int(bx[1] * sy) - 2
            x1, y1 = int(bx[2] * sx) + 3, int(bx[3] * sy) + 3
            scissor: tuple[int, int, int, int] | None = (max(0, x0), max(0, y0), x1 - x0, y1 - y0)
            for src, dst, step in steps:
                fbo[dst].use()
                fbo[dst].scissor = scissor  # type: ignore[assignment]
                tex[src].use(0)
                _set(self._blur_prog, u_step=step)
                self._blur_vao.render(moderngl.TRIANGLE_STRIP)
                fbo[dst].scissor = None  # type: ignore[assignment]
        if not (folds or shadows):
            return
        s = self.settings
        fbo["shade"].use()
        fbo["shade"].clear(0.5, 0.5, 0.5, 1.0)
        (tex["cover"] if cover else self._white).use(_UNIT_COVER)
        tex["blur"].use(_UNIT_COVER_BLUR)
        if folds:
            self._folds.use(_UNIT_FOLDS)  # type: ignore[union-attr]
            self._coarse.use(_UNIT_COARSE)  # type: ignore[union-attr]
        else:
            self._white.use(_UNIT_FOLDS)
        prog = self._shade_progs[(folds, shadows)]
        strength = float(np.clip(s.shadow_strength, 0.0, 1.0))
        _set(
            prog,
            u_xform=low_xform,
            u_frame_size=(float(frame_size[0]), float(frame_size[1])),
            u_folds_strength=float(s.folds_strength),
            u_shadow=strength,
            u_ao=AO_SHARE * strength,
            u_opacity=opacity,
            u_shadow_offset=(0.0, SHADOW_OFFSET),
        )
        self._shade_vaos[(folds, shadows)].render(moderngl.TRIANGLE_STRIP)

    def _small_texture(self, data: np.ndarray) -> moderngl.Texture:
        """Linear-filtered, edge-clamped float or byte texture for masks and estimates."""
        dtype = "f4" if data.dtype == np.float32 else "f1"
        components = data.shape[2] if data.ndim == 3 else 1
        tex = self.ctx.texture(
            (data.shape[1], data.shape[0]), components, np.ascontiguousarray(data), dtype=dtype, alignment=1
        )
        tex.repeat_x = tex.repeat_y = False
        tex.filter = (moderngl.LINEAR, moderngl.LINEAR)
        return tex

    def release(self) -> None:
        """Free every GL object (call with the context current, before it goes away)."""
        for garment_id in list(self._garments):
            self.forget(garment_id)
        objs: list = [
            self._camera,
            self._mask,
            self._folds,
            self._coarse,
            *self._low_fbo.values(),
            *self._low_tex.values(),
            self._white,
            self._bg_vao,
            *self._shade_vaos.values(),
            self._modulate_vao,
            self._blur_vao,
            self._occlude_vao,
            self._frame_quad,
            self._box_quad,
            self._ndc_quad,
            self._occluder_buf,
            *self._shade_progs.values(),
            self._garment_prog,
            self._cover_prog,
            self._bg_prog,
            self._blur_prog,
            self._modulate_prog,
            self._occlude_prog,
        ]
        for obj in objs:
            if obj is not None:
                obj.release()
        self._camera = self._mask = self._folds = self._coarse = None
        self._low_fbo, self._low_tex, self._low_size = {}, {}, (0, 0)


def _occluder_vertices(capsules: list, frame: np.ndarray) -> np.ndarray:
    """Two triangles per capsule (an oriented box around it) carrying the capsule's data and limb colours."""
    h, w = frame.shape[:2]
    rows = []
    for a, b, radius, da, db, weight in capsules:
        pa, pb = np.asarray(a, np.float32), np.asarray(b, np.float32)
        axis = pb - pa
        length = float(np.linalg.norm(axis))
        d = axis / length if length > 1e-3 else np.array([1.0, 0.0], np.float32)
        n = np.array([-d[1], d[0]], np.float32)
        refs = []
        for t in (0.4, 0.7):
            x, y = (pa + t * axis).astype(int)
            x0, x1 = max(0, min(w - 1, x - 2)), max(1, min(w, x + 3))
            y0, y1 = max(0, min(h - 1, y - 2)), max(1, min(h, y + 3))
            refs.append(frame[y0:y1, x0:x1].reshape(-1, 3).mean(axis=0) / 255.0)
        c0, c1 = pa - d * radius, pb + d * radius
        corners = [c0 - n * radius, c0 + n * radius, c1 - n * radius, c1 + n * radius]
        extra = [*a, *b, radius, da, db, weight, *refs[0], *refs[1]]
        for k in (0, 1, 2, 1, 3, 2):
            rows.append([*corners[k], *extra])
    return np.asarray(rows, dtype=np.float32).reshape(-1, 16)


# ------------------------------------------------------------------------------------------------ helpers
def _set(prog: moderngl.Program, **uniforms: object) -> None:
    """Set uniforms that exist; the GLSL compiler drops unused ones, which is not an error here."""
    for name, value in uniforms.items():
        if name in prog:
            prog[name].value = value  # type: ignore[union-attr]


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


def _garment_box(vertices_px: np.ndarray, frame_size: tuple[int, int]) -> tuple[float, float, float, float]:
    """Frame-pixel rectangle around the garment plus the shadow's reach, clipped to the frame."""
    w, h = frame_size
    margin = 0.04 * h
    x0, y0 = np.maximum(vertices_px.min(axis=0) - margin, 0.0)
    x1, y1 = np.minimum(vertices_px.max(axis=0) + margin, (w, h))
    return (float(x0), float(y0), float(x1), float(y1))
