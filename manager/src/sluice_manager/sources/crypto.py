"""Credentials at rest: AES-GCM over JSON, one random 96-bit nonce per value.

A stored value is ``nonce || ciphertext`` (the ciphertext carries the 16-byte GCM tag). The key
comes from ``settings.secret_key`` (base64 of 32 bytes); when unset, a key is generated once into
``data_dir/secret.key`` (mode 0600), which is what an embedded, single-box deployment wants.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import os
import tempfile
from pathlib import Path
from typing import Any

import orjson
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from sluice_manager.errors import ManagerError
from sluice_manager.settings import ManagerSettings

NONCE_BYTES = 12
KEY_BYTES = 32
KEY_FILE = "secret.key"


class SecretBoxError(ManagerError):
    """A key that cannot be loaded, or a stored value that does not decrypt."""


class SecretBox:
    """Encrypts JSON values with one AES-256-GCM key."""

    def __init__(self, key: bytes) -> None:
        if len(key) != KEY_BYTES:
            raise SecretBoxError(f"secret key must be {KEY_BYTES} bytes, got {len(key)}")
        self._aead = AESGCM(key)

    def encrypt(self, obj: Any) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, orjson.dumps(obj), None)

    def decrypt(self, blob: bytes) -> Any:
        if len(blob) <= NONCE_BYTES:
            raise SecretBoxError("encrypted value is too short")
        try:
            plain = self._aead.decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], None)
        except InvalidTag as exc:
            raise SecretBoxError("encrypted value does not decrypt with this key") from exc
        return orjson.loads(plain)


def _decode_key(text: str) -> bytes:
    try:
        return base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise SecretBoxError("secret key is not valid base64") from exc


def _key_from_file(path: Path) -> bytes:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write a private temporary file, then hard-link it into place: the link either creates
        # the complete key file or fails because another process got there first, so no reader
        # ever sees a half-written key and two processes never end up with different keys.
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".secret-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(base64.b64encode(os.urandom(KEY_BYTES)) + b"\n")
            os.chmod(tmp, 0o600)
            with contextlib.suppress(FileExistsError):
                os.link(tmp, path)
        finally:
            os.unlink(tmp)
    return _decode_key(path.read_text("ascii"))


def load_secret_box(settings: ManagerSettings) -> SecretBox:
    """The configured key, else the key file in ``data_dir`` (generated on first use)."""
    if settings.secret_key:
        return SecretBox(_decode_key(settings.secret_key))
    return SecretBox(_key_from_file(Path(settings.data_dir) / KEY_FILE))
