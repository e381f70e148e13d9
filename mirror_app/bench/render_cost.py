"""The compositor alone on a real clip's frames: `python -m mirror_app.bench.render_cost --source VIDEO`.

The clip's frames go through tracking and the generator once; then the headless host composites the kept
(frame, body, fit) triples again and again, one frame at a time with nothing else running, for every effect
switched off in turn. So the compositor's own cost on real poses and garments is measured apart from the
pipeline's contention (`mirror-app bench` gives the render stage inside it).
"""

from __future__ import annotations

import argparse
import logging
from typing import Any

import numpy as np

from mirror_app.capture.errors import SourceError
from mirror_app.capture.open import open_source
from mirror_app.catalog.loader import load_catalog_or_default
from mirror_app.pipeline import FrameProcessor, Wardrobe, build_stages
from mirror_app.render.offscreen import OffscreenRenderer
from mirror_app.render.timing import effect_configs
from mirror_app.stats import StageClock
from mirror_app.tracking.landmarker import PoseModelError

log = logging.getLogger(__name__)


def dressed_frames(source: str, frames: int, skip: int = 10, garment_id: str | None = None) -> tuple[list, Wardrobe]:
    """Up to `frames` (image, body, fit) triples of a clip that carry a garment, after `skip` frames of
    tracking warm-up, and the wardrobe whose garment they wear."""
    src, _notices = open_source(source, live=False)
    wardrobe = Wardrobe(load_catalog_or_default(None).garments, garment_id)
    tracker, generator, _ = build_stages()  # it keeps MediaPipe's start-up chatter quiet itself
    processor = FrameProcessor(tracker, generator, wardrobe)
    kept: list[tuple[np.ndarray, Any, Any]] = []
    try:
        index = 0
        while len(kept) < frames and (frame := src.read()) is not None:
            done = processor.process(frame, StageClock())
            if index >= skip and done.fit is not None:
                kept.append((done.frame.image, done.body, done.fit))
            index += 1
    finally:
        src.close()
        if tracker is not None:
            tracker.close()
    return kept, wardrobe


def add_clip_arguments(parser: argparse.ArgumentParser, frames: int) -> None:
    """The clip options the compositor tools share: --source, --frames (default `frames`), --garment."""
    parser.add_argument("--source", required=True, help="a recorded video (or 'demo')")
    parser.add_argument("--frames", type=int, default=frames, help="frames kept from the clip")
    parser.add_argument("--garment", default=None, help="garment id to wear (default: the catalog's first)")


def dressed_or_exit(tool: str, args: argparse.Namespace, skip: int = 10) -> tuple[list, Wardrobe]:
    """`dressed_frames` for a tool's clip arguments; a missing or broken clip or pose model, or a clip with
    nobody dressed, ends the tool with one line naming it, not a traceback."""
    logging.basicConfig(level=logging.WARNING)
    try:
        kept, wardrobe = dressed_frames(args.source, args.frames, skip=skip, garment_id=args.garment)
    except (SourceError, PoseModelError) as exc:
        raise SystemExit(f"{tool}: {exc}") from None
    if not kept:
        raise SystemExit(f"{args.source}: no frame with a dressed person to composite")
    return kept, wardrobe


def time_renders(renderer: OffscreenRenderer, kept: list, rounds: int) -> tuple[np.ndarray, np.ndarray]:
    """Milliseconds per render() (compositing with the GL work finished; read-back and copy apart) and of
    its CPU preparation, over `rounds` passes through the kept frames (the first pass warms up, not counted)."""
    total, cpu = [], []
    for turn in range(rounds + 1):
        for image, body, fit in kept:
            renderer.render(image, body, fit)
            if turn:
                total.append(renderer.last_stage_ms["render"])
                cpu.append(renderer.compositor.last_cpu_ms)
    return np.array(total), np.array(cpu)


def main(argv: list[str] | None = None) -> None:
    """Print the compositor's p50/p95 on the clip's frames: all effects on, each one off, all off."""
    parser = argparse.ArgumentParser(description=__doc__)
    add_clip_arguments(parser, frames=120)
    parser.add_argument("--rounds", type=int, default=3, help="passes through the kept frames per configuration")
    args = parser.parse_args(argv)
    kept, wardrobe = dressed_or_exit("render_cost", args)
    h, w = kept[0][0].shape[:2]
    renderer = OffscreenRenderer(w, h)
    try:
        for garment, binding in wardrobe.items():
            renderer.preload(garment, binding.mesh)
        print(f"{args.source}: {len(kept)} dressed frames, {w}x{h}, {renderer.ctx.info.get('GL_RENDERER', '?')}")
        print(f"{'configuration':<20}{'render p50':>12}{'p95':>8}{'cpu p50':>10}{'p95':>8}  (ms)")
        for name, settings in effect_configs():
            renderer.compositor.settings = settings
            renderer.compositor.reset_light()
            total, cpu = time_renders(renderer, kept, args.rounds)
            t50, t95 = np.percentile(total, [50, 95])
            c50, c95 = np.percentile(cpu, [50, 95])
            print(f"{name:<20}{t50:12.2f}{t95:8.2f}{c50:10.2f}{c95:8.2f}")
    finally:
        renderer.release()


if __name__ == "__main__":
    main()
