"""
The topic map page at /map/: its list (the same data as the drawing) holds
every published article with its passages and topics, never a draft or a
scheduled article; it and the graph endpoint it draws from run a fixed number
of queries whatever the size of the corpus, and are cached like any page.
"""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from articles.models import Article
from tests.factories import make_article

pytestmark = pytest.mark.django_db


@pytest.fixture
def corpus():
    now = timezone.now()
    older = make_article(
        "Liaison officers",
        published_at=now - timedelta(days=5),
        tags=["Alliances"],
        sections=[
            {"heading": "Origins", "body": "Early days.", "tags": ["Training"]},
            {"heading": "Practice", "level": 3, "body": "Later."},
        ],
    )
    newer = make_article(
        "Naval staff talks",
        published_at=now - timedelta(days=1),
        sections=[
            {"heading": "Agenda", "body": "As [[Liaison officers]] says.", "tags": ["Alliances"]}
        ],
    )
    make_article(
        "Secret plans",
        status=Article.Status.DRAFT,
        tags=["Draft topic"],
        sections=[
            {"heading": "Hidden passage", "body": "[[Liaison officers]]", "tags": ["Alliances"]}
        ],
    )
    make_article("Future liaison", published_at=now + timedelta(days=2), tags=["Alliances"])
    return older, newer


def test_map_page_lists_articles_passages_topics_and_references(client, corpus):
    older, newer = corpus
    page = client.get("/map/").content.decode()
    assert "<h1>Topic map</h1>" in page
    assert 'data-graph-url="/api/graph"' in page
    assert (
        f'<a class="map-article__title" href="/articles/{older.slug}/">Liaison officers</a>' in page
    )
    assert f'<a href="/articles/{older.slug}/#origins">Origins</a>' in page
    assert "— Training" in page  # a passage's topics beside it
    # The newer article cites the older one.
    assert f'Cites: <a href="/articles/{older.slug}/">Liaison officers</a>' in page
    # The topic filter offers only topics of published content.
    assert '<option value="alliances">' in page and '<option value="training">' in page
    # Served from the site's static files, never a CDN.
    assert "/static/topic-map/vendor/cytoscape-3.35.0.min.js" in page
    assert "https://" not in page.split("</head>")[0].replace("https://ogp", "")


def test_a_draft_never_appears(client, corpus):
    for url in ("/map/", "/api/graph"):
        cache.clear()
        text = client.get(url).content.decode()
        for hidden in (
            "Secret plans",
            "Hidden passage",
            "Draft topic",
            "draft-topic",
            "Future liaison",
        ):
            assert hidden not in text, (url, hidden)


def test_map_page_is_cached_for_anonymous_readers(client, corpus, django_assert_num_queries):
    assert client.get("/map/")["X-Cache"] == "miss"
    assert client.get("/api/graph")["X-Cache"] == "miss"
    with django_assert_num_queries(0):
        assert client.get("/map/")["X-Cache"] == "hit"
        assert client.get("/api/graph")["X-Cache"] == "hit"


def make_corpus(size):
    now = timezone.now()
    for n in range(size):
        make_article(
            f"Corpus article {n}",
            published_at=now - timedelta(days=size - n),
            tags=[f"Topic {n % 5}"],
            sections=[
                {
                    "heading": "One",
                    "body": f"[[Corpus article {n - 1}]]" if n else "First.",
                    "tags": ["Alliances"],
                },
                {"heading": "Two", "level": 3, "tags": [f"Topic {n % 3}", "Naval"]},
            ],
        )
    make_article("Corpus draft", status=Article.Status.DRAFT, tags=["Alliances"])


@pytest.mark.parametrize("size", [3, 30])
def test_map_and_graph_run_a_fixed_number_of_queries(
    client, settings, django_assert_num_queries, size
):
    settings.MIDDLEWARE = [
        m
        for m in settings.MIDDLEWARE
        if not m.endswith(("PageCacheMiddleware", "FastPathMiddleware"))
    ]
    make_corpus(size)
    # Articles, passages, tag usage (two, once per content version), the two
    # kinds of tagging, references.
    for url in ("/api/graph", "/map/"):
        cache.clear()
        with django_assert_num_queries(7, info=url):
            response = client.get(url)
        assert response.status_code == 200
    body = client.get("/api/graph").json()
    assert len(body["articles"]) == size
    assert len(body["references"]) == size - 1
