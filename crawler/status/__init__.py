"""Status: what an article reports (relevance to the topic, status of the talks), with evidence."""
