"""
Preview cards (issue 13, item 1): the small pages previews.js shows beside a
link, for a passage, an article or a topic. Published content only; a fixed
number of queries; refreshed through the page cache when what they show changes.
"""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone
from taggit.models import Tag

from articles.models import Article, TopicDescription
from tests.factories import make_article
from tests.test_query_counts import make_corpus


@pytest.fixture
def harbours(db):
    now = timezone.now()
    make_article(
        "Older Harbours",
        published_at=now - timedelta(days=3),
        sections=[{"heading": "Old ports", "body": "Long ago.", "tags": ["Naval"]}],
    )
    return make_article(
        "Harbour Security",
        published_at=now - timedelta(days=1),
        summary="See also: [[Never Written]]\n\nWhy ports matter to navies.",
        sections=[
            {
                "heading": "Port calls",
                "body": "See also: [[Hidden Plan]]\n\nShips visit ports. Crews train.",
                "tags": ["Naval"],
            },
            {"heading": "Radar", "body": "Screens.", "tags": ["Naval"]},
        ],
    )


def test_a_passage_card_gives_its_heading_article_and_first_lines(read, harbours):
    response = read("/articles/harbour-security/card/port-calls/")
    assert response.status_code == 200
    card = response.content.decode()
    assert '<meta name="robots" content="noindex">' in card
    assert '<p class="preview__kicker">Passage in <cite>Harbour Security</cite></p>' in card
    assert '<h1 class="preview__title">Port calls</h1>' in card
    assert '<p class="preview__text">Ships visit ports. Crews train.</p>' in card
    assert '<a href="/articles/harbour-security/#port-calls">Open' in card
    assert "Hidden Plan" not in card


def test_an_article_card_gives_its_title_date_and_lead(read, harbours):
    card = read("/articles/harbour-security/card/").content.decode()
    assert '<h1 class="preview__title">Harbour Security</h1>' in card
    assert "min read" in card and "<time datetime=" in card
    assert '<p class="preview__text">Why ports matter to navies.</p>' in card
    assert "Never Written" not in card


def test_a_topic_card_gives_its_description_counts_and_newest_passages(read, harbours):
    TopicDescription.objects.create(tag=Tag.objects.get(name="Naval"), text="Navies in port.")
    make_article(
        "Naval Draft",
        status=Article.Status.DRAFT,
        sections=[{"heading": "Secret", "tags": ["Naval"]}],
    )
    card = read("/tags/naval/card/").content.decode()
    assert '<p class="preview__kicker">Topic · 2 articles · 3 passages</p>' in card
    assert '<h1 class="preview__title">Naval</h1>' in card
    assert '<p class="preview__text">Navies in port.</p>' in card
    listed = card[card.index('<ul class="preview__list"') : card.index("</ul>")]
    # The newest taggings first, from published articles only.
    assert listed.index("Radar") < listed.index("Port calls") < listed.index("Old ports")
    assert "Secret" not in card and "Naval Draft" not in card
    assert '<a href="/tags/naval/">Open' in card


def test_cards_of_drafts_scheduled_articles_and_unknown_passages_are_404(read, db):
    for status, published_at in (
        (Article.Status.DRAFT, None),
        (Article.Status.PUBLISHED, timezone.now() + timedelta(days=1)),
    ):
        hidden = make_article(
            f"Hidden {status}",
            status=status,
            published_at=published_at,
            sections=[{"heading": "Findings", "tags": ["Hidden only"]}],
        )
        assert read(f"/articles/{hidden.slug}/card/").status_code == 404
        assert read(f"/articles/{hidden.slug}/card/findings/").status_code == 404
    assert read("/tags/hidden-only/card/").status_code == 404
    public = make_article("Public", sections=[{"heading": "Findings"}])
    assert read(f"/articles/{public.slug}/card/nowhere/").status_code == 404
    assert read("/articles/no-such-article/card/").status_code == 404


def test_every_page_loads_the_previews_script(read, harbours):
    for url in ("/", "/articles/", harbours.get_absolute_url(), "/tags/", "/tags/naval/"):
        page = read(url).content.decode()
        assert '<script src="/static/js/previews.js" defer></script>' in page, url


def test_a_cached_passage_card_follows_an_edit(
    client, harbours, django_capture_on_commit_callbacks
):
    cache.clear()
    url = "/articles/harbour-security/card/port-calls/"
    assert "Ships visit ports." in client.get(url).content.decode()
    section = harbours.sections.get(anchor="port-calls")
    with django_capture_on_commit_callbacks(execute=True):
        section.body = "Fleets call at ports."
        section.save()
    assert "Fleets call at ports." in client.get(url).content.decode()


@pytest.mark.parametrize("size", [3, 40])
def test_cards_run_a_fixed_number_of_queries(client, db, settings, django_assert_num_queries, size):
    settings.MIDDLEWARE = [
        m
        for m in settings.MIDDLEWARE
        if not m.endswith(("PageCacheMiddleware", "FastPathMiddleware"))
    ]
    articles = make_corpus(size)
    slug = articles[1].slug
    for url, queries in (
        (f"/articles/{slug}/card/", 1),  # the article
        (f"/articles/{slug}/card/background/", 2),  # the article, the passage
        # the topic's stored counts, the description, the passages
        ("/tags/alliances/card/", 3),
    ):
        cache.clear()
        with django_assert_num_queries(queries, info=url):
            assert client.get(url).status_code == 200
