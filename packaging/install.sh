#!/usr/bin/env bash
# Installs mirror on a fresh Debian/Ubuntu machine: the system libraries the Qt window and ModernGL need,
# a Python 3.11 virtual environment in .venv with the pinned dependencies, then checks the models load.
# Safe to run again: it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

APT_PACKAGES=(
  # Qt's xcb platform plugin (and a virtual display for tests and headless machines)
  xvfb xauth libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-render-util0 libxcb-xinerama0 libxcb-xkb1
  libxkbcommon0 libxkbcommon-x11-0 libxcb-cursor0 libxcb-shape0 libxcb-randr0 libfontconfig1 libdbus-1-3
  # OpenGL for ModernGL: Mesa (llvmpipe when there is no GPU) through GLX in the window and EGL headless
  libgl1 libegl1 libegl-mesa0 libgl1-mesa-dri libgles2 libglib2.0-0
)

if command -v apt-get >/dev/null 2>&1; then
  missing=()
  for pkg in "${APT_PACKAGES[@]}"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  if ! command -v python3.11 >/dev/null 2>&1; then missing+=(python3.11 python3.11-venv); fi
  if [ "${#missing[@]}" -gt 0 ]; then
    echo "mirror: installing system packages: ${missing[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
else
  echo "mirror: apt-get not found; install the equivalents of: ${APT_PACKAGES[*]}" >&2
fi

PY=$(command -v python3.11 || true)
if [ -z "$PY" ]; then
  echo "mirror: Python 3.11 is required (package python3.11); install it and run this script again" >&2
  exit 1
fi

if [ ! -x .venv/bin/python ]; then
  echo "mirror: creating .venv with $PY"
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
echo "mirror: installing Python dependencies (pinned in pyproject.toml)"
.venv/bin/python -m pip install -q -e ".[dev]"

# The pose model ships in models/; check it and the generator load, and which provider runs.
.venv/bin/mirror-app models check
echo "mirror: installed. Run the mirror with .venv/bin/mirror-app (tests: .venv/bin/pytest)"
