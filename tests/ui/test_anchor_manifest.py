"""Catalog rewrites by the staff panel (copy, anchor save) keep every key, the inside masks included."""

from __future__ import annotations

import tomllib
from pathlib import Path

from mirror_app.catalog.loader import default_catalog_dir, load_catalog
from mirror_app.ui.anchor_editor import copy_catalog, write_anchors


def test_copy_and_anchor_save_keep_the_inside_masks(tmp_path: Path) -> None:
    copy = copy_catalog(default_catalog_dir(), tmp_path)
    shipped = tomllib.loads((default_catalog_dir() / "catalog.toml").read_text("utf-8"))["garments"]
    tee = shipped[1]
    moved = {name: (x, y + 2.0) for name, (x, y) in tee["anchors"].items()}
    write_anchors(copy, tee["id"], moved)
    saved = tomllib.loads((copy / "catalog.toml").read_text("utf-8"))["garments"]
    assert [g.get("inside") for g in saved] == [g.get("inside") for g in shipped]
    assert all(g.get("inside") for g in saved)
    load = load_catalog(copy)
    assert load.problems == [], [str(p) for p in load.problems]
    assert all(g.inside is not None for g in load.garments)
    assert load.garments[1].anchors["neck"][1] == round(tee["anchors"]["neck"][1] + 2.0, 1)
