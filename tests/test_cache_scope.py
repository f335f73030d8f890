"""
Invalidation scoped to what changed (issue 15, item 3), on the site's own
pages: a body edit makes only the page showing that body miss; a title, tag
or publication change also refreshes the pages that list or link the article;
an article unpublished or rescheduled is gone everywhere at once, never
served from grace. (On several processes: tests/test_scaleout.py.)
"""

from datetime import timedelta

import pytest
import reversion
from django.core.management import call_command
from django.test import RequestFactory
from django.utils import timezone
from reversion.models import Version
from taggit.models import Tag

from articles.caching.middleware import _page_key
from articles.caching.store import pages, versions
from articles.caching.versions import WITHDRAWN
from articles.content.publishing import publish, unpublish
from articles.editorial.tags import merge_tags
from articles.editorial.versions import restore_version
from articles.models import Article, Section

from .conftest import SOURCES_DIR
from .factories import make_article

pytestmark = pytest.mark.django_db

HOT = ["/", "/articles/", "/tags/", "/tags/navy/", "/tags/air/"]


@pytest.fixture
def saved(django_capture_on_commit_callbacks):
    """Run a write and its on-commit hooks, as a real transaction's commit would."""

    def run(write):
        with django_capture_on_commit_callbacks(execute=True):
            return write()

    return run


@pytest.fixture
def corpus(saved):
    """A (navy), B (air, unrelated to A), C (cites A)."""

    def make():
        a = make_article(
            "Naval staff talks",
            sections=[{"heading": "Origins", "body": "First talks in port.", "tags": ["navy"]}],
            tags=["navy"],
            days_ago=3,
        )
        b = make_article(
            "Air policing",
            sections=[{"heading": "Patrols", "body": "Quiet skies all week.", "tags": ["air"]}],
            tags=["air"],
            days_ago=2,
        )
        c = make_article(
            "Joint exercises",
            sections=[{"heading": "Links", "body": "See [[Naval staff talks]].", "tags": ["navy"]}],
            tags=["navy"],
            days_ago=1,
        )
        return a, b, c

    return saved(make)


def page(article):
    return f"/articles/{article.slug}/"


def warm(client, *urls):
    for url in urls:
        client.get(url)
        assert client.get(url)["X-Cache"] == "hit", url


def states(client, *urls):
    return {url: client.get(url)["X-Cache"] for url in urls}


def edit_body(article, text):
    section = Section.objects.filter(article=article).first()
    section.body = text
    section.save()


def test_a_body_edit_misses_only_the_page_that_shows_the_body(client, corpus, saved):
    a, b, c = corpus
    warm(client, page(a), page(b), page(c), *HOT)

    saved(lambda: edit_body(a, "First talks in harbour."))  # as many words as before

    fresh = client.get(page(a))
    assert fresh["X-Cache"] == "miss" and "in harbour" in fresh.text
    assert client.get(page(a))["X-Cache"] == "hit"
    # C links A by its title only; B has nothing of A's body; nor have the lists.
    assert states(client, page(b), page(c), *HOT) == dict.fromkeys([page(b), page(c), *HOT], "hit")


def test_a_body_edit_that_cites_an_article_refreshes_its_backlinks(client, corpus, saved):
    a, b, c = corpus
    warm(client, page(a), page(b), page(c), "/tags/")

    saved(lambda: edit_body(b, "Quiet, see [[Naval staff talks]]."))

    cited = client.get(page(a))
    assert cited["X-Cache"] == "miss" and "Air policing" in cited.text.split("Referenced by")[1]
    assert client.get(page(b))["X-Cache"] == "miss"
    assert states(client, page(c), "/tags/") == {page(c): "hit", "/tags/": "hit"}


def test_a_body_edit_that_changes_the_reading_time_refreshes_the_lists(client, corpus, saved):
    a, b, c = corpus
    warm(client, page(b), "/articles/")
    saved(lambda: edit_body(a, "word " * 2000))
    a.refresh_from_db()
    listing = client.get("/articles/")
    assert listing["X-Cache"] == "miss" and f"{a.reading_minutes} min read" in listing.text
    assert a.reading_minutes > 1


def test_a_title_change_refreshes_the_pages_that_link_or_list_it(client, corpus, saved):
    a, b, c = corpus
    warm(client, page(a), page(b), page(c), *HOT)

    def rename():
        a.title = "Naval staff talks resumed"
        a.save()

    saved(rename)
    for url in (page(a), page(c), "/", "/articles/", "/tags/navy/"):
        response = client.get(url)
        assert response["X-Cache"] == "miss", url
        assert "Naval staff talks resumed" in response.text, url


def test_a_tag_change_refreshes_the_topic_pages_and_counts(client, corpus, saved):
    a, b, c = corpus
    warm(client, page(a), "/tags/", "/tags/air/")
    saved(lambda: a.tags.add("air"))
    for url in (page(a), "/tags/", "/tags/air/"):
        response = client.get(url)
        assert response["X-Cache"] == "miss", url
    assert "Naval staff talks" in client.get("/tags/air/").text


