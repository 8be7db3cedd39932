"""`peacewatch crawl` over feeds served by a real local HTTP server."""

from __future__ import annotations

import gzip
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.conftest import write_config
from tests.feeds import Entry, atom, rdf, rss, seed, seed_names, talks_entry, unrelated_entry
from tests.servers import Response, conditional, endless, gzipped


def _feed(server, path: str, body: bytes, content_type: str = "application/rss+xml") -> dict:
    server.route(path, Response(body=body, headers={"Content-Type": content_type}))
    return {"name": path.strip("/").rsplit(".", 1)[0].replace("/", "-"), "url": server.url(path)}


def _by_source(result) -> dict[str, dict]:
    return {row["source"]: row for row in result["by_source"]}


def test_seed_articles_become_two_relevant_articles_and_unrelated_is_skipped(
    http_server, cli, config_path, db_url
):
    names = seed_names()
    assert len(names) == 2
    entries = []
    for i, name in enumerate(names):
        headline, body = seed(name)
        entries.append(
            Entry(
                headline,
                f"https://outlet{i}.example.org/{name}.html",
                body,
                datetime(2025, 5, 20 + i, 12, tzinfo=UTC),
            )
        )
    entries.append(unrelated_entry())
    write_config(
        config_path, database=db_url, sources=[_feed(http_server, "/seeds.xml", rss(entries))]
    )

    result = cli("crawl", "--json")
    assert result.exit_code == 0, result.stderr
    report = result.json()
    assert report["errors"] == []
    assert report["entries_seen"] == 3
    assert report["new_articles"] == 2
    assert report["skipped"] == 1

    articles = cli("articles", "--json").json()
    assert sorted(a["title"] for a in articles) == sorted(e.title for e in entries[:2])
    assert {a["outlet"] for a in articles} == {"example.org"}
    assert all(a["story"] is not None for a in articles)


def test_second_crawl_over_unchanged_feeds_adds_nothing(http_server, cli, config_path, db_url):
    entries = [talks_entry(n) for n in range(5)]
    plain = _feed(http_server, "/plain.xml", rss(entries[:3]))
    http_server.route("/etag.xml", conditional(rss(entries[3:]), '"v1"'))
    write_config(
        config_path,
        database=db_url,
        sources=[plain, {"name": "etag", "url": http_server.url("/etag.xml")}],
    )
    first = cli("crawl", "--json").json()
    assert first["new_articles"] == 5

    second = cli("crawl", "--json")
    assert second.exit_code == 0
    report = second.json()
    assert report["new_articles"] == 0
    assert report["duplicates"] == 3
    assert _by_source(report)["etag"]["not_modified"] is True
    etag_requests = [r for r in http_server.requests if r.path == "/etag.xml"]
    assert etag_requests[-1].headers.get("if-none-match") == '"v1"'
    assert len(cli("articles", "--json", "--limit", "100").json()) == 5
    health = {s["name"]: s for s in cli("sources", "--json").json()}
    assert health["etag"]["consecutive_failures"] == 0
    assert health["etag"]["polls"] == 2


def test_tracking_and_amp_variants_are_one_article(http_server, cli, config_path, db_url):
    base = talks_entry(1)
    variants = [
        base,
        Entry(base.title, base.link + "?utm_source=rss&utm_medium=feed", base.summary),
        Entry(
            base.title, base.link.replace("news.example.org", "amp.news.example.org"), base.summary
        ),
        Entry(base.title, base.link.replace(".html", ".amp.html") + "#comments", base.summary),
    ]
    write_config(
        config_path, database=db_url, sources=[_feed(http_server, "/v.xml", rss(variants))]
    )
    report = cli("crawl", "--json").json()
    assert report["new_articles"] == 1
    assert report["duplicates"] == 3
    [article] = cli("articles", "--json").json()
    assert article["url"] == "https://news.example.org/world/talks-round-1.html"


