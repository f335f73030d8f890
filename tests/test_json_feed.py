"""
The JSON Feed at /feed.json, checked against the JSON Feed 1.1 spec
(https://www.jsonfeed.org/version/1.1/): its required fields and their types,
the whole article as sanitized HTML, published articles only, linked from
every page's head, and a fixed number of queries.
"""

from datetime import datetime, timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from articles.models import Article
from tests.factories import make_article

pytestmark = pytest.mark.django_db

FEED_URL = "/feed.json"


def validate_json_feed(feed):
    """The spec's rules for a feed: required fields, and the type of every field present."""
    assert feed["version"] == "https://jsonfeed.org/version/1.1"  # required
    assert isinstance(feed["title"], str) and feed["title"]  # required
    assert isinstance(feed["items"], list)  # required
    for name in ("home_page_url", "feed_url", "description", "language"):
        assert isinstance(feed.get(name, ""), str), name
    for author in feed.get("authors", []):
        assert set(author) & {"name", "url", "avatar"}, "an author has at least one field"
    ids = []
    for item in feed["items"]:
        assert isinstance(item["id"], str) and item["id"]  # required, a string
        # "content_html and content_text are each optional strings — but one must be present."
        assert isinstance(item.get("content_html") or item.get("content_text"), str)
        for name in ("url", "title", "summary", "content_html"):
            assert isinstance(item.get(name, ""), str), name
        for name in ("date_published", "date_modified"):
            if name in item:
                assert datetime.fromisoformat(item[name]).tzinfo is not None, name  # RFC 3339
        assert all(isinstance(tag, str) for tag in item.get("tags", []))
        ids.append(item["id"])
    assert len(ids) == len(set(ids)), "item ids are unique"


@pytest.fixture
def feed(client):
    def get():
        cache.clear()
        response = client.get(FEED_URL)
        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/feed+json")
        return response.json()

    return get


@pytest.fixture
def articles():
    now = timezone.now()
    cited = make_article(
        "Liaison officers",
        published_at=now - timedelta(days=3),
        summary="The **lead**, citing [[Naval staff talks]].",
        tags=["Alliances", "Training"],
        sections=[
            {"heading": "Origins", "body": "Began <script>alert(1)</script> early."},
            {"heading": "Practice", "level": 3, "body": "See [[Secret plans]]."},
        ],
    )
    citing = make_article(
        "Naval staff talks",
        published_at=now - timedelta(days=1),
        sections=[{"heading": "Agenda", "body": "As in [[Liaison officers#Origins]]."}],
    )
    make_article("Secret plans", status=Article.Status.DRAFT)
    make_article("Future liaison", published_at=now + timedelta(days=2))
    return cited, citing


def test_feed_has_the_required_fields_of_the_spec(feed, articles):
    body = feed()
    validate_json_feed(body)
    assert body["title"] == "Milcoop"
    assert body["home_page_url"] == "http://testserver/"
    assert body["feed_url"] == "http://testserver/feed.json"


def test_items_are_published_articles_newest_first_in_full(feed, articles):
    cited, citing = articles
    items = feed()["items"]
    assert [item["title"] for item in items] == ["Naval staff talks", "Liaison officers"]
    item = items[1]
    assert item["id"] == item["url"] == f"http://testserver/articles/{cited.slug}/"
    assert item["tags"] == ["Alliances", "Training"]
    assert "lead" in item["summary"] and "citing Naval staff talks" in item["summary"]
    assert "<" not in item["summary"]  # plain text, as the spec has it
    html = item["content_html"]
    # Lead and every section, headings as on the page.
    assert "<strong>lead</strong>" in html
    assert "<h2>Origins</h2>" in html and "<h3>Practice</h3>" in html
    # Sanitized, and references link (absolutely) to published articles only.
    assert "<script" not in html
    assert f'href="http://testserver/articles/{citing.slug}/"' in html
    assert "Secret plans" in html and "secret-plans" not in html
    assert f'href="http://testserver/articles/{cited.slug}/#origins"' in items[0]["content_html"]
    assert datetime.fromisoformat(item["date_published"]) == cited.published_at


def test_every_page_links_the_feed_in_its_head(client, articles):
    for url in ("/", "/articles/", f"/articles/{articles[0].slug}/", "/tags/", "/search/?q=x"):
        page = client.get(url).content.decode()
        head = page.split("</head>")[0]
        assert 'rel="alternate" type="application/feed+json"' in head, url
        assert 'href="/feed.json"' in head, url


@pytest.mark.parametrize("size", [3, 25])
def test_feed_runs_a_fixed_number_of_queries(client, settings, django_assert_num_queries, size):
    settings.MIDDLEWARE = [
        m
        for m in settings.MIDDLEWARE
        if not m.endswith(("PageCacheMiddleware", "FastPathMiddleware"))
    ]
    for n in range(size):
        make_article(
            f"Article {n}",
            summary=f"Cites [[Article {n - 1}]].",
            tags=["Alliances"],
            sections=[{"heading": "One", "body": "[[Article 0]]"}, {"heading": "Two"}],
        )
    # Articles, their tags, their sections, the published targets of their references.
    with django_assert_num_queries(4):
        assert client.get(FEED_URL).status_code == 200
