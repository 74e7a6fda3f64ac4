"""The authorizer's cold start: the package must not pull in httpx, PyJWT or x509."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

LAYER = Path(__file__).resolve().parents[3] / "layers" / "shared"

PROBE = """
import sys
sys.path.insert(0, {layer!r})
import superoffice_app.tokens as tokens
ring = tokens.SessionKeyRing.generate()
keys = tokens.RemoteKeySet("https://example.com/jwks", ring.keyset())
validator = tokens.SessionTokenValidator("https://app", keys)
validator.validate(ring.issue(issuer="https://app", ctx="Cust1", associate_id=1, admin=False))
heavy = ("httpx", "jwt", "cryptography.x509", "cryptography.hazmat.primitives.serialization")
print(sorted(name for name in sys.modules if name.split(".")[0] in heavy or name in heavy
             or name.startswith(heavy)))
"""


def test_import_and_warm_validation_load_no_heavy_modules() -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(layer=str(LAYER))],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert result.stdout.strip() == "[]"
