"""The mirror's own settings (staff PIN, catalog, camera, picture switches) in a TOML file.

The file is `$XDG_CONFIG_HOME/mirror/config.toml` (`~/.config/mirror/config.toml` by default). It is
written by the staff panel and may be edited by hand. A bad value never stops the mirror: the field
falls back to its default, the message names the file and the field, and the file itself is left as it
is until the next save, which first keeps a copy of it next to it (`config.toml.bad`, `.bad-2`, ...).
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import tomli_w
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, ValidationError, field_validator

from mirror_app.pin import check_hash_format

log = logging.getLogger(__name__)

CONFIG_NAME = "config.toml"
MAX_CONFIG_BYTES = 256_000
_STRICT = ConfigDict(extra="forbid", validate_assignment=True)


class CameraSettings(BaseModel):
    """The camera the mirror opens: matched by (part of) its name, at this resolution."""

    model_config = _STRICT

    name: str | None = Field(default=None, min_length=1, max_length=200)  # None: the first camera; "demo"
    width: StrictInt = Field(default=1280, ge=160, le=7680)
    height: StrictInt = Field(default=720, ge=120, le=4320)


class PictureSettings(BaseModel):
    """The compositor switches (see mirror_app/render/settings.py) staff may change."""

    model_config = _STRICT

    mirror: StrictBool = True
    light: StrictBool = True
    folds: StrictBool = True
    folds_strength: float = Field(default=0.6, strict=True, ge=0.0, le=1.0)
    shadows: StrictBool = True
    occlusion: StrictBool = True
    hair: StrictBool = True
    # Where the compositor draws: "window" (Qt's OpenGL widget, best with a GPU), "offscreen" (its own EGL
    # context, the picture painted into the window: about half the drawing with a software OpenGL), or
    # "auto": offscreen when OpenGL runs on the CPU (llvmpipe), else window. Read at start.
    compositing: Literal["auto", "window", "offscreen"] = "auto"


PoseModelName = Literal["full", "lite"]
DEFAULT_POSE_MODEL: PoseModelName = "full"
"""BlazePose GHUM's landmark model (models/pose_landmarker_<name>.task). Lite takes ~15 % less pose time,
but on a shopper close to the screen (head and shoulders in view) it puts the hips inside the picture with
full confidence and the garment shrinks to the chest; see docs/performance.md, "Ninth session"."""

POSE_THREADS = 2
"""MediaPipe graphs, and threads tracking with them, in the mirror and the bench. One graph works on about
one core: alone here it gave 50 fps of 720p pose, two side by side 88-108 fps (pose only, two cores), and
in the whole pipeline taiji went from 32-34 to 41-44 fps (`mirror-app bench --compare --rounds 3`). Each
graph sees every other frame; after our smoothing the garment's anchors on taiji moved 1.3-2.3 px from
where one graph put them, and their frame-to-frame acceleration rose 9 % (7.3 -> 7.9 px RMS)."""
MAX_POSE_THREADS = 4  # each graph is about a core's work and 55-90 MiB more peak RSS (bench, taiji)


class TrackingSettings(BaseModel):
    """How pose tracking runs (see mirror_app/pipeline.py: ProcessingThread)."""

    model_config = _STRICT

    # MediaPipe graphs tracking side by side
    pose_threads: StrictInt = Field(default=POSE_THREADS, ge=1, le=MAX_POSE_THREADS)
    # MediaPipe's landmark model: "full", or "lite" (cheaper; for a camera that frames the whole body); read at start
    pose_model: PoseModelName = DEFAULT_POSE_MODEL


class GeneratorSettings(BaseModel):
    """How the garment generator runs (see mirror_app/generator/providers.py)."""

    model_config = _STRICT

    fp16: StrictBool = False  # TensorRT in half precision: faster for big learned models, 1-2 px steps at 1080p


class Config(BaseModel):
    """Everything in config.toml."""

    model_config = _STRICT

    pin_hash: str | None = None  # see mirror_app/pin.py; None: set on first use of the staff panel
    catalog: str | None = None  # catalog folder; None: the built-in catalog
    catalogs_root: str | None = None  # folder whose subfolders are offered as catalogs; None: XDG default
    camera: CameraSettings = Field(default_factory=CameraSettings)
    picture: PictureSettings = Field(default_factory=PictureSettings)
    generator: GeneratorSettings = Field(default_factory=GeneratorSettings)
    tracking: TrackingSettings = Field(default_factory=TrackingSettings)
    diagnostics: StrictBool = False
    staff_idle_minutes: float = Field(default=3.0, strict=True, ge=0.5, le=60.0)

    @field_validator("pin_hash")
    @classmethod
    def _readable_hash(cls, value: str | None) -> str | None:
        """A hand-edited hash that cannot be read would lock staff out; say so at load time."""
        if value is not None:
            problem = check_hash_format(value)
            if problem:
                raise ValueError(f"not a PIN hash ({problem}); make one with: python -m mirror_app.pin")
        return value

    def catalogs_root_path(self) -> Path:
        """The folder whose subfolders are the shop's catalogs."""
        if self.catalogs_root:
            return Path(self.catalogs_root).expanduser()
        return data_home() / "mirror" / "catalogs"


