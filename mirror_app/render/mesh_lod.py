"""Cheaper garment geometry on llvmpipe: culled, coarsened and locally merged triangle lists of grid meshes.

llvmpipe shades whole 4x4 pixel blocks per triangle, so a mesh of ~10 px triangles shades each pixel
several times: fewer, larger triangles where they draw the same picture are the cheapest saving there is.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

LOD_LEVELS = (4, 2)  # coarsening steps (grid cells per quad side) prepared at preload for the coverage pass
FLAT_LEVEL = 2  # grid cells per side of the blocks the garment pass merges where the fit is flat
FLAT_TOLERANCE_PX = 0.25  # merged only where every fine vertex lies this close to the merged quad


def covered_triangles(triangles: np.ndarray, uv: np.ndarray, textures: list[np.ndarray]) -> np.ndarray:
    """Triangles whose uv box touches a non-transparent texel: the others would rasterize for nothing."""
    keep = np.zeros(len(triangles), dtype=bool)
    for rgba in textures:
        keep |= _touching(triangles, uv, rgba[..., 3])
    return np.ascontiguousarray(triangles[keep])


def triangles_over(triangles: np.ndarray, uv: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Triangles whose uv box touches a non-zero texel of `mask` (the garment image's size): a pass that
    only draws over that part of the garment rasterizes these alone."""
    return np.ascontiguousarray(triangles[_touching(triangles, uv, mask)])


def _touching(triangles: np.ndarray, uv: np.ndarray, coverage: np.ndarray) -> np.ndarray:
    """Per triangle, whether its uv box (padded 2 texels: mip filtering reaches a little past it) holds a
    non-zero texel of `coverage` (H, W), counted on a summed-area table."""
    h, w = coverage.shape[:2]
    sat = cv2.integral((coverage > 0).astype(np.uint8), sdepth=cv2.CV_32S)  # (h + 1, w + 1)
    tri_uv = uv[triangles]  # (T, 3, 2)
    pad = 2
    x0 = np.clip(np.floor(tri_uv[..., 0].min(1) * w) - pad, 0, w).astype(np.intp)
    x1 = np.clip(np.ceil(tri_uv[..., 0].max(1) * w) + pad, 0, w).astype(np.intp)
    y0 = np.clip(np.floor(tri_uv[..., 1].min(1) * h) - pad, 0, h).astype(np.intp)
    y1 = np.clip(np.ceil(tri_uv[..., 1].max(1) * h) + pad, 0, h).astype(np.intp)
    return np.asarray(sat[y1, x1] - sat[y0, x1] - sat[y1, x0] + sat[y0, x0] > 0)


def _lattice_axis(x: np.ndarray) -> np.ndarray | None:
    """Integer lattice index of each coordinate when they lie on a regular grid, else None."""
    values = np.unique(np.round(x.astype(np.float64), 6))
    if len(values) < 2:
        return None
    step = float(np.diff(values).min())
    if step <= 1e-6:
        return None
    pos = (x - values[0]) / step
    idx = np.round(pos)
    if float(np.abs(pos - idx).max()) > 0.05:
        return None
    return idx.astype(np.int64)


@dataclass(frozen=True, slots=True)
class _Lattice:
    """A regular-grid mesh's cells: each triangle's lattice columns and rows, the grid's size, and vertex ids
    by lattice point (-1 where there is none, with `pad` spare rows/columns of -1 for lookups past the end)."""

    tri_i: np.ndarray  # (T, 3) lattice column of each triangle's vertices
    tri_j: np.ndarray  # (T, 3) lattice row
    gw: int
    gh: int
    grid: np.ndarray  # (gh + pad, gw + pad)


def _lattice(uv: np.ndarray, triangles: np.ndarray, pad: int) -> _Lattice | None:
    """The lattice of a mesh whose vertices lie on a regular uv grid and whose triangles each span one cell
    (as the generator's binding makes them); None for any other mesh."""
    if not triangles.size:
        return None
    iu, iv = _lattice_axis(uv[:, 0]), _lattice_axis(uv[:, 1])
    if iu is None or iv is None:
        return None
    tri_i, tri_j = iu[triangles], iv[triangles]
    if int((tri_i.max(1) - tri_i.min(1)).max()) != 1 or int((tri_j.max(1) - tri_j.min(1)).max()) != 1:
        return None
    gh, gw = int(iv.max()) + 1, int(iu.max()) + 1
    grid = np.full((gh + pad, gw + pad), -1, np.int64)
    grid[iv, iu] = np.arange(len(uv))
    return _Lattice(tri_i, tri_j, gw, gh, grid)