def test_feed_formats_encodings_and_failures(http_server, cli, config_path, db_url, tmp_path):
    """Every kind of feed and failure in one run: each source gets its own outcome."""
    e = [talks_entry(n) for n in range(20)]
    e[0].published = datetime(2025, 6, 1, 9, 30, tzinfo=UTC)
    html_title = Entry(
        "Kyiv &amp; Moscow: <b>peace talks</b> resume &#8212; &quot;cautious&quot;",
        "https://news.example.org/world/html-title.html",
        "<p>Ukraine and Russia <em>negotiators</em> met &amp; talked.</p>",
    )
    cyrillic = Entry(
        "Переговоры: Ukraine and Russia peace talks in Minsk", e[6].link, "Киев, Moscow, talks."
    )
    latin = Entry(
        "Pourparlers: Ukraine and Russia talks in Genève", e[7].link, "Kyiv, Kremlin, café"
    )
    sources = [
        _feed(http_server, "/rss2.xml", rss([e[0]])),
        _feed(http_server, "/atom.xml", atom([e[1]]), "application/atom+xml"),
        _feed(http_server, "/rdf.xml", rdf([e[2]]), "application/rdf+xml"),
        _feed(http_server, "/entities.xml", rss([html_title])),
        _feed(http_server, "/nodates.xml", rss([e[3]])),
        _feed(http_server, "/cp1251.xml", rss([cyrillic], encoding="windows-1251")),
        _feed(http_server, "/latin1.xml", rss([latin], encoding="iso-8859-1")),
    ]
    http_server.route("/gzip.xml", gzipped(rss([e[8]])))
    http_server.route("/bomb.xml", Response(body=_entity_bomb()))
    http_server.route("/external.xml", Response(body=_external_entity(tmp_path)))
    http_server.route("/malformed.xml", Response(body=b"<rss><channel><item><title>x</titl"))
    http_server.route("/500.xml", Response(500, b"oops"))
    http_server.route("/slow.xml", Response(body=rss([e[9]]), delay=4))
    http_server.route("/huge.xml", Response(body=endless(60 * 1024 * 1024)))
    http_server.route("/loop-a.xml", Response(302, headers={"Location": "/loop-b.xml"}))
    http_server.route("/loop-b.xml", Response(302, headers={"Location": "/loop-a.xml"}))
    http_server.route("/moved.xml", Response(301, headers={"Location": "/rss2-moved.xml"}))
    http_server.route("/rss2-moved.xml", Response(body=rss([e[10]])))
    # Scheme without a host: httpx refuses it while parsing (found by the full fuzz run).
    http_server.route("/badloc.xml", Response(301, headers={"Location": "http:0"}))
    names = ("gzip", "bomb", "external", "malformed", "500", "slow", "huge", "loop-a", "moved")
    for name in (*names, "badloc"):
        sources.append({"name": name, "url": http_server.url(f"/{name}.xml")})
    write_config(
        config_path,
        database=db_url,
        sources=sources,
        sections={"network": {"allow_private": True, "read_timeout": 1.5, "total_timeout": 3}},
    )
    started = time.monotonic()
    result = cli("crawl", "--json")
    assert result.exit_code == 0, result.stderr
    report = result.json()
    assert time.monotonic() - started < 30
    errors = {err["source"]: err["error"] for err in report["errors"]}
    assert set(errors) == {
        "bomb",
        "external",
        "malformed",
        "500",
        "slow",
        "huge",
        "loop-a",
        "badloc",
    }
    assert "ENTITY" in errors["bomb"] or "DOCTYPE" in errors["bomb"]
    assert "DOCTYPE" in errors["external"] or "ENTITY" in errors["external"]
    assert "malformed" in errors["malformed"]
    assert "500" in errors["500"]
    assert "timed out" in errors["slow"]
    assert "size cap" in errors["huge"]
    assert "redirect" in errors["loop-a"]
    assert "redirect" in errors["badloc"]

    per = _by_source(report)
    for name in ("rss2", "atom", "rdf", "entities", "nodates", "cp1251", "latin1", "gzip", "moved"):
        assert per[name]["new_articles"] == 1, (name, per[name])
    articles = {a["url"]: a for a in cli("articles", "--json", "--limit", "100").json()}
    assert articles[html_title.link]["title"] == 'Kyiv & Moscow: peace talks resume — "cautious"'
    assert articles[cyrillic.link]["title"] == cyrillic.title
    assert articles[latin.link]["title"] == latin.title
    assert articles[e[3].link]["published_estimated"] is True
    assert articles[e[0].link]["published_estimated"] is False
    assert articles[e[0].link]["published"] == "2025-06-01T09:30:00+00:00"

    health = {s["name"]: s for s in cli("sources", "--json").json()}
    assert health["500"]["consecutive_failures"] == 1
    assert "500" in health["500"]["last_error"]
    assert health["rss2"]["last_success"] is not None
    assert health["moved"]["last_error"] is None


