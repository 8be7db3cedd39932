"""Dedup: fingerprints, the near-duplicate index and the story decision."""
