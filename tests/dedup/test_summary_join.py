"""A feed summary and the full text it was cut from are one story, through the real ingest.

Most default sources carry only a headline and a lede; the same report fetched in full
from another outlet used to start a second story ("2 stories, 4 outlets" for one event).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from crawler.dedup.contained import TitleIndex
from crawler.model import Candidate
from crawler.settings import DedupSettings, TopicSettings
from crawler.store.db import session_scope
from crawler.store.ingest import Ingestor
from crawler.store.migrate import open_database
from crawler.store.reports import list_stories
from tests.eval.dedup import SUMMARY_PAIRS, evaluate, load_pairs

SEEDS = Path(__file__).parents[1] / "data" / "seeds"
NOW = datetime(2025, 5, 21, 12, 0, tzinfo=UTC)


def ap_seed() -> tuple[str, str]:
    """(headline, page text) of the AP seed article."""
    text = next(SEEDS.glob("ap-*")).read_text(encoding="utf-8")
    return text.splitlines()[0].strip(), text


def full_text() -> Candidate:
    title, text = ap_seed()
    return Candidate(
        url="https://apnews.com/article/peace-talks-stalled",
        title=title,
        topic=TopicSettings().name,
        text=text,
        published=NOW - timedelta(hours=3),
    )


def summary() -> Candidate:
    """The AP story as an aggregator's feed item: headline with the outlet, the lede."""
    title, text = ap_seed()
    lede = next(p for p in text.split("\n\n") if len(p.split()) > 30)
    return Candidate(
        url="https://news.example.org/world/ukraine-talks-stalled",
        title=f"{title} - The Associated Press",
        topic=TopicSettings().name,
        summary=lede,
        published=NOW - timedelta(hours=2),
    )


def rival_summary() -> Candidate:
    """Another outlet's summary of another report on the same talks."""
    return Candidate(
        url="https://other.example/ukraine-talks",
        title="Ukraine-Russia peace talks: mediators meet again in Istanbul",
        topic=TopicSettings().name,
        summary="Mediators from Turkey met Russian and Ukrainian delegations in Istanbul on "
        "Tuesday for another round of peace talks, officials in Kyiv and Moscow said.",
        published=NOW - timedelta(hours=1),
    )


@pytest.fixture
def engine(tmp_path: Path):
    return open_database(f"sqlite:///{tmp_path}/t.db")


def stories_after(engine, *batches: list[Candidate]) -> list[tuple[int, int]]:
    ingestor = Ingestor([TopicSettings()], DedupSettings())
    for batch in batches:
        with session_scope(engine) as session:
            ingestor.ingest(session, batch, NOW)
    with session_scope(engine) as session:
        return sorted((s["articles"], s["outlets"]) for s in list_stories(session))


@pytest.mark.parametrize(
    "order",
    [
        pytest.param(lambda: [[full_text()], [summary()]], id="full-text-first"),
        pytest.param(lambda: [[summary()], [full_text()]], id="summary-first"),
        pytest.param(lambda: [[summary(), full_text()]], id="one-batch"),
    ],
)
def test_a_summary_joins_its_full_text_story(engine, order) -> None:
    assert stories_after(engine, *order()) == [(2, 2)]


def test_another_reports_summary_stays_its_own_story(engine) -> None:
    assert stories_after(engine, [full_text()], [rival_summary()]) == [(1, 1), (1, 1)]


def test_summary_pairs_from_the_real_corpus_meet_precision_and_recall() -> None:
    pairs = load_pairs(SUMMARY_PAIRS)
    assert len(pairs) >= 600 and {p["label"] for p in pairs} == {0, 1}
    scores, wrong = evaluate(pairs, DedupSettings())
    assert scores.precision >= 0.98, wrong
    assert scores.recall >= 0.95, wrong


def test_the_headline_index_proposes_only_a_summary_or_a_full_text_and_forgets() -> None:
    """Texts under one headline are proposed when one could be the other's summary
    (1.5 times the shorter or more), and a rolled-back text is forgotten everywhere."""
    index = TitleIndex()
    headline = "Russian and Ukrainian delegations meet in Istanbul for peace talks"
    index.add(1, headline, 40)  # a feed summary
    index.add(2, headline + " - Reuters", 400)  # the full report
    index.add(3, headline, 45)  # another summary, about as long
    assert sorted(index.similar(headline, 42)) == [2]
    assert sorted(index.similar(headline, 420)) == [1, 3]
    index.remove([1, 2])
    assert index.similar(headline, 420) == [3]
    assert index.similar(headline, 42) == []
    assert len(index) == 1
