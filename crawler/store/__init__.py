"""Store: the crawler's tables, the ingest of candidates, source health and row leases."""
