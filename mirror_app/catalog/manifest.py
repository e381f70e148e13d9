"""The on-disk catalog format: `catalog.toml`, validated strictly so typos surface instead of vanishing."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from typing import Annotated, Any

import tomli_w
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_core import PydanticCustomError

from mirror_app.catalog.garment import CATEGORIES

SCHEMA_VERSION = 1
MANIFEST_NAME = "catalog.toml"
MAX_MANIFEST_BYTES = 1_000_000

REQUIRED_ANCHORS = (
    "neck",
    "left_shoulder",
    "right_shoulder",
    "left_armpit",
    "right_armpit",
    "left_hem",
    "right_hem",
)
OPTIONAL_ANCHORS = ("left_waist", "right_waist", "left_cuff", "right_cuff", "left_elbow", "right_elbow")
KNOWN_ANCHORS = frozenset(REQUIRED_ANCHORS + OPTIONAL_ANCHORS)

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
_PAIRS = ("shoulder", "armpit", "waist", "hem", "cuff", "elbow")

Number = Annotated[float, Field(strict=True, allow_inf_nan=False)]
Point = tuple[Number, Number]
_STRICT = ConfigDict(extra="forbid", frozen=True)


def _anchor_error(detail: str, fix: str) -> PydanticCustomError:
    """Anchor errors carry their own fix text so the loader can show it next to the message."""
    return PydanticCustomError("anchor_error", "{detail}", {"detail": detail, "fix": fix})


class SizeEntry(BaseModel):
    """One row of the size chart, in centimetres (both measures optional: not every shop has them)."""

    model_config = _STRICT

    label: str = Field(min_length=1, max_length=16)
    chest_cm: Annotated[Number, Field(gt=0, le=400)] | None = None
    length_cm: Annotated[Number, Field(gt=0, le=400)] | None = None


class GarmentEntry(BaseModel):
    """One `[[garments]]` table; validated alone so one bad entry never hides the good ones."""

    model_config = _STRICT

    id: str = Field(min_length=1, max_length=64, pattern=SLUG_PATTERN)
    name: str = Field(min_length=1, max_length=120)
    category: str
    front: str = Field(min_length=1, max_length=400)
    back: str | None = Field(default=None, min_length=1, max_length=400)
    inside: str | None = Field(default=None, min_length=1, max_length=400)  # inside-of-the-back mask, optional
    anchors: dict[str, Point]
    sizes: list[SizeEntry] = Field(default_factory=list, max_length=32)
    sku: str | None = Field(default=None, max_length=64)
    price: str | None = Field(default=None, max_length=32)
    model: str | None = Field(default=None, min_length=1, max_length=400)  # learned generator (.onnx), optional

    @field_validator("category")
    @classmethod
    def _known_category(cls, value: str) -> str:
        """The generator picks its model by category, so only the ones it knows are allowed."""
        if value not in CATEGORIES:
            raise PydanticCustomError(
                "category_error",
                "{detail}",
                {"detail": f"unknown category {value!r}", "fix": f"use one of: {', '.join(CATEGORIES)}"},
            )
        return value

    @field_validator("anchors")
    @classmethod
    def _sane_anchors(cls, anchors: dict[str, tuple[float, float]]) -> dict[str, tuple[float, float]]:
        """Wrong anchors make the garment float off the body; catch the usual mistakes by their shape."""
        unknown = sorted(set(anchors) - KNOWN_ANCHORS)
        if unknown:
            raise _anchor_error(
                f"unknown anchor name(s) {', '.join(unknown)}",
                f"use only: {', '.join(REQUIRED_ANCHORS + OPTIONAL_ANCHORS)}",
            )
        missing = [name for name in REQUIRED_ANCHORS if name not in anchors]
        if missing:
            raise _anchor_error(
                f"missing required anchor(s) {', '.join(missing)}", "add them as name = [x, y] in pixels"
            )
        for part in _PAIRS:
            left, right = anchors.get(f"left_{part}"), anchors.get(f"right_{part}")
            if (left is None) != (right is None):
                raise _anchor_error(f"only one of left_{part}/right_{part} is given", "give both sides or neither")
            if left is not None and right is not None and not left[0] > right[0]:
                raise _anchor_error(
                    f"left_{part} (x={left[0]:g}) is not to the right of right_{part} (x={right[0]:g})",
                    "left/right are the WEARER's sides: in a front photo the wearer's left is on the "
                    "image's right, so swap the two",
                )
        if ("left_elbow" in anchors) and ("left_cuff" not in anchors):
            raise _anchor_error("elbow anchors without cuff anchors", "add left_cuff/right_cuff too")
        if any(v < 0 for point in anchors.values() for v in point):
            raise _anchor_error("negative anchor coordinate", "anchors are pixels from the top-left corner")
        neck_y = anchors["neck"][1]
        hem_y = min(anchors["left_hem"][1], anchors["right_hem"][1])
        shoulder_y = max(anchors["left_shoulder"][1], anchors["right_shoulder"][1])
        armpit_y = max(anchors["left_armpit"][1], anchors["right_armpit"][1])
        if not (neck_y < hem_y and shoulder_y < hem_y and armpit_y < hem_y):
            raise _anchor_error(
                "hem anchors are not below the neck, shoulders and armpits",
                "y grows downwards: the hem must have the largest y",
            )
        return anchors


class CatalogHeader(BaseModel):
    """The top level of `catalog.toml`; garments stay raw here and are validated one by one."""

    model_config = _STRICT

    schema_version: int = Field(strict=True)
    name: str = Field(min_length=1, max_length=120)
    garments: list[dict[str, Any]] = Field(default_factory=list, max_length=1000)

    @field_validator("schema_version")
    @classmethod
    def _supported_version(cls, value: int) -> int:
        """Refuse formats from the future instead of misreading them."""
        if value != SCHEMA_VERSION:
            raise PydanticCustomError(
                "version_error",
                "{detail}",
                {
                    "detail": f"schema_version {value} is not supported",
                    "fix": f"set schema_version = {SCHEMA_VERSION} and follow docs/catalog.md",
                },
            )
        return value


class CatalogManifest(BaseModel):
    """A whole, fully valid manifest; what tools (like draw_default) build and write."""

    model_config = _STRICT

    schema_version: int = SCHEMA_VERSION
    name: str = Field(min_length=1, max_length=120)
    garments: list[GarmentEntry] = Field(default_factory=list)


class ManifestError(ValueError):
    """The manifest as a whole is unusable; carries the issues found as (field, message, fix)."""

    def __init__(self, issues: list[tuple[str, str, str]]) -> None:
        super().__init__("; ".join(f"{f}: {m}" for f, m, _ in issues))
        self.issues = issues


_DEFAULT_FIXES = {
    "missing": "add this key",
    "extra_forbidden": "remove this key or check its spelling (see docs/catalog.md)",
    "float_type": "write a number, e.g. 12.5",
    "int_type": "write a whole number",
    "string_type": 'write text in quotes, e.g. "..."',
    "list_type": "write a list, e.g. [1, 2]",
    "dict_type": "write a table",
    "tuple_type": "write [x, y]",
    "too_short": "give exactly the number of items expected",
    "too_long": "give exactly the number of items expected",
    "string_pattern_mismatch": "use lowercase letters, digits and single dashes, e.g. red-tee-01",
    "finite_number": "use a finite number (not inf/nan)",
}


def _location(loc: tuple[int | str, ...], prefix: str) -> str:
    """Turns pydantic's loc tuple into `garments[2].anchors.neck`-style text people can search for."""
    text = prefix
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def describe_errors(error: ValidationError, prefix: str = "") -> list[tuple[str, str, str]]:
    """Flattens a ValidationError into (field, message, fix) triples for Problems."""
    issues = []
    for item in error.errors(include_url=False):
        ctx = item.get("ctx") or {}
        fix = str(ctx.get("fix") or _DEFAULT_FIXES.get(item["type"], "see docs/catalog.md"))
        message = item["msg"]
        if item["type"] == "extra_forbidden":
            message = "unknown key"
        issues.append((_location(tuple(item["loc"]), prefix), message, fix))
    return issues


