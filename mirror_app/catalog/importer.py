"""Turning ordinary product photos into catalog entries: cut-out, anchors, image file, manifest entry."""

from __future__ import annotations

import contextlib
import logging
import os
import re
import tempfile
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from pydantic import ValidationError

from mirror_app.catalog.cutout import Cutout, cut_out
from mirror_app.catalog.garment import CATEGORIES
from mirror_app.catalog.image_file import ImageFileError, read_file_bytes, read_rgba
from mirror_app.catalog.loader import load_catalog
from mirror_app.catalog.manifest import (
    MANIFEST_NAME,
    MAX_MANIFEST_BYTES,
    CatalogManifest,
    GarmentEntry,
    ManifestError,
    describe_errors,
    dump_manifest,
    parse_manifest,
    validate_entry,
)
from mirror_app.catalog.problem import FixableError
from mirror_app.catalog.shape_anchors import ShapeAnchors, find_anchors

log = logging.getLogger(__name__)

MAX_HEIGHT = 1024  # written images: plenty for a mirror, small enough to load fast
MAX_WIDTH = 2048
WORK_SIDE = 1600  # photos are shrunk to this long side before the cut-out (speed; the output is smaller anyway)
MARGIN = 0.03  # transparent margin around the garment, as a share of its larger side
LOW_CONFIDENCE = 0.6  # below this the note asks for a look at the anchors
IMAGES_DIR = "images"
_HEADER = "Garment catalog; see docs/catalog.md. Entries added by `mirror-app catalog import` can be edited."

Progress = Callable[[int, int, str], None]


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What happened to one photo: the garment made from it (with how sure), or why none was."""

    path: Path
    garment_id: str | None
    ok: bool
    confidence: float
    note: str  # one line: what was found and how sure, or what went wrong and how to fix it

    def __str__(self) -> str:
        """One readable line for a terminal or the staff panel."""
        mark = "ok" if self.ok else "FAILED"
        sure = f" (sure {self.confidence:.0%})" if self.ok else ""
        return f"{mark} {self.path.name}: {self.note}{sure}"


class _PhotoError(Exception):
    """Internal: one photo cannot be imported; carries what to tell the person."""

    def __init__(self, message: str, fix: str = "") -> None:
        super().__init__(message)
        self.text = f"{message} (fix: {fix})" if fix else message


def slugify(text: str) -> str:
    """A valid garment id from a file name: lowercase ASCII letters, digits and single dashes."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:56].strip("-")
    return slug or "garment"


def _display_name(stem: str) -> str:
    """A readable garment name from the file name (staff can rename it later)."""
    words = re.sub(r"[_\-.]+", " ", stem).split()
    return (" ".join(words).capitalize() or "Garment")[:120]


def _atomic_write(folder: Path, name: str, data: bytes) -> None:
    """Writes folder/name via a temporary file and a rename, so readers never see half a file.

    os.replace swaps the directory entry itself, so a link planted at the target is replaced, not followed.
    """
    fd, temporary = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temporary, folder / name)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _safe_folder(root: Path, folder: Path) -> Path:
    """Creates folder inside root, refusing one that is a link leading out of it."""
    folder.mkdir(parents=True, exist_ok=True)
    if not folder.resolve().is_relative_to(root.resolve()):
        raise _PhotoError(
            f"{folder} points outside the catalog folder", "replace the link by a real folder inside the catalog"
        )
    return folder


def _read_existing(catalog_dir: Path) -> tuple[str, list[GarmentEntry]]:
    """The catalog's name and entries; a manifest with problems is refused rather than silently rewritten."""
    manifest = catalog_dir / MANIFEST_NAME
    if not manifest.exists():
        return catalog_dir.resolve().name.replace("-", " ").replace("_", " ").strip() or "Imported garments", []
    try:
        text = read_file_bytes(manifest, MAX_MANIFEST_BYTES).decode("utf-8-sig")
        header, raw_entries = parse_manifest(text)
        entries = [validate_entry(raw, index) for index, raw in enumerate(raw_entries)]
    except ImageFileError as exc:
        raise _PhotoError(f"cannot read {manifest}: {exc.message}", exc.fix) from exc
    except UnicodeDecodeError as exc:
        raise _PhotoError(f"{manifest} is not UTF-8 text", "save it as UTF-8") from exc
    except ManifestError as exc:
        field, message, fix = exc.issues[0]
        raise _PhotoError(
            f"{manifest} has problems, so it is left untouched: {field}: {message}",
            f"{fix}; or import into a new folder",
        ) from exc
    return header.name, entries


