"""Extract: the main text, metadata and sentences of a page or a feed entry."""
