"""
The anonymous page cache: pages are served from the cache until any write
bumps the content version, or the next scheduled publication comes; and the
store that keeps the version on the embedded default. (That every gunicorn
worker sees a write made in another process is tests/test_scaleout.py.)

These tests use a small page of their own (``urlpatterns`` below) that shows
everything a public page shows (articles, sections, tags, cross-references),
so they pin the cache's behaviour, not the templates'.
"""

import threading
import uuid
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.middleware import SessionMiddleware
from django.core.cache import caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache
from django.http import HttpResponse
from django.test import Client
from django.urls import path
from django.utils import timezone
from taggit.models import Tag

from articles import caching
from articles.caching.backends import SymlinkCache
from articles.models import Article, CrossReference

from .factories import make_article, make_editor, make_section


def content_page(request):
    lines = []
    for article in Article.objects.published().prefetch_related(
        "tags", "sections__tags", "outgoing_references"
    ):
        lines.append(f"article: {article.title} [{', '.join(t.name for t in article.tags.all())}]")
        for section in article.sections.all():
            tags = ", ".join(t.name for t in section.tags.all())
            lines.append(f"section: {section.heading} [{tags}] {section.body}")
        for reference in article.outgoing_references.all():
            lines.append(f"reference: {reference.target_title}")
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")


def private_page(request):
    response = HttpResponse("for one reader")
    response["Cache-Control"] = "private"
    return response


def cookie_page(request):
    response = HttpResponse("sets a cookie")
    response.set_cookie("seen", "1")
    return response


urlpatterns = [
    path("page/", content_page),
    path("private/", private_page),
    path("cookie/", cookie_page),
    path("admin/page/", content_page),
    path("preview/page/", content_page),
]

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.test_caching")]


