"""The default JWKS download: one bounded HTTPS GET.

httpx is imported inside the function: the Lambda authorizer imports this package on
every cold start but downloads keys rarely (only for a kid it does not know), so it
should not pay httpx's import time up front.
"""

from __future__ import annotations

import time
from typing import Final

from .encoding import loads_strict
from .errors import KeySetError

__all__ = ["FETCH_TIMEOUT_SECONDS", "MAX_JWKS_BYTES", "fetch_jwks"]

# A download happens once per instance, every few minutes for the session keys, and
# after an unknown kid at most every 30 s, so it may take a while rather than deny a real
# user; it leaves 4 s of the authorizer's 10 s for its start and the decision. Locally
# each call is a new process and a key endpoint can take 4 s. The session JWKS route
# gives up on Secrets Manager within about 4 s (aws_clients) and answers 503 before this.
FETCH_TIMEOUT_SECONDS: Final = 6.0
MAX_JWKS_BYTES: Final = 256 * 1024


def fetch_jwks(url: str) -> dict[str, object]:
    """GET ``url`` and return the JSON object it serves, or raise ``KeySetError``.

    No redirects (a key URL that moves is a configuration change, not something to
    follow), no compression (a small compressed body can inflate to gigabytes), at most
    ``MAX_JWKS_BYTES`` of body and at most ``FETCH_TIMEOUT_SECONDS`` in all, so a slow or
    hostile server cannot hold a request handler for long.
    """
    import httpx  # noqa: PLC0415 -- lazily, see the module docstring

    deadline = time.monotonic() + FETCH_TIMEOUT_SECONDS
    body = bytearray()
    try:
        with (
            httpx.Client(timeout=FETCH_TIMEOUT_SECONDS, follow_redirects=False) as client,
            client.stream(
                "GET",
                url,
                headers={"Accept": "application/json", "Accept-Encoding": "identity"},
            ) as response,
        ):
            if response.status_code != 200:
                raise KeySetError("JWKS endpoint did not answer 200")
            encoding = response.headers.get("content-encoding", "identity").strip().lower()
            if encoding != "identity":
                raise KeySetError("JWKS response is compressed")
            declared = response.headers.get("content-length")
            if declared is not None and (not declared.isdigit() or int(declared) > MAX_JWKS_BYTES):
                raise KeySetError("JWKS response too large")
            for chunk in response.iter_raw():
                body += chunk
                if len(body) > MAX_JWKS_BYTES:
                    raise KeySetError("JWKS response too large")
                if time.monotonic() > deadline:
                    raise KeySetError("JWKS download too slow")
    except httpx.HTTPError as exc:
        raise KeySetError(f"JWKS download failed ({type(exc).__name__})") from None
    try:
        document = loads_strict(bytes(body))
    except ValueError:
        raise KeySetError("JWKS response is not JSON") from None
    if not isinstance(document, dict):
        raise KeySetError("JWKS response is not a JSON object")
    return document
