"""The dashboard: HTML pages, the JSON API and the Atom feed of shifts.

The names below load on first use, so importing `notifier.web.security` (or this
package) does not pull in FastAPI and the dashboard.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from notifier.web.app import DashboardSettings, create_app
    from notifier.web.security import BindError, check_bind

__all__ = ["BindError", "DashboardSettings", "check_bind", "create_app"]

_HOMES = {
    "BindError": "notifier.web.security",
    "check_bind": "notifier.web.security",
    "DashboardSettings": "notifier.web.app",
    "create_app": "notifier.web.app",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(home), name)
    globals()[name] = value
    return value
