"""What a person may do to the outbox by hand: give a dead alert another life.

Kept apart from `notifier.outbox` (the delivery state machine) because it is an
operator's action, not a transition the worker makes on its own.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from crawler.db import utcnow
from notifier.models import Alert


class RequeueError(ValueError):
    """The alert cannot be re-queued; the message is for the person who asked."""


def requeue_alert(session: Session, alert_id: int, now: datetime | None = None) -> Alert:
    """Put a dead alert back in the queue, due now, keeping its attempt count.

    The attempts stay so the history of the alert stays true; the idempotency key
    stays so a receiver that did get an earlier try can drop the duplicate.
    """
    alert = session.get(Alert, alert_id)
    if alert is None:
        raise RequeueError(f"alert {alert_id} does not exist")
    if alert.state != "dead":
        raise RequeueError(f"alert {alert_id} is {alert.state}, only a dead alert can be re-queued")
    alert.state = "pending"
    alert.next_attempt_at = now or utcnow()
    alert.lease_owner = None
    alert.lease_until = None
    session.add(alert)
    session.flush()
    return alert
