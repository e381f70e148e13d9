"""Training on the synthetic capture: the losses go down, checkpoints resume, logs and the plot are written."""

from __future__ import annotations

import numpy as np
import torch

from mirror_app.learn.train import TrainSettings, fit, read_losses
from tests.learn.conftest import STEPS, Trained


def test_losses_go_down(trained: Trained) -> None:
    curves = read_losses([trained.out / "logs" / "version_0" / "metrics.csv"])
    assert {"l1", "ssim", "adv", "smooth", "alpha", "critic", "total"} <= set(curves)
    for name in ("total", "l1", "ssim"):
        values = np.array([v for _s, v in curves[name]])
        first, last = values[:10].mean(), values[-10:].mean()
        assert last < 0.8 * first, f"{name}: {first:.4f} -> {last:.4f}"


def test_checkpoint_and_plot_are_written(trained: Trained) -> None:
    ckpt = torch.load(trained.checkpoint, map_location="cpu", weights_only=False)
    assert ckpt["global_step"] == 2 * STEPS  # two optimisers: generator and critic
    assert ckpt["hyper_parameters"]["garment_id"] == "synthetic-tee"
    assert (trained.out / "losses.png").stat().st_size > 10_000


def test_training_resumes_from_the_last_checkpoint(trained: Trained, tmp_path) -> None:
    import shutil

    out = tmp_path / "training"
    shutil.copytree(trained.out, out)
    before = torch.load(out / "checkpoints" / "last.ckpt", map_location="cpu", weights_only=False)
    _module, last = fit(trained.data, "synthetic-tee", out, TrainSettings(steps=STEPS + 5, batch=4), progress_bar=False)
    after = torch.load(last, map_location="cpu", weights_only=False)
    assert after["global_step"] == 2 * (STEPS + 5)  # continued, not restarted
    changed = [
        k
        for k, v in after["state_dict"].items()
        if k.startswith("refiner.") and not torch.equal(v, before["state_dict"][k])
    ]
    assert changed
    curves = read_losses(sorted((out / "logs").glob("version_*/metrics.csv")))
    steps = [s for s, _v in curves["total"]]
    assert steps == sorted(steps) and steps[0] == 0 and steps[-1] == STEPS + 4  # both runs' curves kept


def test_untrained_refiner_is_the_analytic_generator(trained: Trained) -> None:
    from mirror_app.learn.model import Refiner

    d = trained.data
    b = d.binding
    verts, shading, alpha = Refiner()(
        torch.from_numpy(d.landmarks[:3]),
        torch.from_numpy(d.world[:3]),
        torch.from_numpy(b.rest_vertices),
        torch.from_numpy(b.skin_weights),
        torch.from_numpy(b.rest_bones),
        torch.from_numpy(d.analytic[:3]),
    )
    np.testing.assert_allclose(verts.detach().numpy(), d.analytic[:3], atol=1e-4)
    np.testing.assert_allclose(shading.detach().numpy(), 1.0, atol=1e-6)
    assert float(alpha.detach().min()) > 0.98


def test_shake_term_measures_how_far_a_shaken_pose_moves_the_garment(trained: Trained) -> None:
    from mirror_app.learn.train import RefinerModule, TrainSettings

    module = RefinerModule.load_from_checkpoint(trained.checkpoint, map_location="cpu")
    d = trained.data
    batch = {
        "frame": torch.from_numpy(np.ascontiguousarray(d.frames[:4].transpose(0, 3, 1, 2))),
        "mask": torch.from_numpy(d.masks[:4, None].copy()),
        "landmarks": torch.from_numpy(d.landmarks[:4]),
        "world": torch.from_numpy(d.world[:4]),
        "base": torch.from_numpy(d.analytic[:4]),
        "box": torch.from_numpy(d.boxes[:4]),
    }
    torch.manual_seed(0)
    with torch.no_grad():
        trained_shake = float(module.losses(module.predict(batch))["shake"])
        module.settings = TrainSettings(w_stable=0.0)
        off = module.losses(module.predict(batch))
        module.settings = TrainSettings()
        last = module.refiner.vertex[-1]
        torch.nn.init.zeros_(last.weight)  # a refiner that ignores the pose: the analytic garment
        torch.nn.init.zeros_(last.bias)
        still_shake = float(module.losses(module.predict(batch))["shake"])
    assert trained_shake > 1e-4 and still_shake < 1e-7, (trained_shake, still_shake)
    assert float(off["shake"]) == 0.0 and "shake" in off
    curves = read_losses([trained.out / "logs" / "version_0" / "metrics.csv"])
    assert "shake" in curves, "logged with the other terms"


def test_shake_figure_tells_shake_from_motion() -> None:
    from mirror_app.learn.evaluate import jitter_px

    rng = np.random.default_rng(0)
    base = rng.uniform(0, 300, (50, 2))
    swing = {i: base + np.array([4.0 * i, 0.02 * i * i]) for i in range(20)}  # steady, accelerating motion
    shaky = {i: v + rng.normal(0, 1.0, v.shape) for i, v in swing.items()}
    assert jitter_px(swing) < 0.05
    assert 1.5 < jitter_px(shaky) < 3.5  # |n1 - 2 n2 + n3| of unit noise: about 2.4 px median in 2D
    gaps = {i: v for i, v in shaky.items() if i % 2 == 0}  # never three consecutive frames
    assert np.isnan(jitter_px(gaps))