def _xdg(variable: str, fallback: str) -> Path:
    """An XDG base directory; relative or empty values are ignored, as the spec says."""
    value = os.environ.get(variable, "")
    if value and Path(value).is_absolute():
        return Path(value)
    return Path.home() / fallback


def config_home() -> Path:
    """$XDG_CONFIG_HOME, default ~/.config."""
    return _xdg("XDG_CONFIG_HOME", ".config")


def data_home() -> Path:
    """$XDG_DATA_HOME, default ~/.local/share."""
    return _xdg("XDG_DATA_HOME", ".local/share")


def config_path() -> Path:
    """Where the settings live."""
    return config_home() / "mirror" / CONFIG_NAME


@dataclass
class ConfigLoad:
    """The settings in force, where they came from, and what was wrong with the file (one line each)."""

    config: Config
    path: Path
    problems: list[str] = field(default_factory=list)
    exists: bool = False
    pin_unreadable: bool = False  # the file exists but its PIN could not be read: do not offer a new one

    @property
    def valid(self) -> bool:
        return not self.problems


def _loc(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _drop(data: dict[str, Any], loc: tuple[int | str, ...]) -> bool:
    """Remove the value at loc (a pydantic error location) so its default applies; False if not found."""
    node: Any = data
    for part in loc[:-1]:
        if isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return False
    if isinstance(node, dict) and loc and loc[-1] in node:
        del node[loc[-1]]
        return True
    return False


def _salvage(data: dict[str, Any], path: Path, problems: list[str]) -> tuple[Config, set[str]]:
    """Validate, dropping each bad field (its default applies) and reporting it; returns the bad top keys."""
    bad_top: set[str] = set()
    for _ in range(50):  # each round removes at least one value
        try:
            return Config.model_validate(data), bad_top
        except ValidationError as exc:
            removed = False
            for error in exc.errors(include_url=False):
                loc = tuple(error["loc"])
                message = "unknown setting (check its spelling)" if error["type"] == "extra_forbidden" else error["msg"]
                problems.append(f"{path} [{_loc(loc)}]: {message}; using the default")
                if loc:
                    bad_top.add(str(loc[0]))
                # e.g. a table given as a number has no sub-key to drop: drop the whole top-level key
                dropped = _drop(data, loc) or (len(loc) > 1 and _drop(data, loc[:1]))
                removed = removed or dropped
            if not removed:
                break
    problems.append(f"{path}: unusable; using the default settings")
    return Config(), {"pin_hash"}


def load_config(path: Path | None = None, warn: bool = True) -> ConfigLoad:
    """Read the settings; never raises for a bad file (defaults apply, problems say where and why).

    `warn=False` leaves the problems unlogged, for a reader whose caller reports them elsewhere.
    """
    path = path or config_path()
    load = ConfigLoad(Config(), path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return load
    except OSError as exc:
        load.exists = True
        load.pin_unreadable = True
        load.problems.append(f"{path}: cannot be read ({exc.strerror}); using the default settings")
        return load
    load.exists = True
    try:
        if size > MAX_CONFIG_BYTES:
            raise ValueError(f"larger than {MAX_CONFIG_BYTES // 1000} kB")
        data = tomllib.loads(path.read_bytes().decode("utf-8-sig"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, ValueError) as exc:
        load.pin_unreadable = True
        load.problems.append(f"{path}: not a valid settings file ({exc}); using the default settings")
    else:
        load.config, bad = _salvage(data, path, load.problems)
        load.pin_unreadable = "pin_hash" in bad
    for line in load.problems if warn else ():
        log.warning("config: %s", line)
    return load


def dump_config(config: Config) -> str:
    """The settings as TOML (unset optional values left out; TOML has no null)."""

    def drop_none(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: drop_none(v) for k, v in value.items() if v is not None}
        return value

    header = "# mirror settings, written by the staff panel; see docs/staff.md\n\n"
    return header + tomli_w.dumps(drop_none(config.model_dump()))


def _keep_bad_copy(path: Path) -> Path | None:
    """Before overwriting a file that did not load cleanly, keep it as config.toml.bad(-N)."""
    if not path.exists():
        return None
    if load_config_quiet(path):
        return None
    for n in range(1, 1000):
        copy = path.with_name(path.name + (".bad" if n == 1 else f".bad-{n}"))
        if not copy.exists():
            copy.write_bytes(path.read_bytes())
            log.warning("config: kept the invalid %s as %s", path, copy)
            return copy
    return None


def load_config_quiet(path: Path) -> bool:
    """Whether the file at path loads without problems."""
    return load_config(path, warn=False).valid


def save_config(config: Config, path: Path | None = None) -> Path | None:
    """Write the settings atomically; returns the copy kept of a previously invalid file, if any."""
    path = path or config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    kept = _keep_bad_copy(path)
    text = dump_config(config)
    fd, tmp = tempfile.mkstemp(prefix=".config-", suffix=".toml", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o600)  # the PIN hash is not for everyone's eyes
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return kept
