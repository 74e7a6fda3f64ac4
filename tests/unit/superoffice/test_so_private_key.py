"""The app's private key from the Developer Portal's RSA XML and from PEM."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from so_testkit import rsa_key

from superoffice_app.superoffice.private_key import PrivateKeyError, load_private_key


def b64(value: int) -> str:
    return base64.b64encode(value.to_bytes((value.bit_length() + 7) // 8, "big")).decode()


def rsa_xml(key: rsa.RSAPrivateKey, *, separator: str = "", drop: str | None = None) -> str:
    """The key as .NET's RSA.ToXmlString(true) writes it."""
    numbers = key.private_numbers()
    values = {
        "Modulus": numbers.public_numbers.n,
        "Exponent": numbers.public_numbers.e,
        "P": numbers.p,
        "Q": numbers.q,
        "DP": numbers.dmp1,
        "DQ": numbers.dmq1,
        "InverseQ": numbers.iqmp,
        "D": numbers.d,
    }
    parts = [f"<{n}>{b64(v)}</{n}>" for n, v in values.items() if n != drop]
    return "<RSAKeyValue>" + separator.join(parts) + "</RSAKeyValue>"


def pem(key: rsa.RSAPrivateKey, fmt: serialization.PrivateFormat) -> str:
    return key.private_bytes(serialization.Encoding.PEM, fmt, serialization.NoEncryption()).decode()


def same_key(a: rsa.RSAPrivateKey, b: rsa.RSAPrivateKey) -> bool:
    return a.private_numbers() == b.private_numbers()


def test_rsa_xml_as_the_developer_portal_writes_it() -> None:
    key = rsa_key("app")
    loaded = load_private_key(rsa_xml(key))
    assert same_key(loaded, key)
    # And it signs: the signature verifies with the original public key.
    signature = loaded.sign(b"m", padding.PKCS1v15(), hashes.SHA256())
    key.public_key().verify(signature, b"m", padding.PKCS1v15(), hashes.SHA256())


def test_rsa_xml_tolerates_whitespace_declaration_and_wrapped_base64() -> None:
    key = rsa_key("app")
    xml = rsa_xml(key, separator="\r\n  ")
    modulus = b64(key.private_numbers().public_numbers.n)
    lines = "\n    ".join(modulus[i : i + 64] for i in range(0, len(modulus), 64))
    wrapped = xml.replace(modulus, f"\n    {lines}\n  ", 1)
    assert wrapped != xml
    text = '\ufeff  <?xml version="1.0" encoding="utf-8"?>\n' + wrapped + "\n"
    assert same_key(load_private_key(text), key)


def test_rsa_xml_elements_in_any_order() -> None:
    key = rsa_key("app")
    xml = rsa_xml(key)
    inner = xml.removeprefix("<RSAKeyValue>").removesuffix("</RSAKeyValue>")
    elements = inner.replace("><", ">\n<").split("\n")
    shuffled = "<RSAKeyValue>" + "".join(reversed(elements)) + "</RSAKeyValue>"
    assert same_key(load_private_key(shuffled), key)


@pytest.mark.parametrize(
    "fmt", [serialization.PrivateFormat.TraditionalOpenSSL, serialization.PrivateFormat.PKCS8]
)
def test_pem_pkcs1_and_pkcs8(fmt: serialization.PrivateFormat) -> None:
    key = rsa_key("app")
    text = pem(key, fmt)
    assert ("BEGIN RSA PRIVATE KEY" in text) is (
        fmt is serialization.PrivateFormat.TraditionalOpenSSL
    )
    assert same_key(load_private_key(text), key)


def test_pem_with_escaped_newlines_from_a_one_line_setting() -> None:
    key = rsa_key("app")
    one_line = pem(key, serialization.PrivateFormat.PKCS8).replace("\n", "\\n")
    assert same_key(load_private_key(one_line), key)


