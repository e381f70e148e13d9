"""Everything the catalog knows about one garment, as the generator and compositor use it."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

CATEGORIES = ("t-shirt", "long-sleeve", "tank", "dress", "outerwear")

# Anchor names, in texture pixels of the front image. "left"/"right" are the wearer's sides, so in a
# front product photo the wearer's left is on the image's right.
TORSO_ANCHORS = (
    "neck",
    "left_shoulder",
    "right_shoulder",
    "left_armpit",
    "right_armpit",
    "left_waist",
    "right_waist",
    "left_hem",
    "right_hem",
)
SLEEVE_ANCHORS = ("left_cuff", "right_cuff", "left_elbow", "right_elbow")


@dataclass(frozen=True, slots=True)
class Size:
    """One size of a garment with its chart in centimetres."""

    label: str
    chest_cm: float | None = None
    length_cm: float | None = None


@dataclass(frozen=True, slots=True)
class Garment:
    """A garment ready to wear: RGBA texture(s) and named anchors in texture pixels."""

    id: str
    name: str
    category: str
    rgba: np.ndarray  # (H, W, 4) uint8, straight (non-premultiplied) alpha
    anchors: dict[str, tuple[float, float]]
    back_rgba: np.ndarray | None = None
    sizes: tuple[Size, ...] = ()
    sku: str | None = None
    price: str | None = None
    thumbnail: np.ndarray | None = None  # (h, w, 4) uint8 for the garment strip
    extras: dict[str, str] = field(default_factory=dict)
    # (H, W) uint8 coverage, the front image's size: where the front shows the inside of the back through the
    # neck opening (it lies behind the wearer: the compositor lets their neck and chest show there)
    inside: np.ndarray | None = None

    @property
    def has_sleeves(self) -> bool:
        """Whether the garment has sleeves the arms should carry."""
        return "left_cuff" in self.anchors and "right_cuff" in self.anchors

    @property
    def long_sleeves(self) -> bool:
        """Whether the sleeves reach past the elbow (they then bend with the forearm)."""
        return "left_elbow" in self.anchors and "right_elbow" in self.anchors
