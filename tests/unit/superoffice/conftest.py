"""SuperOffice client tests: fakes and keys live in ``so_testkit.py``.

Putting this folder on ``sys.path`` keeps ``import so_testkit`` working under every
pytest import mode.
"""

from __future__ import annotations

import sys
from pathlib import Path

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)
