"""Runtime: the one event loop (with Twisted's reactor on it) and the worker processes."""
