"""`superoffice_app.urls`: configured URLs read as `urlsplit` reads them, or refused."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest

from superoffice_app.config import is_loopback_host
from superoffice_app.urls import split_url
from tests.fresh_imports import loaded_after

LAYER = Path(__file__).resolve().parents[3] / "layers" / "shared"

SAME_AS_URLSPLIT = [
    "https://app.example.com",
    "https://App.Example.com:8443/x/y?q=1#f",
    "http://127.0.0.1:3000",
    "http://[::1]:3000/a",
    "http://[::1]",
    "https://user:pw@h.com/p",
    "https://user@h.com",
    "https://h.com:",
    "https://h.com/#?x",
    "https://h.com?x=1/2",
    "https://",
    "http://localhost",
    "HTTPS://H.COM/Path",
    "https://sod.superoffice.com/login/.well-known/jwks",
]


@pytest.mark.parametrize("url", SAME_AS_URLSPLIT)
def test_a_url_splits_as_urlsplit_splits_it(url: str) -> None:
    mine, theirs = split_url(url), urlsplit(url)
    assert mine.scheme == theirs.scheme
    assert mine.netloc == theirs.netloc
    assert mine.hostname == theirs.hostname
    assert mine.port == theirs.port
    assert (mine.path, mine.query, mine.fragment) == (theirs.path, theirs.query, theirs.fragment)
    assert mine.has_userinfo is (theirs.username is not None)


@pytest.mark.parametrize(
    "url",
    [
        "app.example.com",  # no scheme
        "//app.example.com",
        "1http://x",
        "ht tp://x",
        "https://h .com",
        "https://h.com/\n",
        "https://h.com\x7f",
        "https://h.com:99999",
        "https://h.com:8a",
        "https://h.com:-1",
        "https://[::1",
        "https://[]",
        "https://[::1]x",
        "https://h]x",
        "https://h[x",
    ],
)
def test_what_a_setting_has_no_business_holding_is_refused(url: str) -> None:
    with pytest.raises(ValueError, match=r"expected|malformed|bracket|port"):
        split_url(url)


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("localhost", True),
        ("LOCALHOST", True),
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("0:0:0:0:0:0:0:1", True),
        ("128.0.0.1", False),
        ("10.0.0.1", False),
        ("app.example.com", False),
        ("127.0.0.1.example.com", False),
        ("abc", False),  # hex digits only, yet not an address
        ("", False),
        (None, False),
    ],
)
def test_loopback_hosts_are_told_from_names_and_other_addresses(
    host: str | None, loopback: bool
) -> None:
    assert is_loopback_host(host) is loopback


def test_reading_a_host_name_imports_neither_urllib_parse_nor_ipaddress() -> None:
    statement = (
        "from superoffice_app.config import is_loopback_host\n"
        "from superoffice_app.urls import split_url\n"
        "assert not is_loopback_host(split_url('https://app.example.com/x').hostname)"
    )
    assert loaded_after(statement, ("urllib.parse", "ipaddress")) == []
