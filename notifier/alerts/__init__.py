"""Alerts: the outbox that delivers each shift once, and source-health alerts."""
