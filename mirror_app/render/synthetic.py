"""Synthetic person, T-shirt and fit (numpy only), so the compositor can be timed and eyeballed anywhere."""

from __future__ import annotations

import numpy as np

from mirror_app.catalog.garment import Garment
from mirror_app.generator.fit import Fit, GarmentMesh
from mirror_app.tracking import body as pose
from mirror_app.tracking.body import Body

GREEN = (0, 255, 0)  # loud colour for the product photo's transparent background: fringes show at once


def _segment_distance(xx: np.ndarray, yy: np.ndarray, a: tuple[float, float], b: tuple[float, float]) -> np.ndarray:
    """Per-pixel distance to segment a-b."""
    ax, ay = a
    bx, by = b
    dx, dy = bx - ax, by - ay
    t = np.clip(((xx - ax) * dx + (yy - ay) * dy) / max(dx * dx + dy * dy, 1e-9), 0.0, 1.0)
    return np.hypot(xx - ax - t * dx, yy - ay - t * dy)


def tshirt_texture(
    width: int = 512,
    height: int = 600,
    colour: tuple[int, int, int] = (235, 235, 230),
    background: tuple[int, int, int] = GREEN,
) -> np.ndarray:
    """A front product shot of a T-shirt: straight-alpha RGBA with a loud colour under alpha 0."""
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32) + 0.5
    u, v = xx / width, yy / height
    torso = (np.abs(u - 0.5) < 0.30) & (v > 0.05) & (v < 0.97)
    shoulder_slope = v > 0.05 + 0.12 * np.abs(u - 0.5)  # shoulders fall off toward the sleeves
    sleeves = np.zeros_like(torso)
    for side in (-1.0, 1.0):
        d = _segment_distance(u, v, (0.5 + side * 0.22, 0.17), (0.5 + side * 0.46, 0.40))
        sleeves |= d < 0.085
    neck = ((u - 0.5) / 0.11) ** 2 + ((v - 0.04) / 0.09) ** 2 < 1.0
    inside = ((torso | sleeves) & shoulder_slope) & ~neck
    rgb = np.empty((height, width, 3), np.float32)
    rgb[:] = colour
    # A printed chest stripe band and a ribbed collar so transferred shading is easy to see.
    band = (np.abs(v - 0.42) < 0.05) & (np.abs(u - 0.5) < 0.30)
    rgb[band] = (40, 70, 150)
    collar = (((u - 0.5) / 0.14) ** 2 + ((v - 0.04) / 0.12) ** 2 < 1.0) & ~neck
    rgb[collar] *= 0.85
    alpha = inside.astype(np.float32)
    out = np.empty((height, width, 4), np.uint8)
    out[..., :3] = np.where(inside[..., None], rgb, np.array(background, np.float32)).astype(np.uint8)
    out[..., 3] = (alpha * 255).astype(np.uint8)
    return out


def grid_mesh(garment_id: str, nx: int, ny: int) -> GarmentMesh:
    """A regular (nx x ny)-vertex grid over the whole texture: the simplest rest mesh."""
    us, vs = np.meshgrid(np.linspace(0.0, 1.0, nx), np.linspace(0.0, 1.0, ny))
    uv = np.stack([us.ravel(), vs.ravel()], axis=1).astype(np.float32)
    idx = np.arange(nx * ny, dtype=np.int32).reshape(ny, nx)
    a, b, c, d = idx[:-1, :-1], idx[:-1, 1:], idx[1:, :-1], idx[1:, 1:]
    tris = np.concatenate([np.stack([a, b, c], -1).reshape(-1, 3), np.stack([b, d, c], -1).reshape(-1, 3)])
    return GarmentMesh(garment_id=garment_id, uv=uv, triangles=tris.astype(np.int32))


