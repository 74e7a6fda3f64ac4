"""The validators, fed with tokens made by PyJWT (an independent implementation)."""

from __future__ import annotations

import json
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from tokens_testkit import SO, ec_key, jwks, make_jws, public_jwk, rsa_key

from superoffice_app.tokens import (
    ExpiredTokenError,
    IdTokenValidator,
    InvalidAudienceError,
    InvalidClaimError,
    InvalidIssuerError,
    InvalidNonceError,
    KeyNotFoundError,
    KeySet,
    MalformedTokenError,
    MissingClaimError,
    NotYetValidError,
    Secret,
    SessionKeyRing,
    SessionTokenValidator,
    StateChangeTokenValidator,
    StaticKeys,
    SystemUserTokenValidator,
    TokenError,
    UnsupportedAlgorithmError,
)

ISSUER = "https://sod.superoffice.com"
CLIENT_ID = "0123456789abcdef"
APP = "https://app.example.com"
NOW = 1_700_000_000
X5T = "FrexjD-asGiFqADGTmTJfEq16Yw"
SYSTEM_TOKEN = "MyApp-8k8Q7DmBgo"
TICKET = "7T:dGhpcyBpcyBhIHRpY2tldA=="


def clock() -> float:
    return NOW


def superoffice_keys() -> StaticKeys:
    # As SuperOffice publishes it: x5t, no kid.
    return StaticKeys(
        KeySet.from_jwks(jwks(public_jwk(rsa_key("superoffice"), use="sig", x5t=X5T)))
    )


def superoffice_token(claims: dict[str, Any], headers: dict[str, Any] | None = None) -> str:
    return jwt.encode(
        claims,
        rsa_key("superoffice"),
        algorithm="RS256",
        headers={"x5t": X5T} if headers is None else headers,
    )


def id_claims(**changes: Any) -> dict[str, Any]:
    claims: dict[str, Any] = {
        "iss": ISSUER,
        "aud": CLIENT_ID,
        "sub": "jane@example.com",
        "iat": str(NOW - 10),  # SuperOffice sends iat as a digit string
        "nbf": NOW - 10,
        "exp": NOW + 290,
        "nonce": "n-0S6_WzA2Mj",
        SO + "ctx": "Cust12345",
        SO + "serial": "1234567890",
        SO + "webapi_url": "https://sod.superoffice.com/Cust12345/api",
        SO + "netserver_url": "https://sod.superoffice.com/Cust12345/Remote/Services88",
        SO + "system_token": SYSTEM_TOKEN,
        SO + "is_administrator": "True",
        SO + "associateid": "5",
        SO + "company_name": "Example AS",
        SO + "email": "jane@example.com",
        SO + "upn": "jane@example.com",
        SO + "identityprovider": "SuperOffice AS",
        SO + "initials": "JD",
        SO + "so_primary_email_address": "jane.primary@example.com",
    }
    for name, value in changes.items():
        claims.pop(name, None)
        if value is not DROP:
            claims[name] = value
    return claims


DROP = object()


def id_validator(**options: Any) -> IdTokenValidator:
    return IdTokenValidator(ISSUER, CLIENT_ID, superoffice_keys(), clock=clock, **options)


# --- id_token ----------------------------------------------------------------------------


def test_id_token_every_superoffice_claim_is_parsed() -> None:
    claims = id_validator().validate(superoffice_token(id_claims()), nonce="n-0S6_WzA2Mj")
    assert claims.sub == "jane@example.com"
    assert claims.ctx == "Cust12345"
    assert claims.serial == "1234567890"
    assert claims.webapi_url == "https://sod.superoffice.com/Cust12345/api"
    assert claims.netserver_url == "https://sod.superoffice.com/Cust12345/Remote/Services88"
    assert claims.is_administrator is True
    assert claims.associate_id == 5
    assert claims.company_name == "Example AS"
    assert claims.email == "jane@example.com"
    assert claims.upn == "jane@example.com"
    assert claims.identity_provider == "SuperOffice AS"
    assert claims.initials == "JD"
    assert claims.primary_email == "jane.primary@example.com"
    assert claims.nonce == "n-0S6_WzA2Mj"
    assert claims.issued_at == NOW - 10
    assert claims.expires_at == NOW + 290
    assert isinstance(claims.system_token, Secret)
    assert claims.system_token.reveal() == SYSTEM_TOKEN