def grid_lod(
    uv: np.ndarray, triangles: np.ndarray, levels: tuple[int, ...] = LOD_LEVELS
) -> tuple[dict[int, np.ndarray], np.ndarray | None]:
    """Coarser triangle lists of a regular-grid mesh (as the generator's binding makes) for the 1/4-size
    coverage pass, where cells are a pixel or two and triangle setup costs more than they show: {L: triangles},
    where each L x L block of cells whose four corner vertices exist becomes one quad and other cells stay as
    they are (T-junctions between them do not matter for a coverage that is blurred); and vertex pairs one
    cell apart (horizontal neighbours) to measure cells on screen. ({}, None) when the mesh is not a grid."""
    cells = _lattice(uv, triangles, pad=1)  # one spare row/column of -1: lookups past the end
    if cells is None:
        return {}, None
    tri_i, tri_j, gw, gh, grid = cells.tri_i, cells.tri_j, cells.gw, cells.gh, cells.grid
    left, right = grid[:gh, : gw - 1], grid[:gh, 1:gw]
    both = (left >= 0) & (right >= 0)
    pairs = np.stack([left[both], right[both]], axis=1)
    if len(pairs) > 64:
        pairs = pairs[np.linspace(0, len(pairs) - 1, 64).astype(np.int64)]
    cell_i, cell_j = tri_i.min(1), tri_j.min(1)
    out: dict[int, np.ndarray] = {}
    for level in levels:
        bi, bj = cell_i // level * level, cell_j // level * level
        ci, cj = np.minimum(bi + level, gw), np.minimum(bj + level, gh)
        ok = (grid[bj, bi] >= 0) & (grid[bj, ci] >= 0) & (grid[cj, bi] >= 0) & (grid[cj, ci] >= 0)
        ok &= (bi + level < gw) & (bj + level < gh)
        blocks = np.unique(np.stack([bi[ok], bj[ok]], axis=1), axis=0).reshape(-1, 2)
        a = grid[blocks[:, 1], blocks[:, 0]]
        b = grid[blocks[:, 1], blocks[:, 0] + level]
        c = grid[blocks[:, 1] + level, blocks[:, 0]]
        d = grid[blocks[:, 1] + level, blocks[:, 0] + level]
        quads = np.concatenate([np.stack([a, b, d], 1), np.stack([a, d, c], 1)]).astype(triangles.dtype)
        coarse = np.concatenate([triangles[~ok], quads])
        if len(coarse) > 0.8 * len(triangles):
            continue
        out[level] = np.ascontiguousarray(coarse, dtype=np.int32)
    return out, pairs


@dataclass(frozen=True, slots=True)
class FlatBlocks:
    """L x L blocks of grid cells whose fine triangles are all drawn: each becomes one quad on frames where the
    fit is flat across it (the fine vertices lie on the quad), which draws the same picture."""

    points: np.ndarray  # (B, (L + 1) ** 2) vertex ids of each block's lattice points, row-major
    corners: np.ndarray  # (B, 4) vertex ids of the corners a (top left), b, c, d (bottom right)
    weights: np.ndarray  # ((L + 1) ** 2, 4) where the two-triangle quad puts each lattice point, from a, b, c, d
    quads: np.ndarray  # (B, 2, 3) the quad's triangles (a, b, d), (a, d, c): the fine cells' own diagonal
    members: np.ndarray  # (B, 2 * L * L) indices of the block's triangles in the fine list
    seams: np.ndarray  # (B, 4, L - 1, 3) per side, the thin fan (corner, edge points..., corner) along it
    across: np.ndarray  # (B, 4) the block on the other side of each side, -1 when there is none


