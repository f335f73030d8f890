"""
Hostile input: random and malicious paths, query strings and form posts to
every public URL and to the admin. A 4xx is fine; a 500 never is. Admin forms
given invalid data say so and save nothing.
"""

from urllib.parse import quote

import pytest
from django.contrib.auth.models import User
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from taggit.models import Tag

from articles.models import Article, CrossReference, Section

from .factories import make_article

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

PUBLIC_URLS = [
    "/",
    "/articles/",
    "/articles/naval-staff-talks/",
    "/tags/",
    "/tags/navy/",
    "/search/",
    "/feed/",
    "/sitemap.xml",
    "/robots.txt",
    "/healthz",
]
PREFIXES = ["/articles/", "/tags/", "/tags/navy/", "/search/", "/admin/", "/preview/", "/"]

NASTY_STRINGS = [
    "\x00",
    "%00",
    "%",
    "%zz",
    "%ff%fe",
    "%c0%ae%c0%ae/",
    "../../etc/passwd",
    "..%2f..%2fetc%2fpasswd",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    '"; DROP TABLE articles_article; --',
    "{{ settings.SECRET_KEY }}",
    "\u202e\u0000\ud7ff",
    "é" * 300,
    "9" * 5000,
    "-1",
    "0",
    "1e309",
    "[[Title]]",
    "*" * 200,
    "a" * 20000,
]

text = st.text(st.characters(codec="utf-8"), max_size=300)
nasty = st.sampled_from(NASTY_STRINGS)
value = st.one_of(text, nasty, st.integers().map(str))
raw_query_part = st.one_of(nasty, text.map(lambda t: quote(t, safe="")), text)


@pytest.fixture
def site():
    make_article(
        "Naval staff talks",
        sections=[{"heading": "Origins", "body": "Text [[Other]].", "tags": ["navy"]}],
        tags=["navy"],
    )
    return Client(raise_request_exception=False)


def assert_no_server_error(response, what):
    assert (
        response.status_code < 500 or response.status_code == 503 and what.startswith("/healthz")
    ), f"{response.status_code} for {what!r}"
    body = response.content[:20000].decode("utf-8", "replace")
    assert "Traceback" not in body, what


@FUZZ
@given(prefix=st.sampled_from(PREFIXES), segment=st.one_of(nasty, text))
def test_random_paths_never_fail(site, prefix, segment):
    for path in (prefix + quote(segment, safe=""), prefix + quote(segment, safe="/%") + "/"):
        assert_no_server_error(site.get(path), path)


@FUZZ
@given(
    url=st.sampled_from(PUBLIC_URLS),
    pairs=st.lists(
        st.tuples(st.sampled_from(["page", "q", "tag", "sort", "x", "page[]", ""]), raw_query_part),
        max_size=4,
    ),
)
def test_random_query_strings_never_fail(site, url, pairs):
    query = "&".join(f"{key}={part}" for key, part in pairs)
    path = f"{url}?{query}"
    assert_no_server_error(site.get(path), path)
    assert_no_server_error(site.head(path), "HEAD " + path)


@pytest.mark.parametrize("url", PUBLIC_URLS)
@pytest.mark.parametrize(
    "query",
    [
        "page=\x00",
        "q=%00",
        "q=" + "x" * 100000,
        "page=99999999999999999999",
        "q=%",
        "q=%E0%A4%A",
        "page=%ff",
    ],
)
def test_known_nasty_queries_never_fail(site, url, query):
    assert_no_server_error(site.get(f"{url}?{query}"), f"{url}?{query}")


@FUZZ
@given(
    url=st.sampled_from(PUBLIC_URLS + ["/admin/login/"]),
    data=st.dictionaries(
        st.sampled_from(
            ["q", "page", "username", "password", "csrfmiddlewaretoken", "next", "title"]
        ),
        value,
        max_size=5,
    ),
    enforce_csrf=st.booleans(),
)
def test_form_posts_never_fail(site, url, data, enforce_csrf):
    client = Client(raise_request_exception=False, enforce_csrf_checks=enforce_csrf)
    users = User.objects.count()
    response = client.post(url, data)
    assert_no_server_error(response, f"POST {url} {data!r:.200}")
    assert User.objects.count() == users


# --- The admin with a logged-in superuser ------------------------------------------------


@pytest.fixture
def admin_client(site):
    User.objects.create_superuser("boss", "boss@example.org", "boss-pass-123")
    client = Client(raise_request_exception=False)
    client.force_login(User.objects.get(username="boss"))
    return client


def rows():
    return (
        Article.objects.count(),
        Section.objects.count(),
        Tag.objects.count(),
        CrossReference.objects.count(),
    )


@FUZZ
@given(
    title=value,
    slug=value,
    summary=value,
    status=value.filter(lambda s: s not in {"draft", "published"}),
    published_at=value,
)
def test_admin_article_form_rejects_invalid_data_and_saves_nothing(
    admin_client, title, slug, summary, status, published_at
):
    before = rows()
    response = admin_client.post(
        "/admin/articles/article/add/",
        {
            "title": title,
            "slug": slug,
            "summary": summary,
            "status": status,
            "published_at_0": published_at,
            "published_at_1": published_at,
        },
    )
    assert_no_server_error(response, f"admin add {title!r:.80}")
    if response.status_code == 200:
        assert b"errornote" in response.content or b"errorlist" in response.content
    assert rows() == before


@FUZZ
@given(name=value, slug=value)
def test_admin_tag_form_never_fails_and_rejects_what_it_cannot_save(admin_client, name, slug):
    before = Tag.objects.count()
    response = admin_client.post("/admin/taggit/tag/add/", {"name": name, "slug": slug})
    assert_no_server_error(response, f"admin tag {name!r:.80}")
    if response.status_code == 200:  # the form again: it said why
        assert b"errornote" in response.content or b"errorlist" in response.content
        assert Tag.objects.count() == before


@FUZZ
@given(fields=st.dictionaries(value, value, max_size=6))
def test_admin_change_form_with_garbage_saves_nothing(admin_client, fields):
    article = Article.objects.get()
    before = (rows(), Article.objects.values().get(pk=article.pk))
    response = admin_client.post(f"/admin/articles/article/{article.pk}/change/", fields)
    assert_no_server_error(response, f"admin change {fields!r:.200}")
    assert (rows(), Article.objects.values().get(pk=article.pk)) == before


@FUZZ
@given(segment=st.one_of(nasty, text))
def test_admin_urls_with_garbage_ids_never_fail(admin_client, segment):
    for path in (
        f"/admin/articles/article/{quote(segment, safe='')}/change/",
        f"/admin/articles/article/?q={quote(segment, safe='')}",
        f"/admin/articles/article/?o={quote(segment, safe='')}",
        f"/admin/taggit/tag/{quote(segment, safe='')}/delete/",
    ):
        assert_no_server_error(admin_client.get(path), path)
