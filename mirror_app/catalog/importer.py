"""Turning ordinary product photos into catalog entries: cut-out, anchors, image file, manifest entry."""

from __future__ import annotations

import logging
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import tomli_w

from mirror_app.catalog.cutout import cut_out
from mirror_app.catalog.garment import CATEGORIES
from mirror_app.catalog.image_file import ImageFileError, read_rgba
from mirror_app.catalog.loader import load_catalog
from mirror_app.catalog.manifest import MANIFEST_NAME, SCHEMA_VERSION
from mirror_app.catalog.shape_anchors import find_anchors

log = logging.getLogger(__name__)
MAX_HEIGHT = 1024
MARGIN = 0.04


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What happened to one photo: the garment made from it, or why none was."""

    path: Path
    garment_id: str | None
    ok: bool
    confidence: float
    note: str

    def __str__(self) -> str:
        mark = "ok " if self.ok else "FAILED "
        return f"{mark}{self.path.name}: {self.note}" + (f" (sure {self.confidence:.0%})" if self.ok else "")


def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:56]
    return slug or "garment"


def _read_manifest(catalog_dir: Path) -> dict[str, Any]:
    path = catalog_dir / MANIFEST_NAME
    if path.is_file():
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        data.setdefault("garments", [])
        return data
    return {"schema_version": SCHEMA_VERSION, "name": catalog_dir.name or "catalog", "garments": []}


def _write_manifest(catalog_dir: Path, data: dict[str, Any]) -> None:
    (catalog_dir / MANIFEST_NAME).write_text(tomli_w.dumps(data), encoding="utf-8")


def prepare(rgba: np.ndarray) -> tuple[np.ndarray, float]:
    """The garment cut out (unless the photo already has transparency), cropped with a margin, scaled."""
    alpha = rgba[..., 3]
    if (alpha < 250).mean() > 0.05:  # already a cut-out PNG
        cut, sure = rgba, 1.0
    else:
        cut, sure = cut_out(np.ascontiguousarray(rgba[..., :3]))
    ys, xs = np.nonzero(cut[..., 3] > 8)
    if ys.size == 0:
        raise ValueError("no garment found (is the background plain and light?)")
    h, w = cut.shape[:2]
    pad = int(MARGIN * max(np.ptp(ys), np.ptp(xs)))
    y0, y1 = max(0, ys.min() - pad), min(h, ys.max() + pad + 1)
    x0, x1 = max(0, xs.min() - pad), min(w, xs.max() + pad + 1)
    crop = cut[y0:y1, x0:x1]
    if crop.shape[0] > MAX_HEIGHT:
        scale = MAX_HEIGHT / crop.shape[0]
        crop = cv2.resize(crop, (max(1, round(crop.shape[1] * scale)), MAX_HEIGHT), interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(crop), sure


def import_photos(
    paths: list[Path],
    catalog_dir: Path,
    category: str | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> list[ImportResult]:
    """Import each photo into the catalog folder (created if needed); a bad photo fails alone."""
    if category is not None and category not in CATEGORIES:
        raise ValueError(f"unknown category '{category}' (one of: {', '.join(CATEGORIES)})")
    catalog_dir = Path(catalog_dir)
    images = catalog_dir / "images"
    images.mkdir(parents=True, exist_ok=True)
    results: list[ImportResult] = []
    for done, path in enumerate(paths):
        if progress is not None:
            progress(done, len(paths), path.name)
        results.append(_import_one(Path(path), catalog_dir, images, category))
    if progress is not None:
        progress(len(paths), len(paths), "")
    return results


def _import_one(path: Path, catalog_dir: Path, images: Path, category: str | None) -> ImportResult:
    try:
        rgba = read_rgba(path)
    except ImageFileError as exc:
        return ImportResult(path, None, False, 0.0, f"{exc} ({exc.fix})" if getattr(exc, "fix", "") else str(exc))
    try:
        garment_rgba, cut_sure = prepare(rgba)
        anchors, shape_sure, used_category, found = find_anchors(garment_rgba[..., 3], category)
    except (ValueError, IndexError, cv2.error) as exc:
        return ImportResult(path, None, False, 0.0, f"{exc}; photograph the garment flat on a plain light background")
    data = _read_manifest(catalog_dir)
    taken = {g.get("id") for g in data["garments"] if isinstance(g, dict)}
    base = _slug(path.stem)
    garment_id, n = base, 2
    while garment_id in taken:
        garment_id, n = f"{base}-{n}", n + 1
    image_rel = f"images/{garment_id}.png"
    target = (catalog_dir / image_rel).resolve()
    if catalog_dir.resolve() not in target.parents:
        return ImportResult(path, None, False, 0.0, "refused: the image would be written outside the catalog")
    cv2.imwrite(str(target), cv2.cvtColor(garment_rgba, cv2.COLOR_RGBA2BGRA))
    entry = {
        "id": garment_id,
        "name": path.stem.replace("_", " ").replace("-", " ").strip().title() or garment_id,
        "category": used_category,
        "front": image_rel,
        "anchors": {k: [round(x, 1), round(y, 1)] for k, (x, y) in sorted(anchors.items())},
    }
    data["garments"].append(entry)
    _write_manifest(catalog_dir, data)
    check = load_catalog(catalog_dir)
    if garment_id not in {g.id for g in check.garments}:
        data["garments"] = [g for g in data["garments"] if g.get("id") != garment_id]
        _write_manifest(catalog_dir, data)
        target.unlink(missing_ok=True)
        why = "; ".join(str(p) for p in check.problems if garment_id in str(p)) or "it did not validate"
        return ImportResult(path, None, False, 0.0, f"entry rejected by the catalog check: {why}")
    sure = round(min(cut_sure, shape_sure), 2)
    return ImportResult(path, garment_id, True, sure, f"{garment_id}: {found}")