def test_a_page_that_says_nothing_of_what_it_shows_misses_on_any_write(client, corpus, saved):
    a, b, c = corpus
    warm(client, "/search/?q=talks", "/feed/")
    saved(lambda: edit_body(b, "Quiet skies all month."))
    assert states(client, "/search/?q=talks", "/feed/") == {
        "/search/?q=talks": "miss",
        "/feed/": "miss",
    }


def test_a_new_or_newly_published_article_is_on_the_lists_at_once(client, corpus, saved):
    a, b, c = corpus
    warm(client, "/", "/articles/", "/tags/navy/")
    saved(lambda: make_article("Fresh news", tags=["navy"], days_ago=0))
    draft = saved(lambda: make_article("Drafted news", status=Article.Status.DRAFT))
    for url in ("/", "/articles/", "/tags/navy/"):
        response = client.get(url)
        assert response["X-Cache"] == "miss" and "Fresh news" in response.text, url
    warm(client, "/articles/")
    saved(lambda: publish(article=draft))
    response = client.get("/articles/")
    assert response["X-Cache"] == "miss" and "Drafted news" in response.text


def test_merged_tags_show_on_the_pages_of_the_articles_carrying_them(client, corpus, saved):
    a, b, c = corpus
    warm(client, page(b), "/tags/", "/tags/air/")
    navy, air = (Tag.objects.get(slug=slug) for slug in ("navy", "air"))
    saved(lambda: merge_tags(tags=[air], into=navy))
    assert client.get("/tags/air/").status_code == 404
    for url in (page(b), "/tags/"):
        response = client.get(url)
        assert response["X-Cache"] == "miss" and "/tags/air/" not in response.text, url


def test_a_reverted_title_shows_at_once_on_the_pages_that_list_it(client, saved):
    def make():
        with reversion.create_revision():
            return make_article("First title", sections=[{"heading": "One", "body": "Text."}])

    article = saved(make)

    def rename():
        article.title = "Second title"
        article.save()

    saved(rename)
    warm(client, "/articles/", page(article))
    version = Version.objects.get_for_object(article).last()
    saved(lambda: restore_version(version=version))
    for url in ("/articles/", page(article)):
        response = client.get(url)
        assert response["X-Cache"] == "miss" and "First title" in response.text, url


def test_an_import_refreshes_every_page(client, corpus, saved):
    a, b, c = corpus
    warm(client, page(a), "/tags/")
    saved(lambda: call_command("import_sources", str(SOURCES_DIR), verbosity=0))
    assert states(client, page(a), "/tags/") == {page(a): "miss", "/tags/": "miss"}


# --- Grace: one render, the others served the page as it was --------------------------


def someone_else_is_rendering(url):
    """Hold the render lock of ``url``'s page as another request in the middle of rendering would."""
    pages.set(f"lock:{page_key(url)}", 0, timeout=60)


def page_key(url):
    return _page_key(RequestFactory().get(url))


def test_while_one_request_renders_a_stale_page_the_others_get_it_as_it_was(
    client, corpus, saved, settings, monkeypatch
):
    settings.PAGE_CACHE_GRACE_SECONDS = 2
    a, b, c = corpus
    # The last withdrawal was a while ago (a fresh cache counts one just now).
    versions.set(WITHDRAWN, f"{timezone.now().timestamp() - 60:.3f}", timeout=None)
    warm(client, page(a))
    saved(lambda: edit_body(a, "First talks in harbour."))
    someone_else_is_rendering(page(a))

    stale = client.get(page(a))
    assert stale["X-Cache"] == "stale" and "in port" in stale.text
    assert "max-age=0" in stale["Cache-Control"]

    # Past the grace period: nobody is served the old page any longer.
    later = timezone.now() + timedelta(seconds=3)
    monkeypatch.setattr(timezone, "now", lambda: later)
    fresh = client.get(page(a))
    assert fresh["X-Cache"] == "miss" and "in harbour" in fresh.text


@pytest.mark.parametrize("withdraw", ["unpublish", "reschedule", "delete"])
def test_a_withdrawn_article_is_never_served_from_grace(client, corpus, saved, settings, withdraw):
    settings.PAGE_CACHE_GRACE_SECONDS = 0.3
    a, b, c = corpus
    lists = ["/", "/articles/", "/tags/navy/"]
    warm(client, page(a), page(c), *lists)
    for url in (page(a), page(c), *lists):
        someone_else_is_rendering(url)

    def change():
        if withdraw == "unpublish":
            unpublish(article=a)
        elif withdraw == "reschedule":
            publish(article=a, when=timezone.now() + timedelta(hours=1))
        else:
            a.delete()

    saved(change)
    assert client.get(page(a)).status_code == 404
    for url in (page(c), *lists):
        response = client.get(url)
        assert response["X-Cache"] == "miss", url
        assert page(a) not in response.text, url


def test_an_unrelated_withdrawal_takes_grace_from_every_stale_page(client, corpus, saved, settings):
    settings.PAGE_CACHE_GRACE_SECONDS = 2
    a, b, c = corpus
    versions.set(WITHDRAWN, f"{timezone.now().timestamp() - 60:.3f}", timeout=None)
    warm(client, page(a))
    saved(lambda: edit_body(a, "First talks in harbour."))
    saved(lambda: unpublish(article=b))
    someone_else_is_rendering(page(a))
    response = client.get(page(a))
    assert response["X-Cache"] == "miss" and "in harbour" in response.text
