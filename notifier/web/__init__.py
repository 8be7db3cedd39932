"""The dashboard: HTML pages, the JSON API and the Atom feed of shifts."""

from notifier.web.app import DashboardSettings, create_app
from notifier.web.security import BindError, check_bind

__all__ = ["BindError", "DashboardSettings", "check_bind", "create_app"]