def flat_blocks(uv: np.ndarray, triangles: np.ndarray, level: int = FLAT_LEVEL) -> FlatBlocks | None:
    """The mergeable blocks of a regular-grid mesh whose cells are split along (a, d), as the generator's
    binding makes them; None for other meshes (drawn as they are)."""
    cells = _lattice(uv, triangles, pad=level)
    if cells is None:
        return None
    tri_i, tri_j, gw, grid = cells.tri_i, cells.tri_j, cells.gw, cells.grid
    ci, cj = tri_i.min(1), tri_j.min(1)
    # Every cell must be split along its (a, d) diagonal, or the merged quad would not match the fine mapping.
    a, d = grid[cj, ci], grid[cj + 1, ci + 1]
    if not np.all(((triangles == a[:, None]).any(1)) & ((triangles == d[:, None]).any(1))):
        return None
    bi, bj = ci // level, cj // level
    nbx = gw // level + 1
    block_of = bj * nbx + bi
    order = np.argsort(block_of, kind="stable")
    ids, starts, counts = np.unique(block_of[order], return_index=True, return_counts=True)
    full = counts == 2 * level * level
    lattice = [(u, v) for v in range(level + 1) for u in range(level + 1)]
    points, members, origins = [], [], []
    for block, start in zip(ids[full], starts[full], strict=True):
        x0, y0 = int(block % nbx) * level, int(block // nbx) * level
        pts = np.array([grid[y0 + v, x0 + u] for u, v in lattice])
        if (pts < 0).any():
            continue
        points.append(pts)
        members.append(order[start : start + 2 * level * level])
        origins.append((x0 // level, y0 // level))
    if not points:
        return None
    pts_arr = np.array(points, np.int64)
    # A merged quad's side skips the fine vertices along it; where the block beside is drawn fine, those
    # vertices (up to the tolerance off the straight side) would open hairline cracks: a thin fan fills them.
    side = np.arange(level + 1)
    paths = [side, side * (level + 1) + level, side + level * (level + 1), side * (level + 1)]  # top right bottom left
    seams = np.stack([np.stack([pts_arr[:, [p[0], p[i], p[i + 1]]] for i in range(1, level)], 1) for p in paths], 1)
    index = {o: i for i, o in enumerate(origins)}
    steps = ((0, -1), (1, 0), (0, 1), (-1, 0))
    across = np.array([[index.get((x + dx, y + dy), -1) for dx, dy in steps] for x, y in origins], np.int64)
    last = (level + 1) ** 2 - 1
    corners = pts_arr[:, [0, level, last - level, last]]
    weights = np.zeros((len(lattice), 4), np.float32)
    for k, (u, v) in enumerate(lattice):
        s, t = u / level, v / level
        weights[k] = (1 - s, s - t, 0.0, t) if s >= t else (1 - t, 0.0, t - s, s)
    ca, cb, cc, cd = corners.T
    quads = np.stack([np.stack([ca, cb, cd], 1), np.stack([ca, cd, cc], 1)], 1).astype(triangles.dtype)
    return FlatBlocks(pts_arr, corners, weights, quads, np.array(members, np.int64), seams, across)


def merge_flat(
    blocks: FlatBlocks, triangles: np.ndarray, vertices_px: np.ndarray, tolerance: float = FLAT_TOLERANCE_PX
) -> np.ndarray:
    """The fine triangle list with each block that is flat in this fit (every fine vertex within `tolerance`
    pixels of where the merged quad puts it, so the picture moves by less than that) drawn as its quad."""
    v = np.asarray(vertices_px, np.float32)
    expected = np.matmul(blocks.weights, v[blocks.corners])  # (B, points, 2); einsum took 6x longer here
    error = np.abs(expected - v[blocks.points]).max(axis=(1, 2))
    flat = error < tolerance
    if not flat.any():
        return triangles
    keep = np.ones(len(triangles), bool)
    keep[blocks.members[flat].ravel()] = False
    beside = blocks.across[flat]
    open_side = (beside < 0) | ~flat[np.maximum(beside, 0)]  # the neighbour is drawn fine (or absent)
    seams = blocks.seams[flat][open_side].reshape(-1, 3).astype(triangles.dtype)
    return np.concatenate([triangles[keep], blocks.quads[flat].reshape(-1, 3), seams])