def _entity_bomb() -> bytes:
    lol = ['<!ENTITY lol "lol">']
    for i in range(1, 10):
        lol.append(f'<!ENTITY lol{i} "{"&lol%s;" % ("" if i == 1 else i - 1) * 10}">')
    return (
        '<?xml version="1.0"?>\n<!DOCTYPE rss [' + "".join(lol) + "]>\n"
        '<rss version="2.0"><channel><title>&lol9;</title><item>'
        "<title>Ukraine Russia talks &lol9;</title><link>https://x.example.org/a</link>"
        "</item></channel></rss>"
    ).encode()


def _external_entity(tmp_path: Path) -> bytes:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET")
    return (
        f'<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file://{secret}">]>\n'
        '<rss version="2.0"><channel><title>x</title><item><title>Ukraine Russia talks &xxe;'
        "</title><link>https://x.example.org/b</link></item></channel></rss>"
    ).encode()


def test_a_failing_source_does_not_affect_the_others(http_server, cli, config_path, db_url):
    http_server.route("/down.xml", Response(503, b"", headers={"Retry-After": "120"}))
    ok = _feed(http_server, "/ok.xml", rss([talks_entry(1)]))
    write_config(
        config_path,
        database=db_url,
        sources=[{"name": "down", "url": http_server.url("/down.xml")}, ok],
    )
    for _ in range(2):
        cli("crawl", "--json")
    health = {s["name"]: s for s in cli("sources", "--json").json()}
    assert health["down"]["consecutive_failures"] == 2
    assert health[ok["name"]]["consecutive_failures"] == 0
    assert len(cli("articles", "--json").json()) == 1


def test_gzip_bytes_without_content_encoding_are_read(http_server, cli, config_path, db_url):
    http_server.route(
        "/raw.xml.gz",
        Response(
            body=gzip.compress(rss([talks_entry(3)])), headers={"Content-Type": "application/xml"}
        ),
    )
    write_config(
        config_path,
        database=db_url,
        sources=[{"name": "raw", "url": http_server.url("/raw.xml.gz")}],
    )
    report = cli("crawl", "--json").json()
    assert report["errors"] == [] and report["new_articles"] == 1


@pytest.mark.parametrize("flag", ["--source"])
def test_crawl_one_source_and_unknown_source(http_server, cli, config_path, db_url, flag):
    a = _feed(http_server, "/a.xml", rss([talks_entry(1)]))
    b = _feed(http_server, "/b.xml", rss([talks_entry(2)]))
    write_config(config_path, database=db_url, sources=[a, b])
    report = cli("crawl", flag, a["name"], "--json").json()
    assert report["sources"] == 1 and report["new_articles"] == 1
    assert http_server.hits("/b.xml") == 0
    bad = cli("crawl", flag, "nope", "--json")
    assert bad.exit_code != 0
    assert "nope" in bad.stderr and bad.stdout == ""


def test_abc_news_links_are_counted_as_abcnews_not_go_com(http_server, cli, config_path, db_url):
    entry = talks_entry(1, base="https://abcnews.go.com")
    other = talks_entry(2, base="https://www.go.com")
    feed = _feed(http_server, "/abc.xml", rss([entry, other]))
    write_config(config_path, database=db_url, sources=[feed])
    assert cli("crawl", "--json").exit_code == 0
    outlets = {a["title"]: a["outlet"] for a in cli("articles", "--json").json()}
    assert outlets[entry.title] == "abcnews.go.com"
    assert outlets[other.title] == "go.com"
