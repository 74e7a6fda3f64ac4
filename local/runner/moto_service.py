"""Start moto's server with persistent KMS keys (see `persistent_kms_moto.py`)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Final

from local import defaults
from local.services import RunningService
from local.services.ports import start_on_port
from local.services.process import launch

NAME: Final = "moto"
LAUNCHER: Final = Path(__file__).resolve().with_name("persistent_kms_moto.py")


def start_moto_with_persistent_keys(
    port: int,
    *,
    key_dir: Path,
    host: str = defaults.LOCAL_HOST,
    log_path: Path | None = None,
    ready_timeout: float = 30.0,
) -> RunningService:
    """moto's server on `host:port` (0: a free port); tagged KMS keys keep their material."""

    def start(chosen_port: int) -> RunningService:
        return launch(
            name=NAME,
            engine="moto (KMS key material under " + str(key_dir) + ")",
            command=[
                sys.executable,
                str(LAUNCHER),
                "--key-dir",
                str(key_dir),
                "--",
                "-H",
                host,
                "-p",
                str(chosen_port),
            ],
            host=host,
            port=chosen_port,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            log_path=log_path,
            ready_timeout=ready_timeout,
        )

    return start_on_port(NAME, host, port, start)
