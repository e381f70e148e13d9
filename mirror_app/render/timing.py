"""Per-frame compositor cost at 1280x720 with each effect on and off: `python -m mirror_app.render.timing`.

Two hosts, interleaved frame by frame so both see the same machine load: the full-frame path
(Compositor.render into a framebuffer, as the Qt window draws; GPU work finished, read-back listed apart)
and the headless host (OffscreenRenderer.render: only the garment's box through GL, read back and pasted
into a CPU copy of the frame; everything included, as the pipeline's "render" stage times it).
"""

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

EFFECTS = ("light", "folds", "shadows", "occlusion", "hair")


def effect_configs() -> list[tuple[str, CompositorSettings]]:
    """The settings a cost table goes through: all effects on, each one off in turn, all off."""
    configs = [("all effects on", CompositorSettings())]
    configs += [(f"{name} off", dataclasses.replace(CompositorSettings(), **{name: False})) for name in EFFECTS]
    configs.append(("all effects off", CompositorSettings(**{name: False for name in EFFECTS})))
    return configs


def time_frames(renderer: OffscreenRenderer, frames: int, warmup: int = 5) -> tuple[np.ndarray, ...]:
    """Milliseconds per frame: full-frame compositing (GPU work finished), its read-back, and the headless
    host's whole render() (region path)."""
    frame, body, rect = synthetic.person_scene(renderer.width, renderer.height)
    garment, mesh = synthetic.tshirt()
    renderer.preload(garment, mesh)
    rng = np.random.default_rng(0)
    fits = []
    for _ in range(warmup + frames):
        # Jitter the fit a little every frame, as a live generator would.
        dx, dy = rng.normal(0.0, 2.0, 2)
        fits.append(synthetic.rect_fit(mesh, (rect[0] + dx, rect[1] + dy, rect[2] + dx, rect[3] + dy), bulge=0.5))
    return _time(renderer, frame, body, fits, warmup)


def _time(renderer: OffscreenRenderer, frame: np.ndarray, body, fits: list, warmup: int) -> tuple[np.ndarray, ...]:
    comp = renderer.compositor
    render_ms, read_ms, region_ms = [], [], []
    for i, fit in enumerate(fits):
        with renderer.ctx:
            t0 = time.perf_counter()
            comp.render(frame, body, fit, renderer.fbo)
            renderer.ctx.finish()
            t1 = time.perf_counter()
            renderer.fbo.read(components=3, alignment=1)
            t2 = time.perf_counter()
        renderer.render(frame, body, fit)
        t3 = time.perf_counter()
        if i >= warmup:
            render_ms.append((t1 - t0) * 1e3)
            read_ms.append((t2 - t1) * 1e3)
            region_ms.append((t3 - t2) * 1e3)
    return np.array(render_ms), np.array(read_ms), np.array(region_ms)


def main(argv: list[str] | None = None) -> None:
    """Print p50/p95 per configuration: all effects on, each one off, all off."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--frames", type=int, default=100)
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=720)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    configs = [*effect_configs(), ("no garment (frame only)", CompositorSettings())]
    renderer = OffscreenRenderer(args.width, args.height)
    try:
        print(f"{renderer.ctx.info.get('GL_RENDERER', '?')}, {args.width}x{args.height}, {args.frames} frames")
        print(f"{'':<26}{'full frame (Qt host)':>24}{'headless (region)':>18}")
        print(f"{'configuration':<26}{'p50 ms':>8}{'p95 ms':>8}{'read':>8}{'p50 ms':>10}{'p95 ms':>8}")
        for name, settings in configs:
            renderer.compositor.settings = settings
            if name.startswith("no garment"):
                render_ms, read_ms, region_ms = _time_without_garment(renderer, args.frames)
            else:
                render_ms, read_ms, region_ms = time_frames(renderer, args.frames)
            p50, p95 = np.percentile(render_ms, [50, 95])
            r50, r95 = np.percentile(region_ms, [50, 95])
            print(f"{name:<26}{p50:8.2f}{p95:8.2f}{np.median(read_ms):8.2f}{r50:10.2f}{r95:8.2f}")
    finally:
        renderer.release()


def _time_without_garment(renderer: OffscreenRenderer, frames: int) -> tuple[np.ndarray, ...]:
    frame, body, _ = synthetic.person_scene(renderer.width, renderer.height)
    return _time(renderer, frame, body, [None] * (frames + 5), 5)


if __name__ == "__main__":
    main()