def garbage_cases() -> list[tuple[str, str]]:
    key = rsa_key("app")
    xml = rsa_xml(key)
    numbers = key.private_numbers()
    other = rsa_key("other").private_numbers()
    mixed = xml.replace(f"<D>{b64(numbers.d)}</D>", f"<D>{b64(other.d)}</D>")
    ec_pem = (
        ec.generate_private_key(ec.SECP256R1())
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )
    encrypted = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"pw"),
    ).decode()
    return [
        ("plain text", "SECRETGARBAGE this is not a key"),
        ("empty", ""),
        (
            "public only",
            f"<RSAKeyValue><Modulus>{b64(numbers.public_numbers.n)}</Modulus>"
            f"<Exponent>{b64(numbers.public_numbers.e)}</Exponent></RSAKeyValue>",
        ),
        ("missing D", rsa_xml(key, drop="D")),
        ("duplicate", xml.replace("</RSAKeyValue>", "<D>SECRETGARBAGE</D></RSAKeyValue>")),
        (
            "unknown element",
            xml.replace("</RSAKeyValue>", "<SECRETGARBAGE>AA</SECRETGARBAGE></RSAKeyValue>"),
        ),
        ("bad base64", xml.replace("<Exponent>", "<Exponent>SECRET*GARBAGE", 1)),
        ("inconsistent numbers", mixed),
        (
            "entity",
            '<?xml version="1.0"?><!DOCTYPE k [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            "<RSAKeyValue><Modulus>&x;</Modulus></RSAKeyValue>",
        ),
        ("comment", xml.replace("<D>", "<!-- SECRETGARBAGE --><D>")),
        ("attribute", xml.replace("<RSAKeyValue>", '<RSAKeyValue a="SECRETGARBAGE">')),
        ("trailing text", xml + "SECRETGARBAGE"),
        ("text between elements", xml.replace("<D>", "SECRETGARBAGE<D>")),
        ("broken pem", "-----BEGIN PRIVATE KEY-----\nSECRETGARBAGE\n-----END PRIVATE KEY-----"),
        ("ec key", ec_pem),
        ("encrypted pem", encrypted),
    ]


@pytest.mark.parametrize(("case", "text"), garbage_cases(), ids=[c for c, _ in garbage_cases()])
def test_unusable_keys_are_refused_without_echo(case: str, text: str) -> None:
    with pytest.raises(PrivateKeyError) as caught:
        load_private_key(text)
    message = str(caught.value)
    assert "SECRET" not in message
    assert "GARBAGE" not in message
    assert len(message) < 200
    # Nothing chained either: a traceback must not show cryptography's view of the input.
    assert caught.value.__cause__ is None
    assert caught.value.__context__ is None or caught.value.__suppress_context__


def test_non_text_and_huge_inputs_are_refused() -> None:
    with pytest.raises(PrivateKeyError):
        load_private_key(b"bytes")  # type: ignore[arg-type]
    with pytest.raises(PrivateKeyError, match="too long"):
        load_private_key("<" + "A" * 100_000)


def test_keys_below_1024_bits_are_refused() -> None:
    # cryptography will not generate such keys; build one from two 256-bit primes.
    p, q = small_prime(1), small_prime(2)
    e = 65537
    d = pow(e, -1, (p - 1) * (q - 1))
    numbers = rsa.RSAPrivateNumbers(
        p=p,
        q=q,
        d=d,
        dmp1=rsa.rsa_crt_dmp1(d, p),
        dmq1=rsa.rsa_crt_dmq1(d, q),
        iqmp=rsa.rsa_crt_iqmp(p, q),
        public_numbers=rsa.RSAPublicNumbers(e, p * q),
    )
    small = numbers.private_key(unsafe_skip_rsa_key_validation=True)
    with pytest.raises(PrivateKeyError, match="at least 1024"):
        load_private_key(rsa_xml(small))


def small_prime(seed: int) -> int:
    """A 256-bit probable prime (Miller-Rabin), deterministic per seed, coprime to 65537-1."""
    candidate = (1 << 255) | (seed * 0x9E3779B97F4A7C15) | 1
    while not (is_probable_prime(candidate) and (candidate - 1) % 65537):
        candidate += 2
    return candidate


def is_probable_prime(n: int) -> bool:
    d, r = n - 1, 0
    while d % 2 == 0:
        d, r = d // 2, r + 1
    for a in (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37):
        x = pow(a, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(r - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True
