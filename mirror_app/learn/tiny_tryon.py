"""A small randomly initialised network of the full-image contract's shape (torch), to test and time the path."""

from __future__ import annotations

import io
import warnings

import torch
from torch import nn


class TinyTryOn(nn.Module):
    """Encoder-decoder over person + garment + mask; the output is the person crop plus a learned residual."""

    def __init__(self, width: int = 16) -> None:
        super().__init__()
        self.down = nn.Sequential(
            nn.Conv2d(7, width, 3, stride=2, padding=1),
            nn.ReLU(),
            nn.Conv2d(width, width * 2, 3, stride=2, padding=1),
            nn.ReLU(),
        )
        self.up = nn.Sequential(
            nn.Upsample(scale_factor=2, mode="bilinear"),
            nn.Conv2d(width * 2, width, 3, padding=1),
            nn.ReLU(),
            nn.Upsample(scale_factor=2, mode="bilinear"),
            nn.Conv2d(width, 3, 3, padding=1),
        )

    def forward(self, person: torch.Tensor, garment: torch.Tensor, garment_mask: torch.Tensor) -> torch.Tensor:
        x = torch.cat([person, garment, garment_mask], dim=1)
        return torch.clamp(person + 0.3 * torch.tanh(self.up(self.down(x))), -1.0, 1.0)


def tiny_tryon_onnx(height: int = 256, width: int = 192, seed: int = 0) -> bytes:
    """The random network exported as ONNX bytes, honouring the full-image contract."""
    torch.manual_seed(seed)
    net = TinyTryOn().eval()
    args = (torch.zeros(1, 3, height, width), torch.zeros(1, 3, height, width), torch.zeros(1, 1, height, width))
    buf = io.BytesIO()
    with warnings.catch_warnings():  # the TorchScript exporter is deprecated but is the one ORT-ready here
        warnings.simplefilter("ignore", DeprecationWarning)
        torch.onnx.export(
            net,
            args,
            buf,  # type: ignore[arg-type]  # a BytesIO works; the stub names only paths
            opset_version=17,
            dynamo=False,
            input_names=["person", "garment", "garment_mask"],
            output_names=["tryon"],
        )
    return buf.getvalue()