def test_id_token_optional_claims_may_be_absent() -> None:
    optional = [
        "nonce",
        "nbf",
        SO + "serial",
        SO + "webapi_url",
        SO + "netserver_url",
        SO + "system_token",
        SO + "is_administrator",
        SO + "associateid",
        SO + "company_name",
        SO + "email",
        SO + "upn",
        SO + "identityprovider",
        SO + "initials",
        SO + "so_primary_email_address",
    ]
    claims = id_validator().validate(superoffice_token(id_claims(**dict.fromkeys(optional, DROP))))
    assert claims.system_token is None
    assert claims.is_administrator is False
    assert claims.associate_id is None
    assert claims.serial is None
    assert claims.nonce is None


def test_id_token_system_token_never_shows_in_repr_or_str() -> None:
    claims = id_validator().validate(superoffice_token(id_claims()))
    for text in (repr(claims), str(claims), f"{claims}", f"{claims.system_token}"):
        assert SYSTEM_TOKEN not in text
    assert "Secret('***')" in repr(claims)


@pytest.mark.parametrize("iat", [str(NOW), NOW, float(NOW), "0", "1581665207"])
def test_id_token_iat_may_be_a_number_or_a_digit_string(iat: Any) -> None:
    assert id_validator().validate(superoffice_token(id_claims(iat=iat))).ctx == "Cust12345"


@pytest.mark.parametrize("iat", ["12a", "", " 123", "123 ", "-5", "1.5", "١٢٣", True, None, [NOW]])
def test_id_token_iat_must_be_numeric_or_digits_only(iat: Any) -> None:
    with pytest.raises((InvalidClaimError, MissingClaimError)):
        id_validator().validate(superoffice_token(id_claims(iat=iat)))


def test_id_token_iat_is_required() -> None:
    with pytest.raises(MissingClaimError):
        id_validator().validate(superoffice_token(id_claims(iat=DROP)))


def test_id_token_nonce_must_match_when_given() -> None:
    token = superoffice_token(id_claims())
    assert id_validator().validate(token, nonce="n-0S6_WzA2Mj").nonce == "n-0S6_WzA2Mj"
    with pytest.raises(InvalidNonceError):
        id_validator().validate(token, nonce="another-nonce")
    with pytest.raises(InvalidNonceError):
        id_validator().validate(token, nonce="n-0S6_WzA2Mj ")
    with pytest.raises(InvalidNonceError):
        id_validator().validate(token, nonce="é-non-ascii")
    with pytest.raises(InvalidNonceError):
        id_validator().validate(superoffice_token(id_claims(nonce=DROP)), nonce="n-0S6_WzA2Mj")
    with pytest.raises(InvalidNonceError):
        id_validator().validate(superoffice_token(id_claims(nonce=5)), nonce="5")


def test_id_token_audience_rules() -> None:
    validate = id_validator().validate
    assert validate(superoffice_token(id_claims(aud=[CLIENT_ID]))).ctx == "Cust12345"
    assert validate(superoffice_token(id_claims(aud=[CLIENT_ID, "other"], azp=CLIENT_ID)))
    assert validate(superoffice_token(id_claims(azp=CLIENT_ID)))
    refused = [
        id_claims(aud=[CLIENT_ID, "other"]),  # several audiences, no azp
        id_claims(aud=[CLIENT_ID, "other"], azp="other"),
        id_claims(azp="other"),  # one audience, but issued to another party
        id_claims(aud="other"),
        id_claims(aud=CLIENT_ID.upper()),
        id_claims(aud=["other"]),
        id_claims(aud=[]),
        id_claims(aud=[CLIENT_ID, 5]),
        id_claims(aud={"aud": CLIENT_ID}),
    ]
    for claims in refused:
        with pytest.raises(InvalidAudienceError):
            validate(superoffice_token(claims))
    with pytest.raises(MissingClaimError):
        validate(superoffice_token(id_claims(aud=DROP)))


