"""A shopper close to the screen (head and shoulders in view) wears the garment down past the picture's edge."""

from __future__ import annotations

import numpy as np
import pytest

from mirror_app.capture.demo import DemoSource
from mirror_app.catalog.loader import load_catalog_or_default
from mirror_app.config import DEFAULT_POSE_MODEL
from mirror_app.pipeline import FrameProcessor, Wardrobe, build_stages
from mirror_app.stats import StageClock
from mirror_app.tracking.landmarker import DEFAULT_MODEL

pytestmark = pytest.mark.skipif(not DEFAULT_MODEL.is_file(), reason=f"{DEFAULT_MODEL} missing")


def test_the_default_pose_model_dresses_a_head_and_shoulders_portrait_to_below_the_frame() -> None:
    # The demo: the astronaut portrait, cut at the chest, hips well below the 720 px frame. The lite model
    # puts her hips inside it with full confidence (hems at y 533-700), shrinking the tee to her chest; the
    # default model must not (full: 774-790).
    tracker, generator, _ = build_stages(pose_threads=1, pose_model=DEFAULT_POSE_MODEL)
    assert tracker is not None
    processor = FrameProcessor(tracker, generator, Wardrobe(load_catalog_or_default(None).garments))
    source = DemoSource(live=False)
    try:
        hems, widths = [], []
        for _ in range(40):
            fit = processor.process(source.read(), StageClock()).fit
            assert fit is not None
            a = fit.anchors_px
            hems.append((a["left_hem"][1] + a["right_hem"][1]) / 2)
            widths.append(abs(a["left_shoulder"][0] - a["right_shoulder"][0]))
    finally:
        tracker.close()
    hems_after = np.array(hems[10:])
    assert hems_after.min() > 720, f"tee hem at y {hems_after.min():.0f}-{hems_after.max():.0f} of a 720 px frame"
    assert np.median(widths[10:]) > 360, f"shoulders {np.median(widths[10:]):.0f} px apart (hers: ~390)"
