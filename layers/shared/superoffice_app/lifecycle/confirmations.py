"""What became of one NotificationQueue message: the confirmer's verdict, as logged.

Apart from the confirmer so that NotificationConfirmFunction can name a status at import
without importing the confirmer, its SuperOffice client and its store: those load with
the first message (``wiring.confirm.ConfirmGraph.confirmer``), not at cold start.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["ConfirmationStatus"]


class ConfirmationStatus(StrEnum):
    """What became of one message (the value is what the function logs)."""

    APPLIED = "applied"
    IGNORED = "ignored"  # nothing to do, now or later
    RECHECKING = "rechecking"  # the state API does not bear it out yet: asked again later
    WAITING = "waiting"  # the state API could not be asked: the message waits on the queue
    UNCONFIRMED = "unconfirmed"  # recorded, nothing changed