@pytest.mark.parametrize(
    "issuer", ["https://sod.superoffice.com/", "https://online.superoffice.com", "", 5]
)
def test_id_token_issuer_must_be_exact(issuer: Any) -> None:
    # Hand-signed: PyJWT refuses to write a non-string iss.
    token = make_jws({"alg": "RS256", "x5t": X5T}, id_claims(iss=issuer), rsa_key("superoffice"))
    with pytest.raises(InvalidIssuerError):
        id_validator().validate(token)


def test_id_token_issuer_is_required() -> None:
    with pytest.raises(MissingClaimError):
        id_validator().validate(superoffice_token(id_claims(iss=DROP)))


def test_id_token_time_rules_with_leeway() -> None:
    validate = id_validator().validate
    assert validate(superoffice_token(id_claims(exp=NOW - 59)))  # inside the 60 s leeway
    with pytest.raises(ExpiredTokenError):
        validate(superoffice_token(id_claims(exp=NOW - 60)))
    with pytest.raises(ExpiredTokenError):
        validate(superoffice_token(id_claims(exp=NOW - 3600)))
    assert validate(superoffice_token(id_claims(nbf=NOW + 60)))
    with pytest.raises(NotYetValidError):
        validate(superoffice_token(id_claims(nbf=NOW + 61)))
    assert validate(superoffice_token(id_claims(iat=str(NOW + 60))))
    with pytest.raises(NotYetValidError):
        validate(superoffice_token(id_claims(iat=str(NOW + 61))))
    with pytest.raises(NotYetValidError):
        validate(superoffice_token(id_claims(iat=NOW + 3600)))
    strict = id_validator(leeway=0).validate
    with pytest.raises(ExpiredTokenError):
        strict(superoffice_token(id_claims(exp=NOW)))
    with pytest.raises(NotYetValidError):
        strict(superoffice_token(id_claims(nbf=NOW + 1)))


@pytest.mark.parametrize("exp", [str(NOW + 100), True, None, [NOW], {"t": NOW}, "1e10"])
def test_id_token_exp_must_be_a_number(exp: Any) -> None:
    with pytest.raises((InvalidClaimError, MissingClaimError)):
        id_validator().validate(superoffice_token(id_claims(exp=exp)))


def test_id_token_exp_is_required() -> None:
    with pytest.raises(MissingClaimError):
        id_validator().validate(superoffice_token(id_claims(exp=DROP)))


@pytest.mark.parametrize("nbf", ["0", True, [0]])
def test_id_token_nbf_must_be_a_number(nbf: Any) -> None:
    with pytest.raises(InvalidClaimError):
        id_validator().validate(superoffice_token(id_claims(nbf=nbf)))


def test_id_token_infinite_exp_is_refused() -> None:
    payload = (
        f'{{"iss":"{ISSUER}","aud":"{CLIENT_ID}","sub":"s","iat":1,"exp":1e999,"{SO}ctx":"Cust1"}}'
    )
    token = make_jws({"alg": "RS256", "x5t": X5T}, payload, rsa_key("superoffice"))
    with pytest.raises(MalformedTokenError):
        id_validator().validate(token)


@pytest.mark.parametrize("name", ["sub", SO + "ctx"])
def test_id_token_sub_and_ctx_are_required(name: str) -> None:
    with pytest.raises(MissingClaimError):
        id_validator().validate(superoffice_token(id_claims(**{name: DROP})))


@pytest.mark.parametrize(
    "ctx",
    ["cust12345", "Cust", "Cust1234567890123", "Cust12345\n", " Cust1", "Cust１", "Cust-1", 12345],
)
def test_id_token_ctx_must_be_a_context_identifier(ctx: Any) -> None:
    with pytest.raises(InvalidClaimError):
        id_validator().validate(superoffice_token(id_claims(**{SO + "ctx": ctx})))


@pytest.mark.parametrize(
    ("name", "value"),
    [
        (SO + "associateid", 5),
        (SO + "associateid", "five"),
        (SO + "associateid", "-5"),
        (SO + "is_administrator", True),
        (SO + "is_administrator", "yes"),
        (SO + "is_administrator", "1"),
        (SO + "system_token", ["x"]),
        (SO + "serial", 1234567890),
        (SO + "email", None if False else {"a": 1}),
        ("sub", 5),
        ("sub", ""),
    ],
)
def test_id_token_superoffice_claims_must_be_strings_of_their_form(name: str, value: Any) -> None:
    with pytest.raises(InvalidClaimError):
        id_validator().validate(superoffice_token(id_claims(**{name: value})))


