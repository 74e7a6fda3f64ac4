"""`Set-Cookie` values: the strings browsers got from Powertools' `Cookie`, and no injection."""

from __future__ import annotations

import pytest

from superoffice_app.set_cookies import SameSite, set_cookie


@pytest.mark.parametrize(
    ("name", "value", "max_age", "same_site", "expected"),
    [
        (
            "__Host-so_session",
            "h.p.s",
            28800,
            "Lax",
            "__Host-so_session=h.p.s; Path=/; Max-Age=28800; HttpOnly; Secure; SameSite=Lax",
        ),
        (
            "__Host-so_login",
            "v1.abc-_",
            600,
            "None",
            "__Host-so_login=v1.abc-_; Path=/; Max-Age=600; HttpOnly; Secure; SameSite=None",
        ),
        # Deleting: an empty value and Max-Age=0 (a negative age is written as 0 too).
        (
            "__Host-so_login",
            "",
            0,
            "None",
            "__Host-so_login=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=None",
        ),
        (
            "__Host-so_session",
            "",
            -5,
            "Strict",
            "__Host-so_session=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Strict",
        ),
    ],
)
def test_the_value_is_what_powertools_cookie_wrote(
    name: str, value: str, max_age: int, same_site: SameSite, expected: str
) -> None:
    assert set_cookie(name, value, max_age=max_age, same_site=same_site) == expected


def test_the_same_as_powertools_for_the_apps_cookies() -> None:
    cookies = pytest.importorskip("aws_lambda_powertools.shared.cookies")
    for name, value, max_age, same_site in [
        ("__Host-so_session", "a.b.c", 28800, "Lax"),
        ("__Host-so_login", "", 0, "None"),
    ]:
        theirs = cookies.Cookie(
            name=name,
            value=value,
            path="/",
            secure=True,
            http_only=True,
            max_age=max_age,
            same_site=cookies.SameSite(same_site),
        )
        assert set_cookie(name, value, max_age=max_age, same_site=same_site) == str(theirs)


def test_attributes_can_be_left_off_but_not_secure_with_samesite_none() -> None:
    assert set_cookie("a", "1", max_age=1, same_site="Lax", http_only=False, secure=False) == (
        "a=1; Path=/; Max-Age=1; SameSite=Lax"
    )
    with pytest.raises(ValueError, match="must be Secure"):
        set_cookie("a", "1", max_age=1, same_site="None", secure=False)


@pytest.mark.parametrize(
    "value",
    ["a;Domain=evil.example", "a, b=c", "a b", "a\r\nSet-Cookie: x=1", '"a"', "a\\b", "é", "\x00"],
)
def test_a_value_that_would_end_the_cookie_is_refused(value: str) -> None:
    with pytest.raises(ValueError, match="characters a cookie cannot carry"):
        set_cookie("a", value, max_age=1, same_site="Lax")


@pytest.mark.parametrize("name", ["", "a=b", "a;b", "a b", "a\n", "é"])
def test_a_name_that_is_not_a_token_is_refused(name: str) -> None:
    with pytest.raises(ValueError, match="HTTP token"):
        set_cookie(name, "1", max_age=1, same_site="Lax")


@pytest.mark.parametrize("path", ["", "relative", "/a;Domain=x", "/a b"])
def test_a_path_that_is_not_an_absolute_path_is_refused(path: str) -> None:
    with pytest.raises(ValueError, match="absolute path"):
        set_cookie("a", "1", max_age=1, same_site="Lax", path=path)
