"""Background removal for product photos: a garment on a plain light background becomes clean straight alpha."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import cv2
import numpy as np

from mirror_app.catalog.problem import FixableError

log = logging.getLogger(__name__)

GRABCUT_MAX_SIDE = 720  # GrabCut is the slow step; edges are snapped at this size, then refined at full size
_MIN_GARMENT_FRACTION = 0.01  # below this share of the photo there is no garment, only specks
_MAX_GARMENT_FRACTION = 0.97  # above it the "background" was never found
_MIN_HOLE_FRACTION = 0.004  # a see-through neck opening is at least this share of the garment
_SHADOW_REACH = 0.04  # how far (share of the photo's short side) a soft shadow may spread from the backdrop
_THIN_STRIP = 12  # px radius: backdrop-coloured strips thinner than this inside the outline are shadow


class CutoutError(FixableError):
    """A photo the background cannot be removed from, with a fix a person can act on."""


@dataclass(frozen=True, slots=True)
class Cutout:
    """The garment freed from its background, plus what the importer reports about how it went."""

    rgba: np.ndarray  # (H, W, 4) uint8, straight alpha, edge colours un-mixed from the background
    background: tuple[int, int, int]  # estimated background colour (RGB), for the report
    holes: int  # interior background regions (e.g. the neck opening) made transparent
    quality: float  # 0..1: how clearly the garment's outline stood out from the background
    note: str  # short text for the report, e.g. "background #f6f6f6, 1 hole"


def _lab(rgb: np.ndarray) -> np.ndarray:
    """CIE Lab (L 0..100) so colour distances match what people see."""
    return cv2.cvtColor(rgb.astype(np.float32) / 255.0, cv2.COLOR_RGB2Lab)


def _border_mask(shape: tuple[int, int], band: int) -> np.ndarray:
    """The frame of the photo, where only background is expected."""
    mask = np.zeros(shape, bool)
    mask[:band], mask[-band:], mask[:, :band], mask[:, -band:] = True, True, True, True
    return mask


def _fit_background(lab: np.ndarray) -> tuple[np.ndarray, float, float]:
    """A smooth (quadratic) background model from the border, its noise level and the share of it that fits.

    A quadratic surface follows the gentle light fall-off of a studio sweep; outliers (a sleeve touching
    the frame, a label) are rejected before fitting.
    """
    height, width = lab.shape[:2]
    band = max(3, round(0.02 * min(height, width)))
    border = _border_mask((height, width), band)
    ys, xs = np.nonzero(border)
    step = max(1, len(ys) // 20000)
    ys, xs = ys[::step], xs[::step]
    samples = lab[ys, xs].astype(np.float64)
    median = np.median(samples, axis=0)
    spread = np.linalg.norm(samples - median, axis=1)
    mad = 1.4826 * float(np.median(spread)) + 1e-3
    inliers = spread < max(3.0, 4.0 * mad)
    u, v = xs / max(width - 1, 1) - 0.5, ys / max(height - 1, 1) - 0.5
    basis = np.stack([np.ones_like(u), u, v, u * u, u * v, v * v], axis=1)
    coef, *_ = np.linalg.lstsq(basis[inliers], samples[inliers], rcond=None)
    residual = np.linalg.norm(samples[inliers] - basis[inliers] @ coef, axis=1)
    sigma = 1.4826 * float(np.median(residual)) if residual.size else 0.0
    gu, gv = np.meshgrid(np.linspace(-0.5, 0.5, width), np.linspace(-0.5, 0.5, height))
    full = np.stack([np.ones_like(gu), gu, gv, gu * gu, gu * gv, gv * gv], axis=2) @ coef
    return full.astype(np.float32), sigma, float(inliers.mean())


def _gradient(lab: np.ndarray) -> np.ndarray:
    """Colour gradient magnitude in Lab units per pixel: garment outlines show up even white on white."""
    total = np.zeros(lab.shape[:2], np.float32)
    for channel in range(3):
        gx = cv2.Sobel(lab[:, :, channel], cv2.CV_32F, 1, 0, ksize=3)
        gy = cv2.Sobel(lab[:, :, channel], cv2.CV_32F, 0, 1, ksize=3)
        total += gx * gx + gy * gy
    return np.sqrt(total) / 8.0


def _disk(radius: int) -> np.ndarray:
    """A round structuring element, so morphology does not square off the garment's curves."""
    size = 2 * radius + 1
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))