def rect_fit(
    mesh: GarmentMesh,
    rect: tuple[float, float, float, float],
    *,
    depth: np.ndarray | None = None,
    opacity: float = 1.0,
    back_view: bool = False,
    bulge: float = 0.0,
) -> Fit:
    """A fit that lays the texture's uv square onto a frame rectangle (x0, y0, x1, y1), optionally bulged."""
    x0, y0, x1, y1 = rect
    u, v = mesh.uv[:, 0], mesh.uv[:, 1]
    x = x0 + u * (x1 - x0) + bulge * (x1 - x0) * np.sin(np.pi * v) * (u - 0.5) * 0.2
    y = y0 + v * (y1 - y0)
    verts = np.stack([x, y], axis=1).astype(np.float32)
    d = np.zeros(len(u), np.float32) if depth is None else depth.astype(np.float32)
    return Fit(mesh=mesh, vertices_px=verts, depth=d, opacity=opacity, back_view=back_view, anchors_px={})


def synthetic_body(
    landmarks: dict[int, tuple[float, float, float]],
    frame_size: tuple[int, int],
    mask: np.ndarray | None,
) -> Body:
    """A Body from a few landmarks: {index: (x px, y px, world z m)}; the rest invisible at z = 0."""
    lm = np.zeros((pose.NUM_LANDMARKS, 3), np.float32)
    world = np.zeros((pose.NUM_LANDMARKS, 3), np.float32)
    w, h = frame_size
    for i, (x, y, z) in landmarks.items():
        lm[i] = (x, y, 1.0)
        world[i] = ((x - w / 2) / w, (y - h / 2) / h, z)
    return Body(landmarks_px=lm, world=world, mask=mask, frame_size=frame_size, person_id=0, capture_ns=0)


