"""The labelled corpus of real coverage, and the harness that measures readings on it."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from crawler.model import STATUSES
from crawler.status import corpus
from tests.eval import status as harness

ITEMS = corpus.items()


def test_every_item_has_the_schema() -> None:
    assert ITEMS, "the corpus ships with the package"
    for item in ITEMS:
        assert item.id and item.title.strip(), item
        assert item.lang in corpus.LANGUAGES, item.id
        assert re.fullmatch(r"20(2[1-6])-\d\d-\d\d", item.date), item.id
        assert item.outlet and " " not in item.outlet, item.id
        assert item.status in STATUSES and set(item.also) <= set(STATUSES), item.id
        assert item.status not in item.also, item.id
        assert item.relevant or item.status == "none", item.id
        where = item.provenance
        assert {"repo", "path", "commit"} <= set(where) or "url" in where, item.id
        assert "text" not in where and len(item.text) <= 1000, item.id


def test_ids_and_titles_are_unique() -> None:
    assert len({i.id for i in ITEMS}) == len(ITEMS)
    assert len({corpus.title_key(i.title) for i in ITEMS}) == len(ITEMS)


def test_test_shares_no_week_outlet_or_title_with_train() -> None:
    train, test = corpus.split("train"), corpus.split("test")
    assert train and test
    assert not {i.week for i in train} & {i.week for i in test}
    assert not {i.outlet for i in train} & {i.outlet for i in test}
    key = corpus.title_key
    assert not {key(i.title) for i in train} & {key(i.title) for i in test}
    assert len(corpus.split("all")) == len(train) + len(test) + len(corpus.split("dev"))


def test_a_reader_fitted_on_train_and_half_of_dev_has_not_seen_the_other_half() -> None:
    # The blend is fitted on dev as read by readers cross-fitted on its halves: each
    # item must come to its reader as unseen coverage does, from a week or an outlet
    # that reader never learned from.
    dev = corpus.split("dev")
    halves = [corpus.split(name) for name in corpus.HALVES]
    assert sorted(i.id for half in halves for i in half) == sorted(i.id for i in dev)
    assert min(map(len, halves)) > 0.4 * len(dev)
    for read, fitted in ((halves[1], "train+dev0"), (halves[0], "train+dev1")):
        seen = corpus.split(fitted)
        assert len(seen) == len(corpus.split("train")) + len(dev) - len(read)
        weeks, outlets = {i.week for i in seen}, {i.outlet for i in seen}
        assert all(i.week not in weeks or i.outlet not in outlets for i in read)


def test_the_corpus_is_spread_over_years_outlets_languages_and_statuses() -> None:
    assert len(ITEMS) >= 4000
    years = Counter(i.year for i in ITEMS)
    assert set(years) == set(range(2021, 2027))
    assert len({i.outlet for i in ITEMS}) >= 60
    languages = Counter(i.lang for i in ITEMS)
    assert languages["ru"] + languages["uk"] >= 600
    statuses = Counter(i.status for i in ITEMS)
    assert set(statuses) == set(STATUSES)
    # Real coverage has few of these: all found are in. (`collapsed` now meets the 150 the
    # ground-truth issue asks for, so it is held to it.)
    rare = {"agreement", "ceasefire"}
    assert {s: n for s, n in statuses.items() if n < 150}.keys() <= rare, statuses
    hard = sum(1 for i in ITEMS if i.relevant and i.status == "none")
    assert hard >= len(ITEMS) // 4, "war news that reports no talks status: the hard negatives"


@pytest.mark.parametrize("split", ["test", "written"])
def test_the_harness_reports_on_a_slice(split: str) -> None:
    items = harness.written_items() if split == "written" else corpus.split(split)[:60]
    report = harness.evaluate(items, harness.rules_reader(), split)
    text = report.render() + report.breakdown("outlet")
    assert "macro-F1" in text and "relevance: precision" in text and "-- by outlet --" in text
    assert 0.0 <= report.macro_f1 <= 1.0


def test_the_harness_command_reads_a_model_file_and_reports_by_language(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # With --model it reads with that file; without, it fits one on train first, as
    # `peacewatch train` does (tested there, on a small corpus: a fit here took 60 s).
    from crawler.status.learned.model import DEFAULT_MODEL

    assert harness.main(["--split", "test", "--by", "lang", "--model", str(DEFAULT_MODEL)]) == 0
    out = capsys.readouterr().out
    assert "by lang" in out and "macro-F1" in out
    assert all(f"\n{lang} " in out for lang in ("en", "ru", "uk"))


def test_the_harness_reads_with_the_encoder_alone(capsys: pytest.CaptureFixture[str]) -> None:
    # A learning curve's reading: one fine-tuned encoder, no n-grams or blend beside it.
    from crawler.status.learned.model import DEFAULT_MODEL
    from crawler.status.learned.tuned import TUNED_DIR

    with pytest.raises(SystemExit, match="needs --tuned"):
        harness.main(["--reader", "encoder", "--model", str(DEFAULT_MODEL)])
    argv = ["--split", "written-ru-uk", "--reader", "encoder", "--model", str(DEFAULT_MODEL)]
    assert harness.main([*argv, "--tuned", str(TUNED_DIR)]) == 0
    out = capsys.readouterr().out
    assert "== encoder on written-ru-uk (108 items) ==" in out
    # The shipped encoder never saw these texts; alone it reads them far above chance.
    assert float(re.search(r"macro-F1 ([0-9.]+)", out).group(1)) >= 0.6


def test_history_replays_run_and_are_scored() -> None:
    from tests.eval import history

    assert set(history.names()) >= {"2022-spring", "2025-spring"}
    score = history.run_replay("2022-spring")
    text = score.render(show_shifts=True)
    assert "events met" in text and "alerts per month" in text and "every decision" in text
    assert score.shifts, "a month of real coverage raises or suppresses something"
    # The scorer itself: a raised shift in an event's window meets it; one outside every
    # window is a false alarm; one in a must-not window breaks it.
    event = history.Window(
        ("ceasefire",), history.day("2025-03-18"), history.day("2025-03-20", True)
    )
    shifts = [
        {"kind": "decisive_status", "to": "ceasefire", "detected_at": "2025-03-19T10:00:00+00:00"},
        {"kind": "status_change", "to": "agreement", "detected_at": "2025-03-21T10:00:00+00:00"},
    ]
    must_not = history.Window(("agreement",), history.day("2025-03-01"), history.day("2025-03-31"))
    scored = history.Score("t", shifts, [event], [must_not], 1.0, 2.0).score()
    assert scored.met == [event] and scored.false_alarms == [shifts[1]]
    assert scored.broken == [(must_not, shifts[1])] and not scored.ok
    # An event names the kinds of shift that report it: a surge does not meet a truce.
    truce = history.Window(
        ("ceasefire",),
        history.day("2025-03-18"),
        history.day("2025-03-20", True),
        kinds=("decisive_status",),
    )
    surge = {**shifts[0], "kind": "surge"}
    assert history.Score("t", [surge], [truce], [], 1.0, 2.0).score().false_alarms == [surge]
    # A run of war news: most of the evidence the corpus read reports no talks status.
    war = history.Window(
        history.STATUSES, history.day("2025-03-01"), history.day("2025-03-31"), war_news=True
    )
    read_as = (["none", "none", "ceasefire", None], ["none", "ceasefire", None, None], [])
    backed = [{**shifts[0], "corpus": r} for r in read_as]
    assert history.Score("t", backed, [], [war], 1.0, 9.0).score().broken == [(war, backed[0])]


def test_a_second_reading_agrees_with_the_corpus() -> None:
    from tests.eval import agreement

    by_id = {i.id: i for i in ITEMS}
    rows = [json.loads(line) for line in agreement.SECOND.read_text().splitlines() if line]
    assert len(rows) >= 290 and all(r["id"] in by_id for r in rows)
    status_kappa, _ = agreement.kappa([(by_id[r["id"]].status, r["status"]) for r in rows])
    relevance_kappa, _ = agreement.kappa([(by_id[r["id"]].relevant, r["relevant"]) for r in rows])
    assert status_kappa >= 0.7 and relevance_kappa >= 0.7


def test_the_readme_counts_are_the_loaders() -> None:
    from crawler.status.corpus.__main__ import counts

    readme = (Path(corpus.__file__).parent / "README.md").read_text(encoding="utf-8")
    assert counts() in readme, "run `python -m crawler.status.corpus --write`"
