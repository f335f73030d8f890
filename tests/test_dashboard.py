"""The editor's dashboard, the admin's first page."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from articles.admin.revisions import recorded_revision
from articles.editorial.dashboard import PANEL_ROWS, dashboard_for
from articles.models import Article
from tests.factories import make_article, make_editor

pytestmark = pytest.mark.django_db

MAX_QUERIES = 15


def saved_by(user, article, **changes):
    """Save ``article`` as ``user`` would in the admin: one revision by them."""
    with recorded_revision(user=user, comment="Changed."):
        for name, value in changes.items():
            setattr(article, name, value)
        article.save()
    return article


def panel(page, panel_id):
    match = re.search(rf'<section[^>]*id="{panel_id}".*?</section>', page, re.S)
    assert match, panel_id
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(0)).split())


@pytest.fixture
def editor():
    user = make_editor("ada")
    user.first_name, user.last_name = "Ada", "Lovelace"
    user.save()
    return user


@pytest.fixture
def editor_client(editor):
    client = Client()
    client.force_login(editor)
    return client


def test_my_drafts_are_the_drafts_i_saved(editor, editor_client):
    other = make_editor("bob")
    mine = saved_by(editor, make_article("My own draft", status=Article.Status.DRAFT))
    saved_by(other, make_article("Bob's draft", status=Article.Status.DRAFT))
    saved_by(editor, make_article("My published piece"))
    page = editor_client.get(reverse("admin:index")).content.decode()
    drafts = panel(page, "my-drafts")
    assert "My own draft" in drafts
    assert "Bob's draft" not in drafts
    assert "My published piece" not in drafts
    assert reverse("admin:articles_article_change", args=[mine.pk]) in page


def test_scheduled_articles_with_their_dates_soonest_first(editor_client):
    soon = timezone.localtime(timezone.now() + timedelta(days=1)).replace(hour=9, minute=15)
    later = soon + timedelta(days=6)
    make_article("Appears later", published_at=later)
    make_article("Appears soon", published_at=soon)
    make_article("Already out")
    text = panel(editor_client.get(reverse("admin:index")).content.decode(), "scheduled")
    assert text.index("Appears soon") < text.index("Appears later")
    assert f"appears {soon:%A} {soon.day} {soon:%B %Y}, 09:15" in text
    assert "Already out" not in text


def test_recent_changes_say_who_and_when(editor, editor_client):
    article = saved_by(editor, make_article("Changed lately"), summary="A new lead.")
    make_article("Imported earlier")
    text = panel(editor_client.get(reverse("admin:index")).content.decode(), "recent-changes")
    when = timezone.localtime(Article.objects.get(pk=article.pk).updated_at)
    assert f"Changed lately by Ada Lovelace, {when.day} {when:%b %Y, %H:%M}" in text
    assert "Imported earlier" in text


def test_wanted_titles_with_how_many_articles_want_each(editor_client):
    for n in range(3):
        make_article(
            f"Citing {n}",
            sections=[{"heading": "A", "body": "See [[Naval History]] and [[Naval history]]."}],
        )
    make_article("Citing once", sections=[{"heading": "B", "body": "See [[Air Power]]."}])
    text = panel(editor_client.get(reverse("admin:index")).content.decode(), "wanted")
    assert "Naval History wanted by 3 articles" in text
    assert "Air Power wanted by 1 article " in text + " "
    assert text.index("Naval History") < text.index("Air Power")
    assert "All 2 wanted titles" in text


def test_link_health_counts_with_a_link_to_their_page(editor_client):
    make_article("Alone", sections=[{"heading": "Untagged", "body": "No links here."}])
    text = panel(editor_client.get(reverse("admin:index")).content.decode(), "link-health")
    assert "Articles no other article links to 1" in text
    assert "Articles that link to no other 1" in text
    assert "Passages without a topic 1" in text
    page = editor_client.get(reverse("admin:index")).content.decode()
    assert reverse("admin:articles_article_link_health") in page


def test_state_counts(editor):
    make_article("Draft one", status=Article.Status.DRAFT)
    make_article("Later one", published_at=timezone.now() + timedelta(days=1))
    make_article("Out one")
    make_article("Out two")
    assert dashboard_for(editor).counts == {"drafts": 1, "scheduled": 1, "published": 2}


def test_panels_are_cut_to_a_few_rows(editor):
    for n in range(PANEL_ROWS + 3):
        saved_by(editor, make_article(f"Draft {n}", status=Article.Status.DRAFT))
    dashboard = dashboard_for(editor)
    assert len(dashboard.my_drafts) == PANEL_ROWS
    assert len(dashboard.recent) == PANEL_ROWS
    assert dashboard.counts["drafts"] == PANEL_ROWS + 3


def test_staff_who_may_not_read_articles_see_only_the_section_list():
    client = Client()
    client.force_login(User.objects.create_user("visitor", is_staff=True))
    page = client.get(reverse("admin:index")).content.decode()
    assert 'id="my-drafts"' not in page
    assert "Milcoop editorial" in page


def test_the_dashboard_runs_a_fixed_number_of_queries(editor):
    client = Client()
    client.force_login(editor)
    counts = []
    for size in (3, 30):
        Article.objects.all().delete()
        for n in range(size):
            article = make_article(
                f"Corpus {n}",
                status=Article.Status.DRAFT if n % 3 == 0 else Article.Status.PUBLISHED,
                published_at=timezone.now() + timedelta(days=1) if n % 3 == 1 else None,
                sections=[{"heading": "H", "body": f"See [[Missing {n % 4}]]."}],
            )
            saved_by(editor if n % 2 else make_editor(f"other{size}-{n}"), article)
        client.get(reverse("admin:index"))  # warm the session and content-type caches
        with CaptureQueriesContext(connection) as context:
            response = client.get(reverse("admin:index"))
        assert response.status_code == 200
        counts.append(len(context.captured_queries))
    small, large = counts
    print(f"dashboard: {small} queries with 3 articles, {large} with 30")
    assert small == large
    assert large <= MAX_QUERIES
