"""moto's server: KMS, Secrets Manager and SQS of the local stack (and DynamoDB without Java).

A subprocess (`python -m moto.server`), not moto's in-process ThreadedMotoServer: the
local stack's functions run in processes of their own and need a server that outlives
none of them; tests that hammer the store from many threads must not share their
interpreter (and its GIL) with the server that answers them; and a separate process
cannot leak moto's in-memory state or its botocore patches into the test process.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from local import defaults
from local.services.ports import start_on_port
from local.services.process import RunningService, launch

NAME = "moto"


def start_moto(
    port: int = defaults.MOTO_PORT,
    *,
    host: str = defaults.LOCAL_HOST,
    log_path: Path | None = None,
    ready_timeout: float = 30.0,
    name: str = NAME,
) -> RunningService:
    """Serve every AWS service moto emulates on `host:port` (port 0: any free port)."""

    def start(chosen_port: int) -> RunningService:
        return launch(
            name=name,
            engine="moto",
            command=[sys.executable, "-m", "moto.server", "-H", host, "-p", str(chosen_port)],
            host=host,
            port=chosen_port,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            log_path=log_path,
            ready_timeout=ready_timeout,
        )

    return start_on_port(name, host, port, start)
