"""The settings file: XDG location, round trip, and bad files that never stop the mirror nor get lost."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from mirror_app.config import Config, config_path, load_config, save_config
from mirror_app.pin import hash_pin


def test_location_follows_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    assert config_path() == tmp_path / "cfg" / "mirror" / "config.toml"
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("XDG_CONFIG_HOME")
    assert config_path() == tmp_path / "home" / ".config" / "mirror" / "config.toml"
    monkeypatch.setenv("XDG_CONFIG_HOME", "relative/dir")  # ignored, as the XDG spec says
    assert config_path() == tmp_path / "home" / ".config" / "mirror" / "config.toml"
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert Config().catalogs_root_path() == tmp_path / "data" / "mirror" / "catalogs"
    assert Config(catalogs_root="~/shop").catalogs_root_path() == tmp_path / "home" / "shop"


def test_missing_file_gives_defaults(tmp_path: Path) -> None:
    load = load_config(tmp_path / "none.toml")
    assert load.config == Config() and load.valid and not load.exists and not load.pin_unreadable


def test_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "mirror" / "config.toml"
    config = Config(pin_hash=hash_pin("2468"), catalog=str(tmp_path / "shop"), diagnostics=True)
    config.camera.name = "Logitech BRIO"
    config.camera.width, config.camera.height = 1920, 1080
    config.picture.mirror = False
    config.picture.folds_strength = 0.25
    assert save_config(config, path) is None
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # the PIN hash is private
    load = load_config(path)
    assert load.valid and load.exists
    assert load.config == config
    assert "catalogs_root" not in path.read_text()  # unset values are left out (TOML has no null)


def test_bad_field_names_file_and_field_and_keeps_the_rest(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    stored = hash_pin("2468")
    text = f'pin_hash = "{stored}"\ndiagnostics = "yes"\ncolour = 3\n[picture]\nmirror = false\nfolds_strength = 7.5\n'
    path.write_text(text)
    load = load_config(path)
    assert not load.valid
    joined = "\n".join(load.problems)
    assert str(path) in joined
    assert "[picture.folds_strength]" in joined and "[diagnostics]" in joined and "[colour]" in joined
    # Bad fields take their defaults; good ones stay, the PIN included.
    assert load.config.picture.folds_strength == Config().picture.folds_strength
    assert load.config.diagnostics is False
    assert load.config.picture.mirror is False
    assert load.config.pin_hash == stored and not load.pin_unreadable
    assert path.read_text() == text  # loading never touches the file
    # Saving keeps the bad file next to the new one.
    kept = save_config(load.config, path)
    assert kept == tmp_path / "config.toml.bad" and kept.read_text() == text
    assert load_config(path).valid
    assert save_config(load.config, path) is None  # a valid file is just replaced


def test_broken_toml_falls_back_to_defaults(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("pin_hash = \n[[[")
    load = load_config(path)
    assert load.config == Config()
    assert len(load.problems) == 1 and str(path) in load.problems[0] and "not a valid settings file" in load.problems[0]
    assert load.pin_unreadable  # the panel must not offer to set a new PIN over an unreadable one
    assert path.read_text() == "pin_hash = \n[[["


def test_bad_pin_hash_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('pin_hash = "1234"\n')
    load = load_config(path)
    assert load.config.pin_hash is None and load.pin_unreadable
    assert f"{path} [pin_hash]" in load.problems[0] and "python -m mirror_app.pin" in load.problems[0]


def test_second_bad_copy_gets_a_new_name(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    (tmp_path / "config.toml.bad").write_text("older")
    path.write_text("diagnostics = 1\n")
    assert save_config(Config(), path) == tmp_path / "config.toml.bad-2"
    assert (tmp_path / "config.toml.bad").read_text() == "older"


def test_generator_fp16_is_off_by_default_and_read_from_the_file(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    assert load_config(path).config.generator.fp16 is False
    path.write_text("[generator]\nfp16 = true\n")
    assert load_config(path).config.generator.fp16 is True
    path.write_text('[generator]\nfp16 = "yes"\n')
    load = load_config(path)
    assert load.config.generator.fp16 is False and any("fp16" in p for p in load.problems)


def test_pose_threads_default_to_two_and_a_bad_count_names_the_field(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    assert load_config(path).config.tracking.pose_threads == 2
    path.write_text("[tracking]\npose_threads = 1\n")
    assert load_config(path).config.tracking.pose_threads == 1
    path.write_text("[tracking]\npose_threads = 9\n")
    load = load_config(path)
    assert load.config.tracking.pose_threads == 2 and any("pose_threads" in p for p in load.problems)


def test_the_pose_model_is_full_by_default_and_a_bad_name_names_the_field(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    assert load_config(path).config.tracking.pose_model == "full"
    path.write_text('[tracking]\npose_model = "lite"\n')
    assert load_config(path).config.tracking.pose_model == "lite"
    path.write_text('[tracking]\npose_model = "heavy"\n')
    load = load_config(path)
    assert load.config.tracking.pose_model == "full" and any("pose_model" in p for p in load.problems)