def _border_connected(mask: np.ndarray) -> np.ndarray:
    """The parts of mask that touch the photo's edge: background reached without crossing the garment."""
    count, labels = cv2.connectedComponents(mask.astype(np.uint8), connectivity=4)
    if count <= 1:
        return np.zeros_like(mask, bool)
    edge = np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]])
    keep = np.zeros(count, bool)
    keep[np.unique(edge)] = True
    keep[0] = False
    return keep[labels]


def _keep_main_parts(mask: np.ndarray, share: float = 0.15) -> np.ndarray:
    """The largest region and any others at least `share` of it (specks and dust go)."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    if count <= 1:
        return np.zeros_like(mask, bool)
    areas = stats[1:, cv2.CC_STAT_AREA]
    keep = np.concatenate([[False], areas >= share * areas.max()])
    return keep[labels]


def _interior_regions(mask: np.ndarray) -> np.ndarray:
    """Pixels outside mask that cannot reach the photo's edge: holes in the garment."""
    return ~mask & ~_border_connected(~mask)


def _local_spread(lab: np.ndarray, sigma: float = 1.0) -> np.ndarray:
    """Local colour standard deviation: backdrop (even JPEG-noisy) is flat, fabric edges and weaves are not."""
    mean = cv2.GaussianBlur(lab, (0, 0), sigma)
    square = cv2.GaussianBlur(lab * lab, (0, 0), sigma)
    return np.sqrt(np.maximum((square - mean * mean).sum(axis=2), 0.0))


def _grow_within(seed: np.ndarray, allowed: np.ndarray, steps: int) -> np.ndarray:
    """Geodesic dilation: seed grown at most `steps` pixels, only through allowed pixels."""
    grown = seed.copy()
    kernel = np.ones((3, 3), np.uint8)
    for _ in range(steps):
        more = cv2.dilate(grown.astype(np.uint8), kernel).astype(bool) & allowed
        if (more == grown).all():
            break
        grown |= more
    return grown


def _see_through_holes(garment: np.ndarray, flat: np.ndarray, distance: np.ndarray, border_p90: float) -> np.ndarray:
    """Regions inside the garment that look exactly like the backdrop (a neck opening), not like light fabric.

    Fabric seen through the neck (the inside of the back) is shaded and textured; the backdrop through a
    hole has the border's colour and flatness, so a hole must match both and be large enough to matter.
    """
    candidates = cv2.morphologyEx((flat & garment).astype(np.uint8), cv2.MORPH_OPEN, _disk(2))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(candidates, connectivity=8)
    holes = np.zeros_like(garment, bool)
    min_area = _MIN_HOLE_FRACTION * max(int(garment.sum()), 1)
    for index in range(1, count):
        area = stats[index, cv2.CC_STAT_AREA]
        box = stats[index, cv2.CC_STAT_WIDTH] * stats[index, cv2.CC_STAT_HEIGHT]
        if area < min_area or area < 0.3 * box:
            continue
        region = labels == index
        if float(np.percentile(distance[region], 90)) <= border_p90 + 0.6:
            holes |= region
    return holes


def _grabcut(rgb: np.ndarray, sure_bg: np.ndarray, garment: np.ndarray, holes: np.ndarray) -> np.ndarray:
    """Snaps the outline to the photo's real edges with GrabCut, only a few pixels either way.

    The flood fill decides what is garment; GrabCut only moves the boundary inside a thin band, so it
    cannot eat into white fabric whose colour matches the background.
    """
    ys, xs = np.nonzero(garment)
    pad = 16
    y0, y1 = max(0, ys.min() - pad), min(garment.shape[0], ys.max() + pad + 1)
    x0, x1 = max(0, xs.min() - pad), min(garment.shape[1], xs.max() + pad + 1)
    crop = (slice(y0, y1), slice(x0, x1))
    scale = min(1.0, GRABCUT_MAX_SIDE / max(y1 - y0, x1 - x0))
    size = (max(1, round((x1 - x0) * scale)), max(1, round((y1 - y0) * scale)))

    def small(mask: np.ndarray) -> np.ndarray:
        return cv2.resize(mask[crop].astype(np.uint8), size, interpolation=cv2.INTER_NEAREST).astype(bool)

    fg, bg, hole = small(garment), small(sure_bg), small(holes)
    band = 5
    deep_fg = cv2.erode(fg.astype(np.uint8), _disk(band)).astype(bool)
    near_fg = cv2.dilate(fg.astype(np.uint8), _disk(band + 2)).astype(bool)
    mask = np.full(fg.shape, cv2.GC_PR_BGD, np.uint8)
    mask[fg] = cv2.GC_PR_FGD
    mask[deep_fg] = cv2.GC_FGD
    mask[(bg | hole) & ~near_fg] = cv2.GC_BGD
    if not (mask == cv2.GC_BGD).any() or not (mask == cv2.GC_FGD).any():
        return garment
    image = cv2.resize(np.ascontiguousarray(rgb[crop][:, :, ::-1]), size, interpolation=cv2.INTER_AREA)
    bgd_model, fgd_model = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    try:
        cv2.grabCut(image, mask, None, bgd_model, fgd_model, 3, cv2.GC_INIT_WITH_MASK)  # type: ignore[call-overload]
    except cv2.error as exc:  # degenerate colour models (e.g. a one-colour crop): keep the flood result
        log.debug("grabcut failed (%s); keeping the flood-fill outline", exc)
        return garment
    snapped = ((mask == cv2.GC_FGD) | (mask == cv2.GC_PR_FGD)).astype(np.float32)
    full = np.zeros(garment.shape, bool)
    full[crop] = cv2.resize(snapped, (x1 - x0, y1 - y0), interpolation=cv2.INTER_LINEAR) >= 0.5
    # Outside GrabCut's band the flood fill stands (a full-size pixel may straddle two small ones).
    band_full = cv2.dilate(garment.astype(np.uint8), _disk(round((band + 2) / scale) + 1)).astype(bool)
    band_full &= ~cv2.erode(garment.astype(np.uint8), _disk(round(band / scale) + 1)).astype(bool)
    return np.where(band_full, full, garment)


