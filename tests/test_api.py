"""
The read-only JSON API under /api/: what each endpoint answers, its paging
and filters, published content only (drafts and scheduled articles are 404
and never listed), clear 4xx answers to bad input, throttling, the page
cache in front of it, and a fixed number of queries whatever the corpus size.
"""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import override_settings
from django.utils import timezone

from articles.api import views as api_views
from articles.models import Article
from tests.factories import make_article

pytestmark = pytest.mark.django_db

ENDPOINTS = [
    "/api/articles",
    "/api/articles/{slug}",
    "/api/topics",
    "/api/topics/alliances",
    "/api/search?q=liaison",
    "/api/graph",
    "/api/articles/{slug}/graph",
]


@pytest.fixture
def get(client):
    """GET as an anonymous API client, never served what the page cache kept before a change."""

    def run(url, **params):
        cache.clear()
        response = client.get(url, params or None)
        assert response["Content-Type"].startswith("application/json"), url
        return response

    return run


@pytest.fixture
def corpus():
    """Two published articles citing each other, a draft and a scheduled one citing them."""
    now = timezone.now()
    older = make_article(
        "Liaison officers",
        published_at=now - timedelta(days=10),
        summary="Officers who keep two staffs talking.",
        tags=["Alliances"],
        sections=[
            {"heading": "Origins", "body": "Liaison began early.", "tags": ["Alliances"]},
            {
                "heading": "Practice",
                "level": 3,
                "body": "See [[Secret plans]].",
                "tags": ["Training"],
            },
        ],
    )
    newer = make_article(
        "Naval staff talks",
        published_at=now - timedelta(days=2),
        sections=[
            {
                "heading": "Agenda",
                "body": "As in [[Liaison officers#Origins]].",
                "tags": ["Alliances"],
            },
        ],
    )
    draft = make_article(
        "Secret plans",
        status=Article.Status.DRAFT,
        tags=["Draft only topic"],
        sections=[
            {
                "heading": "Hidden",
                "body": "Liaison plans [[Liaison officers]].",
                "tags": ["Alliances"],
            }
        ],
    )
    scheduled = make_article(
        "Future liaison",
        published_at=now + timedelta(days=3),
        sections=[
            {"heading": "Later", "body": "Cites [[Naval staff talks]].", "tags": ["Alliances"]}
        ],
    )
    return {"older": older, "newer": newer, "draft": draft, "scheduled": scheduled}


# --- Schema and method -------------------------------------------------------------


