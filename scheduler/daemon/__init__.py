"""The daemon: polling policy, jobs, metrics, health endpoints and the process loop."""