def person_scene(
    width: int = 1280,
    height: int = 720,
    *,
    arm_across: bool = True,
    shirt: tuple[int, int, int] = (120, 125, 130),
    light: tuple[float, float, float] = (1.0, 1.0, 1.0),
    hair: str = "none",
    hair_colour: tuple[int, int, int] = (70, 45, 30),
) -> tuple[np.ndarray, Body, tuple[float, float, float, float]]:
    """A stylised person in a room: frame (RGB), Body (landmarks, world z, mask) and the torso rectangle.

    The shirt carries soft diagonal folds; with arm_across the right forearm and hand cross the chest in
    front of the torso. `hair`: "none" (a bare head), "short" (a cap of hair on the head), "long" (the cap
    and a lock falling over the wearer's left shoulder onto the chest, in front of the shirt).
    """
    if hair not in ("none", "short", "long"):
        raise ValueError(f"hair must be 'none', 'short' or 'long', got {hair!r}")
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32) + 0.5
    s = height / 720.0
    cx = width / 2
    frame = np.empty((height, width, 3), np.float32)
    frame[:] = np.array([150, 140, 125], np.float32) * (0.75 + 0.25 * yy / height)[..., None]
    sh_y, hip_y = 250 * s, 610 * s
    ls, rs = (cx + 130 * s, sh_y), (cx - 130 * s, sh_y)  # the wearer's left is the image's right
    half_width = 140 * s - 10 * s * np.clip((yy - sh_y) / (hip_y - sh_y), 0, 1)
    torso = (np.abs(xx - cx) < half_width) & (yy > sh_y - 20 * s)
    folds = 1.0 + 0.12 * np.sin((xx * 0.6 + yy) / (18.0 * s)) * np.exp(-(((xx - cx) / (160 * s)) ** 2))
    head_c = (cx, 140 * s)
    head = ((xx - head_c[0]) / (62 * s)) ** 2 + ((yy - head_c[1]) / (80 * s)) ** 2 < 1.0
    neck = (np.abs(xx - cx) < 30 * s) & (yy > 190 * s) & (yy < sh_y + 10 * s)
    skin = np.array([205, 160, 130], np.float32)
    frame[torso] = np.array(shirt, np.float32) * folds[torso][:, None]
    mask = torso.copy()
    arms = np.zeros_like(torso)
    hand = np.zeros_like(torso)
    le, lw = (cx + 165 * s, 410 * s), (cx + 175 * s, 560 * s)  # left arm hangs down beside the body
    if arm_across:
        re, rw = (cx - 175 * s, 420 * s), (cx + 10 * s, 400 * s)  # right forearm across the chest
        tip = (cx + 85 * s, 392 * s)
    else:
        re, rw = (cx - 165 * s, 410 * s), (cx - 175 * s, 560 * s)
        tip = (cx - 178 * s, 620 * s)
    for a, b, r in ((ls, le, 34), (rs, re, 34)):
        arms |= _segment_distance(xx, yy, a, b) < r * s
    frame[arms] = np.array(shirt, np.float32) * 0.92
    fore = np.zeros_like(torso)
    for a, b, r in ((le, lw, 22), (re, rw, 22)):
        fore |= _segment_distance(xx, yy, a, b) < r * s
    frame[fore] = skin * 0.95
    for a, b, r in ((lw, (cx + 178 * s, 620 * s), 24), (rw, tip, 24)):
        hand |= _segment_distance(xx, yy, a, b) < r * s
    frame[hand] = skin
    frame[neck | head] = skin
    mask |= arms | fore | hand | head | neck
    if hair != "none":
        # A cap from the crown (0.8 head widths above the eyes, as on people) down to the forehead.
        dome = ((xx - cx) / (70 * s)) ** 2 + ((yy - 122 * s) / (98 * s)) ** 2 < 1.0
        cap = dome & ((yy < 95 * s) | (np.abs(xx - cx) > 55 * s)) & (yy < 150 * s)
        strands = 1.0 + 0.08 * np.sin(xx / (3.0 * s))
        if hair == "long":
            lock = _segment_distance(xx, yy, (cx + 62 * s, 120 * s), (cx + 92 * s, sh_y + 110 * s)) < 22 * s
            cap |= lock
        frame[cap] = np.array(hair_colour, np.float32) * strands[cap][:, None]
        mask |= cap
    frame *= np.array(light, np.float32)
    frame_u8 = np.clip(frame, 0, 255).astype(np.uint8)
    lm = {
        pose.NOSE: (head_c[0], head_c[1] + 10 * s, -0.35),
        2: (cx + 22 * s, 120 * s, -0.33),
        5: (cx - 22 * s, 120 * s, -0.33),
        7: (cx + 55 * s, 130 * s, -0.2),
        8: (cx - 55 * s, 130 * s, -0.2),
        9: (cx + 15 * s, 175 * s, -0.33),
        10: (cx - 15 * s, 175 * s, -0.33),
        pose.LEFT_SHOULDER: (*ls, -0.05),
        pose.RIGHT_SHOULDER: (*rs, -0.05),
        pose.LEFT_ELBOW: (*le, 0.0),
        pose.LEFT_WRIST: (*lw, 0.0),
        pose.RIGHT_ELBOW: (*re, -0.15 if arm_across else 0.0),
        pose.RIGHT_WRIST: (*rw, -0.3 if arm_across else 0.0),
        pose.LEFT_HIP: (cx + 100 * s, hip_y, 0.0),
        pose.RIGHT_HIP: (cx - 100 * s, hip_y, 0.0),
    }
    body = synthetic_body(lm, (width, height), mask.astype(np.float32))
    rect = (cx - 235 * s, sh_y - 40 * s, cx + 235 * s, 680 * s)
    return frame_u8, body, rect


def tshirt(garment_id: str = "synthetic-tee", *, nx: int = 40, ny: int = 50) -> tuple[Garment, GarmentMesh]:
    """The synthetic T-shirt as a catalog garment with a (nx x ny)-vertex grid mesh (2000 by default)."""
    rgba = tshirt_texture()
    garment = Garment(id=garment_id, name="Synthetic tee", category="t-shirt", rgba=rgba, anchors={})
    return garment, grid_mesh(garment_id, nx, ny)
