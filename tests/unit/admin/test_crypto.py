"""Credentials at rest: AES-GCM with a fresh nonce per value; key from settings or a key file."""

import base64
import os
import stat
from pathlib import Path

import pytest

from sluice_manager.settings import ManagerSettings
from sluice_manager.sources.crypto import SecretBox, SecretBoxError, load_secret_box


def test_round_trip_and_fresh_nonce() -> None:
    box = SecretBox(os.urandom(32))
    secret = {"token": "s3cr3t-value", "n": [1, 2]}
    first, second = box.encrypt(secret), box.encrypt(secret)
    assert first != second  # a random nonce per value
    assert b"s3cr3t-value" not in first
    assert box.decrypt(first) == secret == box.decrypt(second)


def test_wrong_key_and_tampering_are_refused() -> None:
    blob = SecretBox(os.urandom(32)).encrypt({"a": 1})
    with pytest.raises(SecretBoxError):
        SecretBox(os.urandom(32)).decrypt(blob)
    with pytest.raises(SecretBoxError):
        SecretBox(os.urandom(32)).decrypt(blob[:5])


def test_key_from_settings(tmp_path: Path) -> None:
    key = os.urandom(32)
    settings = ManagerSettings(secret_key=base64.b64encode(key).decode(), data_dir=tmp_path)
    blob = load_secret_box(settings).encrypt("x")
    assert SecretBox(key).decrypt(blob) == "x"
    assert not (tmp_path / "secret.key").exists()


def test_key_file_generated_once_with_private_mode(tmp_path: Path) -> None:
    settings = ManagerSettings(data_dir=tmp_path / "data")
    blob = load_secret_box(settings).encrypt({"k": "v"})
    path = tmp_path / "data" / "secret.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_secret_box(settings).decrypt(blob) == {"k": "v"}  # same key on the next start


def test_bad_key_setting() -> None:
    with pytest.raises(SecretBoxError):
        load_secret_box(ManagerSettings(secret_key="not base64!"))
    with pytest.raises(SecretBoxError):
        load_secret_box(ManagerSettings(secret_key=base64.b64encode(b"short").decode()))
