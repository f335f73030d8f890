"""
Every public page runs a fixed number of SQL queries, whatever the size of the
corpus: the same count with 3 articles as with 40, each with tagged sections
and cross-references.

The anonymous page cache is taken out of the stack here: it would serve the
second request from memory, and its own lookup is pinned by its own tests.
What is counted is the work of the page itself.
"""

import itertools
from datetime import timedelta
from unittest import mock

import pytest
from django.core.cache import cache
from django.utils import timezone

from articles.content import derived
from articles.models import Article
from articles.reading import tags
from tests.factories import make_article

TAG_POOL = ["Alliances", "Logistics", "Training", "Treaties", "Cyber", "Naval", "Air", "Space"]

# Page → the queries it runs. The article page reads what it shows from the
# rest of the corpus as it was stored when content changed: the article with
# its previous/next, its sections, the tags of both, its cross-references
# (the targets it cites and its backlinks), its related passages.
EXPECTED = {
    # Counted with nothing in the cache. "tag usage" reads the stored counts
    # (articles.models.TagUsage): the rows due to be counted again (none), then
    # the tags shown.
    "/": 4,  # articles, their tags, tag usage
    "/articles/": 3,  # count, one page of articles, their tags
    "/articles/?page=2": 3,
    "article": 5,
    "/tags/": 2,  # tag usage
    # the topic's stored counts, its description, a page of articles, passages
    "/tags/alliances/": 4,
    "/feed/": 4,  # articles, their tags, their passages, their references' targets
    # the topic's counts (read twice: the feed checks the address first), its
    # description, articles, their tags, passages, targets
    "/tags/alliances/feed/": 7,
    "/sitemap.xml": 4,  # count and page of articles, tag usage
}
# What the article page may ever run, whatever it shows.
ARTICLE_PAGE_BUDGET = 5


@pytest.fixture(autouse=True)
def _without_page_cache(settings):
    settings.MIDDLEWARE = [
        m
        for m in settings.MIDDLEWARE
        if not m.endswith(("PageCacheMiddleware", "FastPathMiddleware"))
    ]


def make_corpus(size):
    """``size`` published articles (plus a draft and a scheduled one), each citing the one before."""
    now = timezone.now()
    tags = itertools.cycle(TAG_POOL)
    articles = []
    for n in range(size):
        previous = f"See also: [[Corpus article {n - 1}]]" if n else "No reference here."
        articles.append(
            make_article(
                f"Corpus article {n}",
                published_at=now - timedelta(days=size - n),
                tags=[next(tags), next(tags)],
                sections=[
                    {"heading": "Background", "body": previous, "tags": [next(tags), next(tags)]},
                    {
                        "heading": "Detail",
                        "level": 3,
                        "body": "[[Never written]] is cited.",
                        "tags": [next(tags), "Alliances"],
                    },
                    {"heading": "Analysis", "body": "Text.", "tags": [next(tags), next(tags)]},
                    {"heading": "Outlook", "level": 3, "body": "Text.", "tags": ["Alliances"]},
                ],
            )
        )
    make_article("Corpus draft", status=Article.Status.DRAFT, tags=["Alliances"])
    make_article("Corpus scheduled", published_at=now + timedelta(days=2), tags=["Alliances"])
    # "Alliances" is on too many passages to be ranked in a write: drained as
    # refresh_derived does (until then the page ranks them, test_derived_data).
    derived.refresh_stale()
    return articles


@pytest.mark.parametrize("size", [3, 40])
def test_each_page_runs_a_fixed_number_of_queries(client, db, django_assert_num_queries, size):
    articles = make_corpus(size)
    for page, expected in EXPECTED.items():
        # An article in the middle: it has neighbours, backlinks and related passages.
        url = articles[1].get_absolute_url() if page == "article" else page
        cache.clear()
        with django_assert_num_queries(expected, info=url):
            response = client.get(url)
        assert response.status_code == 200, url


def test_tag_counts_are_read_not_counted_however_large_the_site(
    client, db, django_assert_num_queries, django_capture_on_commit_callbacks
):
    make_corpus(3)
    before = tags.public_tag("alliances").article_count
    # A write counts its tags again: the pages after it run their usual queries.
    with django_capture_on_commit_callbacks(execute=True):
        make_article("One more", tags=["Alliances"])
    with django_assert_num_queries(EXPECTED["/tags/"]):
        assert client.get("/tags/").status_code == 200
    with django_assert_num_queries(EXPECTED["/tags/alliances/"]):
        assert client.get("/tags/alliances/").status_code == 200
    assert tags.public_tag("alliances").article_count == before + 1


def test_a_scheduled_publication_counts_its_tags_again_on_the_next_page(
    client, db, django_assert_num_queries
):
    make_corpus(3)
    before = tags.public_tag("alliances").article_count
    later = timezone.now() + timedelta(days=3)  # "Corpus scheduled" is public by then
    with mock.patch("django.utils.timezone.now", return_value=later):
        # The row due: counted (its tag only), stored, then read as usual.
        with django_assert_num_queries(EXPECTED["/tags/"] + 4):
            assert client.get("/tags/").status_code == 200
        with django_assert_num_queries(EXPECTED["/tags/"]):
            assert client.get("/tags/").status_code == 200
        assert tags.public_tag("alliances").article_count == before + 1


def test_article_page_stays_within_its_budget(client, db, django_assert_max_num_queries):
    articles = make_corpus(5)
    with django_assert_max_num_queries(ARTICLE_PAGE_BUDGET):
        response = client.get(articles[2].get_absolute_url())
    page = response.content.decode()
    # All its parts are there: contents, resolved See also, backlinks, related, neighbours.
    assert 'class="toc"' in page
    assert f'href="{articles[1].get_absolute_url()}"' in page
    assert "Referenced by" in page and f'href="{articles[3].get_absolute_url()}"' in page
    assert "Related passages" in page
    assert 'rel="prev"' in page and 'rel="next"' in page
    # A reference to an article never written reads as the sentence's own text.
    assert "<p>Never written is cited.</p>" in page


def test_a_queued_ranking_costs_the_article_page_two_queries(
    client, db, django_assert_num_queries, monkeypatch
):
    articles = make_corpus(3)
    monkeypatch.setattr(derived, "SYNC_SECTIONS", 0)
    make_article("Newest", sections=[{"heading": "News", "tags": ["Alliances"]}])
    cache.clear()
    # Its passages carrying the queued tag are ranked as read: where each
    # tag's newest passages start, then those candidates.
    with django_assert_num_queries(EXPECTED["article"] + 2):
        response = client.get(articles[1].get_absolute_url())
    assert "Related passages" in response.content.decode()
