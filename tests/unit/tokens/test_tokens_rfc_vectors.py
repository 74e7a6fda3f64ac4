"""Known-answer tests: the published JWS examples of RFC 7515 and RFC 7520 must verify.

The tokens and keys are the RFCs' own (public example keys). A verifier that builds the
signing input differently, decodes keys wrongly or gets the ECDSA signature format wrong
fails here. Each vector is also checked to fail once one payload character changes.
"""

from __future__ import annotations

import pytest

from superoffice_app.tokens import InvalidSignatureError, TokenError, verify_jws

# RFC 7515 A.1-A.3 payload: {"iss":"joe",\r\n "exp":1300819380,\r\n "http://example.com/is_root":true}
RFC7515_PAYLOAD_B64 = (
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
)
RFC7515_PAYLOAD = b'{"iss":"joe",\r\n "exp":1300819380,\r\n "http://example.com/is_root":true}'

# RFC 7515 Appendix A.2: RS256.
RFC7515_A2_JWK = {
    "kty": "RSA",
    "n": (
        "ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddx"
        "HmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMs"
        "D1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSH"
        "SXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdV"
        "MTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8"
        "NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ"
    ),
    "e": "AQAB",
}
RFC7515_A2_JWS = (
    "eyJhbGciOiJSUzI1NiJ9."
    + RFC7515_PAYLOAD_B64
    + "."
    + "cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7"
    "AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4"
    "BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K"
    "0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqv"
    "hJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrB"
    "p0igcN_IoypGlUPQGe77Rw"
)

# RFC 7515 Appendix A.3: ES256 (P-256).
RFC7515_A3_JWK = {
    "kty": "EC",
    "crv": "P-256",
    "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
    "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0",
}
RFC7515_A3_JWS = (
    "eyJhbGciOiJFUzI1NiJ9."
    + RFC7515_PAYLOAD_B64
    + "."
    + "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSA"
    "pmWQxfKTUJqPP3-Kg6NU1Q"
)

# RFC 7515 Appendix A.4: ES512 (P-521), payload "Payload".
RFC7515_A4_JWK = {
    "kty": "EC",
    "crv": "P-521",
    "x": "AekpBQ8ST8a8VcfVOTNl353vSrDCLLJXmPk06wTjxrrjcBpXp5EOnYG_NjFZ6OvLFV1jSfS9tsz4qUxcWceqwQGk",
    "y": "ADSmRA43Z1DSNx_RvcLI87cdL07l6jQyyBXMoxVg_l2Th-x3S1WDhjDly79ajL4Kkd0AZMaZmh9ubmf63e3kyMj2",
}
RFC7515_A4_JWS = (
    "eyJhbGciOiJFUzUxMiJ9.UGF5bG9hZA."
    "AdwMgeerwtHoh-l192l60hp9wAHZFVJbLfD_UxMi70cwnZOYaRI1bKPWROc-mZZq"
    "wqT2SI-KGDKB34XO0aw_7XdtAG8GaSwFKdCAPZgoXD2YBJZCPEX3xKpRwcdOO8Kp"
    "EHwJjyqOgzDO7iKvU8vcnwNrmxYbSW9ERBXukOXolLzeO_Jn"
)

