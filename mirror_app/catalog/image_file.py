"""Reading garment images defensively: sizes are checked from the header before anything is decoded."""

from __future__ import annotations

import os
import stat
import struct
from pathlib import Path

import cv2
import numpy as np

from mirror_app.catalog.problem import FixableError

MAX_IMAGE_BYTES = 50 * 1024 * 1024
MAX_IMAGE_SIDE = 8192
THUMBNAIL_HEIGHT = 128

_PERMISSIONS = "check the file permissions"
_SMALLER = "save a smaller version of the file"
_SAVE_AGAIN = "save the image again"
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# JPEG start-of-frame markers carry the dimensions; C4 (DHT), C8 (JPG) and CC (DAC) share the range.
_JPEG_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


class ImageFileError(FixableError):
    """An image that cannot be used, with a fix a person can act on."""


def _png_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from the IHDR chunk, which the PNG spec requires to come first."""
    if len(data) < 24 or data[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from the first SOF segment, walking the marker segments before it."""
    pos = 2
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            return None
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker in (0x01, 0xD8) or 0xD0 <= marker <= 0xD7:  # standalone markers
            pos += 2
            continue
        if marker == 0xD9:
            return None
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        if length < 2:
            return None
        if marker in _JPEG_SOF:
            if pos + 9 > len(data):
                return None
            height, width = struct.unpack(">HH", data[pos + 5 : pos + 9])
            return width, height
        pos += 2 + length
    return None


