"""Alert channels behind one protocol: the outbox never knows which one it drives."""

from __future__ import annotations

from notifier.channels.base import Channel, DeliveryError, DeliveryTimeout, Message
from notifier.settings import ChannelSettings

__all__ = ["Channel", "DeliveryError", "DeliveryTimeout", "Message", "make_channel"]


def make_channel(settings: ChannelSettings) -> Channel:
    if settings.kind == "webhook":
        from notifier.channels.webhook import WebhookChannel

        return WebhookChannel(settings)
    if settings.kind == "email":
        from notifier.channels.email import EmailChannel

        return EmailChannel(settings)
    from notifier.channels.apprise import AppriseChannel

    return AppriseChannel(settings)
