"""Reporting commands over stored state."""