def _peel_shadow(
    rgb: np.ndarray, garment: np.ndarray, lab: np.ndarray, model: np.ndarray, sigma: float, steps: int
) -> np.ndarray:
    """Removes thin strips of shadow or colour smear left in tight corners (under the arms) and along edges.

    Where both edges of a narrow gap are close, the flood cannot tell shadow from fabric by smoothness; by
    colour it can when the fabric there is clearly coloured or dark: a pixel closer to the backdrop than to
    that fabric is backdrop. Only thin strips go: a wide light region (a white print band reaching the
    edge) is fabric, however backdrop-like its colour.
    """
    delta = lab - model
    backdrop_like = (np.linalg.norm(delta, axis=2) < 15.0) & (delta[:, :, 0] < 2.0 + 3.0 * sigma)
    solid = cv2.erode(garment.astype(np.uint8), _disk(4)).astype(bool) & ~backdrop_like
    if not solid.any():
        return garment
    fabric = _lab(np.clip(_fill_from(rgb, solid), 0, 255))
    fabric_delta = fabric - model
    distinct = (np.linalg.norm(fabric_delta[:, :, 1:], axis=2) > 12.0) | (fabric_delta[:, :, 0] < -35.0)
    closer = np.linalg.norm(delta, axis=2) < 0.5 * np.linalg.norm(lab - fabric, axis=2)
    removable = garment & backdrop_like & distinct & closer
    thick = cv2.morphologyEx(removable.astype(np.uint8), cv2.MORPH_OPEN, _disk(_THIN_STRIP))
    removable &= ~cv2.dilate(thick, _disk(2)).astype(bool)
    if not removable.any():
        return garment
    outside = _grow_within(~garment, removable | ~garment, steps)
    return garment & ~outside


def _fill_from(rgb: np.ndarray, known: np.ndarray) -> np.ndarray:
    """Extends the colours of `known` pixels outwards (normalised convolution), for un-mixing the edge."""
    source = rgb.astype(np.float32)
    weight = known.astype(np.float32)
    out = np.zeros_like(source)
    done = np.zeros(known.shape, bool)
    for sigma in (2.0, 6.0, 18.0):
        num = cv2.GaussianBlur(source * weight[:, :, None], (0, 0), sigma)
        den = cv2.GaussianBlur(weight, (0, 0), sigma)
        ok = (den > 1e-3) & ~done
        out[ok] = num[ok] / den[ok, None]
        done |= ok
    if not done.all():
        out[~done] = source[known].mean(axis=0) if known.any() else 0.0
    out[known] = source[known]
    return out


def _soft_alpha(garment: np.ndarray) -> np.ndarray:
    """Alpha with the edge pulled in 1 px and feathered, so no background pixel survives at the rim."""
    inner = cv2.erode(garment.astype(np.uint8), _disk(1)).astype(np.float32)
    alpha = cv2.GaussianBlur(inner, (0, 0), 0.7)
    alpha[~garment] = 0.0  # never spill outside the found outline
    return alpha


