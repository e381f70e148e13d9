"""Left/right swap guard: transient label swaps are undone, real motion is not."""

from __future__ import annotations

import numpy as np

from mirror_app.tracking.smoothing import LOWER_PAIRS, UPPER_PAIRS, LandmarkSmoother, SwapGuard, swap_pairs

ALL_PAIRS = UPPER_PAIRS + LOWER_PAIRS


def test_transient_full_swap_is_undone_in_pixels_and_world(make_skeleton) -> None:
    rng = np.random.default_rng(3)
    px0, world0 = make_skeleton(640, 360, 220)
    guard = SwapGuard()
    for i in range(20):
        px = px0.copy()
        px[:, :2] += rng.normal(0.0, 2.0, (33, 2))
        world = world0
        swapped = i in (10, 11, 12)
        if swapped:
            px, world = swap_pairs(px, ALL_PAIRS), swap_pairs(world0, ALL_PAIRS)
        out_px, out_world = guard(px, world)
        assert np.abs(out_px[:, :2] - px0[:, :2]).max() < 10.0, f"frame {i}"
        assert np.array_equal(out_world, world0), f"frame {i}"
    assert guard.swaps == 2 * 3  # upper and lower group, three frames


def test_legs_only_swap_restores_legs_and_leaves_arms(make_skeleton) -> None:
    px0, world0 = make_skeleton(640, 360, 220)
    guard = SwapGuard()
    guard(px0, world0)
    out_px, out_world = guard(swap_pairs(px0, LOWER_PAIRS), swap_pairs(world0, LOWER_PAIRS))
    assert np.array_equal(out_px, px0)
    assert np.array_equal(out_world, world0)
    assert guard.swaps == 1


def test_slow_turn_where_shoulders_cross_is_not_swapped(make_skeleton) -> None:
    px0, world0 = make_skeleton(640, 360, 220)
    guard = SwapGuard()
    centre_x = 640.0
    for i in range(61):
        s = np.cos(np.pi * i / 60)  # 1 -> -1: left/right points cross over two seconds, continuously
        px = px0.copy()
        px[:, 0] = centre_x + s * (px0[:, 0] - centre_x)
        out_px, _ = guard(px, world0)
        assert np.array_equal(out_px, px)
    assert guard.swaps == 0


def test_smoother_output_does_not_flip_on_a_swap(make_skeleton) -> None:
    px0, world0 = make_skeleton(640, 360, 220)
    smoother = LandmarkSmoother()
    for i in range(30):
        smoother(px0, world0, i / 30)
    out_px, _ = smoother(swap_pairs(px0, ALL_PAIRS), swap_pairs(world0, ALL_PAIRS), 1.0)
    assert out_px[11, 0] > out_px[12, 0]  # person's left shoulder stays on the image right
    assert abs(out_px[11, 0] - px0[11, 0]) < 1.0
    unguarded = LandmarkSmoother(swap_guard=False)
    for i in range(30):
        unguarded(px0, world0, i / 30)
    flipped, _ = unguarded(swap_pairs(px0, ALL_PAIRS), swap_pairs(world0, ALL_PAIRS), 1.0)
    assert abs(flipped[11, 0] - px0[11, 0]) > 20.0  # without the guard the garment would start to flip
