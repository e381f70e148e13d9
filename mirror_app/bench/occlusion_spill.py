"""What occlusion draws that is not a limb: `python -m mirror_app.bench.occlusion_spill --source VIDEO --top R,G,B`.

Hands and forearms in front of the garment are drawn from the camera frame (docs/compositor.md). Where the
pose puts a limb on the wearer's own clothes, that draws a patch of their top over the garment instead. For
each dressed frame of a clip (one pose graph, as `render_cost`), this counts the pixels that look like the
top (within --tolerance of --top, RGB 0..1 distance) with occlusion on but not with it off, and prints the
mean, the frames over 300 px and the worst frames. Pick a top colour the garment does not have.
"""

from __future__ import annotations

import argparse
import dataclasses

import numpy as np

from mirror_app.bench.render_cost import add_clip_arguments, dressed_or_exit
from mirror_app.render.offscreen import OffscreenRenderer

LOTS = 300  # pixels of the top in one frame that a shopper sees as a blob


def top_spill(with_occlusion: np.ndarray, without: np.ndarray, top: np.ndarray, tolerance: float) -> int:
    """Pixels (RGB uint8 images) that look like `top` (0..1 RGB) with occlusion on and did not without it."""

    def like(image: np.ndarray) -> np.ndarray:
        return np.linalg.norm(image.astype(np.float32) / 255.0 - top, axis=-1) < tolerance

    return int((like(with_occlusion) & ~like(without)).sum())


def _colour(text: str) -> np.ndarray:
    """'225,20,100' -> (0.88, 0.08, 0.39)."""
    try:
        rgb = [int(v) for v in text.split(",")]
    except ValueError:
        rgb = []
    if len(rgb) != 3 or not all(0 <= v <= 255 for v in rgb):
        raise argparse.ArgumentTypeError(f"--top wants three numbers 0-255 separated by commas, got {text!r}")
    return np.array(rgb, np.float32) / 255.0


def main(argv: list[str] | None = None) -> list[int]:
    """Print how much of the wearer's top occlusion draws over the garment on the clip; returns the per-frame counts."""
    parser = argparse.ArgumentParser(description=__doc__)
    add_clip_arguments(parser, frames=120)
    parser.add_argument("--top", required=True, type=_colour, help="the wearer's top colour, R,G,B 0-255")
    parser.add_argument("--tolerance", type=float, default=0.2, help="RGB distance (0..1) that counts as the top")
    args = parser.parse_args(argv)
    kept, wardrobe = dressed_or_exit("occlusion_spill", args, skip=0)
    h, w = kept[0][0].shape[:2]
    renderer = OffscreenRenderer(w, h)
    counts = []
    try:
        worn = wardrobe.worn()
        assert worn is not None  # frames were dressed
        renderer.preload(worn[0], worn[1].mesh)
        on = renderer.compositor.settings
        off = dataclasses.replace(on, occlusion=False)
        for image, body, fit in kept:
            renderer.compositor.settings = off
            without = renderer.render(image, body, fit).copy()
            renderer.compositor.settings = on
            counts.append(top_spill(renderer.render(image, body, fit), without, args.top, args.tolerance))
    finally:
        renderer.release()
    worst = sorted(range(len(counts)), key=lambda i: -counts[i])[:5]
    print(
        f"{args.source}: {len(counts)} dressed frames; top-coloured px occlusion adds per frame: mean "
        f"{np.mean(counts):.0f}, frames over {LOTS}: {sum(c > LOTS for c in counts)}, "
        f"worst (frame: px) {', '.join(f'{i}: {counts[i]}' for i in worst)}"
    )
    return counts


if __name__ == "__main__":
    main()
