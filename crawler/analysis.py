"""What can be worked out about an entry or a page before it is stored: whether it is
about its topic, its fingerprint and its status.

The relevance gate, fingerprinting and the status readers (model or rules) are pure CPU,
like parsing and extraction. The crawl runs them in the workers, beside a feed's parse
(`gate_entries`, on a source's first crawl) and trafilatura (`read_page`), so the
process that runs the event loop only stores. Ingest takes a result only when it was
worked out under the settings it would use itself; otherwise it works it out again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from crawler.dedup.fingerprint import fingerprint
from crawler.extract.text import html_to_text, one_line
from crawler.model import Admission, AnalysisSpec, Candidate, Classifier, PageAnalysis
from crawler.settings import DedupSettings, TopicSettings
from crawler.status.backend import make_classifier, make_gate
from crawler.status.language import detect
from crawler.status.relevance import RelevanceGate

if TYPE_CHECKING:
    from crawler.extract.article import ExtractedPage

_TOOLS: dict[AnalysisSpec, tuple[DedupSettings, Classifier | None]] = {}
_GATES: dict[str, RelevanceGate] = {}


def admit(
    candidate: Candidate, gate: RelevanceGate | None, scored: PageAnalysis | None = None
) -> tuple[bool, list[str]]:
    """Tidy the candidate as it is stored and ask the topic's gate: whether it is about
    the topic (its score kept in `relevance`), and the fields cut to the stored limits.
    The summary's HTML is turned into text only past the prefilter, and the language is
    detected only for what is kept (the gate does not read it), before the cut.
    `scored`, a worker's analysis of the candidate's page under the gate's topic, gives
    its score when it read the same text in the same declared language."""
    candidate.title = one_line(candidate.title)
    if gate is not None and not gate.may_pass(candidate.title, candidate.body, candidate.language):
        return False, []
    candidate.summary = html_to_text(candidate.summary)
    whole = candidate.title, candidate.body
    cut = candidate.bound()
    if gate is not None:
        candidate.relevance, threshold = _judged(candidate, gate, scored)
        if candidate.relevance < threshold:
            return False, cut
    candidate.language = detect(*whole, candidate.language)
    return True, cut


def _judged(
    candidate: Candidate, gate: RelevanceGate, scored: PageAnalysis | None
) -> tuple[float, float]:
    """The candidate's score and threshold (`RelevanceGate.judge`)."""
    if (
        scored is not None
        and scored.relevance is not None
        and (scored.title, scored.body, scored.declared)
        == (candidate.title, candidate.body, candidate.language)
    ):
        threshold = gate.threshold_for(
            candidate.title, candidate.body, candidate.language, scored.relevance
        )
        return scored.relevance, threshold
    return gate.judge(candidate.title, candidate.body, candidate.language)


def _gate(topic: str) -> RelevanceGate:
    """The gate of a topic given as its settings' JSON, made once a process."""
    gate = _GATES.get(topic)
    if gate is None:
        gate = _GATES[topic] = make_gate(TopicSettings.model_validate_json(topic))
    return gate


def gate_entries(spec: AnalysisSpec | None, candidates: list[Candidate]) -> None:
    """`admit` each of a feed's entries under its topic's spec, beside the feed's parse,
    and `analyse` those kept, as ingest would next: on a first crawl the gate was half
    the event loop's CPU, and reading the status of what it keeps most of the rest."""
    if spec is None or spec.topic is None:
        return
    gate = _gate(spec.topic)
    for candidate in candidates:
        kept, cut = admit(candidate, gate)
        candidate.admission = Admission(spec.topic, kept, cut)
        if kept:
            candidate.analysis = analyse(spec, candidate.title, candidate.body, candidate.language)


def analyse(
    spec: AnalysisSpec, title: str, body: str, language: str | None = None, *, read: bool = True
) -> PageAnalysis:
    """Fingerprint `title` and `body`, and read their status if a worker can and `read`
    asks it to, in the language ingest will store: the declared one (`language`), else by
    their letters. Without a verdict, ingest reads the status itself if it keeps them."""
    tools = _TOOLS.get(spec)
    if tools is None:
        dedup = DedupSettings.model_validate_json(spec.dedup)
        reader = None
        if spec.topic is not None:
            reader = make_classifier(TopicSettings.model_validate_json(spec.topic))
        tools = _TOOLS[spec] = (dedup, reader)
    dedup, reader = tools
    language = detect(title, body, language)
    verdict = reader(title, body, language) if reader is not None and read else None
    return PageAnalysis(title, body, spec, fingerprint(title, body, dedup), verdict, language)


def read_page(
    html: str, url: str | None, spec: AnalysisSpec | None, title: str, language: str | None = None
) -> tuple[ExtractedPage, PageAnalysis | None]:
    """Extract a page and, given a spec, score its relevance as ingest's gate would and
    analyse its text, under the title and declared language ingest will use (the entry's
    own title, else the page's; the page's language, else the feed's): what a crawl's
    worker runs per page. The status of a page the gate turns away is not read: ingest
    would drop it unread."""
    from crawler.extract.article import extract_article  # trafilatura: for pages only

    page = extract_article(html, url)
    if spec is None or page.error or not page.text:
        return page, None
    declared = page.language or language
    title = one_line(title or page.title)
    relevance: float | None = None
    read = True
    if spec.topic is not None:
        gate = _gate(spec.topic)
        relevance, threshold = gate.judge(title, page.text, declared)
        read = relevance >= threshold
    analysis = analyse(spec, title, page.text, declared, read=read)
    analysis.relevance, analysis.declared = relevance, declared
    return page, analysis
