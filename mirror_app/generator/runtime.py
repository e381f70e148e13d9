"""Running the generator model each frame: body + garment binding in, `Fit` out."""

from __future__ import annotations

import logging
import threading
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnxruntime as ort

from mirror_app.generator import contract
from mirror_app.generator.binding import GarmentBinding
from mirror_app.generator.build import DEFAULT_MODEL, build_model
from mirror_app.generator.fit import Fit
from mirror_app.generator.providers import PREFERENCE, ModelFileError, open_session
from mirror_app.tracking.body import Body

log = logging.getLogger(__name__)
OUTPUT_NAMES = [name for name, _ in contract.OUTPUTS]
LEARNED_SHADING = "shading"  # a learned generator's extra output: brightness per vertex (its creases), around 1
_UNMEASURED_TOPS = np.asarray(contract.UNMEASURED_TOPS, np.float32)
_UNMEASURED_ARMS = np.asarray(contract.UNMEASURED_ARMS, np.float32)
_UNMEASURED_FOREARMS = np.asarray(contract.UNMEASURED_FOREARMS, np.float32)
_UNMEASURED = {"shoulder_tops": _UNMEASURED_TOPS, "arm_reach": _UNMEASURED_ARMS, "forearm_widths": _UNMEASURED_FOREARMS}
"""What learned models are fed for the body measures their training captures lack (learn/dataset.py)."""


def input_names(session: ort.InferenceSession) -> frozenset[str]:
    """The inputs a model file declares: one built or exported before an optional contract input lacks it."""
    return frozenset(i.name for i in session.get_inputs())


def declared_feeds(feeds: dict[str, np.ndarray], inputs: Collection[str]) -> dict[str, np.ndarray]:
    """The contract feeds a model takes (`inputs`, its `input_names`): ONNX Runtime refuses any other."""
    return {k: v for k, v in feeds.items() if k in inputs}


def learned_feeds(feeds: dict[str, np.ndarray], inputs: Collection[str]) -> dict[str, np.ndarray]:
    """The contract feeds a learned model takes, with "unknown" for the body measures its training captures hold
    none of, as in training: its analytic part then sits the seams at the fixed lift and keeps the sleeves' own
    width."""
    return declared_feeds(feeds, inputs) | declared_feeds(_UNMEASURED, inputs)


@dataclass(frozen=True, slots=True)
class _Learned:
    """An opened learned model: its session, the inputs it takes and the outputs to ask it for."""

    session: ort.InferenceSession
    inputs: frozenset[str]  # one exported before an optional input existed lacks it
    outputs: list[str]  # the contract's, then its per-vertex shading when it has one


