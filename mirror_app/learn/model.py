"""The learned refinement of the analytic warp (torch): pose-conditioned per-vertex offsets, shading and alpha.

A pose encoder turns the body, expressed in its own torso frame, into a short code; a per-vertex network
reads that code with the vertex's rest position and skin weights and returns an offset (in torso frame
units), a shading factor and an alpha. The last layer starts at zero, so an untrained model is exactly the
analytic generator. Works for any vertex count, like the contract.
"""

from __future__ import annotations

import torch
from torch import nn

from mirror_app.generator import contract as c
from mirror_app.tracking import body as lm

JOINTS = (
    lm.NOSE,
    lm.LEFT_SHOULDER,
    lm.RIGHT_SHOULDER,
    lm.LEFT_ELBOW,
    lm.RIGHT_ELBOW,
    lm.LEFT_WRIST,
    lm.RIGHT_WRIST,
    lm.LEFT_HIP,
    lm.RIGHT_HIP,
)
POSE_FEATURES = len(JOINTS) * 6  # torso-frame x, y, visibility, world x, y, z, per joint
MAX_OFFSET = 0.15  # torso lengths
MAX_SHADING_LOG = 0.5


class Refiner(nn.Module):
    """Analytic vertices + pose -> refined vertices, per-vertex shading and alpha (batched: leading B)."""

    def __init__(self, code: int = 16, hidden: int = 32) -> None:
        super().__init__()
        self.pose = nn.Sequential(nn.Linear(POSE_FEATURES, 64), nn.SiLU(), nn.Linear(64, code), nn.SiLU())
        self.vertex = nn.Sequential(
            nn.Linear(code + 2 + c.NUM_BONES, hidden),
            nn.SiLU(),
            nn.Linear(hidden, hidden),
            nn.SiLU(),
            nn.Linear(hidden, 4),
        )
        last = self.vertex[-1]
        assert isinstance(last, nn.Linear)
        nn.init.zeros_(last.weight)
        nn.init.zeros_(last.bias)

    @staticmethod
    def torso_frame(landmarks: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """Mid-shoulders (B, 2), down and across unit vectors (B, 2), torso length (B, 1)."""
        xy = landmarks[..., :2]
        shoulders = (xy[:, lm.LEFT_SHOULDER] + xy[:, lm.RIGHT_SHOULDER]) * 0.5
        hips = (xy[:, lm.LEFT_HIP] + xy[:, lm.RIGHT_HIP]) * 0.5
        axis = hips - shoulders
        length = torch.sqrt((axis * axis).sum(-1, keepdim=True) + 1e-6)
        down = axis / length
        across = torch.stack([down[:, 1], -down[:, 0]], dim=-1)
        return shoulders, down, across, length

    def features(self, landmarks: torch.Tensor, world: torch.Tensor) -> torch.Tensor:
        """The pose in the body's own frame: translation, scale and in-plane rotation removed."""
        origin, down, across, length = self.torso_frame(landmarks)
        joints = list(JOINTS)
        rel = landmarks[:, joints, :2] - origin[:, None, :]
        fx = (rel * across[:, None, :]).sum(-1) / length
        fy = (rel * down[:, None, :]).sum(-1) / length
        vis = landmarks[:, joints, 2]
        w = world[:, joints, :]
        return torch.cat([fx, fy, vis, w.reshape(w.shape[0], -1)], dim=-1)

    def forward(
        self,
        landmarks: torch.Tensor,  # (B, 33, 3)
        world: torch.Tensor,  # (B, 33, 3)
        rest_vertices: torch.Tensor,  # (N, 2)
        skin_weights: torch.Tensor,  # (N, 9)
        rest_bones: torch.Tensor,  # (9, 3, 2)
        base_vertices: torch.Tensor,  # (B, N, 2) the analytic generator's output
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Refined vertices (B, N, 2), shading (B, N) around 1 and alpha (B, N) in 0..1."""
        _origin, down, across, length = self.torso_frame(landmarks)
        code = self.pose(self.features(landmarks, world))  # (B, code)
        rest_origin = rest_bones[c.SHOULDER, 0]
        rest_len = rest_bones[c.HIP, 0, 1] - rest_bones[c.SHOULDER, 0, 1]
        place = (rest_vertices - rest_origin) / rest_len  # (N, 2)
        per_vertex = torch.cat([place, skin_weights], dim=-1)  # (N, 11)
        n = per_vertex.shape[0]
        b = code.shape[0]
        joined = torch.cat([code[:, None, :].expand(b, n, code.shape[1]), per_vertex[None].expand(b, n, 11)], -1)
        out = self.vertex(joined)  # (B, N, 4)
        offset = torch.tanh(out[..., :2]) * MAX_OFFSET * length[:, None, :]
        shift = offset[..., :1] * across[:, None, :] + offset[..., 1:2] * down[:, None, :]
        shading = torch.exp(torch.tanh(out[..., 2]) * MAX_SHADING_LOG)
        alpha = torch.sigmoid(out[..., 3] + 4.0)
        return base_vertices + shift, shading, alpha
