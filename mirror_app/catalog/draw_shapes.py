"""Flat-lay garment geometry: one description gives the outline, seams, regions AND the anchors."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from mirror_app.catalog.draw_kit import Points, bezier, mirror, spline


@dataclass(frozen=True, slots=True)
class SleeveSpec:
    """A set-in sleeve hanging down-outward, described along its top edge from the shoulder point."""

    angle_deg: float  # from vertical
    length: float  # shoulder point to cuff, along the top edge
    opening: float  # cuff width, across the sleeve
    armhole_depth: float  # armpit below the shoulder point
    cuff_band: float = 0.0  # ribbed cuff length (0: plain hemmed sleeve)
    elbow: bool = False  # long sleeve: give elbow anchors


@dataclass(frozen=True, slots=True)
class TopSpec:
    """Measurements of a top or dress laid flat, in output pixels (y grows downwards)."""

    width: int
    height: int
    top_y: float  # high point of the shoulder, where shoulder seam meets the collar
    neck_half: float
    front_drop: float
    back_drop: float
    shoulder_half: float
    shoulder_slope: float
    chest_half: float
    waist_half: float
    waist_y: float
    hem_half: float
    hem_y: float
    hem_sag: float = 0.0
    sleeve: SleeveSpec | None = None
    armhole_depth: float = 0.0  # sleeveless only: armpit below the strap's outer end
    flare_from_waist: bool = False  # dress: straight skirt lines from the waist seam to the hem

    @property
    def cx(self) -> float:
        """Garments are symmetric about the image centre."""
        return self.width / 2.0


@dataclass(slots=True)
class TopShape:
    """Everything drawn for one garment; all in the same pixel frame as the anchors."""

    outline: Points
    body: Points
    sleeves: list[Points]
    front_neck: Points  # from the image-left collar point, through the front centre, to the image-right one
    back_neck: Points  # same ends, the back neckline (the garment's top edge)
    shoulder_seams: list[Points]
    armholes: list[Points]  # shoulder point to armpit (seam where sleeve and body meet)
    sides: list[Points]  # armpit to hem corner
    hem: Points  # image-left hem corner to image-right hem corner
    cuffs: list[Points]  # sleeve openings, outer corner to inner corner
    sleeve_axes: list[tuple[Points, Points]]  # (start, unit direction) per sleeve, for stripes and ribs
    waist_line: Points | None
    anchors: dict[str, tuple[float, float]] = field(default_factory=dict)


def _fillet(before: np.ndarray, corner: np.ndarray, after: np.ndarray, radius: float) -> Points:
    """A rounded corner (quadratic) replacing a sharp one, as cloth never has a knife-edge armpit."""
    a = corner + (before - corner) / np.linalg.norm(before - corner) * radius
    b = corner + (after - corner) / np.linalg.norm(after - corner) * radius
    return bezier([a, corner, b], 10)


def _point_at_y(line: Points, y: float) -> np.ndarray:
    """The point where a mostly vertical polyline reaches height y."""
    order = np.argsort(line[:, 1])
    return np.array([np.interp(y, line[order, 1], line[order, 0]), y])


def build_top(spec: TopSpec) -> TopShape:
    """Builds the wearer's right half (image left) from the spec, mirrors it, and places the anchors."""
    cx = spec.cx
    hps = np.array([cx - spec.neck_half, spec.top_y])  # high point shoulder, image-left
    shoulder = np.array([cx - spec.shoulder_half, spec.top_y + spec.shoulder_slope])
    front_bottom = np.array([cx, spec.top_y + spec.front_drop])
    back_bottom = np.array([cx, spec.top_y + spec.back_drop])
    front_half = bezier(
        [hps, hps + [0, 0.6 * spec.front_drop], [cx - 0.6 * spec.neck_half, front_bottom[1]], front_bottom],
        30,
    )
    back_half = bezier(
        [
            hps,
            hps + [0.15 * spec.neck_half, 0.8 * spec.back_drop],
            [cx - 0.5 * spec.neck_half, back_bottom[1]],
            back_bottom,
        ],
        30,
    )
    front_neck = np.vstack([front_half, mirror(front_half[::-1], cx)[1:]])
    back_neck = np.vstack([back_half, mirror(back_half[::-1], cx)[1:]])

    sleeve = spec.sleeve
    if sleeve is not None:
        armpit = np.array([cx - spec.chest_half, shoulder[1] + sleeve.armhole_depth])
        armhole = bezier([shoulder, [armpit[0] + 2, shoulder[1] + 0.55 * sleeve.armhole_depth], armpit], 24)
    else:
        armpit = np.array([cx - spec.chest_half, shoulder[1] + spec.armhole_depth])
        dx = shoulder[0] - armpit[0]
        armhole = bezier(
            [
                shoulder,
                [shoulder[0] + 0.08 * dx, shoulder[1] + 0.62 * spec.armhole_depth],
                [armpit[0] + 0.6 * dx, armpit[1]],
                armpit,
            ],
            30,
        )
    waist = np.array([cx - spec.waist_half, spec.waist_y])
    hem_corner = np.array([cx - spec.hem_half, spec.hem_y])
    if spec.flare_from_waist:
        upper = spline([armpit, waist], 20)
        side = np.vstack([upper, np.linspace(waist, hem_corner, 24)[1:]])
    else:
        side = spline([armpit, waist, hem_corner], 24)
    hem = bezier([hem_corner, [cx, spec.hem_y + 2 * spec.hem_sag], mirror(hem_corner, cx)], 40)

    anchors: dict[str, tuple[float, float]] = {}
    right_outline: list[Points] = [hps[None], shoulder[None]]
    cuff = None
    axis = None
    if sleeve is not None:
        a = np.radians(sleeve.angle_deg)
        direction = np.array([-np.sin(a), np.cos(a)])
        across = np.array([np.cos(a), np.sin(a)])
        cuff_outer = shoulder + sleeve.length * direction
        cuff_inner = cuff_outer + sleeve.opening * across
        cuff = np.stack([cuff_outer, cuff_inner])
        axis = (shoulder, direction)
        right_outline += [cuff_outer[None], cuff_inner[None], _fillet(cuff_inner, armpit, side[8], 5.0)]
        anchors["right_cuff"] = tuple((cuff_outer + cuff_inner) / 2)
        if sleeve.elbow:
            t = 0.5
            top_point = shoulder + t * (cuff_outer - shoulder)
            bottom_point = armpit + t * (cuff_inner - armpit)
            anchors["right_elbow"] = tuple((top_point + bottom_point) / 2)
        right_side = side[3:]
    else:
        right_outline.append(armhole[1:])
        right_side = side[1:]
    right_outline.append(right_side)
    right = np.vstack(right_outline)
    # The top edge runs from the image-right collar point back to the start along the back neckline.
    outline = np.vstack([right, hem[1:-1], mirror(right[::-1], cx), back_neck[::-1][1:-1]])

    body_right = np.vstack([hps[None], armhole, side[1:]])
    body = np.vstack([body_right, hem[1:-1], mirror(body_right[::-1], cx), back_neck[::-1][1:-1]])
    sleeves: list[Points] = []
    cuffs: list[Points] = []
    axes: list[tuple[Points, Points]] = []
    if sleeve is not None and cuff is not None and axis is not None:
        right_sleeve = np.vstack([cuff, armhole[::-1]])
        sleeves = [right_sleeve, mirror(right_sleeve, cx)]
        cuffs = [cuff, mirror(cuff, cx)]
        axes = [axis, (mirror(axis[0], cx), axis[1] * [-1, 1])]

    anchors.update(
        {
            "neck": (cx, float(back_bottom[1])),
            "right_shoulder": tuple(shoulder),
            "right_armpit": tuple(armpit),
            "right_waist": tuple(waist if spec.flare_from_waist else _point_at_y(side, spec.waist_y)),
            "right_hem": tuple(hem_corner),
        }
    )
    for name in [n for n in anchors if n.startswith("right_")]:
        x, y = anchors[name]
        anchors["left_" + name[6:]] = (2 * cx - x, y)
    anchors = {k: (round(float(x), 2), round(float(y), 2)) for k, (x, y) in anchors.items()}

    waist_line = None
    if spec.flare_from_waist:
        waist_line = bezier([waist, [cx, spec.waist_y + 6], mirror(waist, cx)], 30)
    return TopShape(
        outline=outline,
        body=body,
        sleeves=sleeves,
        front_neck=front_neck,
        back_neck=back_neck,
        shoulder_seams=[np.stack([hps, shoulder]), mirror(np.stack([hps, shoulder]), cx)],
        armholes=[armhole, mirror(armhole, cx)],
        sides=[side, mirror(side, cx)],
        hem=hem,
        cuffs=cuffs,
        sleeve_axes=axes,
        waist_line=waist_line,
        anchors=anchors,
    )
