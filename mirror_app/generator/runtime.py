"""Running the generator model each frame: body + garment binding in, `Fit` out."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from mirror_app.generator.binding import GarmentBinding
from mirror_app.generator.build import DEFAULT_MODEL, build_model
from mirror_app.generator.fit import Fit
from mirror_app.generator.providers import PREFERENCE, open_session
from mirror_app.tracking.body import Body

log = logging.getLogger(__name__)


class GarmentGenerator:
    """The ONNX generator on the best execution provider, with a CPU fallback that never stops the mirror."""

    def __init__(
        self, model_path: Path | None = None, providers: tuple[str, ...] = PREFERENCE, fp16: bool = False
    ) -> None:
        self.notices: list[str] = []
        self.model_path = model_path or DEFAULT_MODEL
        self._model = self._load_bytes(self.model_path)
        probe = open_session(self._model, providers, fp16)
        self._session = probe.session
        self.provider = probe.provider
        self.notices.extend(probe.notices)
        for notice in self.notices:
            log.info(notice)  # the CLI and the window show notices to the user

    def _load_bytes(self, path: Path) -> bytes:
        """The model file, or the analytic model rebuilt in memory when the file is missing or unreadable."""
        try:
            data = path.read_bytes()
            if data:
                return data
            problem = "is empty"
        except OSError as exc:
            problem = f"cannot be read ({exc.strerror or exc})"
        self.notices.append(
            f"generator model {path} {problem}: using the built-in analytic generator "
            "(rebuild the file with: mirror-app models build)"
        )
        return build_model().SerializeToString()

    def _fallback_to_cpu(self, exc: Exception) -> None:
        notice = f"{self.provider} generator failed at run time ({exc}); falling back to CPU"
        log.warning(notice)
        self.notices.append(notice)
        self._session = open_session(self._model, ("CPUExecutionProvider",)).session
        self.provider = "CPU"

    def fit(self, body: Body, binding: GarmentBinding, silhouette: np.ndarray) -> Fit:
        """Pose the garment on the body for this frame."""
        feeds = {
            "landmarks": np.ascontiguousarray(body.landmarks_px, dtype=np.float32),
            "world": np.ascontiguousarray(body.world, dtype=np.float32),
            "silhouette": np.ascontiguousarray(silhouette, dtype=np.float32),
            "rest_vertices": binding.rest_vertices,
            "skin_weights": binding.skin_weights,
            "rest_bones": binding.rest_bones,
            "garment_params": binding.params,
        }
        try:
            vertices, depth, opacity, back = self._session.run(None, feeds)
        except Exception as exc:  # noqa: BLE001 - a GPU provider dying must not stop the mirror
            if self.provider == "CPU":
                raise
            self._fallback_to_cpu(exc)
            vertices, depth, opacity, back = self._session.run(None, feeds)
        n = binding.mesh_size
        anchors = {name: (float(x), float(y)) for name, (x, y) in zip(binding.anchor_names, vertices[n:], strict=True)}
        return Fit(
            mesh=binding.mesh,
            vertices_px=vertices[:n],
            depth=depth[:n],
            opacity=float(opacity[0]),
            back_view=bool(back[0] > 0.5),
            anchors_px=anchors,
        )
