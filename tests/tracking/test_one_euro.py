"""One Euro landmark filter: a still person stays still, motion is followed with little lag."""

from __future__ import annotations

import numpy as np

from mirror_app.tracking.smoothing import LandmarkSmoother, OneEuroFilter

FPS = 30.0


def _rms(a: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(a))))


def test_still_person_with_pixel_noise_is_still(make_skeleton) -> None:
    rng = np.random.default_rng(1)
    truth_px, truth_world = make_skeleton(640, 360, 220)
    smoother = LandmarkSmoother()
    raw_err, out_err, raw_w, out_w = [], [], [], []
    for i in range(300):
        px = truth_px.copy()
        px[:, :2] += rng.normal(0.0, 2.0, (33, 2))
        world = truth_world + rng.normal(0.0, 0.004, (33, 3)).astype(np.float32)
        out_px, out_world = smoother(px, world, i / FPS)
        if i >= FPS:  # after one second of settling
            raw_err.append(px[:, :2] - truth_px[:, :2])
            out_err.append(out_px[:, :2] - truth_px[:, :2])
            raw_w.append(world - truth_world)
            out_w.append(out_world - truth_world)
    raw, out = _rms(np.array(raw_err)), _rms(np.array(out_err))
    assert 1.8 < raw < 2.2
    assert out < 0.3, f"filtered error {out:.3f} px RMS (raw {raw:.2f})"
    jitter = float(np.sqrt(np.array(out_err).var(axis=0).mean()))  # spread about its own mean: what one sees
    assert jitter < 0.3, f"filtered jitter {jitter:.3f} px RMS"
    assert _rms(np.array(out_w)) < 0.2 * _rms(np.array(raw_w))


def test_frame_to_frame_motion_of_still_person_is_sub_pixel(make_skeleton) -> None:
    rng = np.random.default_rng(2)
    truth_px, truth_world = make_skeleton(640, 360, 220)
    smoother = LandmarkSmoother()
    outs = []
    for i in range(200):
        px = truth_px.copy()
        px[:, :2] += rng.normal(0.0, 2.0, (33, 2))
        outs.append(smoother(px, truth_world, i / FPS)[0][:, :2])
    steps = np.abs(np.diff(np.array(outs[30:]), axis=0))
    assert float(steps.max()) < 0.5  # never a visible hop


def test_step_is_followed_within_a_few_frames() -> None:
    f = OneEuroFilter()
    x = np.full((33, 3), 100.0)
    for i in range(60):
        f(x, i / FPS)
    target = x + 100.0
    frames = None
    for k in range(1, 31):
        y = f(target, (60 + k) / FPS)
        if np.abs(y - target).max() < 2.0:
            frames = k
            break
    assert frames is not None and frames <= 4, frames


def test_fast_arm_swing_has_little_lag_thanks_to_beta() -> None:
    t = np.arange(120) / FPS
    x = 200.0 * np.sin(2 * np.pi * 1.5 * t)  # 1.5 Hz swing, up to 1900 px/s
    one_euro = OneEuroFilter()
    low_pass = OneEuroFilter(beta=0.0, speed_floor=0.0)  # the same filter without its speed term
    err = np.array([abs(one_euro(np.array([v]), tt)[0] - v) for v, tt in zip(x, t, strict=True)])[30:]
    err_lp = np.array([abs(low_pass(np.array([v]), tt)[0] - v) for v, tt in zip(x, t, strict=True)])[30:]
    per_frame_motion = np.abs(np.diff(x)).max()
    assert err.max() < 0.25 * per_frame_motion, (err.max(), per_frame_motion)
    assert err.max() < 0.2 * err_lp.max()


def test_repeated_or_backwards_timestamps_stay_finite() -> None:
    f = OneEuroFilter()
    f(np.zeros(4), 1.0)
    for t in (1.0, 0.5, 1.0):
        y = f(np.ones(4), t)
        assert np.isfinite(y).all()


def test_reset_forgets_the_past() -> None:
    f = OneEuroFilter()
    f(np.zeros(3), 0.0)
    f(np.zeros(3), 0.1)
    f.reset()
    assert np.array_equal(f(np.full(3, 50.0), 0.2), np.full(3, 50.0))


def test_hidden_joints_are_smoothed_harder(make_skeleton) -> None:
    rng = np.random.default_rng(4)
    truth_px, truth_world = make_skeleton(640, 360, 220)
    truth_px[23:, 2] = 0.15  # hips and legs hidden (e.g. below the image): MediaPipe's guesses jump around
    smoother = LandmarkSmoother()
    outs = []
    for i in range(200):
        px = truth_px.copy()
        px[:, :2] += rng.normal(0.0, 8.0, (33, 2))  # large noise everywhere, like guessed joints
        outs.append(smoother(px, truth_world, i / FPS)[0][:, :2])
    spread = np.sqrt(np.array(outs[30:]).var(axis=0).mean(axis=1))  # per-landmark jitter, px RMS
    hidden, seen = float(spread[23:].mean()), float(spread[11:23].mean())
    assert hidden < 1.5, hidden
    assert hidden < 0.3 * seen, (hidden, seen)
