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
from mirror_app.render.analysis import (
    Neutral,
    fold_keep,
    fold_maps,
    fold_window,
    light_estimate,
    neutral_light,
    patch_means,
    resample_nearest,
    rgb_distance,
    small_frame,
    sparse_frame,
)
from mirror_app.render.garment_textures import GarmentTextures, inside_share
from mirror_app.render.hair import HairMap, hair_map
from mirror_app.render.mesh_lod import (
    FlatBlocks,
    covered_triangles,
    flat_blocks,
    grid_lod,
    merge_flat,
    triangles_over,
)
from mirror_app.render.occluders import Capsule, skin_plausible
from mirror_app.render.occluders import occluders as find_occluders
from mirror_app.render.settings import CompositorSettings
from mirror_app.render.shaders import load_program
from mirror_app.tracking.body import Body
from mirror_app.tracking.silhouette import torso_axis

log = logging.getLogger(__name__)

MAX_OCCLUDERS = 6  # must match MAX_OCCLUDERS in shaders/garment.frag
HAIR_RECHECK_FRAMES = 8  # without long hair in view, look for it on one frame in this many
LOW_RES_DOWNSCALE = 4  # the coverage map is rendered at 1/4 size
SHADE_DOWNSCALE = 8  # the shade map at 1/8, the fold inputs' own size: its blurs were most of its cost
SHADOW_SPREAD = 1.5  # blur tap spacing in low-res texels: sigma ~2 texels, ~8 px at full size
SHADOW_OFFSET = 0.008  # contact shadow drop, in frame heights (light from above)
ALPHA_CUT = 0.5  # texture alpha contour taken as the garment's edge
DEPTH_MARGIN_M = 0.02  # garment must be this far behind an arm (metres) to be hidden by it
AO_SHARE = 0.35  # edge darkening inside the garment, as a share of shadow_strength
COVER_QUAD_PX = 20.0  # the 1/4-size coverage pass draws the mesh coarsened up to quads this big (frame px)
INSIDE_LEVEL = 0
"""Key of the index buffer (in _GarmentGpu.index_bufs / drawn) of the triangles over the inside of the back:
not a coarseness level, so neither the coverage pass's level choice nor the depth sort ever uses it."""
NEUTRAL_EVERY = 4
"""Frames one search for the room's near-neutral surfaces (the light's colour, analysis.neutral_light, ~0.1
ms) serves: the light's EMA (light_smoothing 0.15) takes ~6 frames to follow a change anyway."""
FOLD_LIMIT = 0.4
"""Soft limit (tanh, in stops) of the wearer's luma ratio before the fold transfer: their folds (+-0.1 to 0.35
stops on the clips, 5th to 95th percentile) pass nearly whole, the deep shadows of a puffy suit or a squat's
creases (-1 to -1.3 stops at the 1st percentile) no longer print as dark blotches on the garment."""
SHADE_BASE = 0.35  # the shade map stores the garment multiplier (0.39..1.35) less this, the frame one as is
COVER_DEPTH_RANGE_M = 1.0  # the coverage map holds depths within +-this (metres from the torso) in 8 bits

(
    _UNIT_CAMERA,
    _UNIT_GARMENT,
    _UNIT_FOLDS,
    _UNIT_COARSE,
    _UNIT_MASK,
    _UNIT_COVER,
    _UNIT_SHADE,
    _UNIT_HAIR,
    _UNIT_INSIDE,
) = range(9)
_OCCLUDER_FORMAT = "2f 4f 4f 3f 3f 3f 3f 1f"
_OCCLUDER_ATTRS = ("in_px", "in_seg", "in_param", "in_ref0", "in_ref1", "in_near0", "in_near1", "in_core")
_OCCLUDER_FLOATS = 23


@dataclass(slots=True)
class _GarmentGpu:
    """One preloaded garment's GPU objects."""

    mesh: GarmentMesh
    front: GarmentTextures
    back: GarmentTextures | None
    uv_buf: moderngl.Buffer
    pos_buf: moderngl.Buffer
    # Triangle lists by coarseness (cells per quad side; 1 = every triangle, fully transparent ones culled),
    # their index buffers (re-sorted far-to-near when depth varies) and whether they hold a sorted order.
    levels: dict[int, np.ndarray]
    index_bufs: dict[int, moderngl.Buffer]
    cell_pairs: np.ndarray | None = None  # (K, 2) vertex pairs one grid cell apart, to measure cells on screen
    flat: FlatBlocks | None = None  # blocks the garment pass draws as one quad where the fit is flat
    drawn: dict[int, int] = field(default_factory=dict)  # indices written to each level's buffer this frame
    probe: np.ndarray | None = None  # up to 256 triangles whose screen area against uv area gives the scale
    probe_uv_area: float = 0.0
    sorted_levels: set[int] = field(default_factory=set)
    vaos: dict[object, moderngl.VertexArray] = field(default_factory=dict)
    warned: bool = False
    sleeved_forearms: bool = False  # long sleeves: the garment's own sleeve stands for each forearm
    # The inside of the back seen through the neck opening (Garment.inside): its mask, as a texture, and the
    # triangles that hold some of it (index buffer index_bufs[INSIDE_LEVEL], drawn[INSIDE_LEVEL] indices).
    inside_mask: np.ndarray | None = None
    inside_tex: moderngl.Texture | None = None

    @property
    def triangles(self) -> np.ndarray:
        """The full-detail triangle list."""
        return self.levels[1]

    def release_geometry(self) -> None:
        """Free buffers and vertex arrays (textures stay)."""
        for vao in self.vaos.values():
            vao.release()
        for buf in (self.uv_buf, self.pos_buf, *self.index_bufs.values()):
            buf.release()
        self.vaos.clear()
        self.index_bufs.clear()

    def release(self) -> None:
        """Free every GL object this garment holds."""
        self.release_geometry()
        for tex in (self.front, self.back, self.inside_tex):
            if tex is not None:
                tex.release()


