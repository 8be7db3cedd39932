"""Thin spiders: they find article URLs and fetch pages; `crawler.sites` runs them and
turns what they yield into ingest candidates."""

from crawler.spiders.article import ArticleSpider
from crawler.spiders.listing import ListingSpider
from crawler.spiders.sitemap import NewsSitemapSpider

__all__ = ["ArticleSpider", "ListingSpider", "NewsSitemapSpider"]
