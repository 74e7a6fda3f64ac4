"""The one place the app builds boto3 clients: short timeouts, few retries, then an outage.

botocore's defaults (60 s to connect, 60 s to read, up to 5 or 10 attempts) let one
unreachable DynamoDB, KMS or Secrets Manager hold a request for minutes: far past API
Gateway's 30 s, so the browser got a gateway error, or a 403 where a read timed out. With
these clients an unreachable or slow service fails within seconds, as an error that
``superoffice_app.outages.is_outage`` recognises, and the caller says "temporarily
unavailable" (503 with ``Retry-After``) while there is still time to say it.

``client(service)`` is what every function uses; ``config(service)`` is the same settings
as a ``botocore.config.Config`` for code that builds its own client (Powertools'
``SecretsProvider(boto_config=...)``). boto3 and botocore are imported on first use, so
importing this module costs nothing (the authorizer never builds a client at all).

The numbers (docs/decisions.md, "AWS clients fail within seconds"):

* every service: connect (TLS included) within 1 s, each answer within 3 s, 3 attempts
  in standard retry mode (jittered backoff, a retry quota per client). DynamoDB, KMS
  and SQS answer in milliseconds, so 3 s is far above a healthy answer; the worst case,
  about 12 s, leaves a request of RedirectCallbackFunction (29 s) room for a second slow
  call and the 503 page, inside API Gateway's 30 s.
* Secrets Manager: 0.5 s to connect, 1.5 s to answer, 2 attempts, about 4 s at worst.
  The session JWKS route reads it, and the authorizer downloads that route with a 6 s
  timeout (``tokens.fetch``): the route must answer 503 before the authorizer gives up.
  Its secrets are cached for minutes (``app_secrets``), so it is rarely called at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

__all__ = ["DEFAULT_LIMITS", "LIMITS", "ClientLimits", "client", "config", "limits_for"]


@dataclass(frozen=True)
class ClientLimits:
    """How long a client waits and how often it tries before the call fails."""

    connect_timeout_seconds: float
    read_timeout_seconds: float
    max_attempts: int  # the first attempt included

    @property
    def worst_case_seconds(self) -> float:
        """Time until a call to a service that does not answer fails, at most.

        Each attempt may use up both timeouts (connecting, TLS included, then waiting);
        botocore's standard mode waits at most a tenth of a second between attempts of
        errors that are not throttling (throttling answers come fast).
        """
        waits = self.connect_timeout_seconds + self.read_timeout_seconds
        return self.max_attempts * waits + 0.1 * (self.max_attempts - 1)


DEFAULT_LIMITS: Final = ClientLimits(
    connect_timeout_seconds=1.0, read_timeout_seconds=3.0, max_attempts=3
)
# Per service, by boto3's service name; the rest get DEFAULT_LIMITS.
LIMITS: Final = {
    "secretsmanager": ClientLimits(
        connect_timeout_seconds=0.5, read_timeout_seconds=1.5, max_attempts=2
    ),
}


def limits_for(service: str) -> ClientLimits:
    return LIMITS.get(service, DEFAULT_LIMITS)


def config(service: str) -> Any:
    """A ``botocore.config.Config`` with ``service``'s limits (standard retry mode)."""
    from botocore.config import Config  # type: ignore[import-untyped]  # noqa: PLC0415

    limits = limits_for(service)
    return Config(
        connect_timeout=limits.connect_timeout_seconds,
        read_timeout=limits.read_timeout_seconds,
        # total_max_attempts counts the first attempt; botocore's max_attempts does not.
        retries={"mode": "standard", "total_max_attempts": limits.max_attempts},
    )


def client(service: str) -> Any:
    """``boto3.client(service)`` with the limits above.

    Endpoint, region and credentials come from the environment as usual
    (``AWS_ENDPOINT_URL_<SERVICE>`` points them at the local emulators).
    """
    import boto3  # type: ignore[import-untyped]  # noqa: PLC0415

    return boto3.client(service, config=config(service))