def parse_manifest(text: str) -> tuple[CatalogHeader, list[dict[str, Any]]]:
    """Parses TOML text into a checked header and the raw garment tables; raises ManifestError."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ManifestError([("", f"not valid TOML: {exc}", "fix the syntax at the line shown")]) from exc
    try:
        header = CatalogHeader.model_validate(data)
    except ValidationError as exc:
        raise ManifestError(describe_errors(exc)) from exc
    return header, header.garments


def validate_entry(raw: dict[str, Any], index: int) -> GarmentEntry:
    """Validates one garment table; raises ManifestError naming `garments[index].field`."""
    try:
        return GarmentEntry.model_validate(raw)
    except ValidationError as exc:
        raise ManifestError(describe_errors(exc, prefix=f"garments[{index}]")) from exc


def _drop_none(value: Any) -> Any:
    """TOML has no null, so absent optionals must be left out rather than written."""
    if isinstance(value, dict):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_drop_none(v) for v in value]
    return value


_ANCHOR_ORDER = {name: i for i, name in enumerate(REQUIRED_ANCHORS + OPTIONAL_ANCHORS)}
_NUMBER = r"-?[0-9][0-9_.eE+-]*"
_MULTILINE_PAIR = re.compile(rf"\[\n\s*({_NUMBER}),\n\s*({_NUMBER}),\n\]")


def dump_manifest(manifest: CatalogManifest, header_comment: str = "") -> str:
    """Writes a manifest as TOML that a person can still read and edit by hand (anchors as [x, y])."""
    data = _drop_none(manifest.model_dump())
    for garment in data["garments"]:
        garment["anchors"] = dict(sorted(garment["anchors"].items(), key=lambda kv: _ANCHOR_ORDER[kv[0]]))
    body = _MULTILINE_PAIR.sub(r"[\1, \2]", tomli_w.dumps(data))
    if tomllib.loads(body) != data:  # the compaction must never change the meaning
        body = tomli_w.dumps(data)
    comment = "".join(f"# {line}\n" if line else "#\n" for line in header_comment.splitlines())
    return comment + ("\n" if comment else "") + body


def iter_anchor_pairs() -> Iterator[tuple[str, str]]:
    """(left, right) anchor names, for checks that compare the wearer's two sides."""
    for part in _PAIRS:
        yield f"left_{part}", f"right_{part}"


def is_slug(text: str) -> bool:
    """Whether text is a valid garment id (used by tools that make ids from names)."""
    return re.fullmatch(SLUG_PATTERN, text) is not None
