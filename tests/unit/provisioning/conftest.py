"""Provisioning tests: the fake tenant lives in ``prov_fake_tenant.py``.

Putting this folder on ``sys.path`` keeps ``import prov_fake_tenant`` working under every
pytest import mode.
"""

from __future__ import annotations

import sys
from pathlib import Path

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)
