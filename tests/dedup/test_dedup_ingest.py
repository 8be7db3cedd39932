"""Stories through the one ingest path, on a real SQLite file: what `stories --json` shows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from crawler.model import Candidate
from crawler.settings import DedupSettings, TopicSettings
from crawler.store.db import session_scope
from crawler.store.ingest import Ingestor
from crawler.store.migrate import open_database
from crawler.store.reports import list_articles, list_stories

SEEDS = Path(__file__).parents[1] / "data" / "seeds"
NOW = datetime(2025, 10, 10, 12, 0, tzinfo=UTC)


def seed(name: str) -> tuple[str, str]:
    """(headline, page text) of a seed article: its first line is the headline."""
    text = next(SEEDS.glob(f"{name}*")).read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line.strip()]
    title = lines[1] if name.startswith("nishadil") else lines[0]
    return title, text


@pytest.fixture
def engine(tmp_path: Path):
    return open_database(f"sqlite:///{tmp_path}/t.db")


def ingest(engine, ingestor: Ingestor, *candidates: Candidate):
    with session_scope(engine) as session:
        return ingestor.ingest(session, list(candidates), NOW)


def candidate(url: str, title: str, text: str, published: datetime | None = None) -> Candidate:
    return Candidate(
        url=url, title=title, topic=TopicSettings().name, text=text, published=published
    )


def restyled_ap() -> tuple[str, str]:
    """The AP seed as another site serves it: new headline, other furniture, one paragraph cut."""
    _, text = seed("ap-")
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    body = [p for p in paragraphs[3:] if "Looking Ahead" not in p]
    del body[4]  # a trimmed paragraph
    page = "\n\n".join(
        [
            "World | Europe",
            "By Staff Writer, Wire Services",
            "Published May 21, 2025 08:10 GMT",
            "Share on Facebook  Share on X  Email",
            *body,
            "Related: Zelensky meets European leaders in London",
            "© 2025 The Daily Courier. All rights reserved.",
        ]
    )
    return "Peace push for Ukraine stalls as mediators grow frustrated", page


def test_seed_articles_are_different_stories(engine) -> None:
    ingestor = Ingestor([TopicSettings()])
    report = ingest(
        engine,
        ingestor,
        candidate("https://apnews.com/article/talks-stalled", *seed("ap-")),
        candidate("https://nishadil.com/fading-echo", *seed("nishadil")),
    )
    assert (report.new_articles, report.near_duplicates, report.duplicates) == (2, 0, 0)
    with session_scope(engine) as session:
        stories = list_stories(session)
    assert [(s["articles"], s["outlets"]) for s in stories] == [(1, 1), (1, 1)]


def test_restyled_copy_on_another_outlet_joins_its_story(engine) -> None:
    ingestor = Ingestor([TopicSettings()])
    ingest(
        engine,
        ingestor,
        candidate("https://apnews.com/article/talks-stalled", *seed("ap-")),
        candidate("https://nishadil.com/fading-echo", *seed("nishadil")),
    )
    report = ingest(engine, ingestor, candidate("https://courier.example/peace", *restyled_ap()))
    assert (report.new_articles, report.near_duplicates, report.duplicates) == (1, 1, 0)
    with session_scope(engine) as session:
        stories = {s["title"]: s for s in list_stories(session)}
        articles = {a["outlet"]: a for a in list_articles(session)}
    ap = stories[seed("ap-")[0]]
    assert (ap["articles"], ap["outlets"]) == (2, 2)
    assert stories[seed("nishadil")[0]]["outlets"] == 1
    assert articles["courier.example"]["story"] == articles["apnews.com"]["story"] == ap["id"]
    assert articles["nishadil.com"]["story"] != ap["id"]


def test_index_rebuilt_by_a_new_process_still_finds_the_story(engine) -> None:
    ingest(engine, Ingestor([TopicSettings()]), candidate("https://apnews.com/a", *seed("ap-")))
    fresh = Ingestor([TopicSettings()])  # a restart: the index comes from stored signatures
    report = ingest(engine, fresh, candidate("https://courier.example/peace", *restyled_ap()))
    assert report.near_duplicates == 1
    assert len(fresh.dedup) == 2
    with session_scope(engine) as session:
        assert [(s["articles"], s["outlets"]) for s in list_stories(session)] == [(2, 2)]


def test_after_a_restart_a_wire_copy_joins_and_a_rival_report_does_not(engine) -> None:
    """A copy whose stored signature leaves no doubt joins without its original's text
    being read back; a report on the same days from another desk stays its own story."""
    title, text = seed("ap-")
    ingest(engine, Ingestor([TopicSettings()]), candidate("https://apnews.com/a", title, text))
    fresh = Ingestor([TopicSettings()])
    paragraphs = text.split("\n\n")
    copy = candidate("https://wire.example/a", title, "\n\n".join(paragraphs[:-2]))
    rival = candidate("https://nishadil.com/b", *seed("nishadil"))
    report = ingest(engine, fresh, copy, rival)
    assert report.near_duplicates == 1
    with session_scope(engine) as session:
        stories = sorted((s["articles"], s["outlets"]) for s in list_stories(session))
    assert stories == [(1, 1), (2, 2)]


def test_exact_copy_under_another_url_counts_as_duplicate(engine) -> None:
    ingestor = Ingestor([TopicSettings()])
    title, text = seed("ap-")
    ingest(engine, ingestor, candidate("https://apnews.com/article/talks-stalled", title, text))
    # Same words, other furniture, curly quotes and spacing: still the same text.
    copy = "0 Comments\n5 Views\n" + text.replace("  ", " ").replace("'", "’") + "\nShare this"
    report = ingest(engine, ingestor, candidate("https://mirror.example/ap/1", title, copy))
    assert (report.duplicates, report.new_articles, report.near_duplicates) == (1, 0, 0)
    with session_scope(engine) as session:
        stories = list_stories(session)
        articles = list_articles(session)
    assert [(s["articles"], s["outlets"]) for s in stories] == [(2, 2)]
    mirror = next(a for a in articles if a["outlet"] == "mirror.example")
    assert mirror["duplicate_of"] is not None and mirror["story"] == stories[0]["id"]


def test_copies_arriving_in_the_same_batch_as_their_original_join_it(engine) -> None:
    """A feed often carries the wire story and its copies together: one insert batch.
    The story is counted as the table has it, and first seen when its earliest article
    was published, though a later one started it."""
    title, text = seed("ap-")
    hour = timedelta(hours=1)
    report = ingest(
        engine,
        Ingestor([TopicSettings()]),
        candidate("https://apnews.com/article/talks-stalled", title, text, NOW - hour),
        candidate("https://mirror.example/ap/1", title, "0 Comments\n" + text, NOW - 2 * hour),
        candidate("https://courier.example/peace", *restyled_ap(), NOW - 3 * hour),
        candidate("https://nishadil.com/fading-echo", *seed("nishadil")),
    )
    assert (report.new_articles, report.duplicates, report.near_duplicates) == (3, 1, 1)
    with session_scope(engine) as session:
        stories = {s["title"]: s for s in list_stories(session)}
        articles = {a["outlet"]: a for a in list_articles(session)}
    ap = stories[title]
    assert (ap["articles"], ap["outlets"]) == (3, 3)
    assert ap["first_seen"] == (NOW - 3 * hour).isoformat()
    assert articles["mirror.example"]["duplicate_of"] == articles["apnews.com"]["id"]
    assert articles["mirror.example"]["status"] == articles["apnews.com"]["status"] == "stalled"
    assert {articles[o]["story"] for o in ("apnews.com", "mirror.example", "courier.example")} == {
        ap["id"]
    }
    assert stories[seed("nishadil")[0]]["articles"] == 1


def test_a_story_joined_in_later_batches_is_recounted_and_dated_by_its_earliest(
    any_db_url: str,
) -> None:
    """Copies arriving in later batches: the story counts them as the table holds them,
    its first-seen moves back to a copy published earlier, never forward to a later
    one, and its last-seen is the latest batch's; a story no copy joined is untouched."""
    engine = open_database(any_db_url)
    ingestor = Ingestor([TopicSettings()])
    title, text = seed("ap-")
    hour = timedelta(hours=1)
    ingest(
        engine,
        ingestor,
        candidate("https://apnews.com/article/talks-stalled", title, text, NOW - 2 * hour),
        candidate("https://nishadil.com/fading-echo", *seed("nishadil"), NOW - 2 * hour),
    )
    with session_scope(engine) as session:
        ingestor.ingest(
            session,
            [candidate("https://mirror.example/ap/1", title, "0 Comments\n" + text, NOW - hour)],
            NOW + hour,
        )
    with session_scope(engine) as session:
        ingestor.ingest(
            session,
            [candidate("https://courier.example/peace", *restyled_ap(), NOW - 5 * hour)],
            NOW + 2 * hour,
        )
    with session_scope(engine) as session:
        stories = {s["title"]: s for s in list_stories(session)}
    engine.dispose()
    ap, other = stories[title], stories[seed("nishadil")[0]]
    assert (ap["articles"], ap["outlets"]) == (3, 3)
    assert ap["first_seen"] == (NOW - 5 * hour).isoformat()
    assert ap["last_seen"] == (NOW + 2 * hour).isoformat()
    assert (other["articles"], other["first_seen"]) == (1, (NOW - 2 * hour).isoformat())


