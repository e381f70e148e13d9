"""Self-supervised training of the refiner with PyTorch Lightning (one GPU, several with DDP, or the CPU).

The garment's look in a few reference frames (its albedo in garment space) is the input; the same garment
in the other training frames is the target. Losses: masked photometric L1 and SSIM between the predicted
garment (albedo x shading at the refined vertices) and the frame sampled there, an alpha that learns where
the person really is, smoothness of the offsets and shading, and a PatchGAN adversarial term for realism.
"""

from __future__ import annotations

import csv
import logging
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, cast

import lightning as L
import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset

from mirror_app.learn.dataset import CaptureData, MeshGrid
from mirror_app.learn.losses import (
    GarmentSpace,
    PatchDiscriminator,
    masked_l1,
    masked_ssim,
    smoothness,
)
from mirror_app.learn.model import Refiner

log = logging.getLogger(__name__)
REFERENCE_FRAMES = 16
CHECKPOINT_EVERY = 250  # batches


@dataclass
class TrainSettings:
    """Knobs of a training run (saved in every checkpoint)."""

    steps: int = 1500
    batch: int = 8
    lr: float = 2e-3
    w_ssim: float = 0.5
    w_alpha: float = 0.1
    w_smooth: float = 20.0
    w_offset: float = 0.5
    w_adv: float = 0.02
    w_stable: float = 3.0  # shake: how far the refined vertices move when the pose input shakes (see predict)
    stable_noise: float = 0.01  # that shake: landmark noise in torso lengths (and metres for world landmarks)
    code: int = 16
    hidden: int = 32
    seed: int = 0


class FrameSet(Dataset[dict[str, torch.Tensor]]):
    """The chosen frames of a capture as tensors (uint8 images stay uint8 until the batch is on its device)."""

    def __init__(self, data: CaptureData, indices: np.ndarray) -> None:
        self.data = data
        self.indices = indices

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, k: int) -> dict[str, torch.Tensor]:
        i = int(self.indices[k])
        d = self.data
        return {
            "frame": torch.from_numpy(np.ascontiguousarray(d.frames[i].transpose(2, 0, 1))),
            "mask": torch.from_numpy(d.masks[i][None].copy()),
            "landmarks": torch.from_numpy(d.landmarks[i]),
            "world": torch.from_numpy(d.world[i]),
            "base": torch.from_numpy(d.analytic[i]),
            "box": torch.from_numpy(d.boxes[i]),
        }


def reference_albedo(data: CaptureData, train: np.ndarray, count: int = REFERENCE_FRAMES) -> np.ndarray:
    """The garment's look in garment space: per-pixel median over a few training frames at the analytic fit."""
    space = GarmentSpace(data.grid)
    n = data.binding.mesh_size
    picks = train[np.linspace(0, len(train) - 1, min(count, len(train))).round().astype(int)]
    with torch.no_grad():
        frames = torch.from_numpy(data.frames[picks].transpose(0, 3, 1, 2).copy()).float() / 255.0
        pos = space.dense(torch.from_numpy(data.analytic[picks, :n]))
        looks = GarmentSpace.sample(frames, pos, torch.from_numpy(data.boxes[picks]))
    return looks.median(dim=0).values.numpy()  # (3, H, W)