def _decontaminate(
    rgb: np.ndarray, garment: np.ndarray, background_rgb: np.ndarray, distinct: np.ndarray
) -> np.ndarray:
    """Un-mixes the background from the rim: edge pixels take the nearby fabric colour instead of a halo.

    Each rim pixel is projected on the line between the background and the fabric colour next to it; the
    more background it holds, the more it is replaced by that fabric colour. Transparent pixels get the
    fabric colour too, so resampling later never pulls background colour in.
    """
    solid = cv2.erode(garment.astype(np.uint8), _disk(3)).astype(bool)
    if solid.sum() < 50:
        solid = garment
    fabric = _fill_from(rgb, solid)
    # Near the rim, prefer fabric that is clearly not backdrop: a light shadow or a JPEG colour smear left
    # inside the outline must not tint the colour the rim is repainted with.
    preferred = solid & distinct
    weight = cv2.GaussianBlur(preferred.astype(np.float32), (0, 0), 3.0)
    nearby = cv2.GaussianBlur(rgb.astype(np.float32) * preferred[:, :, None], (0, 0), 3.0)
    close = weight > 0.05
    fabric[close] = nearby[close] / weight[close, None]
    image = rgb.astype(np.float32)
    towards = image - background_rgb
    reference = fabric - background_rgb
    norm2 = np.sum(reference * reference, axis=2)
    mix = np.sum(towards * reference, axis=2) / np.maximum(norm2, 1e-6)
    mix = np.where(norm2 > 20.0**2, mix, 0.0)  # too close to the background to tell: take the fabric colour
    keep = np.clip((mix - 0.6) / 0.35, 0.0, 1.0)[:, :, None]
    rim = garment & ~solid
    out = fabric.copy()
    out[rim] = keep[rim] * image[rim] + (1.0 - keep[rim]) * fabric[rim]
    out[solid] = image[solid]
    return np.clip(out, 0, 255).round().astype(np.uint8)


def _edge_contrast(distance: np.ndarray, garment: np.ndarray, threshold: float) -> float:
    """Share of the outline where the garment differs visibly from the background just outside it."""
    outline = garment & ~cv2.erode(garment.astype(np.uint8), _disk(1)).astype(bool)
    inner = cv2.erode(garment.astype(np.uint8), _disk(3)).astype(bool)
    near = cv2.dilate(outline.astype(np.uint8), _disk(4)).astype(bool) & inner
    if not near.any():
        return 0.0
    return float(np.mean(distance[near] > threshold))


def _touches_border(garment: np.ndarray) -> bool:
    """A garment cut by the photo's frame is incomplete (sleeve or hem missing)."""
    return bool(garment[0].any() or garment[-1].any() or garment[:, 0].any() or garment[:, -1].any())


def _from_existing_alpha(rgba: np.ndarray) -> Cutout | None:
    """A PNG that is already cut out is used as it is (only cleaned of specks)."""
    alpha = rgba[:, :, 3]
    border = _border_mask(alpha.shape, max(2, round(0.01 * min(alpha.shape))))
    if np.mean(alpha[border] < 16) < 0.9:
        return None
    garment = _keep_main_parts(alpha >= 128)
    if garment.mean() < _MIN_GARMENT_FRACTION:
        return None
    out = rgba.copy()
    out[:, :, 3] = np.where(cv2.dilate(garment.astype(np.uint8), _disk(2)).astype(bool), alpha, 0)
    return Cutout(out, (0, 0, 0), 0, 0.95, "transparent background kept")