class Compositor:
    """Draws the camera frame and the fitted garment into any moderngl framebuffer.

    Passes (see docs/compositor.md): low-res garment coverage and a low-res shade map over the garment's
    box (folds, edge darkening, contact shadow, its blur included); then into the target: the camera frame
    (times the contact shadow over the garment's box), and the garment mesh (times folds and edge
    darkening, cut away where a forearm, hand or the head is in front of it).
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
        self._garment_progs = {
            shade: load("garment", defines={"SHADE": int(shade), "SHADE_BASE": SHADE_BASE}) for shade in (False, True)
        }
        self._cover_prog = load("cover", vertex="garment")
        self._bg_prog = load("background")
        self._bg_shade_prog = load("background", defines={"SHADE": 1})
        self._shade_progs = {
            (folds, shadows): load(
                "shade",
                vertex="background",
                defines={
                    "FOLDS": int(folds),
                    "SHADOWS": int(shadows),
                    "SHADE_BASE": SHADE_BASE,
                    "FOLD_LIMIT": FOLD_LIMIT,
                },
            )
            for folds, shadows in ((True, True), (True, False), (False, True))
        }
        self._occlude_prog = load("occlude")
        self._behind_prog = load("behind", vertex="garment")
        self._hair_prog = load("hair", vertex="background")
        for prog in self._garment_progs.values():
            _set(prog, u_garment=_UNIT_GARMENT, u_alpha_cut=ALPHA_CUT, u_shade=_UNIT_SHADE)
        _set(
            self._occlude_prog,
            u_camera=_UNIT_CAMERA,
            u_mask=_UNIT_MASK,
            u_cover=_UNIT_COVER,
            u_depth_margin=DEPTH_MARGIN_M,
            u_depth_range=COVER_DEPTH_RANGE_M,
        )
        _set(self._hair_prog, u_camera=_UNIT_CAMERA, u_mask=_UNIT_MASK, u_hair=_UNIT_HAIR)
        _set(self._behind_prog, u_camera=_UNIT_CAMERA, u_mask=_UNIT_MASK, u_inside=_UNIT_INSIDE)
        _set(self._cover_prog, u_garment=_UNIT_GARMENT, u_depth_range=COVER_DEPTH_RANGE_M)
        _set(self._bg_prog, u_camera=_UNIT_CAMERA)
        _set(self._bg_shade_prog, u_camera=_UNIT_CAMERA, u_shade=_UNIT_SHADE)
        for prog in self._shade_progs.values():
            _set(prog, u_cover=_UNIT_COVER, u_folds=_UNIT_FOLDS, u_folds_coarse=_UNIT_COARSE)

        self._frame_quad = ctx.buffer(reserve=8 * 4, dynamic=True)
        self._bg_vao = ctx.vertex_array(self._bg_prog, [(self._frame_quad, "2f", "in_px")])
        self._box_quad = ctx.buffer(reserve=8 * 4, dynamic=True)
        self._shade_vaos = {
            key: ctx.vertex_array(prog, [(self._box_quad, "2f", "in_px")]) for key, prog in self._shade_progs.items()
        }
        self._bg_shade_vao = ctx.vertex_array(self._bg_shade_prog, [(self._box_quad, "2f", "in_px")])
        self._hair_quad = ctx.buffer(reserve=8 * 4, dynamic=True)
        self._hair_vao = ctx.vertex_array(self._hair_prog, [(self._hair_quad, "2f", "in_px")])
        self._hair_tex: moderngl.Texture | None = None
        self._hair_wait = 0  # frames to go before looking for long hair again (none found lately)
        self._hair_person: int | None = None
        self._occluder_buf = ctx.buffer(reserve=MAX_OCCLUDERS * 6 * _OCCLUDER_FLOATS * 4, dynamic=True)
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
        self._neutral: Neutral | None = None  # the last neutral_light, reused for NEUTRAL_EVERY frames
        self._neutral_age = 0
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
        front = GarmentTextures(self.ctx, garment.rgba)
        back = GarmentTextures(self.ctx, garment.back_rgba) if garment.back_rgba is not None else None
        inside = garment.inside  # one of another size than the front is not used
        if inside is not None:
            inside = inside_share(inside, garment.rgba[..., 3]) if inside.shape == garment.rgba.shape[:2] else None
        entry = self._upload_mesh(mesh, front, back, images, inside)
        entry.sleeved_forearms = garment.long_sleeves
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
        """Forget the smoothed light and the hair search's pause, e.g. after a scene cut, so the next frame
        sets the light directly and looks for hair."""
        self._light = None
        self._neutral = None
        self._hair_wait = 0

    def _upload_mesh(
        self,
        mesh: GarmentMesh,
        front: GarmentTextures,
        back: GarmentTextures | None,
        images: list[np.ndarray],
        inside: np.ndarray | None = None,
        inside_tex: moderngl.Texture | None = None,
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
        pos_buf = ctx.buffer(reserve=max(len(uv), 1) * 16, dynamic=True)
        lods, pairs = grid_lod(uv, triangles)
        levels = {1: triangles, **lods}
        bufs = {
            level: ctx.buffer(tris.tobytes() if tris.size else b"\0" * 12, dynamic=True)
            for level, tris in levels.items()
        }
        flat = flat_blocks(uv, triangles)
        drawn = {level: tris.size for level, tris in levels.items()}
        probe = triangles[:: max(1, len(triangles) // 256)] if triangles.size else None
        uv_area = _area(uv, probe) if probe is not None else 0.0
        entry = _GarmentGpu(mesh, front, back, uv_buf, pos_buf, levels, bufs, pairs, flat, drawn, probe, uv_area)
        self._upload_inside(entry, inside, inside_tex)
        return entry

    def _upload_inside(self, entry: _GarmentGpu, inside: np.ndarray | None, tex: moderngl.Texture | None) -> None:
        """The inside-of-the-back share (inside_share, the front image's size) as a mipmapped texture (`tex`
        when it was made already) and the triangles over it; none: nothing is drawn behind the wearer."""
        tris = triangles_over(entry.triangles, entry.mesh.uv, inside) if inside is not None else entry.triangles[:0]
        if inside is None or not tris.size:
            if tex is not None:
                tex.release()
            return
        entry.inside_mask, entry.inside_tex = inside, tex
        if tex is None:
            tex = self.ctx.texture(entry.front.size, 1, np.ascontiguousarray(inside, dtype=np.uint8), alignment=1)
            tex.repeat_x = tex.repeat_y = False
            tex.build_mipmaps()
            tex.filter = (moderngl.LINEAR_MIPMAP_LINEAR, moderngl.LINEAR)
            entry.inside_tex = tex
        entry.index_bufs[INSIDE_LEVEL] = self.ctx.buffer(np.ascontiguousarray(tris, dtype="i4").tobytes())
        entry.drawn[INSIDE_LEVEL] = tris.size

    def _vao(self, entry: _GarmentGpu, prog: moderngl.Program, level: int = 1) -> moderngl.VertexArray:
        """The garment's vertex array for one program and mesh coarseness, made on first use."""
        key = (prog.glo, level)
        vao = entry.vaos.get(key)
        if vao is None:
            content = [(entry.pos_buf, "2f 1f 1f", "in_px", "in_depth", "in_shade"), (entry.uv_buf, "2f", "in_uv")]
            vao = self.ctx.vertex_array(prog, content, entry.index_bufs[level], skip_errors=True)
            entry.vaos[key] = vao
        return vao

    @staticmethod
    def _cover_level(entry: _GarmentGpu, fit: Fit) -> int:
        """Mesh coarseness for the 1/4-size coverage pass: the coarsest prepared level whose quads stay
        within COVER_QUAD_PX on screen. (The garment pass always draws every triangle: coarser quads there
        moved stripes and sleeve outlines by a pixel or two, and popped when the level changed.)"""
        if entry.cell_pairs is None or len(entry.levels) == 1:
            return 1
        step = fit.vertices_px[entry.cell_pairs[:, 0]] - fit.vertices_px[entry.cell_pairs[:, 1]]
        lengths = np.hypot(step[:, 0], step[:, 1])
        cell = float(np.partition(lengths, len(lengths) // 2)[len(lengths) // 2])  # the median, 4x cheaper
        return next((lv for lv in sorted(entry.levels, reverse=True) if lv * cell <= COVER_QUAD_PX), 1)

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
                entry = self._upload_mesh(fit.mesh, entry.front, entry.back, [], entry.inside_mask, entry.inside_tex)
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
        """Composite one whole frame into `target` (the camera frame scaled to `viewport`), mirrored last."""
        self._composite(frame_rgb, body, fit, target, viewport, region=False)

    def render_region(
        self,
        frame_rgb: np.ndarray,
        body: Body | None,
        fit: Fit | None,
        target: moderngl.Framebuffer,
    ) -> tuple[int, int, int, int] | None:
        """Composite only the part of the frame the garment changes, into a frame-sized `target` at 1:1.

        Everything outside the garment's box (its shadow's reach included) is the camera frame itself, so
        a host that keeps a CPU copy of the frame needs only that box from the GPU: only it is uploaded,
        drawn and (by the host) read back. Returns the box in `target` pixels (x, y, w, h; GL rows, bottom
        up; mirrored when the mirror is on), or None when nothing is drawn over the frame (no garment).
        The pixels inside the box equal those of render() at 1:1.
        """
        return self._composite(frame_rgb, body, fit, target, None, region=True)

    def _composite(
        self,
        frame_rgb: np.ndarray,
        body: Body | None,
        fit: Fit | None,
        target: moderngl.Framebuffer,
        viewport: tuple[int, int, int, int] | None,
        *,
        region: bool,
    ) -> tuple[int, int, int, int] | None:
        t0 = time.perf_counter()
        s = self.settings
        ctx = self.ctx
        frame = _as_rgb(frame_rgb)
        h, w = frame.shape[:2]
        size = (float(w), float(h))
        if region and (target.width, target.height) != (w, h):
            raise ValueError(f"render_region needs a {w}x{h} target, got {target.width}x{target.height}")
        entry = self._entry_for(fit)
        mask = body.mask if (body is not None and body.mask is not None and body.mask.size > 0) else None

        folds = s.folds and entry is not None and s.folds_strength > 0.0
        shadows = s.shadows and entry is not None and s.shadow_strength > 0.0
        box = _pixel_box(_garment_box(fit.vertices_px, (w, h))) if (entry is not None and fit is not None) else None
        blocks = h >= 8 and w >= 8  # light and folds are estimated per 8x8 block
        folds = folds and box is not None and blocks
        mask_small = None
        if mask is not None and blocks and (s.light or folds):
            mask_small = resample_nearest(mask, (h // 8, w // 8))
        if s.light and blocks:
            self._update_light(sparse_frame(frame), mask_small)
        if folds:
            assert box is not None
            folds = self._upload_folds(frame, mask_small, box, body)
        if box is None:
            if not region:
                self._upload_camera(frame)
                self._draw_camera(target, viewport, (w, h))
            self.last_cpu_ms = (time.perf_counter() - t0) * 1e3
            return None
        assert fit is not None and entry is not None
        self._upload_camera(frame, box if region else None)
        capsules = (
            find_occluders(body, (w, h), frame, sleeved_forearms=entry.sleeved_forearms)[:MAX_OCCLUDERS]
            if (s.occlusion and mask is not None)
            else []
        )
        occlusion = bool(capsules)
        hair = self._hair_over(frame, mask, body, box) if s.hair else None
        # The inside of the back seen through the neck opening lies behind the wearer (front view only).
        behind = s.occlusion and mask is not None and entry.inside_tex is not None and not fit.back_view
        if occlusion or hair is not None or behind:
            assert mask is not None
            self._upload_mask(mask, box, (w, h))
        if occlusion:
            self._occluder_buf.write(occluder_vertices(capsules, frame).tobytes())
        cover = shadows or occlusion
        cover_level = self._cover_level(entry, fit) if cover else 1
        self._upload_fit(entry, fit, (1, cover_level))
        bx0, by0, bx1, by1 = box
        self._box_quad.write(np.array([bx0, by0, bx1, by0, bx0, by1, bx1, by1], dtype="f4").tobytes())
        opacity = float(np.clip(fit.opacity, 0.0, 1.0))
        textures = entry.back if (fit.back_view and entry.back is not None) else entry.front
        px_per_uv = _px_per_uv(entry, fit)  # screen pixels per unit of uv (per axis, area-averaged)
        tw, th = textures.size
        px_per_texel = px_per_uv / math.sqrt(tw * th)
        textures.for_scale(px_per_texel / LOW_RES_DOWNSCALE, steady=False).use(_UNIT_GARMENT)
        garment_tex = textures.for_scale(px_per_texel)
        shade = folds or shadows
        if shade or cover:
            self._render_low_res(entry, fit, (w, h), box, cover_level, folds=folds, shadows=shadows, cover=cover)

        # ---- into the target: the camera frame (x contact shadow over the box), the garment (x folds and
        # edge darkening), the camera frame again inside occluder capsules. The frame under the garment's box
        # is multiplied by the shade map's G and the garment by its R: no separate modulate pass.
        scissor = None
        if region:
            x0 = w - bx1 if s.mirror else bx0
            scissor = (x0, h - by1, bx1 - bx0, by1 - by0)
        xform = self._draw_camera(target, viewport, (w, h), scissor, plain=not (region and shadows))
        if shade:
            self._low_tex["shade"].use(_UNIT_SHADE)
        if shadows:
            _set(self._bg_shade_prog, u_xform=xform, u_frame_size=size)
            self._bg_shade_vao.render(moderngl.TRIANGLE_STRIP)
        ctx.enable(moderngl.BLEND)
        ctx.blend_equation = moderngl.FUNC_ADD  # type: ignore[assignment]
        ctx.blend_func = (moderngl.ONE, moderngl.ONE_MINUS_SRC_ALPHA, moderngl.ZERO, moderngl.ONE)  # type: ignore[assignment]
        garment_tex.use(_UNIT_GARMENT)
        light = self._light if (s.light and self._light is not None) else np.ones(3, np.float32)
        prog = self._garment_progs[shade]
        _set(
            prog,
            u_xform=xform,
            u_opacity=opacity,
            u_light=tuple(float(c) for c in light),
            u_feather_px=max(float(s.feather_px), 0.25),
            u_frame_size=size,
        )
        self.last_cpu_ms = (time.perf_counter() - t0) * 1e3
        self._vao(entry, prog).render(moderngl.TRIANGLES, vertices=entry.drawn[1])
        if behind:
            assert entry.inside_tex is not None
            entry.inside_tex.use(_UNIT_INSIDE)
            self._mask.use(_UNIT_MASK)  # type: ignore[union-attr]
            _set(self._behind_prog, u_xform=xform, u_frame_size=size)
            self._vao(entry, self._behind_prog, INSIDE_LEVEL).render(
                moderngl.TRIANGLES, vertices=entry.drawn[INSIDE_LEVEL]
            )
        if occlusion:
            self._low_tex["cover"].use(_UNIT_COVER)
            self._mask.use(_UNIT_MASK)  # type: ignore[union-attr]
            _set(self._occlude_prog, u_xform=xform, u_frame_size=size)
            self._occlude_vao.render(moderngl.TRIANGLES, vertices=6 * len(capsules))
        if hair is not None:
            self._draw_hair(hair, xform, size)
        ctx.disable(moderngl.BLEND)
        if scissor is not None:
            target.scissor = None  # type: ignore[assignment]
        return scissor

    def _draw_camera(
        self,
        target: moderngl.Framebuffer,
        viewport: tuple[int, int, int, int] | None,
        frame_size: tuple[int, int],
        scissor: tuple[int, int, int, int] | None = None,
        *,
        plain: bool = True,
    ) -> tuple[float, ...]:
        """Bind the target, letterbox, draw the camera frame (only inside `scissor`, target pixels, when
        given; not at all without `plain`, when the caller draws it shaded); returns the frame->clip
        transform."""
        ctx = self.ctx
        ctx.disable(moderngl.DEPTH_TEST | moderngl.CULL_FACE | moderngl.BLEND)
        target.use()
        target.scissor = scissor  # type: ignore[assignment]
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
        if plain:
            _set(self._bg_prog, u_xform=xform, u_frame_size=(float(w), float(h)))
            self._bg_vao.render(moderngl.TRIANGLE_STRIP)
        return xform

    # ----------------------------------------------------------------------------------- per-frame work
    def _hair_over(
        self, frame: np.ndarray, mask: np.ndarray | None, body: Body | None, box: tuple[int, int, int, int]
    ) -> HairMap | None:
        """The hair map when it overlaps the garment's box, uploaded with its quad (the overlap only)."""
        person = body.person_id if body is not None else None
        if self._hair_wait > 0 and person == self._hair_person:
            self._hair_wait -= 1
            return None
        found = hair_map(frame, mask, body)
        self._hair_person = person
        if found is None:
            # Hair does not grow between frames: look again in a quarter second, not on every frame.
            self._hair_wait = HAIR_RECHECK_FRAMES - 1
            return None
        x0, y0 = max(found.rect[0], box[0]), max(found.rect[1], box[1])
        x1, y1 = min(found.rect[2], box[2]), min(found.rect[3], box[3])
        if x1 <= x0 or y1 <= y0:
            return None
        self._hair_quad.write(np.array([x0, y0, x1, y0, x0, y1, x1, y1], dtype="f4").tobytes())
        alpha = found.alpha
        self._hair_tex = self._write_part(self._hair_tex, alpha, (alpha.shape[1], alpha.shape[0]), (0, 0))
        return found

    def _draw_hair(self, hair: HairMap, xform: tuple[float, ...], size: tuple[float, float]) -> None:
        """The camera frame back over the garment where the hair falls in front of it (blending is on)."""
        assert self._hair_tex is not None and self._mask is not None
        self._hair_tex.use(_UNIT_HAIR)
        self._mask.use(_UNIT_MASK)
        _set(
            self._hair_prog,
            u_xform=xform,
            u_frame_size=size,
            u_rect=tuple(float(v) for v in hair.rect),
            u_hair_colour=tuple(float(c) for c in hair.hair),
            u_other0=tuple(float(c) for c in hair.others[0]),
            u_other1=tuple(float(c) for c in hair.others[1]),
            u_other2=tuple(float(c) for c in hair.others[2]),
            u_tolerance=hair.tolerance,
        )
        self._hair_vao.render(moderngl.TRIANGLE_STRIP)

    def _upload_camera(self, frame: np.ndarray, box: tuple[int, int, int, int] | None = None) -> None:
        """The camera frame into its texture (reused while the size holds); with `box` (x0, y0, x1, y1),
        only that part: the rest of the texture is then stale and must not be sampled."""
        h, w = frame.shape[:2]
        if self._camera is None or self._frame_size != (w, h):
            if self._camera is not None:
                self._camera.release()
            self._camera = self.ctx.texture((w, h), 3, alignment=1)
            self._camera.repeat_x = self._camera.repeat_y = False
            self._frame_size = (w, h)
            quad = np.array([0, 0, w, 0, 0, h, w, h], dtype="f4")
            self._frame_quad.write(quad.tobytes())
        if box is None:
            self._camera.write(frame, alignment=1)
        else:
            x0, y0, x1, y1 = box
            part = np.ascontiguousarray(frame[y0:y1, x0:x1])
            self._camera.write(part, viewport=(x0, y0, x1 - x0, y1 - y0), alignment=1)

    def _update_light(self, small: np.ndarray, mask_small: np.ndarray | None) -> None:
        """EMA of the light multiplier, so flicker and people walking by do not pump the garment. The search
        for near-neutral surfaces (the light's colour) runs one frame in NEUTRAL_EVERY, the rest reuse it
        (unless smoothing is off: then each frame's light is its own)."""
        k = float(np.clip(self.settings.light_smoothing, 0.0, 1.0))
        fresh = self._neutral is not None and self._neutral_age < NEUTRAL_EVERY and k < 1.0
        neutral = self._neutral if fresh else None
        if neutral is None:
            neutral = self._neutral = neutral_light(small, mask_small)
            self._neutral_age = 0
        self._neutral_age += 1
        estimate = light_estimate(small, mask_small, self.settings.light_reference, neutral)
        if self._light is None:
            self._light = estimate
        else:
            self._light = (self._light + k * (estimate - self._light)).astype(np.float32)

    def _upload_folds(
        self, frame: np.ndarray, mask_small: np.ndarray | None, box: tuple[int, int, int, int], body: Body | None
    ) -> bool:
        """The fold inputs (1/8 size, frame uv) around the garment's box only: the shade pass reads nothing
        else, and the rest of the frame was three quarters of the work. False (no folds this frame) for a
        frame too small to have any 1/8-size texel. With a body, the folds fade out below its hips."""
        h, w = frame.shape[:2]
        window = x0, y0, x1, y1 = fold_window(box, (w, h))
        if x1 <= x0 or y1 <= y0:
            return False
        small = small_frame(frame[y0 * 8 : y1 * 8, x0 * 8 : x1 * 8])
        keep = None if body is None else fold_keep(torso_axis(body), window)
        fine, coarse = fold_maps(small, mask_small[y0:y1, x0:x1] if mask_small is not None else None, keep)
        size = (w // 8, h // 8)
        self._folds = self._write_part(self._folds, fine, size, (x0, y0))
        self._coarse = self._write_part(self._coarse, coarse, size, (x0, y0))
        return True

    def _upload_mask(
        self, mask: np.ndarray, box: tuple[int, int, int, int], frame_size: tuple[int, int]
    ) -> moderngl.Texture:
        """The person mask as uint8, only inside the garment's box (+1 texel): occlusion reads nothing
        else (outside the box there is no garment to uncover), so the rest of the texture may be stale."""
        mh, mw = mask.shape[:2]
        sx, sy = mw / frame_size[0], mh / frame_size[1]
        x0, y0 = max(0, int(box[0] * sx) - 1), max(0, int(box[1] * sy) - 1)
        x1, y1 = min(mw, math.ceil(box[2] * sx) + 1), min(mh, math.ceil(box[3] * sy) + 1)
        m = mask[y0:y1, x0:x1]
        data = m if m.dtype == np.uint8 else (np.clip(m, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
        self._mask = self._write_part(self._mask, data, (mw, mh), (x0, y0))
        return self._mask

    def _write_part(
        self, tex: moderngl.Texture | None, data: np.ndarray, size: tuple[int, int], at: tuple[int, int]
    ) -> moderngl.Texture:
        """Write `data` (nothing when empty) at texel `at` of a `size` texture with data's channels and type,
        made anew when missing or of another size, channels or type (the rest of a new one is zero)."""
        components = data.shape[2] if data.ndim == 3 else 1
        if tex is None or tex.size != size or tex.components != components or tex.dtype != _texture_dtype(data):
            if tex is not None:
                tex.release()
            tex = self._small_texture(np.zeros((size[1], size[0], *data.shape[2:]), data.dtype))
        if data.size:
            tex.write(np.ascontiguousarray(data), viewport=(at[0], at[1], data.shape[1], data.shape[0]), alignment=1)
        return tex

    def _upload_fit(self, entry: _GarmentGpu, fit: Fit, drawn: tuple[int, ...]) -> None:
        """Vertex positions + depth every frame; the full-detail list with the blocks that are flat in this fit
        merged into quads (mesh_lod.merge_flat), and the drawn levels re-sorted far-to-near when depth varies
        (flat depth: the rest order)."""
        n = len(entry.mesh.uv)
        data = np.empty((n, 4), dtype=np.float32)
        data[:, :2] = fit.vertices_px
        data[:, 2] = fit.depth
        data[:, 3] = 1.0 if fit.shading is None else fit.shading
        entry.pos_buf.write(data.tobytes())
        depth = data[:, 2]
        varies = bool(n) and float(depth.max() - depth.min()) > 1e-4
        for lv in set(drawn):
            tris = entry.levels[lv]
            # Not while fading: the seam fans overlap their neighbours by a hair, which only opaque cloth hides.
            # Not with per-vertex shading either: a merged block would keep only its corners' shading.
            merged = lv == 1 and entry.flat is not None and tris.size and fit.opacity >= 0.999 and fit.shading is None
            if merged:
                assert entry.flat is not None
                tris = merge_flat(entry.flat, tris, data[:, :2])
            if varies and tris.size:
                order = np.argsort(-depth[tris].sum(axis=1), kind="stable")
                entry.index_bufs[lv].write(np.ascontiguousarray(tris[order]).tobytes())
                entry.sorted_levels.add(lv)
            elif merged or lv in entry.sorted_levels:
                entry.index_bufs[lv].write(np.ascontiguousarray(tris).tobytes())
                entry.sorted_levels.discard(lv)
            entry.drawn[lv] = tris.size

    def _low_res_targets(self, frame_size: tuple[int, int]) -> None:
        """(Re)make the low-res textures: cover at 1/4 size (coverage, coverage x depth) and shade at 1/8
        (garment and frame multipliers). RGBA8: on llvmpipe the shade pass's 35 reads and the writes cost a
        quarter less than with RG16F; 8 bits hold the multipliers in 0.4 % steps (half a level on a mid grey)."""
        w, h = frame_size
        size = (max(1, math.ceil(w / LOW_RES_DOWNSCALE)), max(1, math.ceil(h / LOW_RES_DOWNSCALE)))
        if self._low_size == size:
            return
        for fb in self._low_fbo.values():
            fb.release()
        for tex in self._low_tex.values():
            tex.release()
        shade_size = (max(1, math.ceil(w / SHADE_DOWNSCALE)), max(1, math.ceil(h / SHADE_DOWNSCALE)))
        self._low_tex = {
            "cover": self.ctx.texture(size, 4),
            "shade": self.ctx.texture(shade_size, 4),
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
        box: tuple[int, int, int, int],
        level: int,
        *,
        folds: bool,
        shadows: bool,
        cover: bool,
    ) -> None:
        """Garment coverage + depth (coarse mesh, 1/4 size) and the shade map over the box (1/8 size)."""
        self._low_res_targets(frame_size)
        ctx = self.ctx
        fbo, tex = self._low_fbo, self._low_tex
        low = self._low_size
        low_xform = _frame_to_clip(frame_size, mirror=False, y_down=False)
        opacity = float(np.clip(fit.opacity, 0.0, 1.0))
        sx, sy = low[0] / frame_size[0], low[1] / frame_size[1]
        if cover:
            # The blur in the shade pass reads ~6 texels around the box's pixels: clear that much, no more.
            reach = 8
            x0, y0 = max(0, int(box[0] * sx) - reach), max(0, int(box[1] * sy) - reach)
            x1, y1 = min(low[0], math.ceil(box[2] * sx) + reach), min(low[1], math.ceil(box[3] * sy) + reach)
            fbo["cover"].use()
            fbo["cover"].scissor = (x0, y0, x1 - x0, y1 - y0)
            fbo["cover"].clear(0.0, 0.0, 0.0, 0.0)
            _set(self._cover_prog, u_xform=low_xform, u_opacity=opacity)
            ctx.enable(moderngl.BLEND)
            over = (moderngl.ONE, moderngl.ONE_MINUS_SRC_ALPHA)
            ctx.blend_func = (*over, *over)  # type: ignore[assignment]
            self._vao(entry, self._cover_prog, level).render(moderngl.TRIANGLES, vertices=entry.drawn[level])
            ctx.disable(moderngl.BLEND)
            fbo["cover"].scissor = None  # type: ignore[assignment]
            tex["cover"].use(_UNIT_COVER)
        if not (folds or shadows):
            return
        s = self.settings
        fbo["shade"].use()
        fbo["shade"].clear(1.0 - SHADE_BASE, 1.0, 0.0, 1.0)  # both multipliers 1
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
            u_blur_step=(SHADOW_SPREAD / low[0], SHADOW_SPREAD / low[1]),
        )
        self._shade_vaos[(folds, shadows)].render(moderngl.TRIANGLE_STRIP)

    def _small_texture(self, data: np.ndarray) -> moderngl.Texture:
        """Linear-filtered, edge-clamped float or byte texture for masks and estimates."""
        components = data.shape[2] if data.ndim == 3 else 1
        tex = self.ctx.texture(
            (data.shape[1], data.shape[0]),
            components,
            np.ascontiguousarray(data),
            dtype=_texture_dtype(data),
            alignment=1,
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
            self._bg_shade_vao,
            self._occlude_vao,
            self._occluder_buf,
            self._hair_vao,
            self._hair_quad,
            self._hair_tex,
            self._hair_prog,
            self._frame_quad,
            self._box_quad,
            *self._shade_progs.values(),
            *self._garment_progs.values(),
            self._cover_prog,
            self._bg_prog,
            self._bg_shade_prog,
            self._occlude_prog,
            self._behind_prog,
        ]
        for obj in objs:
            if obj is not None:
                obj.release()
        self._camera = self._mask = self._folds = self._coarse = self._hair_tex = None
        self._low_fbo, self._low_tex, self._low_size = {}, {}, (0, 0)


SAME_COLOUR = 0.08  # colour distance (0..1 RGB) under which limb and surroundings cannot be told apart
_ALONG_X = np.array([1.0, 0.0], np.float32)  # the direction given a capsule too short to have its own
_LEFT = np.array([-1.0, 1.0], np.float32)  # times (dy, dx): the axis turned a quarter, (-dy, dx)
_LIMB_AT = np.array([0.2, 0.45], np.float32)[:, None, None]  # where on the axis its limb colours are sampled
_CORNER_END = np.array([0, 0, 1, 0, 1, 1])  # the box's two triangles: each vertex at end a (0) or b (1) ...
_CORNER_SIDE = np.array([-1.0, 1.0, -1.0, 1.0, 1.0, -1.0], np.float32)[:, None]  # ... on this side of the axis


def _separable_colours(colours: np.ndarray) -> None:
    """In place, per capsule: a colour beside the limb that looks like the limb itself (the other hand, a
    sleeve on a same-coloured shirt) is replaced by the other one; when both do, the colour test cannot
    separate limb from clothes, so the limb colours are set out of range and only the capsule core counts."""
    limb0, limb1, near0, near1 = colours
    dist = rgb_distance(colours[2:, None], colours[None, :2])  # (beside, limb, K): all four pairs at once
    same = np.minimum(dist[:, 0], dist[:, 1]) < SAME_COLOUR
    if not np.logical_or.reduce(same, axis=None):  # the usual case: nothing to change
        return
    same0, same1 = same
    near0[same0 & ~same1] = near1[same0 & ~same1]
    near1[same1 & ~same0] = near0[same1 & ~same0]
    both = same0 & same1
    limb0[both] = limb1[both] = -10.0


def _skin_palms(colours: np.ndarray, params: np.ndarray, core: np.ndarray) -> None:
    """In place, per capsule whose far part counts by colour alone (a hand): a limb colour no skin has is
    replaced by the other one; when neither may be skin the capsule lies on the clothes (squats: a hand the
    pose pointed up the wearer's pink top), and its weight is set to 0, so it does not draw a blob of them."""
    unlike0, unlike1 = (core[:, 0] < 1.0) & ~skin_plausible(colours[:2])  # per limb colour: a hand's, not skin
    if not (np.logical_or.reduce(unlike0) or np.logical_or.reduce(unlike1)):  # the usual case
        return
    limb0, limb1 = colours[0], colours[1]
    params[unlike0 & unlike1, 3] = 0.0
    limb0[unlike0 & ~unlike1] = limb1[unlike0 & ~unlike1]
    limb1[unlike1 & ~unlike0] = limb0[unlike1 & ~unlike0]


def occluder_vertices(capsules: list[Capsule], frame: np.ndarray) -> np.ndarray:
    """Two triangles per capsule (an oriented box around it) carrying the capsule's data, two limb colours
    sampled on its axis and two colours beside it (what the limb hides: the wearer's own clothes)."""
    caps = capsules[:MAX_OCCLUDERS]
    if not caps:
        return np.zeros((0, _OCCLUDER_FLOATS), np.float32)
    k = len(caps)
    # One array for all: a, b, then radius, depth a, depth b, weight (params), core (share of the axis
    # where its core counts). Few numpy calls on these few rows: their overhead is the cost here.
    data = np.array([(*c[0], *c[1], *c[2:]) for c in caps], np.float32)  # (K, 9)
    pa, pb, params, core = data[:, 0:2], data[:, 2:4], data[:, 4:8], data[:, 8:9]
    radius = data[:, 4:5]
    axis = pb - pa
    length = np.sqrt(np.add.reduce(axis * axis, axis=1, keepdims=True))  # np.linalg.norm's sums
    d = np.where(length > 1e-3, axis / np.maximum(length, 1e-3), _ALONG_X)
    n = d[:, ::-1] * _LEFT
    mid = pa + 0.5 * axis
    # Limb colour at 0.2 and 0.45 of the axis: on a hand capsule (wrist to fingertips) that is the palm.
    beside = 1.6 * radius * n
    points = np.concatenate([pa + _LIMB_AT * axis, (mid + beside)[None], (mid - beside)[None]]).reshape(-1, 2)
    colours = patch_means(frame, points).reshape(4, k, 3)  # limb x2, beside x2
    _skin_palms(colours, params, core)
    _separable_colours(colours)
    dr = d * radius
    ends = np.concatenate([pa - dr, pb + dr], axis=1).reshape(k, 2, 2)  # the box's ends, a radius beyond
    rows = np.empty((k, 6, _OCCLUDER_FLOATS), np.float32)
    rows[:, :, :2] = ends[:, _CORNER_END] + _CORNER_SIDE * (n * radius)[:, None]
    rows[:, :, 2:10] = data[:, None, :8]
    rows[:, :, 10:22] = colours.transpose(1, 0, 2).reshape(k, 1, 12)
    rows[:, :, 22:] = core[:, None]
    return rows.reshape(-1, _OCCLUDER_FLOATS)


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


def _texture_dtype(data: np.ndarray) -> str:
    """moderngl's texel type for an array: float32 stays float, anything else is uploaded as bytes."""
    return "f4" if data.dtype == np.float32 else "f1"


def _area(points: np.ndarray, triangles: np.ndarray) -> float:
    """Summed unsigned area of triangles over 2-D points."""
    p = points[triangles]
    a, b = p[:, 1] - p[:, 0], p[:, 2] - p[:, 0]
    return float(np.abs(a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0]).sum() * 0.5)


def _px_per_uv(entry: _GarmentGpu, fit: Fit) -> float:
    """Screen pixels per unit of uv along each axis, from the areas of a sample of the garment's triangles."""
    if entry.probe is None or entry.probe_uv_area <= 0.0:
        return 1.0
    return math.sqrt(max(_area(fit.vertices_px, entry.probe), 1e-6) / entry.probe_uv_area)


def _pixel_box(box: tuple[float, float, float, float]) -> tuple[int, int, int, int] | None:
    """Whole-pixel rectangle (x0, y0, x1, y1) holding a frame box; None when it is empty."""
    x0, y0 = math.floor(box[0]), math.floor(box[1])
    x1, y1 = math.ceil(box[2]), math.ceil(box[3])
    return (x0, y0, x1, y1) if (x1 > x0 and y1 > y0) else None


def _garment_box(vertices_px: np.ndarray, frame_size: tuple[int, int]) -> tuple[float, float, float, float]:
    """Frame-pixel rectangle around the garment plus the shadow's reach, clipped to the frame."""
    w, h = frame_size
    margin = 0.04 * h
    xs, ys = vertices_px[:, 0], vertices_px[:, 1]  # per column: numpy's axis-0 min over (N, 2) is ~6x slower
    x0, y0 = max(float(xs.min()) - margin, 0.0), max(float(ys.min()) - margin, 0.0)
    x1, y1 = min(float(xs.max()) + margin, float(w)), min(float(ys.max()) + margin, float(h))
    return (x0, y0, x1, y1)
