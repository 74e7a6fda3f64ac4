"""Secret keeps credentials out of logs, reprs, tracebacks and pickles."""

from __future__ import annotations

import copy
import dataclasses
import logging
import pickle

import pytest

from superoffice_app.tokens import Secret, SystemUserClaims

VALUE = "MyApp-8k8Q7DmBgo"


def test_reveal_returns_the_value() -> None:
    assert Secret(VALUE).reveal() == VALUE


def test_every_text_form_is_masked(caplog: pytest.LogCaptureFixture) -> None:
    secret = Secret(VALUE)
    for text in (
        repr(secret),
        str(secret),
        f"{secret}",
        f"{secret!r}",
        f"{secret:>40}",
        "{}".format(secret),  # noqa: UP032 -- every formatting path
        "%s" % (secret,),  # noqa: UP031
    ):
        assert VALUE not in text
    assert repr(secret) == "Secret('***')"
    with caplog.at_level(logging.INFO):
        logging.getLogger("test").info("value %s %r", secret, [secret])
    assert VALUE not in caplog.text


def test_claims_holding_a_secret_do_not_show_it() -> None:
    claims = SystemUserClaims(
        ticket=Secret(VALUE), serial="1", ctx="Cust1", expires_at=1.0, issued_at=None
    )
    assert VALUE not in repr(claims)
    assert VALUE not in str(dataclasses.asdict(claims))
    assert dataclasses.asdict(claims)["ticket"].reveal() == VALUE


def test_equality_is_between_secrets_only() -> None:
    assert Secret(VALUE) == Secret(VALUE)
    assert Secret(VALUE) != Secret(VALUE + "x")
    assert Secret(VALUE) != VALUE  # never equal to the plain text
    assert hash(Secret(VALUE)) == hash(Secret(VALUE))
    assert hash(Secret(VALUE)) != hash(VALUE)


def test_copies_share_and_pickles_are_refused() -> None:
    secret = Secret(VALUE)
    assert copy.copy(secret) is secret
    assert copy.deepcopy(secret) is secret
    with pytest.raises(TypeError):
        pickle.dumps(secret)


def test_only_strings_and_no_attribute_dict() -> None:
    with pytest.raises(TypeError):
        Secret(b"bytes")  # type: ignore[arg-type]
    assert not hasattr(Secret(VALUE), "__dict__")
