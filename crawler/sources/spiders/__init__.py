"""Thin spiders: they find article URLs and fetch pages; `crawler.sources.sites` runs them and
turns what they yield into ingest candidates."""

from crawler.sources.spiders.article import ArticleSpider
from crawler.sources.spiders.listing import ListingSpider
from crawler.sources.spiders.sitemap import NewsSitemapSpider

__all__ = ["ArticleSpider", "ListingSpider", "NewsSitemapSpider"]