class RefinerModule(L.LightningModule):
    """The refiner and its discriminator, trained together (manual optimisation: two optimisers)."""

    rest_vertices: torch.Tensor
    skin_weights: torch.Tensor
    rest_bones: torch.Tensor
    grid_cell: torch.Tensor
    grid_valid: torch.Tensor
    albedo: torch.Tensor

    def __init__(
        self,
        settings: dict[str, Any],
        garment_id: str,
        frame_size: tuple[int, int],
        grid_shape: tuple[int, int],
        mesh_size: int,
        vertex_count: int,
    ) -> None:
        super().__init__()
        self.save_hyperparameters()
        self.automatic_optimization = False
        self.settings = TrainSettings(**settings)
        self.frame_size = (int(frame_size[0]), int(frame_size[1]))
        self.mesh_size = mesh_size
        self.refiner = Refiner(self.settings.code, self.settings.hidden)
        self.critic = PatchDiscriminator()
        rows, cols = grid_shape
        # Garment data travel in the checkpoint, so export and resume need nothing else.
        self.register_buffer("rest_vertices", torch.zeros(vertex_count, 2))
        self.register_buffer("skin_weights", torch.zeros(vertex_count, 9))
        self.register_buffer("rest_bones", torch.zeros(9, 3, 2))
        self.register_buffer("grid_cell", torch.zeros(mesh_size, dtype=torch.long))
        self.register_buffer("grid_valid", torch.zeros(rows, cols, dtype=torch.bool))
        self.register_buffer("albedo", torch.zeros(3, (rows - 1) * 2 + 1, (cols - 1) * 2 + 1))
        self._space: GarmentSpace | None = None

    @classmethod
    def for_data(cls, data: CaptureData, garment_id: str, settings: TrainSettings, albedo: np.ndarray) -> RefinerModule:
        """A fresh module holding this capture's garment data."""
        b = data.binding
        module = cls(asdict(settings), garment_id, data.frame_size, data.grid.shape, b.mesh_size, len(b.rest_vertices))
        module.rest_vertices.copy_(torch.from_numpy(b.rest_vertices))
        module.skin_weights.copy_(torch.from_numpy(b.skin_weights))
        module.rest_bones.copy_(torch.from_numpy(b.rest_bones))
        module.grid_cell.copy_(torch.from_numpy(data.grid.cell))
        module.grid_valid.copy_(torch.from_numpy(data.grid.valid))
        module.albedo.copy_(torch.from_numpy(albedo))
        return module

    @property
    def space(self) -> GarmentSpace:
        """Garment-space helper built from the buffers (after they are loaded and moved to the device)."""
        if self._space is None or self._space.cell.device != self.grid_cell.device:
            grid = MeshGrid(tuple(self.grid_valid.shape), self.grid_cell.cpu().numpy(), self.grid_valid.cpu().numpy())  # type: ignore[arg-type]
            self._space = GarmentSpace(grid).to(self.grid_cell.device)
        return self._space

    def predict(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """Refined fit and the garment-space images the losses compare."""
        s, n = self.space, self.mesh_size
        verts, shading, alpha = self.refiner(
            batch["landmarks"], batch["world"], self.rest_vertices, self.skin_weights, self.rest_bones, batch["base"]
        )
        frame = batch["frame"].float() / 255.0
        mask = batch["mask"].float() / 255.0
        pos = s.dense(verts[:, :n])
        base_pos = s.dense(batch["base"][:, :n])
        with torch.no_grad():
            weight = s.valid * GarmentSpace.sample(mask, base_pos, batch["box"])
        seen = GarmentSpace.sample(frame, pos, batch["box"])
        shade = s.dense(shading[:, :n, None])
        made = self.albedo[None] * shade
        origin, _down, _across, length = Refiner.torso_frame(batch["landmarks"])
        offset = (pos - base_pos) / length[:, :, None, None]
        # Temporal stability without pairs of frames: the same frame with its pose input shaken as a tracker
        # shakes it (~3 px on a 300 px torso) must give nearly the same garment. Without this term the learned
        # vertices shook more from frame to frame than the analytic ones.
        shake = torch.zeros((), device=verts.device)
        if self.settings.w_stable > 0.0:
            noise = self.settings.stable_noise
            landmarks = batch["landmarks"].clone()
            landmarks[..., :2] += torch.randn_like(landmarks[..., :2]) * noise * length[:, :, None]
            world = batch["world"] + torch.randn_like(batch["world"]) * noise
            shaken, shaken_shading, _ = self.refiner(
                landmarks, world, self.rest_vertices, self.skin_weights, self.rest_bones, batch["base"]
            )
            moved = (shaken[:, :n] - verts[:, :n]).norm(dim=-1) / length
            shake = (
                moved.mean() + (torch.log(shaken_shading[:, :n] + 1e-6) - torch.log(shading[:, :n] + 1e-6)).abs().mean()
            )
        return {
            "shake": shake,
            "made": made,
            "seen": seen,
            "weight": weight,
            "alpha": s.dense(alpha[:, :n, None]),
            "mask_at": GarmentSpace.sample(mask, pos, batch["box"]),
            "offset": offset,
            "shade": shade,
        }

    def losses(self, out: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """Every generator loss term, and their weighted total."""
        st, valid = self.settings, self.space.valid
        terms = {
            "l1": masked_l1(out["made"], out["seen"], out["weight"]),
            "ssim": 1.0 - masked_ssim(out["made"], out["seen"], out["weight"]),
            "alpha": (
                torch.nn.functional.binary_cross_entropy(
                    out["alpha"].clamp(1e-4, 1 - 1e-4), out["mask_at"].detach().clamp(0, 1), reduction="none"
                )
                * valid
            ).sum()
            / (valid.sum() * out["alpha"].shape[0] + 1e-6),
            "smooth": smoothness(out["offset"], valid) + smoothness(torch.log(out["shade"] + 1e-6), valid),
            "offset": ((out["offset"] ** 2) * valid).sum() / (valid.sum() * out["offset"].shape[0] + 1e-6),
            "shake": out["shake"],
        }
        fake = self.critic(out["made"], out["weight"])
        terms["adv"] = ((fake - 1.0) ** 2).mean()
        terms["total"] = (
            terms["l1"]
            + st.w_ssim * terms["ssim"]
            + st.w_alpha * terms["alpha"]
            + st.w_smooth * terms["smooth"]
            + st.w_offset * terms["offset"]
            + st.w_adv * terms["adv"]
            + st.w_stable * terms["shake"]
        )
        return terms

    def training_step(self, batch: dict[str, torch.Tensor], batch_idx: int) -> None:
        opt_g, opt_d = self.optimizers()  # type: ignore[attr-defined]
        out = self.predict(batch)
        terms = self.losses(out)
        opt_g.zero_grad()
        self.manual_backward(terms["total"])
        self.clip_gradients(cast(torch.optim.Optimizer, opt_g), gradient_clip_val=1.0, gradient_clip_algorithm="norm")
        opt_g.step()
        real = self.critic(out["seen"].detach(), out["weight"])
        fake = self.critic(out["made"].detach(), out["weight"])
        d_loss = 0.5 * (((real - 1.0) ** 2).mean() + (fake**2).mean())
        opt_d.zero_grad()
        self.manual_backward(d_loss)
        # The critic is the unstable half of a GAN: a clipped step keeps one bad batch from blowing it up.
        self.clip_gradients(cast(torch.optim.Optimizer, opt_d), gradient_clip_val=1.0, gradient_clip_algorithm="norm")
        opt_d.step()
        logged = {f"loss/{k}": v.detach() for k, v in terms.items()} | {"loss/critic": d_loss.detach()}
        self.log_dict(logged, prog_bar=False, on_step=True, batch_size=batch["frame"].shape[0], sync_dist=False)
        self.log("total", terms["total"].detach(), prog_bar=True, on_step=True, batch_size=batch["frame"].shape[0])

    def configure_optimizers(self) -> Any:
        st = self.settings
        return (
            torch.optim.Adam(self.refiner.parameters(), lr=st.lr),
            torch.optim.Adam(self.critic.parameters(), lr=st.lr * 0.5, betas=(0.5, 0.999)),
        )


def fit(
    data: CaptureData,
    garment_id: str,
    out: Path,
    settings: TrainSettings,
    resume: bool = True,
    progress_bar: bool = True,
    devices: str | int = "auto",
    accelerator: str = "auto",
) -> tuple[RefinerModule, Path]:
    """Train on the capture's training split; checkpoints in out/checkpoints (last.ckpt resumes), CSV logs, a plot."""
    from lightning.pytorch.callbacks import ModelCheckpoint
    from lightning.pytorch.loggers import CSVLogger

    L.seed_everything(settings.seed, verbose=False)
    # The refiner starts at exactly the analytic fit: its first gradients and Adam's second moments are tiny
    # enough to be denormal floats, which made the first steps on CPU 50x slower.
    torch.set_flush_denormal(True)
    train, _held = data.split()
    if len(train) < 2:
        raise ValueError(f"capture has {len(train)} usable training frames: record a longer session")
    albedo = reference_albedo(data, train)
    module = RefinerModule.for_data(data, garment_id, settings, albedo)
    loader = DataLoader(
        FrameSet(data, train), batch_size=min(settings.batch, len(train)), shuffle=True, drop_last=True, num_workers=0
    )
    ckpt_dir = out / "checkpoints"
    last = ckpt_dir / "last.ckpt"
    checkpoint = ModelCheckpoint(dirpath=ckpt_dir, save_last=True, every_n_train_steps=2 * CHECKPOINT_EVERY)
    trainer = L.Trainer(
        max_steps=settings.steps * 2,  # with manual optimisation each optimiser's step counts: two per batch
        max_epochs=-1,
        accelerator=accelerator,
        devices=devices,
        logger=CSVLogger(str(out), name="logs"),  # a new version per run: a resumed run keeps the old curves
        callbacks=[checkpoint],
        enable_progress_bar=progress_bar,
        enable_model_summary=False,
        log_every_n_steps=1,
        num_sanity_val_steps=0,
    )
    with warnings.catch_warnings():
        # Checkpoints hold the state after the step, which is what resuming wants; Lightning warns regardless.
        warnings.filterwarnings("ignore", message=".*manual optimization and every_n_train_steps.*")
        warnings.filterwarnings("ignore", message=".*does not have many workers.*")
        trainer.fit(module, loader, ckpt_path=str(last) if resume and last.exists() else None)
    if trainer.is_global_zero:
        trainer.save_checkpoint(last)
        plot_losses(sorted((out / "logs").glob("version_*/metrics.csv")), out / "losses.png")
    return module, last


def read_losses(metrics: list[Path]) -> dict[str, list[tuple[int, float]]]:
    """Loss curves from Lightning's CSV logs (a run and its resumptions): name -> [(batch, value)]."""
    curves: dict[str, list[tuple[int, float]]] = {}
    for path in metrics:
        with path.open() as f:
            for row in csv.DictReader(f):
                for key, value in row.items():
                    if key.startswith("loss/") and value:
                        curves.setdefault(key[5:], []).append((int(row["step"]), float(value)))
    return curves


def plot_losses(metrics_csv: list[Path], png: Path) -> None:
    """A PNG of every loss term over the steps (smoothed), so a person can see training at a glance."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    curves = read_losses(metrics_csv)
    fig, axes = plt.subplots(2, 4, figsize=(14, 6), constrained_layout=True)
    for ax, (name, points) in zip(axes.ravel(), sorted(curves.items()), strict=False):
        steps = np.array([p[0] for p in points])
        values = np.array([p[1] for p in points])
        ax.plot(steps, values, color="0.8", lw=0.8)
        k = max(1, len(values) // 50)
        if len(values) >= k:
            smooth = np.convolve(values, np.ones(k) / k, mode="valid")
            ax.plot(steps[k - 1 :], smooth, color="C0", lw=1.5)
        top = float(np.percentile(values, 99))
        ax.set_ylim(min(0.0, float(values.min())), top * 1.15 if top > 0 else 1.0)  # a rare spike must not flatten it
        ax.set_title(name)
        ax.set_xlabel("batch")
    for ax in axes.ravel()[len(curves) :]:
        ax.axis("off")
    fig.savefig(png, dpi=90)
    plt.close(fig)