def cut_out(rgba: np.ndarray) -> Cutout:
    """Removes a plain light background from a product photo (RGBA uint8 in RGB order); raises CutoutError."""
    existing = _from_existing_alpha(rgba)
    if existing is not None:
        return existing
    rgb = np.ascontiguousarray(rgba[:, :, :3])
    height, width = rgb.shape[:2]
    if min(height, width) < 48:
        raise CutoutError(f"photo is only {width}x{height} px", "use a photo at least 300 px tall")
    raw_lab = _lab(rgb)
    lab = cv2.GaussianBlur(raw_lab, (0, 0), 1.0)
    model, sigma, fit_share = _fit_background(lab)
    if fit_share < 0.5:
        raise CutoutError(
            "the photo's edges are not a plain background (the garment fills the frame or the backdrop is busy)",
            "use a product photo with the whole garment on a plain white or light background",
        )
    distance = np.linalg.norm(lab - model, axis=2)
    gradient = _gradient(lab)
    border = _border_mask((height, width), max(3, round(0.02 * min(height, width))))
    grad_noise = float(np.percentile(gradient[border], 90))
    border_p90 = float(np.percentile(distance[border], 90))

    spread = _local_spread(raw_lab)
    spread_noise = float(np.percentile(spread[border], 90))
    # Strict thresholds for the backdrop itself (white fabric can sit within 2 Lab units of it) and looser
    # ones only for the strip along the garment where JPEG ringing roughens the backdrop.
    t_lo = max(0.8, 3.5 * sigma + 0.5)
    flat = (distance < t_lo) & (spread < max(0.6, 2.0 * spread_noise + 0.3))
    # Leaks through highlights where a white edge meets the backdrop are cut by opening the passable mask
    # with a disk wider than such contacts; the flood then grows back into the thin noisy strip it removed.
    radius = max(2, round(min(height, width) / 150))
    flat_seed = cv2.morphologyEx(flat.astype(np.uint8), cv2.MORPH_OPEN, _disk(radius)).astype(bool)
    # Soft shadows next to the backdrop: darker, same hue, and smooth (a garment's edge is never smooth).
    # Smooth white cotton looks the same locally, so a shadow may only extend a short way from the backdrop.
    delta = lab - model
    chroma_shift = np.linalg.norm(delta[:, :, 1:], axis=2)
    shadow = (delta[:, :, 0] < 0) & (delta[:, :, 0] > -30) & (chroma_shift < 2.0 + 3.0 * sigma)
    shadow &= (gradient < max(0.6, 2.0 * grad_noise)) & (spread < max(1.2, 2.0 * spread_noise + 0.3))
    # First the flat backdrop, then (pixel by pixel, so fabric with a few smooth spots cannot pass) into the
    # shadow, at most a short way; then back into the thin noisy strip the opening took off along the edge.
    background = _border_connected(flat_seed)
    background = _grow_within(background, shadow | flat, round(_SHADOW_REACH * min(height, width)))
    near_flat = (distance < max(1.5, 4.0 * sigma + 0.5)) & (spread < max(1.5, 3.0 * spread_noise + 0.5))
    background = _grow_within(background, near_flat | shadow, radius + 3)

    garment = cv2.morphologyEx((~background).astype(np.uint8), cv2.MORPH_OPEN, _disk(1)).astype(bool)
    garment = _keep_main_parts(garment)
    share = float(garment.mean())
    if share < _MIN_GARMENT_FRACTION:
        raise CutoutError(
            "no garment found: the photo looks like plain background",
            "check the photo shows the garment, large and centred, on a plain light background",
        )
    if share > _MAX_GARMENT_FRACTION:
        raise CutoutError(
            "no background found around the garment",
            "use a photo with some plain background all around the garment",
        )
    holes = _see_through_holes(garment, flat, distance, border_p90)
    garment &= ~holes
    garment = _grabcut(rgb, background, garment, holes)
    garment = _peel_shadow(rgb, garment, lab, model, sigma, round(_SHADOW_REACH * min(height, width)))
    garment = _keep_main_parts(cv2.morphologyEx(garment.astype(np.uint8), cv2.MORPH_OPEN, _disk(1)).astype(bool))
    # Interior gaps that did not look like see-through background are fabric (a white print, a shine).
    kept_holes = _interior_regions(garment)
    count, labels = cv2.connectedComponents(kept_holes.astype(np.uint8), connectivity=8)
    hole_count = 0
    for index in range(1, count):
        region = labels == index
        if holes[region].mean() > 0.5:
            hole_count += 1
        else:
            garment |= region

    background_rgb = np.median(rgb[border & ~garment].reshape(-1, 3), axis=0).astype(np.float32)
    alpha = _soft_alpha(garment)
    colour = _decontaminate(rgb, garment, background_rgb, distance > max(6.0, 4.0 * t_lo))
    out = np.dstack([colour, np.clip(alpha * 255.0, 0, 255).round().astype(np.uint8)])

    contrast = _edge_contrast(distance, garment, max(1.0, 2.0 * t_lo))
    quality = 0.4 + 0.6 * contrast
    notes = [f"background #{int(background_rgb[0]):02x}{int(background_rgb[1]):02x}{int(background_rgb[2]):02x}"]
    if float(model[:, :, 0].mean()) < 55.0:
        quality *= 0.8
        notes.append("dark background")
    if sigma > 2.0:
        quality *= 0.85
        notes.append("noisy background")
    if _touches_border(garment):
        quality *= 0.7
        notes.append("garment touches the photo edge")
    if hole_count:
        notes.append(f"{hole_count} see-through hole{'s' if hole_count > 1 else ''}")
    log.debug("cutout: sigma %.2f, t_lo %.2f, contrast %.2f, holes %d", sigma, t_lo, contrast, hole_count)
    bg_tuple = (int(background_rgb[0]), int(background_rgb[1]), int(background_rgb[2]))
    return Cutout(out, bg_tuple, hole_count, float(np.clip(quality, 0.0, 1.0)), ", ".join(notes))
