"""
The topic map page at /map/: its list (the same data as the drawing) holds
every published article with its passages and topics, never a draft or a
scheduled article; it and the graph endpoint it draws from run a fixed number
of queries whatever the size of the corpus, and are cached like any page.
"""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertInHTML

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


@pytest.fixture
def without_page_cache(settings):
    # The cache would answer the repeated requests; what is counted is the map's own work.
    settings.MIDDLEWARE = [
        m
        for m in settings.MIDDLEWARE
        if not m.endswith(("PageCacheMiddleware", "FastPathMiddleware"))
    ]


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
    client, without_page_cache, django_assert_num_queries, size
):
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


# --- One article's local map ------------------------------------------------------


def test_the_article_page_links_to_its_local_map(client, corpus):
    older, _ = corpus
    page = client.get(older.get_absolute_url()).content.decode()
    assert f'<a href="/articles/{older.slug}/map/">Map of this article\'s connections</a>' in page


def test_a_drafts_preview_has_no_link_to_a_map(editor_client, corpus):
    draft = Article.objects.get(title="Secret plans")
    response = editor_client.get(reverse("preview:article", kwargs={"slug": draft.slug}))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Hidden passage" in page
    assert "connections</a>" not in page and f"/articles/{draft.slug}/map/" not in page


def test_local_map_lists_the_neighbourhood_and_nothing_else(client, corpus):
    older, newer = corpus
    make_article("Unrelated", sections=[{"heading": "Elsewhere", "tags": ["Elsewhere"]}])
    response = client.get(f"/articles/{older.slug}/map/")
    assert response.status_code == 200
    page = response.content.decode()
    assertInHTML("<h1>Map of “Liaison officers”</h1>", page)
    assert f'data-graph-url="/api/articles/{older.slug}/graph"' in page
    assert f'data-focus="{older.slug}"' in page
    # Its passages, with their topics.
    assertInHTML(
        f"""<li class="map-passage" data-node="passage:{older.slug}#origins">
        <a href="/articles/{older.slug}/#origins">Origins</a>
        <span class="map-topics"> — Training</span></li>""",
        page,
    )
    assert f'<a href="/articles/{older.slug}/#practice">Practice</a>' in page
    # Cited by the newer article, from its passage; it cites nothing published.
    assertInHTML(
        f"""<li data-node="article:{newer.slug}">
        <a class="map-article__title" href="/articles/{newer.slug}/">Naval staff talks</a>
        <span class="map-topics"> — in <a href="/articles/{newer.slug}/#agenda">§ Agenda</a></span>
        </li>""",
        page,
    )
    assertInHTML('<h3 id="local-map-cites">It cites</h3><p>No published article.</p>', page)
    # Its topics, with their counts and the neighbours sharing them.
    assertInHTML(
        f"""<li data-node="topic:alliances"><a href="/tags/alliances/">Alliances</a>
        <span class="map-topics">(2 articles · 1 passage), shared with
        <a href="/articles/{newer.slug}/">Naval staff talks</a></span></li>""",
        page,
    )
    assertInHTML(
        """<li data-node="topic:training"><a href="/tags/training/">Training</a>
        <span class="map-topics">(1 article · 1 passage)</span></li>""",
        page,
    )
    for absent in ("Unrelated", "Elsewhere", "Secret plans", "Draft topic", "Future liaison"):
        assert absent not in page, absent


def test_a_draft_citing_the_article_never_appears_on_its_map(client, corpus):
    older, newer = corpus
    for url in (f"/articles/{older.slug}/map/", f"/api/articles/{older.slug}/graph"):
        cache.clear()
        text = client.get(url).content.decode()
        for hidden in ("Secret plans", "secret-plans", "Hidden passage", "Draft topic"):
            assert hidden not in text, (url, hidden)


@pytest.mark.parametrize("title", ["Secret plans", "Future liaison"])
def test_a_draft_or_scheduled_article_has_no_map(client, corpus, title):
    slug = Article.objects.get(title=title).slug
    assert client.get(f"/articles/{slug}/map/").status_code == 404
    assert client.get(f"/api/articles/{slug}/graph").status_code == 404
    assert client.get("/articles/no-such-article/map/").status_code == 404


@pytest.mark.parametrize("size", [3, 30])
def test_local_map_runs_a_fixed_number_of_queries_however_many_neighbours(
    client, without_page_cache, django_assert_num_queries, size
):
    make_corpus(size)
    # A hub: every article of the corpus cites it, so its neighbourhood grows with the corpus.
    hub = make_article("The hub", sections=[{"heading": "Centre", "body": "[[Corpus article 0]]"}])
    for article in Article.objects.exclude(pk=hub.pk):
        section = article.sections.first()
        if section is not None:
            section.body += "\n\nSee [[The hub]]."
            section.save()
    # The article's key, then as the whole map: articles, passages, tag usage
    # (two), the two kinds of tagging, references.
    for url in (f"/api/articles/{hub.slug}/graph", f"/articles/{hub.slug}/map/"):
        cache.clear()
        with django_assert_num_queries(8, info=url):
            response = client.get(url)
        assert response.status_code == 200
    body = client.get(f"/api/articles/{hub.slug}/graph").json()
    assert len(body["articles"]) == size + 1  # the hub and every published article citing it
    assert len(body["references"]) == size + 1  # those, and the hub citing the first


def test_local_map_is_cached_and_a_new_citation_shows_on_it(
    client, django_assert_num_queries, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        older = make_article("Liaison officers", sections=[{"heading": "Origins"}])
    urls = (f"/articles/{older.slug}/map/", f"/api/articles/{older.slug}/graph")
    for url in urls:
        assert client.get(url)["X-Cache"] == "miss"
    with django_assert_num_queries(0):
        for url in urls:
            assert client.get(url)["X-Cache"] == "hit"
    # Another article citing it changes its map: the next answer is fresh.
    with django_capture_on_commit_callbacks(execute=True):
        make_article(
            "Naval staff talks", sections=[{"heading": "A", "body": "[[Liaison officers]]"}]
        )
    for url in urls:
        response = client.get(url)
        assert response["X-Cache"] == "miss" and "Naval staff talks" in response.content.decode()
