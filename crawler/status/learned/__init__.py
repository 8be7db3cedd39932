"""Readings learned from the labelled corpus: relevance and status from linear heads."""