def _webp_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from the first WebP chunk (lossy, lossless or extended)."""
    if len(data) < 30:
        return None
    chunk = data[12:16]
    if chunk == b"VP8X":
        width = 1 + int.from_bytes(data[24:27], "little")
        height = 1 + int.from_bytes(data[27:30], "little")
        return width, height
    if chunk == b"VP8L" and data[20] == 0x2F:
        bits = int.from_bytes(data[21:25], "little")
        return 1 + (bits & 0x3FFF), 1 + ((bits >> 14) & 0x3FFF)
    if chunk == b"VP8 " and data[23:26] == b"\x9d\x01\x2a":
        width, height = struct.unpack("<HH", data[26:30])
        return width & 0x3FFF, height & 0x3FFF
    return None


def sniff_image(data: bytes) -> tuple[str, tuple[int, int] | None]:
    """The format name and header dimensions, so oversized images are refused before decoding."""
    if data.startswith(_PNG_SIGNATURE):
        return "PNG", _png_size(data)
    if data.startswith(b"\xff\xd8"):
        return "JPEG", _jpeg_size(data)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WebP", _webp_size(data)
    return "", None


def read_file_bytes(path: Path, limit: int) -> bytes:
    """Reads a regular file of at most `limit` bytes; FIFOs, devices and folders are refused unread."""
    try:
        info = path.stat()
    except FileNotFoundError as exc:
        raise ImageFileError("file not found", "check the name and that the file is in the catalog folder") from exc
    except OSError as exc:
        raise ImageFileError(f"cannot read file: {exc.strerror or exc}", _PERMISSIONS) from exc
    if not stat.S_ISREG(info.st_mode):
        raise ImageFileError("not a regular file", "point to an image file")
    if info.st_size > limit:
        raise ImageFileError(
            f"file is too large ({info.st_size / 1e6:.1f} MB, limit {limit / 1e6:.0f} MB)",
            _SMALLER,
        )
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise ImageFileError(f"cannot read file: {exc.strerror or exc}", _PERMISSIONS) from exc
    if len(data) > limit:
        raise ImageFileError("file grew past the size limit while reading", _SMALLER)
    return data


def _to_rgba_u8(image: np.ndarray) -> np.ndarray:
    """Any decoded layout (gray, gray+alpha, BGR, BGRA; 8 or 16 bit) as RGBA uint8, straight alpha."""
    if image.dtype == np.uint16:
        image = ((image.astype(np.uint32) + 128) // 257).astype(np.uint8)
    elif image.dtype != np.uint8:
        scale = 255.0 if np.issubdtype(image.dtype, np.floating) else 1.0
        image = np.clip(image.astype(np.float64) * scale, 0, 255).round().astype(np.uint8)
    if image.ndim == 2:
        image = image[:, :, None]
    channels = image.shape[2]
    if channels == 1:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2RGBA)
    if channels == 2:
        gray, alpha = image[:, :, 0], image[:, :, 1]
        return np.dstack([gray, gray, gray, alpha])
    if channels == 3:
        return cv2.cvtColor(image, cv2.COLOR_BGR2RGBA)
    if channels == 4:
        return cv2.cvtColor(image, cv2.COLOR_BGRA2RGBA)
    raise ImageFileError(f"unsupported channel count {channels}", "save the image as an RGBA PNG")


def decode_image(data: bytes) -> np.ndarray:
    """Bytes to RGBA uint8 (RGB order), refusing unknown formats and oversized images before decoding."""
    kind, size = sniff_image(data)
    if not kind:
        raise ImageFileError("not a PNG, JPEG or WebP image", "save the image as PNG (with transparency)")
    if size is None:
        raise ImageFileError(f"{kind} header is damaged or incomplete", _SAVE_AGAIN)
    width, height = size
    if width <= 0 or height <= 0:
        raise ImageFileError(f"{kind} header says the image is {width}x{height}", _SAVE_AGAIN)
    if width > MAX_IMAGE_SIDE or height > MAX_IMAGE_SIDE:
        raise ImageFileError(
            f"image is {width}x{height} px, larger than {MAX_IMAGE_SIDE} px on a side",
            "scale the image down (about 1000 px tall is plenty)",
        )
    buffer = np.frombuffer(data, dtype=np.uint8)
    try:
        image = cv2.imdecode(buffer, cv2.IMREAD_UNCHANGED)
    except cv2.error as exc:
        raise ImageFileError(f"{kind} data is corrupt ({exc.err})", _SAVE_AGAIN) from exc
    if image is None or image.size == 0:
        raise ImageFileError(f"{kind} data is corrupt or truncated", _SAVE_AGAIN)
    if image.shape[0] != height or image.shape[1] != width:
        raise ImageFileError(f"decoded size {image.shape[1]}x{image.shape[0]} does not match the header", _SAVE_AGAIN)
    return np.ascontiguousarray(_to_rgba_u8(image))


def read_rgba(path: Path) -> np.ndarray:
    """Reads an image file as RGBA uint8 (RGB order) within the size limits; raises ImageFileError."""
    return decode_image(read_file_bytes(path, MAX_IMAGE_BYTES))


def to_coverage(rgba: np.ndarray) -> np.ndarray:
    """A mask image as (H, W) uint8 coverage: its alpha if it has transparency, else its grey level.

    A colour image without transparency is refused: it is most likely the wrong file (e.g. the front itself).
    """
    alpha = rgba[:, :, 3]
    if (alpha < 255).any():
        return np.ascontiguousarray(alpha)
    red, green, blue = rgba[:, :, 0], rgba[:, :, 1], rgba[:, :, 2]
    if (red != green).any() or (green != blue).any():
        raise ImageFileError(
            "mask image is in colour and has no transparency",
            "save the mask as a greyscale PNG: white where it applies, black elsewhere",
        )
    return np.ascontiguousarray(red)


def make_thumbnail(rgba: np.ndarray, max_height: int = THUMBNAIL_HEIGHT) -> np.ndarray:
    """A small RGBA copy for the garment strip; resized premultiplied so edges don't get dark fringes."""
    height, width = rgba.shape[:2]
    scale = min(1.0, max_height / height)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    alpha = rgba[:, :, 3:4].astype(np.float32) / 255.0
    premultiplied = np.concatenate([rgba[:, :, :3].astype(np.float32) * alpha, alpha * 255.0], axis=2)
    small = cv2.resize(premultiplied, size, interpolation=cv2.INTER_AREA)
    small_alpha = small[:, :, 3:4] / 255.0
    rgb = np.where(small_alpha > 1e-6, small[:, :, :3] / np.maximum(small_alpha, 1e-6), 0.0)
    out = np.concatenate([rgb, small[:, :, 3:4]], axis=2)
    return np.clip(out, 0, 255).round().astype(np.uint8)
