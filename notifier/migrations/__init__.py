"""The notifier's schema revisions; they follow the crawler's (`crawler.store.migrate`)."""

from pathlib import Path

VERSIONS = Path(__file__).with_name("versions")
