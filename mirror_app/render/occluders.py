"""Where arms, hands and the head lie in front of the garment: capsules the garment shader cuts out."""

from __future__ import annotations

import numpy as np

from mirror_app.tracking import body as pose
from mirror_app.tracking.body import Body

FRONT_MARGIN_M = (0.03, 0.08)  # wrist this much closer than the shoulder (metres): arm fully "in front"
Capsule = tuple[tuple[float, float], tuple[float, float], float, float, float, float, float]


def occluders(body: Body | None, frame_size: tuple[int, int]) -> list[Capsule]:
    """Capsules (a, b, radius px, depth a, depth b, weight, core) for forearms, hands and the head.

    `core`: the share of the axis (from a) along which pixels near the axis count as the limb whatever their
    colour (a sleeve the colour of the shirt behind it); past it only limb-coloured pixels do, so a capsule
    reaching for fingertips that may be curled in does not show the wearer's shirt beyond the fist.

    Depths are metres in the frame the fit's depth uses (arms: from the arm's shoulder; the head: from the
    torso's mean z), so the shader hides only garment parts lying behind the limb (a sleeve on it stays).
    """
    if body is None:
        return []
    lm = np.asarray(body.landmarks_px, dtype=np.float32)
    world = np.asarray(body.world, dtype=np.float32)
    if lm.shape[0] < pose.NUM_LANDMARKS or world.shape[0] < pose.NUM_LANDMARKS:
        return []
    fw, fh = body.frame_size
    scale = np.ones(2, np.float32)
    if fw and fh:
        scale = np.array([frame_size[0] / fw, frame_size[1] / fh], np.float32)
    px = lm[:, :2] * scale
    vis = lm[:, 2]
    z = world[:, 2]
    torso_z = float(z[[pose.LEFT_SHOULDER, pose.RIGHT_SHOULDER, pose.LEFT_HIP, pose.RIGHT_HIP]].mean())
    out: list[Capsule] = []
    arms = (
        (pose.LEFT_SHOULDER, pose.LEFT_ELBOW, pose.LEFT_WRIST, (17, 19)),
        (pose.RIGHT_SHOULDER, pose.RIGHT_ELBOW, pose.RIGHT_WRIST, (18, 20)),
    )
    for shoulder, elbow, wrist, hand in arms:
        if min(vis[elbow], vis[wrist]) < 0.3:
            continue
        e, wr = px[elbow], px[wrist]
        length = float(np.linalg.norm(wr - e))
        if length < 4.0:
            continue
        lo, hi = FRONT_MARGIN_M
        weight = float(np.clip((z[shoulder] - z[wrist] - lo) / (hi - lo), 0.0, 1.0))
        if weight <= 0.0:
            continue
        if min(vis[hand[0]], vis[hand[1]]) >= 0.3:
            knuckles = px[list(hand)].mean(axis=0)
            # The pose's hand points are knuckles: fingers reach about as far again (open hand, signing).
            tip = knuckles + 0.8 * (knuckles - wr)
            if np.linalg.norm(tip - wr) < 0.4 * length:
                tip = wr + 0.7 * (wr - e)
        else:
            tip = wr + 0.7 * (wr - e)
        # Depths in the frame of the fit's sleeves (generator/warp.py): from this arm's shoulder. A sleeve's
        # forearm part sits at the forearm's mean depth less 3 cm, so the capsule is lifted to at least that
        # mean: a forearm never cuts through its own sleeve (a long sleeve crossing the chest stays a sleeve),
        # and still hides the torso behind it.
        de, dw = float(z[elbow] - z[shoulder]), float(z[wrist] - z[shoulder])
        de, dw = max(de, 0.5 * (de + dw)), max(dw, 0.5 * (de + dw))
        out.append((tuple(e), tuple(wr), 0.22 * length, de, dw, weight, 1.0))
        out.append((tuple(wr), tuple(tip), 0.30 * length, dw, dw, weight, 0.35))
    ears = (7, 8)
    if min(vis[ears[0]], vis[ears[1]], vis[pose.NOSE]) >= 0.5:
        width = float(np.linalg.norm(px[ears[0]] - px[ears[1]]))
        centre = px[list(ears)].mean(axis=0)
        mouth = px[[9, 10]].mean(axis=0) if min(vis[9], vis[10]) >= 0.3 else px[pose.NOSE]
        down = mouth - centre
        norm = float(np.linalg.norm(down))
        chin = mouth + (down / norm) * 0.25 * width if norm > 1e-3 else mouth
        head_depth = min(float(z[pose.NOSE] - torso_z), -0.1)
        out.append((tuple(centre), tuple(chin), 0.45 * width, head_depth, head_depth, 1.0, 1.0))
    return out
