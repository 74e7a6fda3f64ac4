"""moto's server with KMS keys that survive a restart: run by path, moto and stdlib only.

moto keeps everything in memory and draws every KMS key's id and AES key material at
random, so a key recreated after a restart could not open what the previous run sealed
(tenant secrets in DynamoDB Local, which does persist). moto 5.2 has neither
ImportKeyMaterial nor its `_custom_id_` tag convention for KMS keys, so this launcher
adds both for keys created with that tag:

- the key gets the tag's value as its id (moto's convention for other services);
- its key material is read from `<key dir>/<key id>.key`, created there (mode 0600) the
  first time, so every later run holds the same material and decrypts old ciphertexts.

Keys created without the tag behave exactly as in stock moto.

    python persistent_kms_moto.py --key-dir DIR -- -H 127.0.0.1 -p 5000
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import threading
from pathlib import Path
from typing import Any

CUSTOM_ID_TAG = "_custom_id_"
KEY_MATERIAL_BYTES = 32  # AES-256, what moto's master keys are
_KEY_ID = re.compile(r"^[A-Za-z0-9-]{1,64}$")


def _custom_id(tags: Any) -> str | None:
    for tag in tags or []:
        if isinstance(tag, dict) and tag.get("TagKey") == CUSTOM_ID_TAG:
            value = str(tag.get("TagValue", ""))
            if _KEY_ID.fullmatch(value) is None:
                raise ValueError(f"{CUSTOM_ID_TAG} {value!r} is not a usable key id")
            return value
    return None


def load_or_create_material(key_dir: Path, key_id: str) -> bytes:
    """The key's material from `key_dir`, written there first if this is its first run."""
    path = key_dir / f"{key_id}.key"
    with contextlib.suppress(FileExistsError):
        key_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(os.urandom(KEY_MATERIAL_BYTES))
    material = path.read_bytes()
    if len(material) != KEY_MATERIAL_BYTES:
        raise ValueError(f"{path} does not hold {KEY_MATERIAL_BYTES} bytes; delete it")
    return material


def install(key_dir: Path) -> None:
    """Patch moto's KMS backend as the module docstring describes."""
    from moto.kms import models, utils

    chosen = threading.local()
    # The function moto.kms.models imported from moto.kms.utils (and calls by that name).
    random_key_id = utils.generate_key_id

    def generate_key_id(multi_region: bool = False) -> str:
        custom = getattr(chosen, "key_id", None)
        return custom if custom is not None else random_key_id(multi_region)

    original_create_key = models.KmsBackend.create_key

    def create_key(self: models.KmsBackend, *arguments: Any, **keywords: Any) -> models.Key:
        tags = keywords.get("tags", arguments[4] if len(arguments) > 4 else None)
        custom = _custom_id(tags)
        if custom is None:
            return original_create_key(self, *arguments, **keywords)
        if custom in self.keys:
            return self.keys[custom]  # creating it again is a no-op, as for a stack update
        chosen.key_id = custom
        try:
            key = original_create_key(self, *arguments, **keywords)
        finally:
            chosen.key_id = None
        key.key_material = load_or_create_material(key_dir, custom)
        return key

    # Patched where moto looks the name up: a new Key calls generate_key_id from the
    # globals of moto.kms.models, which imports it there without exporting it.
    models.generate_key_id = generate_key_id  # type: ignore[attr-defined]
    # Replacing moto's method on its class is what this launcher is for.
    models.KmsBackend.create_key = create_key  # type: ignore[method-assign]


def main(argv: list[str]) -> None:
    if len(argv) < 3 or argv[0] != "--key-dir" or "--" not in argv:
        sys.stderr.write("usage: persistent_kms_moto.py --key-dir DIR -- <moto.server args>\n")
        sys.exit(2)
    install(Path(argv[1]))
    from moto.server import main as moto_main

    moto_main(argv[argv.index("--") + 1 :])


if __name__ == "__main__":
    main(sys.argv[1:])