# RFC 7520 section 4: "It's a dangerous business, Frodo, ..." signed by Bilbo's keys.
RFC7520_PAYLOAD_B64 = (
    "SXTigJlzIGEgZGFuZ2Vyb3VzIGJ1c2luZXNzLCBGcm9kbywgZ29pbmcgb3V0IH"
    "lvdXIgZG9vci4gWW91IHN0ZXAgb250byB0aGUgcm9hZCwgYW5kIGlmIHlvdSBk"
    "b24ndCBrZWVwIHlvdXIgZmVldCwgdGhlcmXigJlzIG5vIGtub3dpbmcgd2hlcm"
    "UgeW91IG1pZ2h0IGJlIHN3ZXB0IG9mZiB0by4"
)
RFC7520_PAYLOAD = (
    "It\u2019s a dangerous business, Frodo, going out your door. You step onto the road, "
    "and if you don't keep your feet, there\u2019s no knowing where you might be swept off to."
).encode()
RFC7520_RSA_JWK = {  # RFC 7520 section 3.4 (public part)
    "kty": "RSA",
    "kid": "bilbo.baggins@hobbiton.example",
    "use": "sig",
    "n": (
        "n4EPtAOCc9AlkeQHPzHStgAbgs7bTZLwUBZdR8_KuKPEHLd4rHVTeT-O-XV2jRojdNhxJWTDvNd7nqQ0VEiZQHz_AJmSCp"
        "MaJMRBSFKrKb2wqVwGU_NsYOYL-QtiWN2lbzcEe6XC0dApr5ydQLrHqkHHig3RBordaZ6Aj-oBHqFEHYpPe7Tpe-OfVfHd1"
        "E6cS6M1FZcD1NNLYD5lFHpPI9bTwJlsde3uhGqC0ZCuEHg8lhzwOHrtIQbS0FVbb9k3-tVTU4fg_3L_vniUFAKwuCLqKnS2"
        "BYwdq_mzSnbLY7h_qixoR7jig3__kRhuaxwUkRz5iaiQkqgc5gHdrNP5zw"
    ),
    "e": "AQAB",
}
RFC7520_EC_JWK = {  # RFC 7520 section 3.2 (public part)
    "kty": "EC",
    "kid": "bilbo.baggins@hobbiton.example",
    "use": "sig",
    "crv": "P-521",
    "x": "AHKZLLOsCOzz5cY97ewNUajB957y-C-U88c3v13nmGZx6sYl_oJXu9A5RkTKqjqvjyekWF-7ytDyRXYgCF5cj0Kt",
    "y": "AdymlHvOiLxXkEhayXQnNCvDX4h9htZaCJN34kfmC6pV5OhQHiraVySsUdaQkAgDPrwQrJmbnX9cwlGfP-HqHZR1",
}
RFC7520_4_1_JWS = (  # RS256
    "eyJhbGciOiJSUzI1NiIsImtpZCI6ImJpbGJvLmJhZ2dpbnNAaG9iYml0b24uZXhhbXBsZSJ9."
    + RFC7520_PAYLOAD_B64
    + "."
    + "MRjdkly7_-oTPTS3AXP41iQIGKa80A0ZmTuV5MEaHoxnW2e5CZ5NlKtainoFmKZo"
    "pdHM1O2U4mwzJdQx996ivp83xuglII7PNDi84wnB-BDkoBwA78185hX-Es4JIwmD"
    "LJK3lfWRa-XtL0RnltuYv746iYTh_qHRD68BNt1uSNCrUCTJDt5aAE6x8wW1Kt9e"
    "Ro4QPocSadnHXFxnt8Is9UzpERV0ePPQdLuW3IS_de3xyIrDaLGdjluPxUAhb6L2"
    "aXic1U12podGU0KLUQSE_oI-ZnmKJ3F4uOZDnd6QZWJushZ41Axf_fcIe8u9ipH8"
    "4ogoree7vjbU5y18kDquDg"
)
RFC7520_4_2_JWS = (  # PS384
    "eyJhbGciOiJQUzM4NCIsImtpZCI6ImJpbGJvLmJhZ2dpbnNAaG9iYml0b24uZXhhbXBsZSJ9."
    + RFC7520_PAYLOAD_B64
    + "."
    + "cu22eBqkYDKgIlTpzDXGvaFfz6WGoz7fUDcfT0kkOy42miAh2qyBzk1xEsnk2IpN"
    "6-tPid6VrklHkqsGqDqHCdP6O8TTB5dDDItllVo6_1OLPpcbUrhiUSMxbbXUvdvW"
    "Xzg-UD8biiReQFlfz28zGWVsdiNAUf8ZnyPEgVFn442ZdNqiVJRmBqrYRXe8P_ij"
    "Q7p8Vdz0TTrxUeT3lm8d9shnr2lfJT8ImUjvAA2Xez2Mlp8cBE5awDzT0qI0n6ui"
    "P1aCN_2_jLAeQTlqRHtfa64QQSUmFAAjVKPbByi7xho0uTOcbH510a6GYmJUAfmW"
    "jwZ6oD4ifKo8DYM-X72Eaw"
)
RFC7520_4_3_JWS = (  # ES512
    "eyJhbGciOiJFUzUxMiIsImtpZCI6ImJpbGJvLmJhZ2dpbnNAaG9iYml0b24uZXhhbXBsZSJ9."
    + RFC7520_PAYLOAD_B64
    + "."
    + "AE_R_YZCChjn4791jSQCrdPZCNYqHXCTZH0-JZGYNlaAjP2kqaluUIIUnC9qvbu9"
    "Plon7KRTzoNEuT4Va2cmL1eJAQy3mtPBu_u_sDDyYjnAMDxXPn7XrT0lw-kvAD89"
    "0jl8e2puQens_IEKBpHABlsbEPX6sFY8OcGDqoRuBomu9xQ2"
)

