"""Finding a garment's anchors from its cut-out shape, so imported photos need no hand placement.

Reads the silhouette row by row: the torso is the part around the centre column, sleeves are rows that
reach well past the torso's sides, the hem is the bottom. Left/right are the wearer's sides: in a front
photo the wearer's left is on the image's right (larger x).
"""

from __future__ import annotations

import numpy as np

Anchors = dict[str, tuple[float, float]]


def _torso_span(row: np.ndarray, cx: int) -> tuple[int, int] | None:
    """Left and right ends of the opaque run through the centre column (stops at the first gap)."""
    if not row[cx]:
        hits = np.nonzero(row)[0]
        if hits.size == 0:
            return None
        cx = int(hits[np.argmin(np.abs(hits - cx))])
    left = cx
    while left > 0 and row[left - 1]:
        left -= 1
    right = cx
    while right < row.size - 1 and row[right + 1]:
        right += 1
    return left, right


def find_anchors(alpha: np.ndarray, category: str | None = None) -> tuple[Anchors, float, str, str]:
    """Anchors (texture px), confidence 0..1, the category used, and a one-line note of what was found."""
    solid = alpha > 127
    ys, xs = np.nonzero(solid)
    if ys.size < 100:
        raise ValueError("no garment shape found")
    top, bottom = int(ys.min()), int(ys.max())
    height = bottom - top + 1
    lefts = np.full(solid.shape[0], -1)
    rights = np.full(solid.shape[0], -1)
    rows = np.unique(ys)
    for y in rows:
        hit = np.nonzero(solid[y])[0]
        lefts[y], rights[y] = hit[0], hit[-1]
    widths = np.where(lefts >= 0, rights - lefts + 1, 0)

    # Torso: the body of the garment in the lower middle, away from the sleeves.
    lower = [y for y in range(top + int(0.55 * height), bottom - int(0.05 * height)) if widths[y] > 0]
    cx = int(np.median([(lefts[y] + rights[y]) / 2 for y in lower])) if lower else int(xs.mean())
    spans = {y: _torso_span(solid[y], cx) for y in range(top, bottom + 1)}
    torso_w = float(np.median([s[1] - s[0] for y in lower if (s := spans[y])])) if lower else float(widths.max())

    # Sleeves: rows in the upper part that reach clearly past the torso's sides.
    sleeve_rows = [y for y in range(top, top + int(0.7 * height)) if widths[y] > 1.18 * torso_w]
    has_sleeves = len(sleeve_rows) > 0.04 * height
    guessed = category is None
    if category is None:
        flare = widths[bottom - int(0.03 * height)] / max(torso_w, 1.0)
        dress = height > 1.9 * torso_w and flare > 1.15
        # With sleeves: long-sleeve if the cuffs turn out to hang low (below).
        category = "t-shirt" if has_sleeves else ("dress" if dress else "tank")
    anchors: Anchors = {}

    # Hem: bottom corners of the torso.
    hem_y = bottom - max(1, int(0.01 * height))
    hem = spans[hem_y] or (lefts[hem_y], rights[hem_y])
    anchors["right_hem"], anchors["left_hem"] = (float(hem[0]), float(hem_y)), (float(hem[1]), float(hem_y))

    if has_sleeves:
        # Armpit: where sleeve and body part (a gap opens between them), or below the sleeves' lowest row.
        parted = [
            y
            for y in range(top + int(0.1 * height), top + int(0.8 * height))
            if (sp := spans[y]) and (sp[1] < rights[y] - 2 or sp[0] > lefts[y] + 2)
        ]
        armpit_y = min(min(parted, default=bottom), max(sleeve_rows) + max(1, int(0.01 * height)))
        below = next((y for y in range(armpit_y, bottom) if spans[y]), armpit_y)
        arm = spans[below] or (cx - torso_w / 2, cx + torso_w / 2)
        anchors["right_armpit"] = (float(arm[0]), float(armpit_y))
        anchors["left_armpit"] = (float(arm[1]), float(armpit_y))
        # Shoulders: where the top outline over the torso's sides meets the sleeve.
        for side, sign in (("left", 1), ("right", -1)):
            x = int(round(cx + sign * 0.48 * torso_w))
            column = np.nonzero(solid[:, max(0, min(solid.shape[1] - 1, x))])[0]
            anchors[f"{side}_shoulder"] = (float(x), float(column[0] if column.size else top))
        # Cuffs: the middle of the sleeve's far end, the fabric beyond the torso farthest from the shoulder.
        for side, sign in (("left", 1), ("right", -1)):
            beyond = sign * (xs - cx) > 0.56 * torso_w
            px, py = xs[beyond], ys[beyond]
            if px.size == 0:
                raise ValueError(f"no {side} sleeve found")
            sx, sy = anchors[f"{side}_shoulder"]
            reach = np.hypot(px - sx, py - sy)
            end = reach > reach.max() - 0.12 * torso_w
            anchors[f"{side}_cuff"] = (float(px[end].mean()), float(py[end].mean()))
        cuff_drop = max(anchors["left_cuff"][1], anchors["right_cuff"][1]) - top
        if guessed and cuff_drop > 0.6 * height:
            category = "long-sleeve"
        if category in ("long-sleeve", "outerwear"):
            for side in ("left", "right"):
                (sx, sy), (ux, uy) = anchors[f"{side}_shoulder"], anchors[f"{side}_cuff"]
                anchors[f"{side}_elbow"] = (sx + 0.45 * (ux - sx), sy + 0.45 * (uy - sy))
    else:
        # Sleeveless: shoulders are the outer ends of the straps, armpits the armhole's lowest inner point.
        strap_rows = range(top, top + max(2, int(0.06 * height)))
        right_x = min(lefts[y] for y in strap_rows if lefts[y] >= 0)
        left_x = max(rights[y] for y in strap_rows if rights[y] >= 0)
        anchors["right_shoulder"] = (float(right_x), float(top + 0.02 * height))
        anchors["left_shoulder"] = (float(left_x), float(top + 0.02 * height))
        armpit_y = top + int(0.3 * height)
        arm = spans[armpit_y] or (cx - torso_w / 2, cx + torso_w / 2)
        anchors["right_armpit"] = (float(arm[0]), float(armpit_y))
        anchors["left_armpit"] = (float(arm[1]), float(armpit_y))

    # Neck: the top of the garment at the centre; waist: the torso's sides between armpit and hem.
    centre_col = np.nonzero(solid[:, cx])[0]
    anchors["neck"] = (float(cx), float(centre_col[0] if centre_col.size else top))
    waist_y = int(anchors["left_armpit"][1] + 0.55 * (hem_y - anchors["left_armpit"][1]))
    waist = spans[waist_y] or (cx - torso_w / 2, cx + torso_w / 2)
    anchors["right_waist"], anchors["left_waist"] = (float(waist[0]), float(waist_y)), (float(waist[1]), float(waist_y))

    # Confidence: how mirror-symmetric the outline is about the centre column, and a sane torso.
    sym = [
        max(0.0, 1.0 - abs((rights[y] - cx) - (cx - lefts[y])) / widths[y])
        for y in rows[:: max(1, rows.size // 60)]
        if widths[y] > 0.3 * torso_w  # straps and sleeve tips alone say nothing about symmetry
    ]
    symmetry = float(np.mean(sym)) if sym else 0.0
    sane = 1.0 if 0.2 < torso_w / height < 1.5 else 0.5
    confidence = round(symmetry * sane, 2)
    sleeves = "long sleeves" if "left_elbow" in anchors else ("short sleeves" if has_sleeves else "no sleeves")
    return anchors, confidence, category, f"{category}, {sleeves}, symmetric {symmetry:.2f}"
