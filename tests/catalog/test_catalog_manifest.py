"""The manifest schema and its TOML writer."""

from __future__ import annotations

import tomllib

import pytest
from catalog_testkit import anchors, entry

from mirror_app.catalog import garment
from mirror_app.catalog.manifest import (
    KNOWN_ANCHORS,
    CatalogManifest,
    GarmentEntry,
    ManifestError,
    dump_manifest,
    is_slug,
    parse_manifest,
    validate_entry,
)


def test_anchor_names_follow_the_garment_contract() -> None:
    assert frozenset(garment.TORSO_ANCHORS + garment.SLEEVE_ANCHORS) == KNOWN_ANCHORS


def test_dump_then_parse_round_trips_and_stays_readable() -> None:
    manifest = CatalogManifest(
        name="Shop",
        garments=[
            GarmentEntry.model_validate(entry("a-tee")),
            GarmentEntry.model_validate(entry("b", back="b2.png")),
        ],
    )
    text = dump_manifest(manifest, "made by a test\nsecond line")
    assert text.startswith("# made by a test\n# second line\n")
    assert "neck = [30.0, 5.0]" in text  # anchors stay one per line
    header, raw = parse_manifest(text)
    assert header.name == "Shop"
    again = CatalogManifest(name=header.name, garments=[validate_entry(r, i) for i, r in enumerate(raw)])
    assert again == manifest
    assert "back" not in tomllib.loads(text)["garments"][0]  # None is left out, TOML has no null


def test_validate_entry_names_the_field() -> None:
    with pytest.raises(ManifestError) as info:
        validate_entry(entry("x", anchors={**anchors(), "neck": [float("nan"), 1.0]}), 4)
    assert info.value.issues[0][0] == "garments[4].anchors.neck[0]"


def test_hem_must_be_below_the_shoulders() -> None:
    flipped = {k: [x, 100.0 - y] for k, (x, y) in anchors().items()}
    with pytest.raises(ManifestError) as info:
        validate_entry(entry("x", anchors=flipped), 0)
    assert "hem" in info.value.issues[0][1]


def test_optional_fields_and_slugs() -> None:
    minimal = {k: v for k, v in entry("plain").items() if k not in ("sizes", "sku", "price")}
    parsed = validate_entry(minimal, 0)
    assert parsed.sizes == [] and parsed.sku is None and parsed.back is None
    assert is_slug("red-tee-01") and not is_slug("Red Tee") and not is_slug("-x") and not is_slug("a--b")