def _refs(node):
    if isinstance(node, dict):
        if "$ref" in node:
            yield node["$ref"]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def test_openapi_description_is_served_and_consistent(get):
    response = get("/api/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] and schema["info"]["version"]
    paths = schema["paths"]
    assert set(paths) == {
        "/api/articles",
        "/api/articles/{slug}",
        "/api/topics",
        "/api/topics/{slug}",
        "/api/search",
        "/api/graph",
        "/api/articles/{slug}/graph",
    }
    # Read-only: every operation is a GET, with a 200 answer described.
    for path, operations in paths.items():
        assert set(operations) == {"get"}, path
        assert "200" in operations["get"]["responses"], path
    # Every reference points at a schema the document defines.
    components = schema["components"]["schemas"]
    for ref in _refs(schema):
        assert ref.startswith("#/components/schemas/"), ref
        assert ref.rsplit("/", 1)[1] in components, ref


def test_no_docs_page_loading_scripts_from_elsewhere(client):
    assert client.get("/api/docs").status_code == 404


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_only_get_is_allowed(client, corpus, method):
    response = getattr(client, method)("/api/articles")
    assert response.status_code == 405
    assert Article.objects.count() == 4


@pytest.mark.parametrize("path", ["/api/", "/api/nope", "/api/articles/a/b", "/api/graph/"])
@pytest.mark.parametrize("method", ["get", "post", "delete"])
def test_a_path_the_api_does_not_have_is_a_json_404(client, path, method):
    response = getattr(client, method)(path)
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {
        "detail": f"There is no {path} in this API: /api/openapi.json lists its endpoints."
    }


@pytest.mark.parametrize(
    ("url", "params", "says"),
    [
        ("/api/topics", {"page": "-1"}, "page: Input should be greater than or equal to 1"),
        (
            "/api/topics/alliances",
            {"page": "1.5"},
            "page: Input should be a valid integer, unable to parse string as an integer",
        ),
        ("/api/search", {"q": "x" * 1001}, "q: String should have at most 1000 characters"),
        ("/api/search", {}, "q: Field required"),
    ],
)
def test_a_bad_query_parameter_is_a_json_422_naming_it(get, corpus, url, params, says):
    response = get(url, **params)
    assert response.status_code == 422
    assert response.json() == {"detail": says}


# --- Articles ---------------------------------------------------------------------


def test_list_is_published_articles_newest_first(get, corpus):
    body = get("/api/articles").json()
    assert [item["slug"] for item in body["items"]] == [corpus["newer"].slug, corpus["older"].slug]
    assert body["count"] == 2 and body["page"] == 1 and body["num_pages"] == 1
    older = body["items"][1]
    assert older["url"] == f"/articles/{corpus['older'].slug}/"
    assert older["summary"] == "Officers who keep two staffs talking."
    assert older["topics"] == [
        {"name": "Alliances", "slug": "alliances", "url": "/tags/alliances/"}
    ]


def test_list_pages_in_a_stable_order(get, monkeypatch):
    when = timezone.now() - timedelta(days=1)
    # Same publication time for all: the order falls back on the key.
    made = [make_article(f"Same day {n}", published_at=when) for n in range(5)]
    monkeypatch.setattr(api_views, "PER_PAGE", 2)
    pages = [get("/api/articles", page=n).json() for n in (1, 2, 3)]
    slugs = [item["slug"] for page in pages for item in page["items"]]
    assert slugs == [article.slug for article in reversed(made)]
    assert [page["next_page"] for page in pages] == [2, 3, None]
    assert [page["previous_page"] for page in pages] == [None, 1, 2]
    assert pages[0]["count"] == 5 and pages[0]["num_pages"] == 3 and pages[0]["per_page"] == 2


def test_list_filters_by_topic_and_dates(get, corpus):
    def slugs(**params):
        response = get("/api/articles", **params)
        assert response.status_code == 200, response.json()
        return [item["slug"] for item in response.json()["items"]]

    # On the article or on one of its passages.
    assert slugs(topic="training") == [corpus["older"].slug]
    assert slugs(topic="alliances") == [corpus["newer"].slug, corpus["older"].slug]
    today = timezone.localdate()
    assert slugs(published_from=str(today - timedelta(days=5))) == [corpus["newer"].slug]
    assert slugs(published_to=str(today - timedelta(days=5))) == [corpus["older"].slug]
    day = str(timezone.localtime(corpus["older"].published_at).date())
    assert slugs(published_from=day, published_to=day) == [corpus["older"].slug]
    assert slugs(topic="alliances", published_to=str(today - timedelta(days=5))) == [
        corpus["older"].slug
    ]


@pytest.mark.parametrize(
    ("params", "status", "says"),
    [
        ({"page": "0"}, 422, "page"),
        ({"page": "two"}, 422, "page"),
        ({"page": "99"}, 404, "no page 99"),
        ({"topic": "no-such-topic"}, 404, "no-such-topic"),
        ({"topic": "draft-only-topic"}, 404, "draft-only-topic"),
        ({"published_from": "2024-13-01"}, 422, "published_from"),
        ({"published_to": "yesterday"}, 422, "published_to"),
        ({"published_from": "2024-05-02", "published_to": "2024-05-01"}, 422, "after"),
    ],
)
def test_bad_list_input_is_a_clear_client_error(get, corpus, params, status, says):
    response = get("/api/articles", **params)
    assert response.status_code == status
    assert says in response.json()["detail"]


def test_detail_has_sections_topics_references_and_backlinks(get, corpus):
    older, newer = corpus["older"], corpus["newer"]
    body = get(f"/api/articles/{older.slug}").json()
    assert body["title"] == "Liaison officers"
    assert [(s["anchor"], s["level"], s["url"]) for s in body["sections"]] == [
        ("origins", 2, f"/articles/{older.slug}/#origins"),
        ("practice", 3, f"/articles/{older.slug}/#practice"),
    ]
    assert [t["slug"] for t in body["sections"][1]["topics"]] == ["training"]
    # The reference to a draft: its title as written, no address, no link in the text.
    (reference,) = body["references"]
    assert reference["title"] == "Secret plans"
    assert reference["from_anchor"] == "practice"
    assert reference["target_slug"] is None and reference["target_url"] is None
    assert (
        "href" not in body["sections"][1]["html"] and "Secret plans" in body["sections"][1]["html"]
    )
    # Cited by the newer article; the draft and the scheduled one are not backlinks.
    assert [link["slug"] for link in body["backlinks"]] == [newer.slug]

    body = get(f"/api/articles/{newer.slug}").json()
    (reference,) = body["references"]
    assert reference["target_slug"] == older.slug
    assert reference["target_url"] == f"/articles/{older.slug}/"
    assert f'href="/articles/{older.slug}/#origins"' in body["sections"][0]["html"]
    assert body["backlinks"] == []  # the scheduled article cites it, but is not public yet


@pytest.mark.parametrize("which", ["draft", "scheduled"])
def test_drafts_and_scheduled_articles_are_not_found(get, corpus, which):
    response = get(f"/api/articles/{corpus[which].slug}")
    assert response.status_code == 404
    assert response.json()["detail"] == "No published article has this slug."
    assert corpus[which].slug not in get("/api/articles").content.decode()


# --- Topics -------------------------------------------------------------------------


def test_topics_with_counts_never_a_draft_only_one(get, corpus):
    body = get("/api/topics").json()
    by_slug = {item["slug"]: item for item in body["items"]}
    assert set(by_slug) == {"alliances", "training"}
    # The draft's and the scheduled article's passages are not counted.
    assert by_slug["alliances"]["article_count"] == 2
    assert by_slug["alliances"]["passage_count"] == 2
    assert by_slug["alliances"]["counts"] == "2 articles · 2 passages"
    assert by_slug["training"]["counts"] == "1 article · 1 passage"


def test_topic_detail_pages_its_articles_with_their_passages(get, corpus, monkeypatch):
    body = get("/api/topics/alliances").json()
    assert body["topic"]["counts"] == "2 articles · 2 passages"
    assert [(a["slug"], [p["anchor"] for p in a["passages"]]) for a in body["items"]] == [
        (corpus["newer"].slug, ["agenda"]),
        (corpus["older"].slug, ["origins"]),
    ]
    monkeypatch.setattr(api_views, "PER_PAGE", 1)
    second = get("/api/topics/alliances", page=2).json()
    assert [a["slug"] for a in second["items"]] == [corpus["older"].slug]
    assert second["num_pages"] == 2 and second["previous_page"] == 1
    assert get("/api/topics/alliances", page=3).status_code == 404
    assert get("/api/topics", page=3).status_code == 404  # two topics, one a page
    assert get("/api/topics/draft-only-topic").status_code == 404


# --- Search and graph ---------------------------------------------------------------


def test_search_wraps_the_site_search(get, corpus):
    body = get("/api/search", q="liaison").json()
    urls = [hit["url"] for hit in body["hits"]]
    assert f"/articles/{corpus['older'].slug}/#origins" in urls
    # The draft and the scheduled article mention it too, and are not found.
    assert not [url for url in urls if corpus["draft"].slug in url or "future" in url]
    assert body["query"] == "liaison" and body["total"] == len(urls)
    assert any("<mark>" in hit["snippet"] for hit in body["hits"])
    # Words only the draft has find nothing.
    assert get("/api/search", q="hidden").json()["total"] == 0
    response = get("/api/search", q="")
    assert response.status_code == 422 and "q" in response.json()["detail"]


def test_graph_holds_published_content_only(get, corpus):
    body = get("/api/graph").json()
    assert [a["slug"] for a in body["articles"]] == [corpus["newer"].slug, corpus["older"].slug]
    older = body["articles"][1]
    assert older["topics"] == ["alliances"]
    assert [(p["anchor"], p["topics"]) for p in older["passages"]] == [
        ("origins", ["alliances"]),
        ("practice", ["training"]),
    ]
    assert {t["slug"] for t in body["topics"]} == {"alliances", "training"}
    assert body["references"] == [
        {"source": corpus["newer"].slug, "source_anchor": "agenda", "target": corpus["older"].slug}
    ]
    text = get("/api/graph").content.decode()
    for hidden in ("Secret plans", "Future liaison", "draft-only-topic"):
        assert hidden not in text


def test_an_articles_graph_is_its_published_neighbourhood(get, corpus):
    older, newer = corpus["older"].slug, corpus["newer"].slug
    body = get(f"/api/articles/{older}/graph").json()
    assert [a["slug"] for a in body["articles"]] == [newer, older]
    citing, focus = body["articles"]
    # The citing article holds only the passage that cites; the draft citing it is left out.
    assert [(p["anchor"], p["topics"]) for p in citing["passages"]] == [("agenda", ["alliances"])]
    assert [p["anchor"] for p in focus["passages"]] == ["origins", "practice"]
    assert {t["slug"] for t in body["topics"]} == {"alliances", "training"}
    assert body["references"] == [{"source": newer, "source_anchor": "agenda", "target": older}]

    body = get(f"/api/articles/{newer}/graph").json()
    cited = body["articles"][1]
    assert (cited["slug"], cited["passages"], cited["topics"]) == (older, [], ["alliances"])
    assert [t["slug"] for t in body["topics"]] == ["alliances"]  # training is not newer's
    text = get(f"/api/articles/{older}/graph").content.decode()
    for hidden in ("Secret plans", "secret-plans", "Future liaison", "draft-only-topic"):
        assert hidden not in text


@pytest.mark.parametrize("which", ["draft", "scheduled"])
def test_the_graph_of_a_draft_or_scheduled_article_is_not_found(get, corpus, which):
    response = get(f"/api/articles/{corpus[which].slug}/graph")
    assert response.status_code == 404
    assert response.json() == {"detail": "No published article has this slug."}


# --- Throttling and the page cache ----------------------------------------------------


@override_settings(API_THROTTLE_RATE="3/m")
def test_requests_past_the_rate_are_refused_with_retry_after(client, corpus):
    for page in (1, 2, 3):  # each a different address: none served by the page cache
        assert client.get("/api/topics", {"page": page}).status_code in (200, 404)
    refused = client.get("/api/topics", {"page": 4})
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert refused.json()["detail"]
    # A refusal is never stored as the page.
    assert client.get("/api/topics", {"page": 4}).status_code == 429
    # Another client has its own allowance.
    assert client.get("/api/topics", REMOTE_ADDR="10.0.0.9").status_code == 200


def test_answers_are_cached_and_invalidated_like_pages(
    client, django_assert_num_queries, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        make_article("Naval staff talks", tags=["Alliances"])
    first = client.get("/api/articles")
    assert first["X-Cache"] == "miss"
    with django_assert_num_queries(0):
        second = client.get("/api/articles")
    assert second["X-Cache"] == "hit" and second.content == first.content
    assert "public" in second["Cache-Control"]
    # A write moves to a new content version: the next answer is fresh.
    with django_capture_on_commit_callbacks(execute=True):
        make_article("Air staff talks")
    third = client.get("/api/articles")
    assert third["X-Cache"] == "miss" and third.json()["count"] == 2


# --- Query counts ----------------------------------------------------------------------

# Endpoint → queries, counted cold (nothing cached). "tag usage" reads the
# stored tag counts: the rows due to be counted again (none), then the tags.
EXPECTED_QUERIES = {
    "/api/articles": 3,  # count, a page of articles, their tags
    "/api/articles?topic=alliances&published_from=2000-01-01": 4,  # the topic's counts, then as above
    "/api/articles/{slug}": 5,  # article, sections, their tags, references, backlinks
    "/api/topics": 2,  # tag usage
    "/api/topics/alliances": 3,  # the topic's counts, a page of articles, their passages
    "/api/graph": 7,  # articles, passages, tag usage, two kinds of tagging, references
    "/api/articles/{slug}/graph": 8,  # the article's key, then as the whole graph
}


def make_corpus(size):
    now = timezone.now()
    articles = []
    for n in range(size):
        cites = f"See also: [[Corpus article {n - 1}]]" if n else "No reference."
        articles.append(
            make_article(
                f"Corpus article {n}",
                published_at=now - timedelta(days=size - n),
                tags=["Alliances", f"Topic {n % 4}"],
                sections=[
                    {
                        "heading": "Background",
                        "body": cites,
                        "tags": ["Alliances", f"Topic {n % 3}"],
                    },
                    {
                        "heading": "Detail",
                        "level": 3,
                        "body": "[[Never written]].",
                        "tags": ["Naval"],
                    },
                ],
            )
        )
    make_article("Corpus draft", status=Article.Status.DRAFT, tags=["Alliances"])
    make_article("Corpus scheduled", published_at=now + timedelta(days=2), tags=["Alliances"])
    return articles


@pytest.fixture
def without_page_cache(settings):
    # The cache would answer the repeated requests; what is counted is the API's own work.
    settings.MIDDLEWARE = [
        m
        for m in settings.MIDDLEWARE
        if not m.endswith(("PageCacheMiddleware", "FastPathMiddleware"))
    ]


@pytest.mark.parametrize("size", [3, 30])
def test_each_endpoint_runs_a_fixed_number_of_queries(
    client, without_page_cache, django_assert_num_queries, size
):
    articles = make_corpus(size)
    for endpoint, expected in EXPECTED_QUERIES.items():
        url = endpoint.format(slug=articles[1].slug)
        cache.clear()
        with django_assert_num_queries(expected, info=url):
            response = client.get(url)
        assert response.status_code == 200, url
