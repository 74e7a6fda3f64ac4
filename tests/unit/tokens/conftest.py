"""Token tests: shared keys and the raw JWS signer live in ``tokens_testkit.py``.

Putting this folder on ``sys.path`` keeps ``import tokens_testkit`` working under every
pytest import mode, not only the default one.
"""

from __future__ import annotations

import sys
from pathlib import Path

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)
