"""Apprise channel: the many services Apprise covers, through its URLs.

Apprise is an optional extra (`pip install 'peacewatch[apprise]'`); it is imported
only when an apprise channel sends, and its absence is a clear, permanent error.
"""

from __future__ import annotations

from typing import Any

from notifier.channels.base import DeliveryError, Message, deadline
from notifier.settings import ChannelSettings

MISSING = "apprise is not installed (pip install 'peacewatch[apprise]')"


def _apprise() -> Any:
    try:
        import apprise  # type: ignore[import-not-found]
    except ImportError:
        raise DeliveryError(MISSING, retryable=False) from None
    return apprise


class AppriseChannel:
    def __init__(self, settings: ChannelSettings) -> None:
        self.name = settings.name
        self.settings = settings

    async def send(self, message: Message) -> None:
        apprise = _apprise()
        notifier = apprise.Apprise()
        for url in self.settings.apprise_urls:
            if not notifier.add(url):
                raise DeliveryError(f"apprise does not accept URL {url!r}", retryable=False)
        async with deadline(self.settings.timeout.total_seconds()):
            ok = await notifier.async_notify(body=message.text(), title=message.subject())
        if not ok:
            raise DeliveryError("apprise reported a failed notification", retryable=True)
