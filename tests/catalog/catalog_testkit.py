"""Builders for small synthetic catalogs, so loader tests never depend on the shipped assets."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import cv2
import numpy as np
import tomli_w

IMAGE_W, IMAGE_H = 60, 80


def synthetic_rgba(width: int = IMAGE_W, height: int = IMAGE_H) -> np.ndarray:
    """A tiny 'garment': opaque red-ish trapezoid on transparency, RGBA in RGB order."""
    rgba = np.zeros((height, width, 4), np.uint8)
    rgba[4:, 8 : width - 8] = (200, 40, 30, 255)
    return rgba


def png_bytes(rgba: np.ndarray) -> bytes:
    """Encodes RGBA (RGB order) as PNG bytes the way a product photo would be saved."""
    ok, data = cv2.imencode(".png", cv2.cvtColor(rgba, cv2.COLOR_RGBA2BGRA))
    assert ok
    return data.tobytes()


def synthetic_inside(width: int = IMAGE_W, height: int = IMAGE_H) -> np.ndarray:
    """An inside-of-the-back mask for the synthetic garment: a patch under its top edge, soft lower edge."""
    mask = np.zeros((height, width), np.uint8)
    mask[4:12, 22 : width - 22] = 255
    mask[12, 22 : width - 22] = 128
    return mask


def mask_png_bytes(mask: np.ndarray) -> bytes:
    """Encodes an (H, W) uint8 mask as a greyscale PNG, as an inside image is saved."""
    ok, data = cv2.imencode(".png", mask)
    assert ok
    return data.tobytes()


def anchors(width: int = IMAGE_W, height: int = IMAGE_H) -> dict[str, list[float]]:
    """Plausible anchors for the synthetic image (wearer-left on the image right)."""
    return {
        "neck": [width / 2, 5.0],
        "left_shoulder": [width - 10.0, 8.0],
        "right_shoulder": [10.0, 8.0],
        "left_armpit": [width - 12.0, 25.0],
        "right_armpit": [12.0, 25.0],
        "left_hem": [width - 12.0, height - 5.0],
        "right_hem": [12.0, height - 5.0],
    }


def entry(garment_id: str, front: str | None = None, **changes: Any) -> dict[str, Any]:
    """A valid [[garments]] table; keyword arguments override or add keys."""
    table: dict[str, Any] = {
        "id": garment_id,
        "name": garment_id.replace("-", " ").title(),
        "category": "t-shirt",
        "front": front or f"{garment_id}.png",
        "anchors": anchors(),
        "sizes": [{"label": "M", "chest_cm": 100.0, "length_cm": 70.0}],
        "sku": garment_id.upper(),
        "price": "€10",
    }
    table.update(changes)
    return table


def write_catalog(root: Path, entries: list[dict[str, Any]], name: str = "Test", images: bool = True) -> Path:
    """Writes catalog.toml (and, unless told not to, a valid PNG for every front) into root."""
    root.mkdir(parents=True, exist_ok=True)
    if images:
        for table in entries:
            path = root / table["front"]
            if not path.exists() and ".." not in table["front"] and not Path(table["front"]).is_absolute():
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(png_bytes(synthetic_rgba()))
    manifest = root / "catalog.toml"
    manifest.write_text(tomli_w.dumps({"schema_version": 1, "name": name, "garments": entries}), "utf-8")
    return manifest
