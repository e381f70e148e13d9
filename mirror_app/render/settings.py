"""Compositor switches and strengths, so staff and tests can turn each realism effect on or off."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class CompositorSettings:
    """What the compositor draws on top of the plain garment; read every frame, so edits apply live."""

    light: bool = True  # tint and dim the garment by the scene light estimated from the person
    light_reference: float = 0.5  # person-region mean luma (0..1) that counts as neutral light
    light_smoothing: float = 0.15  # EMA weight of the newest light estimate (1 = no smoothing)
    folds: bool = True  # carry the wearer's own folds (band-passed camera luma) onto the garment
    folds_strength: float = 0.6  # exponent on the luma ratio; 0 = flat, 1 = full transfer
    shadows: bool = True  # contact shadows outside the garment edge + darkening toward its own edges
    shadow_strength: float = 0.35  # darkening at the strongest point (0..1)
    occlusion: bool = True  # forearms/hands in front of the torso and the chin/head drawn over the garment
    hair: bool = True  # long hair falling over the shoulders drawn over the garment (render/hair.py)
    feather_px: float = 1.5  # width in screen pixels of the garment's anti-aliased edge
    mirror: bool = True  # flip the whole composite horizontally, as a mirror shows it
