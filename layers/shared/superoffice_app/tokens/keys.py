"""Key sets and where they come from.

``KeySet`` is an immutable collection of parsed keys, indexed by ``kid`` and ``x5t``.
A ``KeyProvider`` hands the validators the current set and can be asked to refresh it
when a token names a key it does not have: ``StaticKeys`` never changes (the app's own
session keys, tests), ``RemoteKeySet`` adds a publisher's JWKS, downloaded lazily and at
most once per cooldown, so a flood of tokens with made-up ``kid`` values costs one
download, not one per token. Given a refresh interval and a maximum staleness, it also
downloads again when its keys are old, keeps the last good keys while downloads fail,
and stops trusting them once they are too old (fails closed).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Final, Protocol

from superoffice_app.urls import split_url

from .errors import KeySetError
from .fetch import fetch_jwks
from .jwk import JsonWebKey, parse_jwk

__all__ = ["MIN_COOLDOWN_SECONDS", "KeyProvider", "KeySet", "RemoteKeySet", "StaticKeys"]

MIN_COOLDOWN_SECONDS: Final = 30.0
_LOOPBACK_HOSTS: Final = frozenset({"127.0.0.1", "localhost", "::1"})

_log = logging.getLogger(__name__)


class KeySet:
    """An immutable set of verification keys, in publication order, without duplicates."""

    __slots__ = ("_by_kid", "_by_x5t", "_keys")

    _keys: tuple[JsonWebKey, ...]
    _by_kid: dict[str, tuple[JsonWebKey, ...]]
    _by_x5t: dict[str, tuple[JsonWebKey, ...]]

    def __init__(self, keys: Iterable[JsonWebKey] = ()) -> None:
        unique = tuple(dict.fromkeys(keys))  # drops exact duplicates, keeps the order
        by_kid: dict[str, list[JsonWebKey]] = {}
        by_x5t: dict[str, list[JsonWebKey]] = {}
        for key in unique:
            if key.kid is not None:
                by_kid.setdefault(key.kid, []).append(key)
            if key.x5t is not None:
                by_x5t.setdefault(key.x5t, []).append(key)
        object.__setattr__(self, "_keys", unique)
        object.__setattr__(self, "_by_kid", {k: tuple(v) for k, v in by_kid.items()})
        object.__setattr__(self, "_by_x5t", {k: tuple(v) for k, v in by_x5t.items()})

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("KeySet is immutable")

    @classmethod
    def from_jwks(cls, jwks: object) -> KeySet:
        """Parse a JWKS document; entries that are malformed or unusable are skipped.

        Raises ``KeySetError`` when ``jwks`` is not an object with a ``keys`` list.
        """
        if not isinstance(jwks, Mapping):
            raise KeySetError("JWKS is not a JSON object")
        entries = jwks.get("keys")
        if not isinstance(entries, list):
            raise KeySetError("JWKS has no keys list")
        return cls(key for key in map(parse_jwk, entries) if key is not None)

    @classmethod
    def from_certificate_pem(
        cls, pem: str | bytes, *, kid: str | None = None, alg: str | None = None
    ) -> KeySet:
        """A key set holding the public key of one PEM certificate.

        For SuperOffice's federated-login certificates, whose id_tokens name the key by
        ``x5t`` (the certificate's SHA-1 thumbprint). Only the public key and the
        thumbprint are taken: the certificate's dates and issuer mean nothing here, the
        certificate is trusted because it is configured. Raises ``ValueError`` for
        anything that is not a PEM certificate with an RSA key.
        """
        # One certificate reader for the whole layer (a DER walk, no x509 import).
        from superoffice_app.certificates import jwk_from_certificate_pem  # noqa: PLC0415

        jwk = jwk_from_certificate_pem(pem)
        members: dict[str, object] = {name: jwk[name] for name in ("kty", "n", "e", "x5t", "x5c")}
        if kid is not None:
            members["kid"] = kid
        if alg is not None:
            members["alg"] = alg
        key = parse_jwk(members)
        if key is None:
            raise ValueError("certificate key is not usable")
        return cls((key,))

    def merge(self, other: KeySet) -> KeySet:
        """This set's keys followed by ``other``'s, exact duplicates dropped."""
        if not other._keys:
            return self
        if not self._keys:
            return other
        return KeySet(self._keys + other._keys)

    @property
    def keys(self) -> tuple[JsonWebKey, ...]:
        return self._keys

    def with_kid(self, kid: str) -> tuple[JsonWebKey, ...]:
        return self._by_kid.get(kid, ())

    def with_x5t(self, x5t: str) -> tuple[JsonWebKey, ...]:
        return self._by_x5t.get(x5t, ())

    def to_public_jwks(self) -> dict[str, object]:
        """A JWKS document of the public members only (never private parameters)."""
        return {"keys": [_copy_members(key.public_jwk) for key in self._keys]}

    def __len__(self) -> int:
        return len(self._keys)

    def __iter__(self) -> Iterator[JsonWebKey]:
        return iter(self._keys)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, KeySet):
            return NotImplemented
        return self._keys == other._keys

    def __hash__(self) -> int:
        return hash(self._keys)

    def __repr__(self) -> str:
        names = [key.kid or key.x5t or key.kty for key in self._keys]
        return f"KeySet({names!r})"


def _copy_members(members: Mapping[str, object]) -> dict[str, object]:
    # Lists are copied too, so a caller editing the document cannot change our keys.
    return {
        name: list(value) if isinstance(value, list) else value for name, value in members.items()
    }


class KeyProvider(Protocol):
    """Where a validator gets its keys."""

    def current(self) -> KeySet:
        """The keys to verify with now."""
        ...

    def refresh(self) -> bool:
        """Try to get newer keys; True when the set was replaced."""
        ...


class StaticKeys:
    """A fixed key set: ``refresh`` never changes anything."""

    __slots__ = ("_keys",)

    def __init__(self, keys: KeySet) -> None:
        self._keys = keys

    def current(self) -> KeySet:
        return self._keys

    def refresh(self) -> bool:
        return False

    def __repr__(self) -> str:
        return f"StaticKeys({self._keys!r})"


class RemoteKeySet:
    """Configured keys plus a publisher's JWKS, refreshed on demand, rate limited.

    ``current()`` is ``published`` merged with the last JWKS that downloaded and parsed
    well. Nothing is downloaded until a token names an unknown key (the validator calls
    ``refresh()``), except when ``published`` is empty: then the first ``current()``
    downloads, since there would be nothing to verify with.

    ``refresh()`` downloads at most once per ``cooldown_seconds`` (30 s at least) whatever
    the outcome: a failed download (network, status, size, not a JWKS, no usable key)
    keeps the last good keys and still counts, so an unreachable or hostile endpoint is
    not hammered. Safe to share between threads.

    With ``refresh_after_seconds``, ``current()`` also downloads again (cooldown still
    applies) once the downloaded keys are that old, so a key withdrawn from the JWKS stops
    verifying within that time. With ``max_stale_seconds`` as well, downloaded keys older
    than that are dropped (only ``published`` remains): while downloads fail, tokens keep
    verifying with the last good keys, but not forever.
    """

    def __init__(
        self,
        url: str,
        published: KeySet,
        *,
        fetch: Callable[[str], Mapping[str, object]] | None = None,
        cooldown_seconds: float = MIN_COOLDOWN_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        refresh_after_seconds: float | None = None,
        max_stale_seconds: float | None = None,
    ) -> None:
        if not cooldown_seconds >= MIN_COOLDOWN_SECONDS:  # also refuses NaN
            raise ValueError(f"cooldown_seconds must be at least {MIN_COOLDOWN_SECONDS}")
        if refresh_after_seconds is not None and not refresh_after_seconds >= cooldown_seconds:
            raise ValueError("refresh_after_seconds must be at least the cooldown")
        if max_stale_seconds is not None and not (
            refresh_after_seconds is not None and max_stale_seconds > refresh_after_seconds
        ):
            raise ValueError("max_stale_seconds needs a shorter refresh_after_seconds")
        _check_url(url)
        if fetch is None:
            fetch = fetch_jwks  # imports httpx only when it first downloads
        self._url = url
        self._published = published
        self._fetch = fetch
        self._cooldown = float(cooldown_seconds)
        self._clock = clock
        self._lock = threading.Lock()
        self._refresh_after = refresh_after_seconds
        self._max_stale = max_stale_seconds
        self._current = published
        self._last_attempt: float | None = None
        self._downloaded_at: float | None = None  # the last download that gave keys
        self._fetch_count = 0

    @property
    def url(self) -> str:
        return self._url

    @property
    def fetch_count(self) -> int:
        """Download attempts so far, failed ones included."""
        return self._fetch_count

    def current(self) -> KeySet:
        if self._last_attempt is None and not len(self._published):
            self.refresh()
        elif self._refresh_after is not None and self._age() >= self._refresh_after:
            self.refresh()  # at most once per cooldown; a failure keeps the keys
        if self._max_stale is not None and self._age() > self._max_stale:
            return self._published  # too old to trust: fail closed
        return self._current

    def _age(self) -> float:
        """Seconds since the last download that gave keys (infinite: never)."""
        downloaded_at = self._downloaded_at
        return float("inf") if downloaded_at is None else self._clock() - downloaded_at

    def refresh(self) -> bool:
        with self._lock:
            now = self._clock()
            if self._last_attempt is not None and now - self._last_attempt < self._cooldown:
                return False
            self._last_attempt = now
            self._fetch_count += 1
            try:
                fetched = KeySet.from_jwks(self._fetch(self._url))
            except Exception as exc:  # any failure keeps the last good keys
                _log.warning("JWKS refresh failed: %s", _describe(exc))
                return False
            if not len(fetched):
                _log.warning("JWKS refresh failed: no usable key in the document")
                return False
            self._current = self._published.merge(fetched)
            self._downloaded_at = now
            return True

    def __repr__(self) -> str:
        return f"RemoteKeySet({self._url!r}, keys={len(self._current)})"


def _describe(exc: Exception) -> str:
    # Our own errors carry safe messages; for anything else the type name is enough.
    if isinstance(exc, KeySetError):
        return str(exc)
    return type(exc).__name__


def _check_url(url: str) -> None:
    try:
        parts = split_url(url)
    except ValueError:
        parts = None
    if parts is not None and parts.scheme == "https" and parts.hostname:
        return
    if parts is not None and parts.scheme == "http" and parts.hostname in _LOOPBACK_HOSTS:
        return  # the local stack and tests serve keys on the loopback interface
    raise ValueError("JWKS url must be https (http only on the loopback interface)")