def test_id_token_is_administrator_false() -> None:
    claims = id_validator().validate(
        superoffice_token(id_claims(**{SO + "is_administrator": "False"}))
    )
    assert claims.is_administrator is False


def test_id_token_payload_must_be_a_strict_json_object() -> None:
    header = {"alg": "RS256", "x5t": X5T}
    key = rsa_key("superoffice")
    duplicate = (
        f'{{"iss":"{ISSUER}","aud":"{CLIENT_ID}","aud":"other","sub":"s",'
        f'"iat":{NOW},"exp":{NOW + 100},"{SO}ctx":"Cust1"}}'
    )
    for payload in (duplicate, "[1,2]", '"text"', "not json", "", "null"):
        with pytest.raises(MalformedTokenError):
            id_validator().validate(make_jws(header, payload, key))


def test_id_token_must_be_rs256() -> None:
    ec = ec_key("superoffice")
    keys = StaticKeys(
        KeySet.from_jwks(jwks(public_jwk(rsa_key("superoffice"), kid="r"), public_jwk(ec, kid="e")))
    )
    validator = IdTokenValidator(ISSUER, CLIENT_ID, keys, clock=clock)
    for alg in ("PS256", "RS512"):
        token = jwt.encode(id_claims(), rsa_key("superoffice"), algorithm=alg, headers={"kid": "r"})
        with pytest.raises(UnsupportedAlgorithmError):
            validator.validate(token)
    with pytest.raises(UnsupportedAlgorithmError):
        validator.validate(jwt.encode(id_claims(), ec, algorithm="ES256", headers={"kid": "e"}))


def test_id_token_signed_by_another_key_is_refused() -> None:
    token = jwt.encode(id_claims(), rsa_key("attacker"), algorithm="RS256", headers={"x5t": X5T})
    with pytest.raises(TokenError):
        id_validator().validate(token)


@pytest.mark.parametrize("typ", ["so-session+jwt", "SO-Session+JWT", "application/so-session+jwt"])
def test_id_token_validator_refuses_session_typed_tokens(typ: str) -> None:
    token = superoffice_token(id_claims(), headers={"x5t": X5T, "typ": typ})
    with pytest.raises(MalformedTokenError):
        id_validator().validate(token)


@pytest.mark.parametrize("token", [None, b"a.b.c", 5, "", "a.b.c", ["x"]])
def test_validators_raise_only_token_errors(token: Any) -> None:
    with pytest.raises(TokenError):
        id_validator().validate(token)
    with pytest.raises(TokenError):
        SystemUserTokenValidator(superoffice_keys(), clock=clock).validate(token, "1234")
    with pytest.raises(TokenError):
        StateChangeTokenValidator(
            ISSUER, superoffice_keys(), client_id=CLIENT_ID, clock=clock
        ).validate(token, "Cust1")
    with pytest.raises(TokenError):
        SessionTokenValidator(APP, superoffice_keys(), clock=clock).validate(token)


def test_refusal_messages_never_carry_the_token_or_claim_values() -> None:
    cases = [
        id_claims(aud="other-audience-value"),
        id_claims(iss="https://evil.example"),
        id_claims(exp=NOW - 1000),
        id_claims(**{SO + "is_administrator": "maybe-" + SYSTEM_TOKEN}),
        id_claims(**{SO + "ctx": "Cust-" + SYSTEM_TOKEN}),
        id_claims(iat="12a" + SYSTEM_TOKEN),
    ]
    for claims in cases:
        token = superoffice_token(claims)
        with pytest.raises(TokenError) as caught:
            id_validator().validate(token, nonce="nonce-value-xyz")
        message = str(caught.value)
        for secret in (SYSTEM_TOKEN, token, "other-audience-value", "evil.example", "nonce-value"):
            assert secret not in message
        assert caught.value.__cause__ is None


def test_validator_settings_are_checked() -> None:
    with pytest.raises(ValueError, match="issuer"):
        IdTokenValidator("", CLIENT_ID, superoffice_keys())
    with pytest.raises(ValueError, match="client_id"):
        IdTokenValidator(ISSUER, "", superoffice_keys())
    with pytest.raises(ValueError, match="leeway"):
        IdTokenValidator(ISSUER, CLIENT_ID, superoffice_keys(), leeway=-1)
    with pytest.raises(ValueError, match="leeway"):
        SessionTokenValidator(APP, superoffice_keys(), leeway=float("inf"))
    with pytest.raises(TypeError):
        id_validator().validate(superoffice_token(id_claims()), nonce=5)  # type: ignore[arg-type]


