"""The local session key ring: the layer's format, created once, private on disk."""

from __future__ import annotations

import stat
from pathlib import Path

from local.runner.session_keys import load_or_create_session_keys, session_keys_path
from superoffice_app.tokens import SessionKeyRing


def test_ring_is_created_once_in_the_layers_format(tmp_path: Path) -> None:
    first = load_or_create_session_keys(tmp_path)
    assert load_or_create_session_keys(tmp_path) == first
    ring = SessionKeyRing.from_json(first)
    assert ring.active_kid.startswith("s-")
    assert stat.S_IMODE(session_keys_path(tmp_path).stat().st_mode) == 0o600
