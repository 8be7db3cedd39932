"""Fetch: bytes over HTTP with caps and timeouts, the private-address guard, canonical URLs."""