# --- system user ---------------------------------------------------------------------------


def system_claims(**changes: Any) -> dict[str, Any]:
    claims: dict[str, Any] = {
        "iss": "SuperOffice AS",
        "aud": "spn:1234567890",
        "exp": NOW + 3600,
        "iat": NOW,
        "nbf": NOW,
        SO + "ticket": TICKET,
        SO + "ctx": "Cust12345",
    }
    for name, value in changes.items():
        claims.pop(name, None)
        if value is not DROP:
            claims[name] = value
    return claims


def system_validator() -> SystemUserTokenValidator:
    return SystemUserTokenValidator(superoffice_keys(), clock=clock)


def test_system_user_token_happy_path() -> None:
    claims = system_validator().validate(superoffice_token(system_claims()), "1234567890")
    assert claims.ticket.reveal() == TICKET
    assert claims.serial == "1234567890"
    assert claims.ctx == "Cust12345"
    assert claims.expires_at == NOW + 3600
    assert TICKET not in repr(claims)
    assert TICKET not in str(claims)
    checked = system_validator().validate(
        superoffice_token(system_claims()), "1234567890", context_identifier="Cust12345"
    )
    assert checked.ctx == "Cust12345"
    bare = system_validator().validate(
        superoffice_token(system_claims(**{SO + "ctx": DROP}, iat=str(NOW))), "1234567890"
    )
    assert bare.ctx is None


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"aud": "spn:999"}, InvalidAudienceError),
        ({"aud": "1234567890"}, InvalidAudienceError),
        ({"aud": "spn:1234567890 "}, InvalidAudienceError),
        ({"aud": DROP}, MissingClaimError),
        ({"iss": "SuperOffice"}, InvalidIssuerError),
        ({"iss": ISSUER}, InvalidIssuerError),
        ({"exp": DROP}, MissingClaimError),
        ({"exp": NOW - 61}, ExpiredTokenError),
        ({"nbf": NOW + 120}, NotYetValidError),
        ({SO + "ticket": DROP}, MissingClaimError),
        ({SO + "ticket": ""}, InvalidClaimError),
        ({SO + "ticket": 7}, InvalidClaimError),
        ({SO + "ctx": "Cust1 "}, InvalidClaimError),
    ],
)
def test_system_user_token_refusals(changes: dict[str, Any], error: type[TokenError]) -> None:
    with pytest.raises(error) as caught:
        system_validator().validate(superoffice_token(system_claims(**changes)), "1234567890")
    assert TICKET not in str(caught.value)


def test_system_user_token_ctx_must_match_when_expected() -> None:
    with pytest.raises(InvalidClaimError):
        system_validator().validate(
            superoffice_token(system_claims()), "1234567890", context_identifier="Cust999"
        )


# --- state change notifications ------------------------------------------------------------


def state_validator() -> StateChangeTokenValidator:
    return StateChangeTokenValidator(ISSUER, superoffice_keys(), client_id=CLIENT_ID, clock=clock)


def test_state_change_token_without_ctx_claim() -> None:
    claims = state_validator().validate(
        superoffice_token({"iss": ISSUER, "exp": NOW + 60}), "Cust12345"
    )
    assert claims.context_identifier == "Cust12345"
    assert claims.ctx_claim is None


@pytest.mark.parametrize("name", [SO + "ctx", "ctx"])
def test_state_change_token_ctx_claim_must_equal_the_notification(name: str) -> None:
    token = superoffice_token({"iss": ISSUER, "exp": NOW + 60, name: "Cust12345"})
    assert state_validator().validate(token, "Cust12345").ctx_claim == "Cust12345"
    with pytest.raises(InvalidClaimError):
        state_validator().validate(token, "Cust54321")


def test_state_change_token_both_ctx_claims_must_agree() -> None:
    token = superoffice_token({"iss": ISSUER, "exp": NOW + 60, SO + "ctx": "Cust1", "ctx": "Cust2"})
    for context in ("Cust1", "Cust2"):
        with pytest.raises(InvalidClaimError):
            state_validator().validate(token, context)


