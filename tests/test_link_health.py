"""The link health page: wanted, orphaned and dead-end articles, untagged passages, lonely topics."""

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from articles.editorial.link_health import (
    dead_end_articles,
    link_health,
    link_health_counts,
    orphaned_articles,
    single_article_topics,
    untagged_passages,
    wanted_titles,
)
from articles.models import Article
from tests.factories import make_article, make_editor

pytestmark = pytest.mark.django_db

URL = "admin:articles_article_link_health"


def passage(heading, body, *tags):
    return {"heading": heading, "body": body, "tags": tags}


@pytest.fixture
def web():
    """
    One item of each kind. Anchor and Bridge link to each other; Anchor also
    links to Dead end, which links only to itself and to a draft; Orphan
    links to Anchor and wants "Missing title", and nothing published links
    to it (only the draft does). Every passage has a topic but one; "Lonely"
    is on Dead end alone (and on the draft, which does not count).
    """
    make_article(
        "Anchor",
        sections=[passage("Links", "See [[Bridge]] and [[Dead end]].", "Shared")],
        tags=["Common"],
    )
    make_article("Bridge", sections=[passage("Back", "Back to [[Anchor]].", "Shared")])
    make_article(
        "Orphan",
        sections=[
            passage("Out", "On to [[Anchor]] and [[Missing title]].", "Common"),
            passage("Plain", "A passage on nothing in particular."),
        ],
    )
    make_article(
        "Dead end",
        sections=[passage("Inward", "Only [[Dead end]] and [[Draft piece]].", "Lonely", "Common")],
        tags=["Shared"],
    )
    make_article(
        "Draft piece",
        status=Article.Status.DRAFT,
        sections=[passage("Draft", "Drafts link to [[Orphan]].", "Lonely"), passage("Bare", "x")],
    )


def test_wanted_titles_say_how_many_articles_want_each(web):
    make_article(
        "Second wanter",
        sections=[passage("Also", "[[Missing title]] twice: [[Missing title]].", "Shared")],
    )
    wanted = wanted_titles()
    assert [(w.title, w.wanted_by, w.references) for w in wanted] == [("Missing title", 2, 3)]
    assert sorted(a.title for a in wanted[0].articles) == ["Orphan", "Second wanter"]


def test_the_article_no_published_article_links_to_is_orphaned(web):
    assert [a.title for a in orphaned_articles()] == ["Orphan"]


def test_the_article_that_links_only_to_itself_and_a_draft_is_a_dead_end(web):
    assert [a.title for a in dead_end_articles()] == ["Dead end"]


def test_the_published_passage_without_a_topic_is_listed(web):
    assert [(s.article.title, s.heading) for s in untagged_passages()] == [("Orphan", "Plain")]


def test_a_topic_on_one_published_article_is_listed(web):
    assert [(t.name, t.article_title) for t in single_article_topics()] == [("Lonely", "Dead end")]


def test_a_topic_on_two_passages_of_one_article_is_still_on_a_single_article(web):
    article = Article.objects.get(title="Bridge")
    for section in article.sections.all():
        section.tags.add("Bridge only")
    article.tags.add("Bridge only")
    assert [t.name for t in single_article_topics()] == ["Bridge only", "Lonely"]


def test_the_counts_match_the_lists(web):
    assert link_health_counts() == {
        "wanted": 1,
        "orphaned": 1,
        "dead_ends": 1,
        "untagged_passages": 1,
        "single_article_topics": 1,
    }


def grow(n):
    for i in range(n):
        make_article(
            f"Filler {i}",
            sections=[
                passage("One", f"To [[Anchor]] and [[Wanted {i}]].", "Shared", f"Own {i}"),
                passage("Two", "Nothing."),
            ],
            tags=["Common"],
        )


def queries(function):
    with CaptureQueriesContext(connection) as captured:
        function()
    return len(captured.captured_queries)


def test_the_lists_take_a_fixed_number_of_queries(web):
    small = queries(link_health), queries(link_health_counts)
    grow(12)
    assert small == (queries(link_health), queries(link_health_counts)) == (5, 5)
    health = link_health()
    assert len(health.orphaned) == 13 and len(health.untagged_passages) == 13


def test_an_editor_sees_the_page_in_a_fixed_number_of_queries(web, client):
    client.force_login(make_editor())
    with CaptureQueriesContext(connection) as small:
        response = client.get(reverse(URL))
    assert response.status_code == 200
    page = response.content.decode()
    for text in ["Missing title", "Orphan", "Dead end", "Plain", "Lonely", "Link health"]:
        assert text in page
    assert 'id="content-main"' in page  # in the admin's frame
    grow(12)
    with CaptureQueriesContext(connection) as large:
        assert client.get(reverse(URL)).status_code == 200
    assert len(large.captured_queries) == len(small.captured_queries)


def test_staff_without_permissions_are_refused(web, client):
    client.force_login(User.objects.create_user("staff", password="x", is_staff=True))
    assert client.get(reverse(URL)).status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(reverse(URL))
    assert response.status_code == 302 and "/login/" in response["Location"]