@pytest.fixture
def article(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return make_article(
            "Naval staff talks",
            sections=[{"heading": "Origins", "body": "First **talks**.", "tags": ["navy"]}],
            tags=["navy"],
        )


@pytest.fixture
def saved(django_capture_on_commit_callbacks):
    """Run a write and its on-commit hooks, as a real transaction's commit would."""

    def run(write):
        with django_capture_on_commit_callbacks(execute=True):
            write()

    return run


def test_second_request_is_served_from_the_cache_without_queries(
    client, article, django_assert_num_queries
):
    first = client.get("/page/")
    assert first.status_code == 200
    assert first["X-Cache"] == "miss"
    with django_assert_num_queries(0):
        second = client.get("/page/")
    assert second["X-Cache"] == "hit"
    assert second.content == first.content
    assert "Naval staff talks" in second.text


def test_query_string_is_part_of_the_key(client, article):
    client.get("/page/?page=1")
    assert client.get("/page/?page=1")["X-Cache"] == "hit"
    assert client.get("/page/?page=2")["X-Cache"] == "miss"


def test_anonymous_pages_say_public_short_max_age_and_vary_on_cookie(client, article):
    response = client.get("/page/")
    assert "public" in response["Cache-Control"]
    assert "max-age=60" in response["Cache-Control"]
    assert "Cookie" in response["Vary"]
    hit = client.get("/page/")
    assert "public" in hit["Cache-Control"] and "Cookie" in hit["Vary"]


def test_saving_an_article_through_the_model_shows_on_the_next_request(client, article, saved):
    client.get("/page/")

    def rename():
        article.title = "Naval staff talks renamed"
        article.save()

    saved(rename)
    response = client.get("/page/")
    assert response["X-Cache"] == "miss"
    assert "Naval staff talks renamed" in response.text


def test_saving_a_section_shows_on_the_next_request(client, article, saved):
    client.get("/page/")
    section = article.sections.get()

    def edit():
        section.body = "Second round of talks."
        section.save()

    saved(edit)
    assert "Second round of talks." in client.get("/page/").text


def test_adding_a_section_and_deleting_it_show_at_once(client, article, saved):
    client.get("/page/")
    saved(lambda: make_section(article, heading="Aftermath", body="Later."))
    assert "section: Aftermath" in client.get("/page/").text
    saved(lambda: article.sections.get(heading="Aftermath").delete())
    assert "Aftermath" not in client.get("/page/").text


def test_tagging_and_renaming_a_tag_show_at_once(client, article, saved):
    client.get("/page/")
    saved(lambda: article.tags.add("army"))
    assert "army" in client.get("/page/").text

    def rename_tag():
        tag = Tag.objects.get(name="navy")
        tag.name = "maritime"
        tag.save()

    saved(rename_tag)
    text = client.get("/page/").text
    assert "maritime" in text and "navy" not in text


def test_a_new_cross_reference_shows_at_once(client, article, saved):
    client.get("/page/")
    saved(
        lambda: CrossReference.objects.create(
            source_article=article, target_title="Air policing in the Baltic"
        )
    )
    assert "reference: Air policing in the Baltic" in client.get("/page/").text


def test_deleting_an_article_shows_at_once(client, article, saved):
    client.get("/page/")
    saved(article.delete)
    assert "Naval staff talks" not in client.get("/page/").text


def test_logged_in_staff_always_get_a_fresh_private_page(client, article, saved):
    client.get("/page/")  # cached for anonymous readers
    client.force_login(make_editor())
    response = client.get("/page/")
    assert response["X-Cache"] == "bypass"
    assert "private" in response["Cache-Control"] and "no-cache" in response["Cache-Control"]
    assert "Cookie" in response["Vary"]


def test_a_reader_without_a_session_is_served_before_the_per_user_middleware(
    client, article, monkeypatch
):
    client.get("/page/")

    def no_session_work(self, request):
        raise AssertionError("a cache hit for a reader without a session loaded a session")

    monkeypatch.setattr(SessionMiddleware, "process_request", no_session_work)
    hit = client.get("/page/")
    assert hit["X-Cache"] == "hit"
    assert "Naval staff talks" in hit.text
    assert client.get("/page/", headers={"if-none-match": hit["ETag"]}).status_code == 304


def test_a_request_asks_the_cache_for_each_thing_once(client, article, switchable):
    caching.content_version()  # made once, before the readers come
    switchable.asked.clear()
    assert client.get("/page/")["X-Cache"] == "miss"
    read = [key for method, key in switchable.asked if method == "get"]
    assert len(read) == len(set(read)), read

    switchable.asked.clear()
    assert client.get("/page/")["X-Cache"] == "hit"
    read = [key for method, key in switchable.asked if method == "get"]
    assert len(read) == len(set(read)), read
    assert all(method == "get" for method, _ in switchable.asked)


def test_a_reader_with_an_anonymous_session_cookie_still_gets_the_cached_page(client, article):
    client.get("/page/")
    client.cookies[settings.SESSION_COOKIE_NAME] = "no-such-session"
    assert client.get("/page/")["X-Cache"] == "hit"


def test_staff_pages_never_reach_the_anonymous_cache(client, article):
    editor_client = Client()
    editor_client.force_login(make_editor())
    editor_client.get("/page/")
    assert client.get("/page/")["X-Cache"] == "miss"


@pytest.mark.parametrize("url", ["/admin/page/", "/preview/page/", "/private/", "/cookie/"])
def test_admin_preview_private_and_cookie_setting_pages_are_never_cached(client, article, url):
    client.get(url)
    response = client.get(url)
    assert response.get("X-Cache") != "hit"


def test_post_is_never_cached(client, article):
    client.get("/page/")
    assert not Client().post("/page/").has_header("X-Cache")


def test_not_modified_on_if_none_match(client, article):
    first = client.get("/page/")
    etag = first["ETag"]
    response = client.get("/page/", headers={"if-none-match": etag})
    assert response.status_code == 304
    assert response.content == b""


def test_not_modified_on_if_modified_since(client, article):
    first = client.get("/page/")
    response = client.get("/page/", headers={"if-modified-since": first["Last-Modified"]})
    assert response.status_code == 304


def test_changed_content_gets_a_new_etag(client, article, saved):
    etag = client.get("/page/")["ETag"]

    def rename():
        article.title = "Another title"
        article.save()

    saved(rename)
    response = client.get("/page/", headers={"if-none-match": etag})
    assert response.status_code == 200
    assert response["ETag"] != etag


# --- Scheduled publication -----------------------------------------------------------


def test_page_lifetime_is_capped_by_the_next_scheduled_publication(saved):
    now = timezone.now()
    saved(
        lambda: make_article(
            "Scheduled", published_at=now + timedelta(seconds=90), status=Article.Status.PUBLISHED
        )
    )
    version = caching.content_version()
    assert 88 <= caching.page_lifetime(version, now=now) <= 90


def test_page_lifetime_without_scheduled_articles_is_the_configured_one(settings, saved):
    settings.PAGE_CACHE_SECONDS = 321
    saved(lambda: make_article("Already out"))
    assert caching.page_lifetime(caching.content_version()) == 321


def test_a_scheduled_article_appears_on_the_first_request_after_its_time(
    client, saved, monkeypatch
):
    start = timezone.now()
    saved(lambda: make_article("Published already"))
    saved(lambda: make_article("Embargoed", published_at=start + timedelta(seconds=30)))

    first = client.get("/page/")
    assert "Embargoed" not in first.text
    assert client.get("/page/")["X-Cache"] == "hit"
    assert int(first["Cache-Control"].split("max-age=")[1].split(",")[0]) <= 30

    # No write happens: only the clock moves past the embargo.
    later = start + timedelta(seconds=31)
    monkeypatch.setattr(timezone, "now", lambda: later)
    response = client.get("/page/")
    assert response["X-Cache"] == "miss"
    assert "Embargoed" in response.text


def test_an_embargo_less_than_a_second_away_is_not_cached(client, saved):
    saved(
        lambda: make_article("Imminent", published_at=timezone.now() + timedelta(milliseconds=500))
    )
    client.get("/page/")
    assert client.get("/page/")["X-Cache"] != "hit"


# --- The cache going away ------------------------------------------------------------


class SwitchableCache(LocMemCache):
    """Local memory that fails like an unreachable server while ``down``, and records what it is asked."""

    down = False
    asked = []  # (method, key)

    def _answer(self, method, key):
        type(self).asked.append((method, key))
        if type(self).down:
            raise ConnectionError("the cache server does not answer")

    def get(self, key, default=None, version=None):
        self._answer("get", key)
        return super().get(key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self._answer("set", key)
        return super().set(key, value, timeout, version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self._answer("add", key)
        return super().add(key, value, timeout, version)


@pytest.fixture
def switchable(settings):
    """Both caches (pages and the content version) on SwitchableCache, up and empty."""
    settings.CACHES = {
        alias: {"BACKEND": "tests.test_caching.SwitchableCache", "LOCATION": f"switchable-{alias}"}
        for alias in ("default", "versions")
    }
    settings.CACHE_RETRY_SECONDS = 0
    SwitchableCache.down = False
    for alias in settings.CACHES:
        caches[alias].clear()
    SwitchableCache.asked = []
    yield SwitchableCache
    SwitchableCache.down = False


def test_unreachable_cache_serves_uncached_logs_and_recovers(client, article, switchable, caplog):
    switchable.down = True
    response = client.get("/page/")
    assert response.status_code == 200
    assert response["X-Cache"] == "off"
    assert "Naval staff talks" in response.text
    assert any(
        r.levelname == "WARNING" and r.name.startswith("articles.caching") for r in caplog.records
    )

    switchable.down = False  # the cache is back: caching resumes by itself
    assert client.get("/page/")["X-Cache"] == "miss"
    assert client.get("/page/")["X-Cache"] == "hit"


def test_after_a_cache_failure_the_cache_is_left_alone_for_a_while(
    client, article, switchable, settings
):
    settings.CACHE_RETRY_SECONDS = 60
    switchable.down = True
    assert client.get("/page/")["X-Cache"] == "off"
    asked = len(switchable.asked)
    response = client.get("/page/")  # no second socket timeout
    assert response.status_code == 200 and response["X-Cache"] == "off"
    assert len(switchable.asked) == asked
    switchable.down = False
    assert client.get("/page/")["X-Cache"] == "off"  # not asked again before the minute is out
    assert len(switchable.asked) == asked


def test_a_write_while_the_cache_was_down_invalidates_once_it_is_back(
    client, article, saved, switchable
):
    client.get("/page/")
    assert client.get("/page/")["X-Cache"] == "hit"

    def rename():
        article.title = "Renamed during the outage"
        article.save()

    switchable.down = True
    saved(rename)  # the new version cannot reach the cache
    switchable.down = False
    # The cache still holds the old page; it must not be served.
    response = client.get("/page/")
    assert "Renamed during the outage" in response.text


def test_pages_stored_before_the_content_version_was_lost_are_not_served(client, article):
    client.get("/page/")
    assert client.get("/page/")["X-Cache"] == "hit"
    caches["versions"].clear()  # the version's store lost its data (a restart, an eviction)
    assert client.get("/page/")["X-Cache"] == "miss"


def test_a_bump_never_comes_back_to_an_earlier_version():
    seen = [caching.content_version()]
    for turn in range(200):
        caching.bump_content_version()
        if turn == 100:
            caches["versions"].clear()
        seen.append(caching.content_version())
    assert len(set(seen)) == len(seen)


# --- The version store of the embedded default -----------------------------------------


@pytest.fixture
def symlink_cache(tmp_path):
    return SymlinkCache(tmp_path / "versions", {"TIMEOUT": None})


def test_the_symlink_cache_keeps_strings_until_replaced(symlink_cache):
    assert symlink_cache.get("content-version") is None
    assert symlink_cache.add("content-version", "one")
    assert not symlink_cache.add("content-version", "two")
    assert symlink_cache.get("content-version") == "one"
    symlink_cache.set("content-version", "three")
    assert symlink_cache.get("content-version") == "three"
    assert symlink_cache.delete("content-version")
    assert symlink_cache.get("content-version", "gone") == "gone"
    symlink_cache.set("content-version", "four")
    symlink_cache.clear()
    assert symlink_cache.get("content-version") is None


def test_the_symlink_cache_refuses_what_it_cannot_keep(symlink_cache):
    with pytest.raises(TypeError):
        symlink_cache.set("content-version", 12)
    with pytest.raises(ValueError):
        symlink_cache.set("content-version", "one", timeout=60)


def test_a_reader_never_finds_the_version_missing_while_others_replace_it(symlink_cache, tmp_path):
    symlink_cache.set("content-version", "first")
    stop = threading.Event()

    def bump():
        while not stop.is_set():
            symlink_cache.set("content-version", uuid.uuid4().hex)

    writers = [threading.Thread(target=bump) for _ in range(2)]
    for writer in writers:
        writer.start()
    try:
        seen = [symlink_cache.get("content-version") for _ in range(5000)]
    finally:
        stop.set()
        for writer in writers:
            writer.join()
    assert None not in seen
    assert len(set(seen)) > 1
    assert len(list((tmp_path / "versions").iterdir())) == 1  # no half-made links left behind
