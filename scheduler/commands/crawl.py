"""`peacewatch crawl`: one pass over the sources."""