@pytest.mark.parametrize(
    ("claims", "error"),
    [
        ({"iss": "https://online.superoffice.com", "exp": NOW + 60}, InvalidIssuerError),
        ({"exp": NOW + 60}, MissingClaimError),
        ({"iss": ISSUER}, MissingClaimError),
        ({"iss": ISSUER, "exp": NOW - 61}, ExpiredTokenError),
        ({"iss": ISSUER, "exp": NOW + 60, "ctx": 12345}, InvalidClaimError),
    ],
)
def test_state_change_token_refusals(claims: dict[str, Any], error: type[TokenError]) -> None:
    with pytest.raises(error):
        state_validator().validate(superoffice_token(claims), "Cust12345")


@pytest.mark.parametrize("context", [None, 12345, "", "Cust1; DROP TABLE", "cust1", ["Cust1"]])
def test_state_change_context_identifier_from_the_body_is_checked(context: Any) -> None:
    token = superoffice_token({"iss": ISSUER, "exp": NOW + 60})
    with pytest.raises(TokenError):
        state_validator().validate(token, context)


def test_state_change_token_for_another_app_is_refused() -> None:
    """Finding of issue 11: an id_token SuperID issued to another partner's app."""
    other_app = {"iss": ISSUER, "exp": NOW + 60, "aud": "another-partners-client"}
    with pytest.raises(InvalidAudienceError):
        state_validator().validate(superoffice_token(other_app), "Cust12345")
    ours = {"iss": ISSUER, "exp": NOW + 60, "aud": [CLIENT_ID], SO + "ctx": "Cust12345"}
    assert state_validator().validate(superoffice_token(ours), "Cust12345").ctx_claim


def test_state_change_token_from_a_sign_in_is_refused() -> None:
    sign_in = {"iss": ISSUER, "exp": NOW + 60, "aud": CLIENT_ID, "nonce": "n-1"}
    with pytest.raises(InvalidClaimError):
        state_validator().validate(superoffice_token(sign_in), "Cust12345")


@pytest.mark.parametrize(
    ("typ", "accepted"),
    [("JWT", True), ("application/jwt", True), ("at+jwt", False), ("so-session+jwt", False)],
)
def test_state_change_token_type_must_be_a_plain_jwt(typ: str, accepted: bool) -> None:
    token = superoffice_token({"iss": ISSUER, "exp": NOW + 60}, {"x5t": X5T, "typ": typ})
    if accepted:
        assert state_validator().validate(token, "Cust12345").ctx_claim is None
    else:
        with pytest.raises(MalformedTokenError):
            state_validator().validate(token, "Cust12345")


# --- session tokens ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ring() -> SessionKeyRing:
    return SessionKeyRing.generate("s1")


def session_validator(ring: SessionKeyRing, **options: Any) -> SessionTokenValidator:
    return SessionTokenValidator(APP, StaticKeys(ring.keyset()), clock=clock, **options)


def session_claims(**changes: Any) -> dict[str, Any]:
    claims: dict[str, Any] = {
        "iss": APP,
        "aud": APP,
        "sub": "Cust12345:5",
        "ctx": "Cust12345",
        "associate_id": 5,
        "admin": True,
        "iat": NOW,
        "nbf": NOW,
        "exp": NOW + 3600,
        "jti": "abc",
    }
    for name, value in changes.items():
        claims.pop(name, None)
        if value is not DROP:
            claims[name] = value
    return claims


def ring_private_key(ring: SessionKeyRing) -> Any:
    pem = json.loads(ring.to_json())["keys"][0]["private_key_pem"]
    return serialization.load_pem_private_key(pem.encode(), password=None)


def pyjwt_session(
    ring: SessionKeyRing, claims: dict[str, Any], typ: str | None = "so-session+jwt"
) -> str:
    headers: dict[str, Any] = {"kid": ring.active_kid}
    if typ is not None:
        headers["typ"] = typ
    return jwt.encode(claims, ring_private_key(ring), algorithm="ES256", headers=headers)