VECTORS = [
    pytest.param(RFC7515_A2_JWS, RFC7515_A2_JWK, "RS256", RFC7515_PAYLOAD, id="rfc7515-A.2-RS256"),
    pytest.param(RFC7515_A3_JWS, RFC7515_A3_JWK, "ES256", RFC7515_PAYLOAD, id="rfc7515-A.3-ES256"),
    pytest.param(RFC7515_A4_JWS, RFC7515_A4_JWK, "ES512", b"Payload", id="rfc7515-A.4-ES512"),
    pytest.param(
        RFC7520_4_1_JWS, RFC7520_RSA_JWK, "RS256", RFC7520_PAYLOAD, id="rfc7520-4.1-RS256"
    ),
    pytest.param(
        RFC7520_4_2_JWS, RFC7520_RSA_JWK, "PS384", RFC7520_PAYLOAD, id="rfc7520-4.2-PS384"
    ),
    pytest.param(RFC7520_4_3_JWS, RFC7520_EC_JWK, "ES512", RFC7520_PAYLOAD, id="rfc7520-4.3-ES512"),
]


@pytest.mark.parametrize(("token", "jwk", "alg", "payload"), VECTORS)
def test_rfc_vector_verifies(token: str, jwk: dict[str, str], alg: str, payload: bytes) -> None:
    assert verify_jws(token, {"keys": [jwk]}, [alg]) == payload


@pytest.mark.parametrize(("token", "jwk", "alg", "payload"), VECTORS)
def test_rfc_vector_fails_once_the_payload_changes(
    token: str, jwk: dict[str, str], alg: str, payload: bytes
) -> None:
    header, body, signature = token.split(".")
    tampered = body[:5] + ("A" if body[5] != "A" else "B") + body[6:]
    with pytest.raises(InvalidSignatureError):
        verify_jws(f"{header}.{tampered}.{signature}", {"keys": [jwk]}, [alg])


@pytest.mark.parametrize(("token", "jwk", "alg", "payload"), VECTORS)
def test_rfc_vector_is_refused_when_its_algorithm_is_not_allowed(
    token: str, jwk: dict[str, str], alg: str, payload: bytes
) -> None:
    others = [name for name in ("RS256", "PS384", "ES256", "ES512") if name != alg]
    with pytest.raises(TokenError):
        verify_jws(token, {"keys": [jwk]}, others)


def test_rfc7520_rsa_vector_needs_the_rsa_key_not_the_ec_key_of_the_same_kid() -> None:
    # Bilbo's RSA and EC keys share one kid: the alg decides which one fits.
    jwks = {"keys": [RFC7520_EC_JWK, RFC7520_RSA_JWK]}
    assert verify_jws(RFC7520_4_1_JWS, jwks, ["RS256"]) == RFC7520_PAYLOAD
    assert verify_jws(RFC7520_4_3_JWS, jwks, ["ES512"]) == RFC7520_PAYLOAD
