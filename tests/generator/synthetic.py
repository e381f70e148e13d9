"""Synthetic garments and bodies for generator tests: plain data, no model, no media."""

from __future__ import annotations

import math

import cv2
import numpy as np

from mirror_app.catalog.garment import Garment
from mirror_app.tracking import body as lm
from mirror_app.tracking.body import Body


def tee(
    long_sleeves: bool = False, back: bool = False, width: int = 480, height: int = 400, armpit_y: float = 140.0
) -> Garment:
    """A flat t-shirt (or long-sleeve top) drawn as a polygon, with anchors from the same geometry.

    `armpit_y` lower than 140 draws the deep armhole of a product photo whose sleeves were laid out at an angle."""
    cx = width / 2
    a = {
        "neck": (cx, 30.0),
        "left_shoulder": (cx + 100, 40.0),
        "right_shoulder": (cx - 100, 40.0),
        "left_armpit": (cx + 100, armpit_y),
        "right_armpit": (cx - 100, armpit_y),
        "left_waist": (cx + 95, 250.0),
        "right_waist": (cx - 95, 250.0),
        "left_hem": (cx + 102, 330.0),
        "right_hem": (cx - 102, 330.0),
    }
    if long_sleeves:
        a |= {"left_elbow": (cx + 160, 170.0), "right_elbow": (cx - 160, 170.0)}
        a |= {"left_cuff": (cx + 200, 300.0), "right_cuff": (cx - 200, 300.0)}
    else:
        a |= {"left_cuff": (cx + 165, 120.0), "right_cuff": (cx - 165, 120.0)}
    rgba = np.zeros((height, width, 4), np.uint8)

    def side(sign: float) -> list[tuple[float, float]]:
        def p(name: str) -> tuple[float, float]:
            x, y = a[f"{'left' if sign > 0 else 'right'}_{name}"]
            return x, y

        cuff = p("cuff")
        d = 40.0
        if long_sleeves:
            elbow = p("elbow")
            return [
                p("shoulder"),
                (elbow[0] + sign * 25, elbow[1] - 20),
                (cuff[0] + sign * 25, cuff[1]),
                (cuff[0] - sign * 25, cuff[1] + 5),
                (elbow[0] - sign * 30, elbow[1] + 20),
                p("armpit"),
            ]
        return [
            p("shoulder"),
            (cuff[0] + sign * d * 0.5, cuff[1] - d * 0.6),
            (cuff[0] - sign * d * 0.3, cuff[1] + d * 0.8),
            p("armpit"),
        ]

    poly = [
        a["neck"],
        *side(1.0),
        a["left_waist"],
        a["left_hem"],
        a["right_hem"],
        a["right_waist"],
        *reversed(side(-1.0)),
    ]
    cv2.fillPoly(rgba, [np.round(np.array(poly)).astype(np.int32)], (200, 40, 40, 255), cv2.LINE_AA)
    rgba[::20, :, :3] = (rgba[::20, :, :3] * 0.5).astype(np.uint8)  # stripes to see orientation
    return Garment(
        id="synthetic-tee" + ("-long" if long_sleeves else ""),
        name="Synthetic tee",
        category="long-sleeve" if long_sleeves else "t-shirt",
        rgba=rgba,
        anchors=a,
        back_rgba=rgba.copy() if back else None,
    )


def body(
    centre: tuple[float, float] = (640.0, 300.0),
    shoulder_half: float = 85.0,
    torso: float = 210.0,
    left_arm_deg: float = 10.0,
    right_arm_deg: float = 10.0,
    left_elbow_bend_deg: float = 0.0,
    right_elbow_bend_deg: float = 0.0,
    yaw_deg: float = 0.0,
    frame: tuple[int, int] = (1280, 720),
    arm_z: float = 0.0,
) -> Body:
    """A front-facing body; arm angles from straight down, positive = raised outward (abduction)."""
    cx, cy = centre
    pts = np.zeros((33, 3), np.float32)
    pts[:, 2] = 1.0
    world = np.zeros((33, 3), np.float32)
    c_yaw = math.cos(math.radians(yaw_deg))
    s_yaw = math.sin(math.radians(yaw_deg))
    sh_y = cy - torso / 2
    hip_y = cy + torso / 2
    upper, fore = 0.62 * torso, 0.55 * torso
    for sign, s_idx, e_idx, w_idx, h_idx, k_idx, deg, bend in (
        (
            1.0,
            lm.LEFT_SHOULDER,
            lm.LEFT_ELBOW,
            lm.LEFT_WRIST,
            lm.LEFT_HIP,
            lm.LEFT_KNEE,
            left_arm_deg,
            left_elbow_bend_deg,
        ),
        (
            -1.0,
            lm.RIGHT_SHOULDER,
            lm.RIGHT_ELBOW,
            lm.RIGHT_WRIST,
            lm.RIGHT_HIP,
            lm.RIGHT_KNEE,
            right_arm_deg,
            right_elbow_bend_deg,
        ),
    ):
        sx = cx + sign * shoulder_half * c_yaw
        pts[s_idx, :2] = (sx, sh_y)
        ang = math.radians(deg)
        e = (sx + sign * upper * math.sin(ang), sh_y + upper * math.cos(ang))
        pts[e_idx, :2] = e
        ang2 = ang + math.radians(bend) * sign * -1.0 if bend else ang
        pts[w_idx, :2] = (
            e[0] + sign * fore * math.sin(ang2) if not bend else e[0] + fore * math.sin(ang2) * sign,
            e[1] + fore * math.cos(ang2),
        )
        pts[h_idx, :2] = (cx + sign * 0.6 * shoulder_half * c_yaw, hip_y)
        pts[k_idx, :2] = (cx + sign * 0.6 * shoulder_half * c_yaw, hip_y + 0.9 * torso)
        world[s_idx] = (sign * 0.18 * c_yaw, -0.5, sign * -0.18 * s_yaw)
        world[e_idx] = (sign * 0.25 * c_yaw, -0.25, sign * -0.18 * s_yaw + arm_z)
        world[w_idx] = (sign * 0.27 * c_yaw, 0.0, sign * -0.18 * s_yaw + 2 * arm_z)
        world[h_idx] = (sign * 0.1 * c_yaw, 0.0, sign * -0.1 * s_yaw)
        world[k_idx] = (sign * 0.1 * c_yaw, 0.4, sign * -0.1 * s_yaw)
    return Body(
        landmarks_px=pts,
        world=world,
        mask=None,
        frame_size=frame,
        person_id=0,
        capture_ns=0,
    )