def test_session_token_issued_by_the_ring_validates(ring: SessionKeyRing) -> None:
    token = ring.issue(
        issuer=APP, ctx="Cust12345", associate_id=5, admin=True, now=NOW, name="Jane"
    )
    claims = session_validator(ring).validate(token)
    assert (claims.ctx, claims.associate_id, claims.admin, claims.sub) == (
        "Cust12345",
        5,
        True,
        "Cust12345:5",
    )
    assert claims.name == "Jane"
    assert claims.issued_at == NOW
    assert claims.expires_at == NOW + 3600
    assert claims.jti


def test_session_token_made_by_pyjwt_validates(ring: SessionKeyRing) -> None:
    assert session_validator(ring).validate(pyjwt_session(ring, session_claims())).associate_id == 5


def test_session_token_may_be_rs256() -> None:
    keys = StaticKeys(KeySet.from_jwks(jwks(public_jwk(rsa_key("session-rsa"), kid="r1"))))
    token = jwt.encode(
        session_claims(),
        rsa_key("session-rsa"),
        algorithm="RS256",
        headers={"kid": "r1", "typ": "so-session+jwt"},
    )
    assert SessionTokenValidator(APP, keys, clock=clock).validate(token).ctx == "Cust12345"


@pytest.mark.parametrize(
    "typ", [None, "JWT", "so-session", "SO-SESSION+JWT", "application/so-session+jwt"]
)
def test_session_token_needs_the_session_typ(ring: SessionKeyRing, typ: str | None) -> None:
    with pytest.raises(MalformedTokenError):
        session_validator(ring).validate(pyjwt_session(ring, session_claims(), typ=typ))


def test_an_id_token_signed_with_a_session_key_is_not_a_session(ring: SessionKeyRing) -> None:
    token = pyjwt_session(ring, {**id_claims(), **session_claims()}, typ="JWT")
    with pytest.raises(MalformedTokenError):
        session_validator(ring).validate(token)
    # ...nor an id_token: the session key is ES256, id_tokens are RS256 only.
    keys = StaticKeys(ring.keyset().merge(superoffice_keys().current()))
    with pytest.raises(UnsupportedAlgorithmError):
        IdTokenValidator(ISSUER, CLIENT_ID, keys, clock=clock).validate(token)


def test_a_session_token_is_not_an_id_token(ring: SessionKeyRing) -> None:
    keys = StaticKeys(ring.keyset().merge(superoffice_keys().current()))
    session = ring.issue(issuer=APP, ctx="Cust12345", associate_id=5, admin=True, now=NOW)
    with pytest.raises(UnsupportedAlgorithmError):
        IdTokenValidator(ISSUER, CLIENT_ID, keys, clock=clock).validate(session)
    # Even RS256, signed by SuperOffice's key, with every id_token claim: the typ says session.
    forged = superoffice_token(
        {**id_claims(), **session_claims(aud=CLIENT_ID, iss=ISSUER)},
        headers={"x5t": X5T, "typ": "so-session+jwt"},
    )
    with pytest.raises(MalformedTokenError):
        IdTokenValidator(ISSUER, CLIENT_ID, keys, clock=clock).validate(forged)


def test_a_real_id_token_is_not_a_session_even_with_superoffice_keys_trusted() -> None:
    validator = SessionTokenValidator(APP, superoffice_keys(), clock=clock)
    with pytest.raises(MalformedTokenError):
        validator.validate(superoffice_token(id_claims()))


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"iss": ISSUER}, InvalidIssuerError),
        ({"aud": "https://other.example.com"}, InvalidAudienceError),
        ({"aud": [APP]}, InvalidAudienceError),
        ({"exp": DROP}, MissingClaimError),
        ({"exp": NOW - 31}, ExpiredTokenError),
        ({"iat": DROP}, MissingClaimError),
        ({"iat": str(NOW)}, InvalidClaimError),  # digit strings are a SuperOffice quirk only
        ({"nbf": NOW + 31}, NotYetValidError),
        ({"ctx": "Cust-1", "sub": "Cust-1:5"}, InvalidClaimError),
        ({"ctx": DROP}, MissingClaimError),
        ({"associate_id": "5"}, InvalidClaimError),
        ({"associate_id": True, "sub": "Cust12345:True"}, InvalidClaimError),
        ({"associate_id": -5, "sub": "Cust12345:-5"}, InvalidClaimError),
        ({"admin": "True"}, InvalidClaimError),
        ({"admin": 1}, InvalidClaimError),
        ({"admin": DROP}, InvalidClaimError),
        ({"sub": "Cust12345:6"}, InvalidClaimError),
        ({"sub": DROP}, MissingClaimError),
        ({"jti": DROP}, MissingClaimError),
        ({"jti": ""}, InvalidClaimError),
    ],
)
def test_session_token_refusals(
    ring: SessionKeyRing, changes: dict[str, Any], error: type[TokenError]
) -> None:
    with pytest.raises(error):
        session_validator(ring).validate(pyjwt_session(ring, session_claims(**changes)))