class GarmentGenerator:
    """The ONNX generator on the best execution provider, with a CPU fallback that never stops the mirror."""

    def __init__(
        self, model_path: Path | None = None, providers: tuple[str, ...] = PREFERENCE, fp16: bool = False
    ) -> None:
        self.notices: list[str] = []
        self.model_path = model_path or DEFAULT_MODEL
        self._model = self._load_bytes(self.model_path)
        self._providers = providers
        self._fp16 = fp16
        self._learned: dict[str, _Learned | None] = {}  # per learned model file; None: unusable
        self._learned_lock = threading.Lock()
        try:
            probe = open_session(self._model, providers, fp16)
        except ModelFileError as exc:  # a corrupt file: the mirror keeps dressing people with the built-in one
            self.notices.append(
                f"generator model {self.model_path} is unusable ({exc}); using the built-in analytic generator "
                "(rebuild the file with: mirror-app models build)"
            )
            self._model = build_model().SerializeToString()
            probe = open_session(self._model, providers, fp16)
        self._session = probe.session
        self._inputs = input_names(self._session)
        lacking = [name for name in contract.OPTIONAL_INPUTS if name not in self._inputs]
        if lacking:
            self.notices.append(
                f"generator model {self.model_path} predates the inputs {', '.join(lacking)}: garments are drawn "
                "without them (rebuild the file with: mirror-app models build)"
            )
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
        self._inputs = input_names(self._session)
        self.provider = "CPU"
        self._providers = ("CPUExecutionProvider",)
        self._learned.clear()

    def learned_session(self, model: str | Path) -> ort.InferenceSession | None:
        """The session of a garment's learned model (opened once); None, with a notice, when it is unusable."""
        learned = self._opened(str(model))
        return learned.session if learned is not None else None

    def _opened(self, key: str) -> _Learned | None:
        """The learned model in file `key`, opened and checked against the contract on first use."""
        with self._learned_lock:  # a loading thread may be opening it right now
            if key not in self._learned:
                self._learned[key] = self._open_learned(key)
            return self._learned[key]

    def _open_learned(self, key: str) -> _Learned | None:
        try:
            session = open_session(Path(key).read_bytes(), self._providers, self._fp16).session
            inputs = sorted(input_names(session))
            outputs = {o.name for o in session.get_outputs()}
            required = sorted(n for n, _ in contract.INPUTS if n not in contract.OPTIONAL_INPUTS)
            if sorted(set(inputs) - set(contract.OPTIONAL_INPUTS)) != required or not set(OUTPUT_NAMES) <= outputs:
                raise ValueError(f"inputs {inputs} / outputs {sorted(outputs)} break the generator contract")
        except Exception as exc:  # noqa: BLE001 - a bad learned model must leave the analytic one working
            fix = " (export it again with: mirror-app export)" if isinstance(exc, ModelFileError) else ""
            notice = f"learned generator {key} is unusable ({exc}){fix}; using the analytic generator for it"
            log.warning(notice)
            self.notices.append(notice)
            return None
        shading = [LEARNED_SHADING] if LEARNED_SHADING in outputs else []
        return _Learned(session, frozenset(inputs), OUTPUT_NAMES + shading)

    def _run(self, model: str | Path | None, feeds: dict[str, np.ndarray]) -> list[np.ndarray]:
        """The contract's outputs, then the learned model's per-vertex shading when it has one."""
        learned = self._opened(str(model)) if model else None
        if learned is not None:
            outputs: list[np.ndarray] = learned.session.run(learned.outputs, learned_feeds(feeds, learned.inputs))
            return outputs
        outputs = self._session.run(OUTPUT_NAMES, declared_feeds(feeds, self._inputs))
        return outputs

    def open_learned(self, models: Iterable[str | Path]) -> None:
        """Open these learned models now (a catalog's, on a loading thread), not on the first frame that wears one."""
        for model in models:
            self.learned_session(model)

    def fit(
        self,
        body: Body,
        binding: GarmentBinding,
        silhouette: np.ndarray,
        model: str | Path | None = None,
        shoulder_tops: np.ndarray | None = None,
        arm_reach: np.ndarray | None = None,
        forearm_widths: np.ndarray | None = None,
    ) -> Fit:
        """Pose the garment on the body for this frame: with the garment's learned model when it names one.

        `silhouette`, `shoulder_tops`, `arm_reach` and `forearm_widths` are the contract's inputs of those names
        (tracking/silhouette.py); without shoulder tops the seams sit a fixed height above the shoulder joints,
        without arm reach or forearm widths the sleeves keep the garment's own width."""
        tops = _UNMEASURED_TOPS if shoulder_tops is None else shoulder_tops
        arms = _UNMEASURED_ARMS if arm_reach is None else arm_reach
        forearms = _UNMEASURED_FOREARMS if forearm_widths is None else forearm_widths
        feeds = {
            "landmarks": np.ascontiguousarray(body.landmarks_px, dtype=np.float32),
            "world": np.ascontiguousarray(body.world, dtype=np.float32),
            "silhouette": np.ascontiguousarray(silhouette, dtype=np.float32),
            "rest_vertices": binding.rest_vertices,
            "skin_weights": binding.skin_weights,
            "rest_bones": binding.rest_bones,
            "garment_params": binding.params,
            "shoulder_tops": np.ascontiguousarray(tops, dtype=np.float32),
            "arm_reach": np.ascontiguousarray(arms, dtype=np.float32),
            "sleeve_halves": binding.sleeve_halves,
            "forearm_widths": np.ascontiguousarray(forearms, dtype=np.float32),
            "cuff_widths": binding.cuff_widths,
        }
        try:
            vertices, depth, opacity, back, *shading = self._run(model, feeds)
        except Exception as exc:  # noqa: BLE001 - a GPU provider dying must not stop the mirror
            if self.provider == "CPU":
                raise
            self._fallback_to_cpu(exc)
            vertices, depth, opacity, back, *shading = self._run(model, feeds)
        n = binding.mesh_size
        anchors = {name: (float(x), float(y)) for name, (x, y) in zip(binding.anchor_names, vertices[n:], strict=True)}
        return Fit(
            mesh=binding.mesh,
            vertices_px=vertices[:n],
            depth=depth[:n],
            opacity=float(opacity[0]),
            back_view=bool(back[0] > 0.5),
            anchors_px=anchors,
            shading=shading[0][:n] if shading else None,
        )