def _write_manifest(catalog_dir: Path, name: str, entries: list[GarmentEntry]) -> None:
    """Writes catalog.toml with dump_manifest, so what is written is what the loader validates."""
    text = dump_manifest(CatalogManifest(name=name, garments=entries), _HEADER)
    _atomic_write(catalog_dir, MANIFEST_NAME, text.encode("utf-8"))


def _resize(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Shrinks an image with area averaging (colours were un-mixed, so straight RGB is safe to average)."""
    if (image.shape[1], image.shape[0]) == size:
        return image
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


def _working_copy(rgba: np.ndarray) -> np.ndarray:
    """The photo at most WORK_SIDE px on its long side: large camera files cut out as well, much faster."""
    height, width = rgba.shape[:2]
    scale = WORK_SIDE / max(height, width)
    if scale >= 1.0:
        return rgba
    return _resize(rgba, (max(1, round(width * scale)), max(1, round(height * scale))))


def _crop(cutout: Cutout) -> np.ndarray:
    """The garment with a small transparent margin, scaled to at most MAX_HEIGHT x MAX_WIDTH."""
    rgba = cutout.rgba
    ys, xs = np.nonzero(rgba[:, :, 3] > 0)
    if ys.size == 0:
        raise _PhotoError("no garment found", "use a photo with the garment on a plain light background")
    pad = max(4, round(MARGIN * max(np.ptp(ys), np.ptp(xs))))
    y0, x0 = ys.min() - pad, xs.min() - pad
    y1, x1 = ys.max() + pad + 1, xs.max() + pad + 1
    out = np.zeros((y1 - y0, x1 - x0, 4), np.uint8)
    sy0, sx0 = max(0, y0), max(0, x0)
    sy1, sx1 = min(rgba.shape[0], y1), min(rgba.shape[1], x1)
    out[sy0 - y0 : sy1 - y0, sx0 - x0 : sx1 - x0] = rgba[sy0:sy1, sx0:sx1]
    # The margin beyond the photo's frame takes the nearest colour, so resampling never pulls in black.
    if (sy0 - y0, sx0 - x0, y1 - sy1, x1 - sx1) != (0, 0, 0, 0):
        edge = cv2.copyMakeBorder(
            rgba[sy0:sy1, sx0:sx1, :3], sy0 - y0, y1 - sy1, sx0 - x0, x1 - sx1, cv2.BORDER_REPLICATE
        )
        out[:, :, :3] = edge
    scale = min(1.0, MAX_HEIGHT / out.shape[0], MAX_WIDTH / out.shape[1])
    size = (max(1, round(out.shape[1] * scale)), max(1, round(out.shape[0] * scale)))
    return np.ascontiguousarray(_resize(out, size))


def _png(rgba: np.ndarray) -> bytes:
    """RGBA (RGB order) as PNG bytes."""
    ok, data = cv2.imencode(".png", cv2.cvtColor(rgba, cv2.COLOR_RGBA2BGRA))
    if not ok:
        raise _PhotoError("could not encode the garment image", "")
    return data.tobytes()


def _process(path: Path, category: str | None) -> tuple[np.ndarray, ShapeAnchors, Cutout]:
    """Reads one photo and returns the cropped garment image, its anchors and the cut-out report."""
    try:
        cutout = cut_out(_working_copy(read_rgba(path)))
        garment = _crop(cutout)
        shape = find_anchors(garment[:, :, 3], category)
    except FixableError as exc:  # unreadable file, background not removable, or no anchors in the outline
        raise _PhotoError(exc.message, exc.fix) from exc
    return garment, shape, cutout


def _choose_id(path: Path, entries: list[GarmentEntry], claimed: set[str]) -> tuple[str, int | None]:
    """The garment id and the index of the entry it updates (re-importing a photo replaces its own entry).

    An entry is "its own" when it has the slug as id and its front image is the one the importer writes;
    any other entry with that id (made by hand) is kept, and the new one gets a numbered id.
    """
    base = slugify(path.stem)
    taken = {entry.id: index for index, entry in enumerate(entries)}
    candidate, number = base, 2
    while True:
        if candidate not in claimed:
            index = taken.get(candidate)
            if index is None:
                return candidate, None
            if entries[index].front == f"{IMAGES_DIR}/{candidate}.png":
                return candidate, index
        candidate = f"{base[: 60 - len(str(number))]}-{number}"
        number += 1


def _entry(garment_id: str, path: Path, shape: ShapeAnchors, old: GarmentEntry | None) -> GarmentEntry:
    """The manifest entry; a re-import keeps what staff typed (name, sizes, SKU, price)."""
    raw: dict[str, object] = {
        "id": garment_id,
        "name": old.name if old else _display_name(path.stem),
        "category": shape.category,
        "front": f"{IMAGES_DIR}/{garment_id}.png",
        "anchors": {name: [x, y] for name, (x, y) in shape.anchors.items()},
    }
    if old is not None:
        raw["sizes"] = [size.model_dump(exclude_none=True) for size in old.sizes]
        raw.update({k: v for k, v in (("sku", old.sku), ("price", old.price)) if v is not None})
    try:
        return GarmentEntry.model_validate(raw)
    except ValidationError as exc:
        field, message, fix = describe_errors(exc)[0]
        raise _PhotoError(f"the anchors found do not validate ({field}: {message})", fix) from exc


def _note(garment_id: str, shape: ShapeAnchors, cutout: Cutout, confidence: float, updated: bool) -> str:
    """The one-line report for a photo that was imported."""
    verb = "updated" if updated else "added as"
    text = f"{verb} '{garment_id}': {shape.note}; {cutout.note}"
    if confidence < LOW_CONFIDENCE:
        text += "; check the anchors in the staff panel's anchor editor"
    return text


def import_photos(
    paths: list[Path],
    catalog_dir: Path,
    category: str | None = None,
    progress: Progress | None = None,
) -> list[ImportResult]:
    """Imports product photos into a catalog folder (created if needed); a bad photo fails alone.

    For each photo: background removed, garment cropped and written to images/<id>.png, anchors found
    from its shape, entry added to catalog.toml (existing entries kept; re-importing a photo updates its
    own entry). The catalog is then loaded again to confirm every new entry loads; one that does not is
    taken out again and reported. Only the given photos are read and only catalog_dir is written.
    """
    if category is not None and category not in CATEGORIES:
        raise ValueError(f"unknown category {category!r} (one of: {', '.join(CATEGORIES)})")
    catalog_dir = Path(catalog_dir)
    paths = [Path(p) for p in paths]
    total = len(paths)
    try:
        catalog_dir.mkdir(parents=True, exist_ok=True)
        name, entries = _read_existing(catalog_dir)
        images = _safe_folder(catalog_dir, catalog_dir / IMAGES_DIR)
    except (_PhotoError, OSError) as exc:
        text = exc.text if isinstance(exc, _PhotoError) else f"cannot use {catalog_dir}: {exc}"
        if progress is not None:
            progress(total, total, "failed")
        return [ImportResult(p, None, False, 0.0, text) for p in paths]

    results: list[ImportResult] = []
    written: dict[str, int] = {}  # garment id -> index into results
    for number, path in enumerate(paths):
        if progress is not None:
            progress(number, total, path.name)
        try:
            garment, shape, cutout = _process(path, category)
            garment_id, index = _choose_id(path, entries, set(written))
            entry = _entry(garment_id, path, shape, entries[index] if index is not None else None)
            _atomic_write(images, f"{garment_id}.png", _png(garment))
            if index is None:
                entries.append(entry)
            else:
                entries[index] = entry
            _write_manifest(catalog_dir, name, entries)
        except _PhotoError as exc:
            log.info("import of %s failed: %s", path, exc.text)
            results.append(ImportResult(path, None, False, 0.0, exc.text))
            continue
        except (OSError, MemoryError, cv2.error) as exc:
            log.exception("import of %s failed", path)
            results.append(ImportResult(path, None, False, 0.0, f"could not import: {exc}"))
            continue
        confidence = round(float(np.clip(cutout.quality * shape.confidence, 0.0, 1.0)), 2)
        written[garment_id] = len(results)
        note = _note(garment_id, shape, cutout, confidence, index is not None)
        results.append(ImportResult(path, garment_id, True, confidence, note))
        log.info("imported %s as %s (%s)", path, garment_id, note)

    if written:
        _confirm(catalog_dir, name, entries, written, results)
    if progress is not None:
        progress(total, total, "done")
    return results


def _confirm(
    catalog_dir: Path, name: str, entries: list[GarmentEntry], written: dict[str, int], results: list[ImportResult]
) -> None:
    """Loads the catalog as the mirror will; imported entries that do not load are removed and reported."""
    load = load_catalog(catalog_dir)
    loaded = {garment.id for garment in load.garments}
    rejected = [garment_id for garment_id in written if garment_id not in loaded]
    if not rejected:
        return
    for garment_id in rejected:
        why = "; ".join(str(p) for p in load.problems if f"'{garment_id}'" in str(p)) or "it did not load"
        index = written[garment_id]
        results[index] = ImportResult(results[index].path, None, False, 0.0, f"entry rejected on reload: {why}")
        with contextlib.suppress(OSError):
            (catalog_dir / IMAGES_DIR / f"{garment_id}.png").unlink()
    entries[:] = [entry for entry in entries if entry.id not in rejected]
    _write_manifest(catalog_dir, name, entries)
