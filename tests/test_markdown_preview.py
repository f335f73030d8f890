"""
The article form's live preview: the site's own rendering of a text as it is
typed, with its cross-references' states, the markup the sanitizer dropped
and headings written inside a text. Staff only, CSRF-checked, and never
anything the sanitizer did not pass.
"""

import json

import pytest
from django.contrib.auth.models import User
from django.middleware.csrf import get_token
from django.test import Client, RequestFactory
from django.urls import reverse

from articles.content.rendering import render_markdown, resolve_reference_markers
from articles.editorial.markdown_preview import MAX_PREVIEW_CHARACTERS
from articles.models import Article
from tests.factories import make_article, make_editor
from tests.test_hostile_input import NASTY_STRINGS
from tests.test_sanitizer import (
    ISSUE_EXAMPLES,
    PAYLOADS,
    SHOWN_ATTRIBUTES,
    assert_inert,
    assert_only_allowed,
)

pytestmark = pytest.mark.django_db

URL = reverse("admin:articles_article_markdown_preview")


@pytest.fixture
def editor_client():
    client = Client()
    client.force_login(make_editor())
    return client


def preview(client, text):
    response = client.post(URL, {"text": text})
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"]
    return json.loads(response.content)


# --- Who may ask ------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_the_login_page():
    response = Client().post(URL, {"text": "Hello"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_logged_in_non_staff_are_sent_to_the_login_page():
    client = Client()
    client.force_login(User.objects.create_user("reader"))
    response = client.post(URL, {"text": "Hello"})
    assert response.status_code == 302
    assert b"Hello" not in response.content


def test_staff_who_may_not_write_articles_are_refused():
    client = Client()
    client.force_login(User.objects.create_user("visitor", is_staff=True))
    assert client.post(URL, {"text": "Hello"}).status_code == 403


def test_a_post_without_the_csrf_token_is_refused():
    editor = make_editor()
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    assert client.post(URL, {"text": "Hello"}).status_code == 403
    # With the token the form carries (cookie and field), the same request is answered.
    request = RequestFactory().get("/")
    token = get_token(request)
    client.cookies["csrftoken"] = request.META["CSRF_COOKIE"]
    response = client.post(URL, {"text": "Hello", "csrfmiddlewaretoken": token})
    assert response.status_code == 200
    response = client.post(URL, {"text": "Hello"}, headers={"X-CSRFToken": token})
    assert response.status_code == 200


def test_only_post(editor_client):
    assert editor_client.get(URL, {"text": "Hello"}).status_code == 405


def test_a_text_too_long_to_preview_is_refused_politely(editor_client):
    response = editor_client.post(URL, {"text": "a" * (MAX_PREVIEW_CHARACTERS + 1)})
    assert response.status_code == 413
    assert "too long to preview" in json.loads(response.content)["error"]


# --- What it says -------------------------------------------------------------------------


def test_the_preview_is_the_sites_own_rendering(editor_client):
    data = preview(editor_client, "Some **bold** and *italic* text.\n\n- one\n- two")
    assert data["html"] == render_markdown("Some **bold** and *italic* text.\n\n- one\n- two")
    assert data["words"] == 7
    assert data["dropped"] == [] and data["headings"] == [] and data["references"] == []


def test_cross_references_are_resolved_unpublished_or_wanted(editor_client):
    public = make_article("Naval Treaties")
    draft = make_article("Air Policing", status=Article.Status.DRAFT)
    data = preview(
        editor_client,
        "See [[Naval Treaties#The first treaty]], [[Air Policing]] and [[Space Law]].",
    )
    assert data["references"] == [
        {
            "title": "Naval Treaties",
            "heading": "The first treaty",
            "state": "resolved",
            "url": public.get_absolute_url(),
        },
        {
            "title": "Air Policing",
            "heading": "",
            "state": "unpublished",
            "url": reverse("preview:article", kwargs={"slug": draft.slug}),
        },
        {"title": "Space Law", "heading": "", "state": "wanted", "url": ""},
    ]
    html = data["html"]
    assert f'<a class="xref" href="{public.get_absolute_url()}#the-first-treaty">' in html
    assert f'<a class="xref" href="/preview/articles/{draft.slug}/">Air Policing</a>' in html
    assert '<span class="xref xref-unpublished">Space Law' in html


def test_dropped_markup_and_headings_are_named(editor_client):
    data = preview(
        editor_client,
        "## A heading in a body\n\nText <script>alert(1)</script> and "
        '<a href="javascript:alert(1)" onclick="x()">a link</a>.\n\n'
        "![a picture](https://example.org/p.png)\n\n<div>boxed</div>",
    )
    assert data["headings"] == ["A heading in a body"]
    assert data["dropped"] == [
        "<script>",
        "a javascript: link address",
        "the onclick attribute of <a>",
        "<img>",
        "<div>",
    ]
    assert "<script" not in data["html"] and "<h2" not in data["html"]


# --- Never unsanitized --------------------------------------------------------------------


HOSTILE = PAYLOADS + list(ISSUE_EXAMPLES.values()) + NASTY_STRINGS


@pytest.mark.parametrize("payload", HOSTILE)
def test_hostile_text_comes_back_sanitized(editor_client, payload):
    for text in (payload, f"Some text {payload} more text.\n\n- item {payload}\n"):
        html = preview(editor_client, text)["html"]
        assert_inert(html)
        assert_only_allowed(html, SHOWN_ATTRIBUTES)
        assert html == resolve_reference_markers(render_markdown(text), {})


def test_hostile_text_naming_real_articles_comes_back_sanitized(editor_client):
    make_article("Foo")
    make_article('x" onmouseover="alert(1)', status=Article.Status.DRAFT)
    for payload in HOSTILE:
        html = preview(editor_client, payload)["html"]
        assert_inert(html)
        assert_only_allowed(html, SHOWN_ATTRIBUTES)
