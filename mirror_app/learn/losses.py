"""Garment-space images and the training losses (torch): masked photometric L1 and SSIM, smoothness, PatchGAN.

A garment-space image samples something (the camera frame, the mask, the garment's albedo) at the mesh's
posed vertices, laid out on the regular grid the mesh was built on and refined `UPSAMPLE` times by bilinear
interpolation of the positions. Comparing images there needs no rasteriser and stays differentiable in the
vertex positions (through `grid_sample`).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from mirror_app.learn.dataset import MeshGrid

UPSAMPLE = 2
SSIM_WINDOW = 7
C1, C2 = 0.01**2, 0.03**2


class GarmentSpace(nn.Module):
    """Per-vertex values -> dense garment-space images, and frame sampling at posed vertices."""

    cell: torch.Tensor
    valid: torch.Tensor

    def __init__(self, grid: MeshGrid) -> None:
        super().__init__()
        rows, cols = grid.shape
        self.rows, self.cols = rows, cols
        self.register_buffer("cell", torch.as_tensor(grid.cell, dtype=torch.long), persistent=False)
        valid = torch.as_tensor(grid.valid, dtype=torch.float32)[None, None]
        dense_valid = self._up(valid)
        self.register_buffer("valid", (dense_valid > 0.999).float(), persistent=False)  # (1, 1, H, W)

    def _up(self, image: torch.Tensor) -> torch.Tensor:
        size = ((self.rows - 1) * UPSAMPLE + 1, (self.cols - 1) * UPSAMPLE + 1)
        return F.interpolate(image, size=size, mode="bilinear", align_corners=True)

    def dense(self, values: torch.Tensor) -> torch.Tensor:
        """(B, N_mesh, C) per-vertex values -> (B, C, H, W) on the dense grid (0 where no fabric)."""
        b, _n, ch = values.shape
        flat = values.new_zeros(b, ch, self.rows * self.cols)
        flat[:, :, self.cell] = values.transpose(1, 2)
        return self._up(flat.view(b, ch, self.rows, self.cols))

    @staticmethod
    def sample(image: torch.Tensor, positions: torch.Tensor, boxes: torch.Tensor) -> torch.Tensor:
        """Sample (B, C, S, S) crops (boxes (B, 3): left, top, side in frame px) at (B, 2, H, W) frame px; 0 outside."""
        origin = boxes[:, :2].view(-1, 2, 1, 1)
        side = boxes[:, 2].view(-1, 1, 1, 1)
        where = ((positions - origin) / side * 2.0 - 1.0).permute(0, 2, 3, 1)
        return F.grid_sample(image, where, mode="bilinear", padding_mode="zeros", align_corners=False)


def masked_l1(a: torch.Tensor, b: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """Mean absolute difference per channel inside the weight (B, 1, H, W)."""
    return ((a - b).abs() * weight).sum() / (weight.sum() * a.shape[1] + 1e-6)


def ssim_map(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Structural similarity per pixel (box window), channel-averaged: (B, 1, H, W)."""
    pad = SSIM_WINDOW // 2

    def blur(x: torch.Tensor) -> torch.Tensor:
        return F.avg_pool2d(F.pad(x, (pad, pad, pad, pad), mode="replicate"), SSIM_WINDOW, stride=1)

    mu_a, mu_b = blur(a), blur(b)
    var_a = blur(a * a) - mu_a * mu_a
    var_b = blur(b * b) - mu_b * mu_b
    cov = blur(a * b) - mu_a * mu_b
    num = (2 * mu_a * mu_b + C1) * (2 * cov + C2)
    den = (mu_a * mu_a + mu_b * mu_b + C1) * (var_a + var_b + C2)
    return (num / den).mean(dim=1, keepdim=True)


def masked_ssim(a: torch.Tensor, b: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """Mean SSIM inside the weight; outside it both images are set equal so the border does not count."""
    a = a * weight
    b = b * weight
    return (ssim_map(a, b) * weight).sum() / (weight.sum() + 1e-6)


def smoothness(field: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
    """Mean squared difference between grid neighbours that are both fabric: (B, C, H, W) field."""
    dx = (field[..., :, 1:] - field[..., :, :-1]) ** 2 * (valid[..., :, 1:] * valid[..., :, :-1])
    dy = (field[..., 1:, :] - field[..., :-1, :]) ** 2 * (valid[..., 1:, :] * valid[..., :-1, :])
    return (dx.sum() + dy.sum()) / (valid.sum() * field.shape[0] * field.shape[1] * 2 + 1e-6)


class PatchDiscriminator(nn.Module):
    """PatchGAN: real/fake scores for overlapping patches of a garment-space image (RGB + mask)."""

    def __init__(self, width: int = 32) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(4, width, 4, stride=2, padding=1),
            nn.LeakyReLU(0.2),
            nn.Conv2d(width, width * 2, 4, stride=2, padding=1),
            nn.LeakyReLU(0.2),
            nn.Conv2d(width * 2, 1, 3, padding=1),
        )

    def forward(self, image: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
        """Patch scores (LSGAN targets: 1 real, 0 fake)."""
        return self.net(torch.cat([image * weight, weight], dim=1))
