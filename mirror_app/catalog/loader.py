"""Loading a catalog folder into Garments; bad files become Problems, never exceptions, so the mirror runs."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

import numpy as np

import mirror_app
from mirror_app.catalog.garment import Garment, Size
from mirror_app.catalog.image_file import ImageFileError, make_thumbnail, read_file_bytes, read_rgba, to_coverage
from mirror_app.catalog.manifest import (
    MANIFEST_NAME,
    MAX_MANIFEST_BYTES,
    GarmentEntry,
    ManifestError,
    parse_manifest,
    validate_entry,
)
from mirror_app.catalog.problem import Problem

log = logging.getLogger(__name__)


@dataclass(slots=True)
class CatalogLoad:
    """What loading produced: the usable garments in manifest order, and what was skipped and why."""

    name: str
    path: Path
    garments: list[Garment] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def default_catalog_dir() -> Path:
    """The catalog shipped with the app, used whenever a store catalog has nothing usable."""
    return mirror_app.PROJECT_ROOT / "assets" / "catalogs" / "default"


class _EntryError(Exception):
    """Internal: one entry cannot be used; carries the Problem to report."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


def _resolve_inside(root: Path, relative: str, manifest_file: str, where: str) -> Path:
    """Resolves an image path from the manifest, refusing anything that would read outside the catalog."""

    def refuse(message: str, fix: str) -> _EntryError:
        return _EntryError(Problem(manifest_file, where, message, fix))

    if "\\" in relative:
        raise refuse(f"path {relative!r} uses backslashes", "use forward slashes, e.g. images/tee.png")
    if PurePosixPath(relative).is_absolute() or PureWindowsPath(relative).drive or relative.startswith("~"):
        raise refuse(f"path {relative!r} is absolute", "copy the image into the catalog folder; give a relative path")
    if ".." in PurePosixPath(relative).parts:
        raise refuse(
            f"path {relative!r} leaves the catalog folder",
            "copy the image into the catalog folder and give a path without '..'",
        )
    candidate = root / relative
    try:
        resolved = candidate.resolve(strict=False)
        root_resolved = root.resolve(strict=False)
    except (OSError, RuntimeError) as exc:  # RuntimeError: symlink loop on older Pythons
        raise refuse(f"path {relative!r} cannot be resolved ({exc})", "replace links by real files") from exc
    if not resolved.is_relative_to(root_resolved):
        raise refuse(
            f"path {relative!r} points outside the catalog folder (through a link)",
            "copy the real image into the catalog folder instead of linking to it",
        )
    return resolved


def _read_image(root: Path, relative: str, manifest_file: str, where: str, mask: bool = False) -> np.ndarray:
    """One image of an entry (RGBA, or with `mask` (H, W) coverage), with Problems naming the image file and
    the manifest field."""
    path = _resolve_inside(root, relative, manifest_file, where)
    try:
        rgba = read_rgba(path)
        return to_coverage(rgba) if mask else rgba
    except ImageFileError as exc:
        raise _EntryError(Problem(str(root / relative), where, exc.message, exc.fix)) from exc


def _check_anchors_inside(entry: GarmentEntry, shape: tuple[int, ...], manifest: str, index: int) -> None:
    """Anchors are front-image pixels; one outside the image means the wrong image or a typo."""
    height, width = shape[:2]
    for name, (x, y) in entry.anchors.items():
        if not (0.0 <= x <= width and 0.0 <= y <= height):
            raise _EntryError(
                Problem(
                    manifest,
                    f"garments[{index}].anchors.{name}",
                    f"anchor at ({x:g}, {y:g}) is outside the {width}x{height} front image of '{entry.id}'",
                    "measure the anchor on the front image itself (pixels from its top-left corner)",
                )
            )


MAX_INSIDE_SHARE = 0.25  # an inside mask hiding more of the garment than this is inverted or the wrong file


def _back_mismatch(back: np.ndarray, front: np.ndarray) -> tuple[str, str] | None:
    """Why a back image does not fit its front (message, fix), or None when it does."""
    if back.shape != front.shape:
        return (
            f"back image is {back.shape[1]}x{back.shape[0]} but the front is {front.shape[1]}x{front.shape[0]}",
            "save the back in the same frame as the front (mirrored so it overlays the front)",
        )
    return None


