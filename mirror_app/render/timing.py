"""Per-frame compositor cost at 1280x720 with each effect on and off: `python -m mirror_app.render.timing`."""

from __future__ import annotations

import argparse
import dataclasses
import logging
import time

import numpy as np

from mirror_app.render import synthetic
from mirror_app.render.offscreen import OffscreenRenderer
from mirror_app.render.settings import CompositorSettings

log = logging.getLogger(__name__)

EFFECTS = ("light", "folds", "shadows", "occlusion")


def time_frames(renderer: OffscreenRenderer, frames: int, warmup: int = 5) -> tuple[np.ndarray, np.ndarray]:
    """Milliseconds per frame for compositing (GPU work finished) and for the read-back, per frame."""
    frame, body, rect = synthetic.person_scene(renderer.width, renderer.height)
    garment, mesh = synthetic.tshirt()
    comp = renderer.compositor
    comp.preload(garment, mesh)
    rng = np.random.default_rng(0)
    render_ms, read_ms = [], []
    for i in range(warmup + frames):
        # Jitter the fit a little every frame, as a live generator would.
        dx, dy = rng.normal(0.0, 2.0, 2)
        fit = synthetic.rect_fit(mesh, (rect[0] + dx, rect[1] + dy, rect[2] + dx, rect[3] + dy), bulge=0.5)
        t0 = time.perf_counter()
        comp.render(frame, body, fit, renderer.fbo)
        renderer.ctx.finish()
        t1 = time.perf_counter()
        renderer.fbo.read(components=3, alignment=1)
        t2 = time.perf_counter()
        if i >= warmup:
            render_ms.append((t1 - t0) * 1e3)
            read_ms.append((t2 - t1) * 1e3)
    return np.array(render_ms), np.array(read_ms)


def main(argv: list[str] | None = None) -> None:
    """Print p50/p95 per configuration: all effects on, each one off, all off."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--frames", type=int, default=100)
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=720)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    configs: list[tuple[str, CompositorSettings]] = [("all effects on", CompositorSettings())]
    for name in EFFECTS:
        configs.append((f"{name} off", dataclasses.replace(CompositorSettings(), **{name: False})))
    configs.append(("all effects off", CompositorSettings(**{name: False for name in EFFECTS})))
    configs.append(("no garment (frame only)", CompositorSettings()))
    renderer = OffscreenRenderer(args.width, args.height)
    try:
        print(f"{renderer.ctx.info.get('GL_RENDERER', '?')}, {args.width}x{args.height}, {args.frames} frames")
        print(f"{'configuration':<26}{'p50 ms':>8}{'p95 ms':>8}   (read-back p50, not included)")
        for name, settings in configs:
            renderer.compositor.settings = settings
            if name.startswith("no garment"):
                render_ms, read_ms = _time_without_garment(renderer, args.frames)
            else:
                render_ms, read_ms = time_frames(renderer, args.frames)
            p50, p95 = np.percentile(render_ms, [50, 95])
            print(f"{name:<26}{p50:8.2f}{p95:8.2f}   ({np.median(read_ms):.2f})")
    finally:
        renderer.release()


def _time_without_garment(renderer: OffscreenRenderer, frames: int) -> tuple[np.ndarray, np.ndarray]:
    frame, body, _ = synthetic.person_scene(renderer.width, renderer.height)
    render_ms, read_ms = [], []
    for i in range(frames + 5):
        t0 = time.perf_counter()
        renderer.compositor.render(frame, body, None, renderer.fbo)
        renderer.ctx.finish()
        t1 = time.perf_counter()
        renderer.fbo.read(components=3, alignment=1)
        t2 = time.perf_counter()
        if i >= 5:
            render_ms.append((t1 - t0) * 1e3)
            read_ms.append((t2 - t1) * 1e3)
    return np.array(render_ms), np.array(read_ms)


if __name__ == "__main__":
    main()
