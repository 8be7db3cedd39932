"""What can be worked out about a page before it is stored: its fingerprint and status.

Fingerprinting and the status readers (model or rules) are pure CPU, like extraction. The crawl runs
them in the extraction worker, beside trafilatura, so the process that runs the event
loop only stores. Ingest takes the result only when it was worked out from the title,
body and settings it would use itself; otherwise it works it out again.
"""

from __future__ import annotations

from crawler.dedup.fingerprint import fingerprint
from crawler.extract.article import ExtractedPage, extract_article
from crawler.extract.text import one_line
from crawler.model import AnalysisSpec, Classifier, PageAnalysis
from crawler.settings import DedupSettings, TopicSettings
from crawler.status.backend import make_classifier
from crawler.status.language import detect

_TOOLS: dict[AnalysisSpec, tuple[DedupSettings, Classifier | None]] = {}


def analyse(spec: AnalysisSpec, title: str, body: str, language: str | None = None) -> PageAnalysis:
    """Fingerprint `title` and `body`, and read their status if a worker can, in the
    language ingest will store: the declared one (`language`), else by their letters."""
    tools = _TOOLS.get(spec)
    if tools is None:
        dedup = DedupSettings.model_validate_json(spec.dedup)
        reader = None
        if spec.topic is not None:
            reader = make_classifier(TopicSettings.model_validate_json(spec.topic))
        tools = _TOOLS[spec] = (dedup, reader)
    dedup, reader = tools
    language = detect(title, body, language)
    verdict = reader(title, body, language) if reader is not None else None
    return PageAnalysis(title, body, spec, fingerprint(title, body, dedup), verdict, language)


def read_page(
    html: str, url: str | None, spec: AnalysisSpec | None, title: str, language: str | None = None
) -> tuple[ExtractedPage, PageAnalysis | None]:
    """Extract a page and, given a spec, analyse its text under the title and declared
    language ingest will use (the entry's own title, else the page's; the page's language,
    else the feed's): what a crawl's worker runs per page."""
    page = extract_article(html, url)
    if spec is None or page.error or not page.text:
        return page, None
    return page, analyse(spec, one_line(title or page.title), page.text, page.language or language)
