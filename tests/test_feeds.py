"""
Feeds (issue 13, item 8): every Atom entry carries the article's whole text,
as its page shows it; a browser opening a feed is given the stylesheet that
makes it a page.
"""

import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from django.utils import timezone

from articles.models import Article
from tests.factories import make_article

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def cited(db):
    now = timezone.now()
    make_article(
        "Target Piece",
        published_at=now - timedelta(days=2),
        sections=[{"heading": "Part Two", "body": "Cited part."}],
    )
    make_article("Draft Target", status=Article.Status.DRAFT)
    return make_article(
        "Feed Piece",
        published_at=now - timedelta(days=1),
        summary="The lead, citing [[Target Piece]].",
        tags=["Naval"],
        sections=[
            {"heading": "First <part>", "body": "As [[Target Piece#Part Two]] shows, *much*."},
            {"heading": "Deeper", "level": 3, "body": "See also: [[Draft Target]]"},
        ],
    )


def entries(feed):
    return {
        entry.find(f"{ATOM}title").text: entry for entry in ET.fromstring(feed).iter(f"{ATOM}entry")
    }


def test_each_entry_carries_the_whole_text(read, cited):
    feed = read("/feed/").content
    entry = entries(feed)["Feed Piece"]
    content = entry.find(f"{ATOM}content")
    assert content.get("type") == "html"
    assert content.get("{http://www.w3.org/XML/1998/namespace}base") == (
        "http://testserver/articles/feed-piece/"
    )
    assert content.text == (
        '<p>The lead, citing <a class="xref" href="http://testserver/articles/target-piece/">'
        "Target Piece</a>.</p>\n"
        "<h2>First &lt;part&gt;</h2>\n"
        '<p>As <a class="xref" href="http://testserver/articles/target-piece/#part-two">'
        "Target Piece § Part Two</a> shows, <em>much</em>.</p>\n"
        "<h3>Deeper</h3>\n"
        '<p class="see-also">See also: Draft Target</p>'
    )
    # The lead, as plain text, stays the summary.
    assert entry.find(f"{ATOM}summary").text.startswith("The lead, citing Target Piece")


def test_a_topic_feed_carries_the_whole_text_too(read, cited):
    feed = read("/tags/naval/feed/").content
    content = entries(feed)["Feed Piece"].find(f"{ATOM}content").text
    assert "<h2>First &lt;part&gt;</h2>" in content and "<h3>Deeper</h3>" in content


def test_a_feed_names_its_stylesheet_before_its_root(read, cited):
    feed = read("/feed/").content.decode()
    assert feed.startswith(
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<?xml-stylesheet type="text/xsl" href="/feed.xsl"?><feed '
    )


def test_the_stylesheet_is_xslt_that_shows_the_entries(read, db):
    response = read("/feed.xsl")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/xsl; charset=utf-8"
    root = ET.fromstring(response.content)
    xsl = "{http://www.w3.org/1999/XSL/Transform}"
    assert root.tag == f"{xsl}stylesheet"
    loops = [element.get("select") for element in root.iter(f"{xsl}for-each")]
    assert loops == ["atom:entry"]
    assert b'href="/static/css/site.css"' in response.content
