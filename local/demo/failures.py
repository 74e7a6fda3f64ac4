"""How a demo step fails: `StepFailed`, and `expect` to raise it unless a condition holds.

Its own module because the session, the backend, the SuperOffice control API and the
polling helper all raise it: kept in `session`, it tied them into an import cycle.
"""

from __future__ import annotations


class StepFailed(Exception):
    """A step saw something other than what a working app shows; the message says what."""


def expect(condition: object, why: str) -> None:
    """Fail the step with `why` unless `condition` holds (asserts vanish under `-O`)."""
    if not condition:
        raise StepFailed(why)