def test_short_summaries_of_one_event_stay_apart(engine) -> None:
    ingestor = Ingestor([TopicSettings()], DedupSettings())
    report = ingest(
        engine,
        ingestor,
        Candidate(
            url="https://one.example/a",
            title="Russia and Ukraine agree to new round of peace talks in Istanbul",
            topic=TopicSettings().name,
            summary="Russian and Ukrainian delegations will meet in Istanbul on Monday for a "
            "second round of direct peace talks, Turkey's foreign ministry said.",
        ),
        Candidate(
            url="https://two.example/b",
            title="Kyiv confirms it will send delegation to Istanbul talks with Moscow",
            topic=TopicSettings().name,
            summary="Ukraine will send a delegation led by its defence minister to Istanbul on "
            "Monday for a second round of talks with Russia, Zelensky said on Sunday.",
        ),
    )
    assert (report.new_articles, report.near_duplicates) == (2, 0)
    assert len(report.story_ids) == 2


def test_an_index_knows_when_another_worker_deleted_what_it_holds(engine) -> None:
    from sqlalchemy import delete

    from crawler.store.tables import Article

    ingestor = Ingestor([TopicSettings()], DedupSettings())
    title, text = seed("ap-")
    ingest(engine, ingestor, candidate("https://a.example/1", title, text))
    with session_scope(engine) as session:
        assert not ingestor.index_outdated(session)
        session.exec(delete(Article))  # retention on another worker
    with session_scope(engine) as session:
        assert ingestor.index_outdated(session)
        assert not Ingestor([TopicSettings()], DedupSettings()).index_outdated(session)


@pytest.mark.parametrize(("window", "stories"), [("30d", [(2, 2)]), ("7d", [(1, 1), (1, 1)])])
def test_a_copy_joins_its_story_only_within_the_story_window(engine, window, stories) -> None:
    """`dedup.story_window` bounds the stored copies a text is checked against by their
    published time: what keeps ingest cost flat as the archive grows."""
    ingestor = Ingestor([TopicSettings()], DedupSettings(story_window=window))
    first = candidate("https://apnews.com/a", *seed("ap-"))
    first.published = NOW - timedelta(days=10)
    ingest(engine, ingestor, first)
    copy = candidate("https://courier.example/peace", *restyled_ap())
    copy.published = NOW
    ingest(engine, ingestor, copy)
    with session_scope(engine) as session:
        assert sorted((s["articles"], s["outlets"]) for s in list_stories(session)) == stories
