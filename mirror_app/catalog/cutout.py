"""Background removal for product photos: a garment on a white or light background to clean RGBA."""

from __future__ import annotations

import cv2
import numpy as np

WORK_SIDE = 512  # GrabCut runs on a copy no larger than this; the mask is scaled back up
BG_DISTANCE = 9.0  # Lab distance from the background colour that counts as "not background"
HOLE_DISTANCE = 4.0  # Lab distance under which a region inside the garment is the background showing


def background_colour(rgb: np.ndarray) -> np.ndarray:
    """The photo's background colour: the median of a thin frame around the picture."""
    h, w = rgb.shape[:2]
    b = max(2, min(h, w) // 50)
    border = np.concatenate(
        [rgb[:b].reshape(-1, 3), rgb[-b:].reshape(-1, 3), rgb[:, :b].reshape(-1, 3), rgb[:, -b:].reshape(-1, 3)]
    )
    return np.median(border, axis=0).astype(np.float32)


def _fill_holes(mask: np.ndarray) -> np.ndarray:
    """The mask with every region not reachable from the border filled in."""
    h, w = mask.shape
    flood = np.pad((mask == 0).astype(np.uint8), 1, constant_values=1)
    ff_mask = np.zeros((h + 4, w + 4), np.uint8)
    cv2.floodFill(flood, ff_mask, (0, 0), 2)
    outside = flood[1:-1, 1:-1] == 2
    return (~outside).astype(np.uint8)


def cut_out(rgb: np.ndarray) -> tuple[np.ndarray, float]:
    """RGBA (RGB order) with the background transparent, and how sure the cut is (0..1).

    Candidates from colour distance to the background (Lab) and from edges (white garments on light grey
    differ little in colour but have seams and outlines), refined by GrabCut; holes that show the
    background (an open neck) stay transparent; edge colours are un-mixed from the background so the
    garment has no light halo.
    """
    h, w = rgb.shape[:2]
    scale = min(1.0, WORK_SIDE / max(h, w))
    small = cv2.resize(rgb, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)
    bg = background_colour(small)
    lab = cv2.cvtColor(small, cv2.COLOR_RGB2LAB).astype(np.float32)
    bg_lab = cv2.cvtColor(bg.reshape(1, 1, 3).astype(np.uint8), cv2.COLOR_RGB2LAB).astype(np.float32)[0, 0]
    distance = np.linalg.norm(lab - bg_lab, axis=2)
    luma = cv2.GaussianBlur(lab[..., 0].astype(np.uint8), (5, 5), 0)
    edges = cv2.Canny(luma, 8, 24) > 0
    edges = cv2.dilate(edges.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    candidate = ((distance > BG_DISTANCE) | edges).astype(np.uint8)
    # Close gaps in a faint outline (white on light grey) so the filled shape holds the whole garment.
    candidate = cv2.morphologyEx(candidate, cv2.MORPH_CLOSE, np.ones((9, 9), np.uint8))
    solid = _fill_holes(candidate)
    if solid.sum() < 0.01 * solid.size:
        return np.dstack([rgb, np.zeros((h, w), np.uint8)]), 0.0

    # GrabCut, seeded: outside the filled shape is background; deep inside it is foreground.
    gc_mask = np.where(solid > 0, cv2.GC_PR_FGD, cv2.GC_PR_BGD).astype(np.uint8)
    core = cv2.erode(solid, np.ones((9, 9), np.uint8))
    gc_mask[core > 0] = cv2.GC_FGD
    b = max(2, min(small.shape[:2]) // 50)
    gc_mask[:b], gc_mask[-b:], gc_mask[:, :b], gc_mask[:, -b:] = (cv2.GC_BGD,) * 4
    models = (np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64))
    try:
        bgr = cv2.cvtColor(np.ascontiguousarray(small, dtype=np.uint8), cv2.COLOR_RGB2BGR)
        cv2.grabCut(bgr, gc_mask, None, *models, 3, cv2.GC_INIT_WITH_MASK)  # type: ignore[call-overload]
        refined = np.isin(gc_mask, (cv2.GC_FGD, cv2.GC_PR_FGD)).astype(np.uint8)
    except cv2.error:
        refined = solid
    # Keep the largest piece (labels, tags and specks elsewhere are not the garment).
    count, labels, stats, _ = cv2.connectedComponentsWithStats(refined, connectivity=8)
    if count <= 1:
        return np.dstack([rgb, np.zeros((h, w), np.uint8)]), 0.0
    biggest = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    garment = _fill_holes((labels == biggest).astype(np.uint8))
    # Openings showing the background (an open neck, a gap between sleeve and body) stay transparent: areas
    # inside the shape whose colour is the background's within sensor noise (white cloth on a light grey
    # background differs more than that).
    hole = (garment > 0) & (distance < HOLE_DISTANCE) & ~edges
    hole_count, hole_labels, hole_stats, _ = cv2.connectedComponentsWithStats(hole.astype(np.uint8))
    openings = np.zeros_like(garment)
    for i in range(1, hole_count):
        if hole_stats[i, cv2.CC_STAT_AREA] > 0.002 * garment.size:
            openings[hole_labels == i] = 1
    # Grow each opening over the outline band the edge test kept, as far as the background colour reaches.
    openings = cv2.dilate(openings, np.ones((7, 7), np.uint8)) & (distance < BG_DISTANCE)
    garment[openings > 0] = 0

    mask = cv2.resize(garment.astype(np.float32), (w, h), interpolation=cv2.INTER_LINEAR)
    mask = cv2.erode((mask > 0.5).astype(np.uint8), np.ones((3, 3), np.uint8)).astype(np.float32)
    alpha = cv2.GaussianBlur(mask, (0, 0), 0.9)
    # Un-mix the background from edge pixels: c = (c - (1 - a) * bg) / a.
    a = alpha[..., None]
    full_bg = background_colour(rgb)
    colour = rgb.astype(np.float32)
    edge = (a > 0.02) & (a < 0.98)
    unmixed = (colour - (1.0 - a) * full_bg) / np.maximum(a, 0.02)
    colour = np.where(edge, np.clip(unmixed, 0, 255), colour)
    rgba = np.dstack([colour.astype(np.uint8), np.round(alpha * 255).astype(np.uint8)])
    # Sure when the colour/edge guess and GrabCut agree and the garment is well inside the frame.
    agreement = float((refined & solid).sum()) / max(float((refined | solid).sum()), 1.0)
    touches = float(garment[0].any() or garment[-1].any() or garment[:, 0].any() or garment[:, -1].any())
    return rgba, max(0.0, min(1.0, agreement - 0.3 * touches))
