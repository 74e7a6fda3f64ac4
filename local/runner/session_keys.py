"""The app's session key ring in the local environment, generated once and kept on disk.

Deployed stacks keep it in Secrets Manager; locally moto forgets its secrets on restart, so
the ring lives in `<state dir>/app/session-keys.json` (mode 0600) and is put into moto at
every start: session cookies issued before a restart stay valid after it.

The JSON is the layer's `SessionKeyRing.to_json()` format (`{"keys": [{"kid",
"private_key_pem"}]}`), written here with `cryptography` directly because the runner does
not import the layer (the functions do, in their own processes).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
from pathlib import Path
from typing import Final

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

FILE_NAME: Final = "session-keys.json"
_FILE_MODE: Final = 0o600


def session_keys_path(state_dir: Path) -> Path:
    return state_dir / "app" / FILE_NAME


def new_session_key_ring_json() -> str:
    """A ring with one new P-256 key, as `SessionKeyRing.generate().to_json()` writes it."""
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")
    kid = "s-" + secrets.token_urlsafe(9)
    return json.dumps({"keys": [{"kid": kid, "private_key_pem": pem}]}, indent=2)


def load_or_create_session_keys(state_dir: Path) -> str:
    """The ring's JSON from the state dir, created there (exactly once) on first use."""
    path = session_keys_path(state_dir)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    with contextlib.suppress(FileExistsError):
        # O_EXCL: of two runners starting at once, one writes and both read its ring.
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, _FILE_MODE)
        with os.fdopen(descriptor, "w", encoding="ascii") as stream:
            stream.write(new_session_key_ring_json())
    text = path.read_text("ascii")
    if not text.strip():
        raise ValueError(f"{path} is empty; delete it to generate a new session key ring")
    return text