def _inside_mismatch(inside: np.ndarray, front: np.ndarray) -> tuple[str, str] | None:
    """Why an inside mask does not fit its front (message, fix), or None when it does."""
    if inside.shape != front.shape[:2]:
        return (
            f"inside image is {inside.shape[1]}x{inside.shape[0]} but the front is {front.shape[1]}x{front.shape[0]}",
            "save the mask in the same frame as the front image (same size, same place)",
        )
    alpha = front[:, :, 3]
    hidden = int(np.minimum(inside, alpha).sum(dtype=np.int64)) / max(int(alpha.sum(dtype=np.int64)), 1)
    if hidden > MAX_INSIDE_SHARE:
        return (
            f"inside image covers {hidden:.0%} of the garment (at most {MAX_INSIDE_SHARE:.0%} expected)",
            "white must mark only the inside of the back seen through the neck opening: is the mask inverted?",
        )
    return None


Mismatch = Callable[[np.ndarray, np.ndarray], tuple[str, str] | None]  # (image, front) -> (message, fix)


def _optional_image(
    root: Path,
    relative: str | None,
    key: str,
    index: int,
    manifest_file: str,
    front: np.ndarray,
    mismatch: Mismatch,
    mask: bool = False,
) -> tuple[np.ndarray | None, list[Problem]]:
    """An entry's optional image (`key`: back, or inside read as a `mask`) if it is usable; a bad one is
    reported and dropped, never the garment."""
    if relative is None:
        return None, []
    where = f"garments[{index}].{key}"
    try:
        image = _read_image(root, relative, manifest_file, where, mask=mask)
    except _EntryError as exc:
        return None, [replace(exc.problem, message=f"{exc.problem.message} ({key} ignored)")]
    why = mismatch(image, front)
    if why is not None:
        return None, [Problem(str(root / relative), where, f"{why[0]} ({key} ignored)", why[1])]
    return image, []


def _build_garment(root: Path, entry: GarmentEntry, index: int, manifest_file: str) -> tuple[Garment, list[Problem]]:
    """Reads an entry's images and makes the Garment; a bad back or inside image only loses that image."""
    front = _read_image(root, entry.front, manifest_file, f"garments[{index}].front")
    _check_anchors_inside(entry, front.shape, manifest_file, index)
    back, notes = _optional_image(root, entry.back, "back", index, manifest_file, front, _back_mismatch)
    inside, inside_notes = _optional_image(
        root, entry.inside, "inside", index, manifest_file, front, _inside_mismatch, mask=True
    )
    notes += inside_notes
    model = None
    if entry.model is not None:
        where = f"garments[{index}].model"
        try:
            model = _resolve_inside(root, entry.model, manifest_file, where)
            if not model.is_file():
                notes.append(
                    Problem(
                        str(root / entry.model),
                        where,
                        "learned model not found; using the analytic generator",
                        "export one with mirror-app export, or remove the model key",
                    )
                )
                model = None
        except _EntryError as exc:
            notes.append(replace(exc.problem, message=f"{exc.problem.message} (model ignored)"))
    garment = Garment(
        id=entry.id,
        name=entry.name,
        category=entry.category,
        rgba=front,
        anchors={name: (float(x), float(y)) for name, (x, y) in entry.anchors.items()},
        back_rgba=back,
        inside=inside,
        sizes=tuple(Size(s.label, s.chest_cm, s.length_cm) for s in entry.sizes),
        sku=entry.sku,
        price=entry.price,
        thumbnail=make_thumbnail(front),
        extras={
            "front": entry.front,
            **({"back": entry.back} if entry.back and back is not None else {}),
            **({"inside": entry.inside} if entry.inside and inside is not None else {}),
            **({"model": str(model)} if model is not None else {}),
        },
    )
    return garment, notes


def _read_manifest(root: Path, manifest_path: Path) -> tuple[str, list[dict[str, Any]]]:
    """The manifest's name and raw garment tables; raises _EntryError describing what is wrong."""
    manifest_file = str(manifest_path)
    if not root.is_dir():
        raise _EntryError(Problem(str(root), "", "catalog folder not found", "check the catalog path"))
    try:
        data = read_file_bytes(manifest_path, MAX_MANIFEST_BYTES)
    except ImageFileError as exc:
        fix = f"create {MANIFEST_NAME} (see docs/catalog.md)" if "not found" in exc.message else exc.fix
        if "too large" in exc.message:
            fix = f"a manifest must be under {MAX_MANIFEST_BYTES // 1_000_000} MB; remove the padding/data"
        raise _EntryError(Problem(manifest_file, "", exc.message, fix)) from exc
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _EntryError(
            Problem(manifest_file, "", f"not UTF-8 text (byte {exc.start})", "save the file as UTF-8")
        ) from exc
    try:
        header, raw_entries = parse_manifest(text)
    except ManifestError as exc:
        field_name, message, fix = exc.issues[0]
        more = f" (+{len(exc.issues) - 1} more)" if len(exc.issues) > 1 else ""
        raise _EntryError(Problem(manifest_file, field_name, message + more, fix)) from exc
    return header.name, raw_entries