def test_session_leeway_defaults_to_thirty_seconds(ring: SessionKeyRing) -> None:
    assert session_validator(ring).validate(pyjwt_session(ring, session_claims(exp=NOW - 29)))
    with pytest.raises(ExpiredTokenError):
        session_validator(ring).validate(pyjwt_session(ring, session_claims(exp=NOW - 30)))


# --- refresh on an unknown key: once, then one retry ------------------------------------------


class CountingProvider:
    """Starts without the signing key; ``refresh`` may bring it (``brings_key``)."""

    def __init__(self, key_jwk: dict[str, Any], *, brings_key: bool) -> None:
        self.keys = KeySet.from_jwks(jwks(public_jwk(rsa_key("unrelated"), kid="unrelated")))
        self.later = KeySet.from_jwks(jwks(key_jwk)) if brings_key else self.keys
        self.refreshes = 0
        self.currents = 0

    def current(self) -> KeySet:
        self.currents += 1
        return self.keys

    def refresh(self) -> bool:
        self.refreshes += 1
        self.keys = self.later
        return True


def _cases(ring: SessionKeyRing) -> list[tuple[Any, dict[str, Any]]]:
    """(validate with a provider, the JWK of the key that signed) per validator."""
    so_jwk = public_jwk(rsa_key("superoffice"), kid="so")

    def so(claims: dict[str, Any]) -> str:
        return jwt.encode(claims, rsa_key("superoffice"), algorithm="RS256", headers={"kid": "so"})

    session_jwk = ring.public_jwks()["keys"][0]  # type: ignore[index]
    return [
        (
            lambda p: IdTokenValidator(ISSUER, CLIENT_ID, p, clock=clock).validate(so(id_claims())),
            so_jwk,
        ),
        (
            lambda p: SystemUserTokenValidator(p, clock=clock).validate(
                so(system_claims()), "1234567890"
            ),
            so_jwk,
        ),
        (
            lambda p: StateChangeTokenValidator(
                ISSUER, p, client_id=CLIENT_ID, clock=clock
            ).validate(so({"iss": ISSUER, "exp": NOW + 60}), "Cust1"),
            so_jwk,
        ),
        (
            lambda p: SessionTokenValidator(APP, p, clock=clock).validate(
                ring.issue(issuer=APP, ctx="Cust1", associate_id=1, admin=False, now=NOW)
            ),
            session_jwk,
        ),
    ]


def test_each_validator_refreshes_once_and_retries_once(ring: SessionKeyRing) -> None:
    for validate, key_jwk in _cases(ring):
        found = CountingProvider(key_jwk, brings_key=True)
        assert validate(found) is not None
        assert (found.refreshes, found.currents) == (1, 2)
        missing = CountingProvider(key_jwk, brings_key=False)
        with pytest.raises(KeyNotFoundError):
            validate(missing)
        assert (missing.refreshes, missing.currents) == (1, 2)


def test_other_refusals_do_not_refresh() -> None:
    provider = CountingProvider(public_jwk(rsa_key("superoffice"), kid="so"), brings_key=True)
    validator = IdTokenValidator(ISSUER, CLIENT_ID, provider, clock=clock)
    token = jwt.encode(
        id_claims(), rsa_key("superoffice"), algorithm="RS256", headers={"kid": "unrelated"}
    )
    with pytest.raises(TokenError):  # a known kid with a bad signature
        validator.validate(token)
    with pytest.raises(TokenError):  # an algorithm we refuse
        validator.validate(token.replace(token.split(".")[0], "eyJhbGciOiJub25lIn0"))
    assert provider.refreshes == 0
