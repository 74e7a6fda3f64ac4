"""Property tests: whatever comes in, verification ends in a TokenError (or, for the
untouched valid token only, in its payload)."""

from __future__ import annotations

import functools
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tokens_testkit import SO, b64u, jwks, make_jws, public_jwk, rsa_key

from superoffice_app.tokens import IdTokenValidator, KeySet, StaticKeys, TokenError, verify_jws

# Modest budgets keep the whole token suite well under 30 s on a 2-core machine; the
# signing properties get fewer examples because each one signs with RSA-2048.
FUZZ = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
FUZZ_SIGNED = settings(FUZZ, max_examples=150)
ALGORITHMS = ["RS256", "PS256", "ES256", "EdDSA"]
PAYLOAD = {"iss": "joe", "exp": 1300819380}
B64URL_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=8,
)
header_members = st.fixed_dictionaries(
    {},
    optional={
        "alg": st.sampled_from(
            ["RS256", "PS256", "ES256", "EdDSA", "none", "HS256", "RS1", "", "rs256"]
        )
        | json_values,
        "kid": st.sampled_from(["ours", "other", ""]) | json_values,
        "x5t": st.text(max_size=30) | json_values,
        "typ": st.sampled_from(["JWT", "so-session+jwt"]) | json_values,
        "crit": json_values,
        "jwk": json_values,
        "b64": json_values,
    },
)


@functools.cache
def keys() -> KeySet:
    return KeySet.from_jwks(jwks(public_jwk(rsa_key("ours"), kid="ours")))


def valid_token() -> str:
    return make_jws({"alg": "RS256", "kid": "ours"}, PAYLOAD, rsa_key("ours"))


def refused(token: Any) -> bool:
    try:
        verify_jws(token, keys(), ALGORITHMS)
    except TokenError:
        return True
    return False


@FUZZ
@given(st.text(max_size=300) | st.text(alphabet=B64URL_ALPHABET + ".=+/ ", max_size=300))
def test_arbitrary_text_is_refused(text: str) -> None:
    assert refused(text)


@FUZZ
@given(st.binary(max_size=200) | st.integers() | st.none() | st.lists(st.text(), max_size=3))
def test_arbitrary_non_text_is_refused(value: Any) -> None:
    assert refused(value)


@FUZZ
@given(
    header=header_members | json_values,
    payload=json_values | st.binary(max_size=64),
    signature=st.binary(max_size=300),
)
def test_arbitrary_three_part_assemblies_are_refused(
    header: Any, payload: Any, signature: bytes
) -> None:
    header_text = b64u(json.dumps(header).encode())
    payload_bytes = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    assert refused(f"{header_text}.{b64u(payload_bytes)}.{b64u(signature)}")


@FUZZ_SIGNED
@given(header=header_members, payload=json_values)
def test_headers_signed_with_our_key_verify_only_when_fully_acceptable(
    header: dict[str, Any], payload: Any
) -> None:
    # Properly signed with our key, arbitrary header members: accepted only when the
    # header is exactly what the rules allow.
    token = make_jws(header, json.dumps(payload), rsa_key("ours"), alg="RS256")
    # Without a kid an x5t finds nothing (our key has none); else the single key is used.
    key_found = header["kid"] == "ours" if "kid" in header else "x5t" not in header
    acceptable = (
        header.get("alg") == "RS256"
        and "crit" not in header
        and header.get("b64", True) is True
        and isinstance(header.get("x5t", ""), str)
        and key_found
    )
    if acceptable:
        assert verify_jws(token, keys(), ALGORITHMS) == json.dumps(payload).encode()
    else:
        assert refused(token)


mutations = st.one_of(
    st.tuples(st.just("replace"), st.integers(min_value=0), st.characters()),
    st.tuples(st.just("insert"), st.integers(min_value=0), st.characters()),
    st.tuples(st.just("delete"), st.integers(min_value=0), st.just("")),
    st.tuples(st.just("truncate"), st.integers(min_value=0), st.just("")),
    st.tuples(st.just("swap"), st.integers(min_value=0, max_value=2), st.just("")),
)


@FUZZ
@given(st.lists(mutations, min_size=1, max_size=4))
def test_mutations_of_a_valid_token_are_refused(steps: list[tuple[str, int, str]]) -> None:
    original = valid_token()
    token = original
    for kind, position, char in steps:
        index = position % (len(token) + 1)
        if kind == "replace" and token:
            index %= len(token)
            token = token[:index] + char + token[index + 1 :]
        elif kind == "insert":
            token = token[:index] + char + token[index:]
        elif kind == "delete" and token:
            index %= len(token)
            token = token[:index] + token[index + 1 :]
        elif kind == "truncate":
            token = token[:index]
        elif kind == "swap":
            parts = token.split(".")
            if len(parts) == 3:
                other = (position + 1) % 3
                parts[position], parts[other] = parts[other], parts[position]
                token = ".".join(parts)
    if token == original:
        assert (
            verify_jws(token, keys(), ALGORITHMS)
            == json.dumps(PAYLOAD, separators=(",", ":")).encode()
        )
    else:
        assert refused(token)


claim_names = st.sampled_from(
    [
        "iss",
        "aud",
        "exp",
        "nbf",
        "iat",
        "sub",
        "nonce",
        "azp",
        SO + "ctx",
        SO + "associateid",
        SO + "is_administrator",
        SO + "system_token",
        SO + "serial",
    ]
) | st.text(max_size=10)


@FUZZ_SIGNED
@given(
    st.dictionaries(
        claim_names,
        json_values
        | st.sampled_from(
            ["https://sod.superoffice.com", "client", "Cust1", "True", 2_000_000_000]
        ),
        max_size=10,
    )
)
def test_validators_return_claims_or_raise_token_errors(claims: dict[str, Any]) -> None:
    validator = IdTokenValidator(
        "https://sod.superoffice.com", "client", StaticKeys(keys()), clock=lambda: 1_900_000_000
    )
    token = make_jws({"alg": "RS256", "kid": "ours"}, json.dumps(claims), rsa_key("ours"))
    try:
        result = validator.validate(token)
    except TokenError:
        return
    assert result.ctx == claims[SO + "ctx"]