def _load(path: Path) -> CatalogLoad:
    """The body of load_catalog; may raise only on bugs, which load_catalog turns into a Problem."""
    root = path.parent if path.name == MANIFEST_NAME and not path.is_dir() else path
    manifest_path = root / MANIFEST_NAME
    manifest_file = str(manifest_path)
    load = CatalogLoad(name=root.name, path=root)
    try:
        load.name, raw_entries = _read_manifest(root, manifest_path)
    except _EntryError as exc:
        load.problems.append(exc.problem)
        return load
    seen_ids: dict[str, int] = {}
    valid: list[tuple[int, dict[str, Any], GarmentEntry]] = []
    for index, raw in enumerate(raw_entries):
        try:
            try:
                entry = validate_entry(raw, index)
            except ManifestError as exc:
                label = raw.get("id") if isinstance(raw.get("id"), str) else None
                for field_name, message, fix in exc.issues:
                    suffix = f" (garment '{label}' skipped)" if label else " (garment skipped)"
                    load.problems.append(Problem(manifest_file, field_name, message + suffix, fix))
                continue
            if entry.id in seen_ids:
                raise _EntryError(
                    Problem(
                        manifest_file,
                        f"garments[{index}].id",
                        f"duplicate id '{entry.id}' (used by garments[{seen_ids[entry.id]}]); skipped",
                        "give every garment its own id",
                    )
                )
            seen_ids[entry.id] = index
            valid.append((index, raw, entry))
        except _EntryError as exc:
            load.problems.append(_skipped(exc.problem, raw))

    # Decoding the images is the slow part and OpenCV releases the GIL while it decodes: do it in parallel,
    # so a catalog switch of 50 garments stays around a second on two cores.
    def build(item: tuple[int, dict[str, Any], GarmentEntry]) -> tuple[Garment | None, list[Problem]]:
        index, raw, entry = item
        try:
            garment, notes = _build_garment(root, entry, index, manifest_file)
            return garment, notes
        except _EntryError as exc:
            return None, [_skipped(exc.problem, raw)]
        except Exception as exc:  # noqa: BLE001 - one odd entry must not take the catalog down
            log.exception("unexpected error loading garments[%d] of %s", index, root)
            return None, [Problem(manifest_file, f"garments[{index}]", f"could not load this garment ({exc!r})", "")]

    with ThreadPoolExecutor(max_workers=max(1, min(4, os.cpu_count() or 1))) as pool:
        for garment, notes in pool.map(build, valid):
            load.problems.extend(notes)
            if garment is not None:
                load.garments.append(garment)
    return load


def _skipped(problem: Problem, raw: dict[str, Any]) -> Problem:
    """The problem, saying which garment was skipped because of it."""
    if "skipped" in problem.message:
        return problem
    label = raw.get("id")
    what = f"garment '{label}'" if isinstance(label, str) else "garment"
    return replace(problem, message=f"{problem.message} ({what} skipped)")


def load_catalog(path: str | os.PathLike[str]) -> CatalogLoad:
    """Loads a catalog folder (or its catalog.toml); never raises for bad files, reports them as Problems."""
    root = Path(path)
    try:
        load = _load(root)
    except Exception as exc:  # noqa: BLE001 - the mirror must keep running whatever is on disk
        log.exception("unexpected error loading catalog %s", root)
        load = CatalogLoad(name=root.name, path=root)
        load.problems.append(Problem(str(root), "", f"could not load the catalog ({exc!r})", ""))
    for problem in load.problems:
        log.warning("catalog problem: %s", problem)
    log.info("catalog %r: %d garment(s), %d problem(s)", load.name, len(load.garments), len(load.problems))
    return load


def load_catalog_or_default(path: str | os.PathLike[str] | None) -> CatalogLoad:
    """Loads `path`, falling back to the default catalog when it yields no garments (problems kept)."""
    if path is None:
        return load_catalog(default_catalog_dir())
    load = load_catalog(path)
    if load.garments:
        return load
    fallback = load_catalog(default_catalog_dir())
    notice = Problem(
        str(Path(path)),
        "",
        f"no usable garments; showing the default catalog '{fallback.name}' instead",
        "fix the problems listed above and restart",
    )
    fallback.problems = [*load.problems, notice, *fallback.problems]
    return fallback
