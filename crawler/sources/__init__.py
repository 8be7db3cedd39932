"""Sources: the kinds a source can be (feed, listing, sitemap), each one registered poller."""
