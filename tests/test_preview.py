"""Draft previews: for staff by slug, and for reviewers by a signed, expiring, revocable link."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.core import signing
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from articles.editorial import preview_links
from articles.models import Article, PreviewLink
from tests.factories import make_article, make_editor

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft():
    return make_article(
        "Unpublished piece",
        status=Article.Status.DRAFT,
        sections=[{"heading": "Inside", "body": "Draft text."}],
    )


def shared_url(token):
    return reverse("preview:shared", kwargs={"token": token})


def assert_not_indexed(response):
    assert "noindex" in response["X-Robots-Tag"]
    assert '<meta name="robots" content="noindex' in response.content.decode()
    assert "no-store" in response["Cache-Control"]


def test_staff_see_a_draft_with_a_banner(client, draft):
    client.force_login(make_editor())
    response = client.get(reverse("preview:article", kwargs={"slug": draft.slug}))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Draft preview" in page
    assert "Draft text." in page
    assert_not_indexed(response)


def test_staff_see_a_scheduled_article(client):
    scheduled = make_article("Coming soon", published_at=timezone.now() + timedelta(days=2))
    client.force_login(make_editor())
    response = client.get(reverse("preview:article", kwargs={"slug": scheduled.slug}))
    assert response.status_code == 200
    assert "scheduled for" in response.content.decode()


def test_anonymous_and_non_staff_get_404(client, draft):
    url = reverse("preview:article", kwargs={"slug": draft.slug})
    assert client.get(url).status_code == 404
    client.force_login(User.objects.create_user("reader", password="x-very-long-pass"))
    assert client.get(url).status_code == 404
    assert client.get(reverse("articles:detail", kwargs={"slug": draft.slug})).status_code == 404


def test_unknown_slug_is_404_for_staff(client):
    client.force_login(make_editor())
    assert client.get(reverse("preview:article", kwargs={"slug": "nothing"})).status_code == 404


def test_a_preview_link_shows_one_article_to_anyone(client, draft):
    link, token = preview_links.create_preview_link(article=draft)
    response = client.get(shared_url(token))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Unpublished piece" in page and "Draft preview" in page
    assert_not_indexed(response)
    assert response["Referrer-Policy"] == "no-referrer"
    assert link.expires_at - timezone.now() > timedelta(days=6, hours=23)


def test_a_link_names_only_its_own_article(client, draft):
    other = make_article("Other draft", status=Article.Status.DRAFT)
    _, token = preview_links.create_preview_link(article=draft)
    page = client.get(shared_url(token)).content.decode()
    assert "Other draft" not in page
    assert client.get(reverse("preview:article", kwargs={"slug": other.slug})).status_code == 404


def test_revoked_link_is_gone(client, draft):
    link, token = preview_links.create_preview_link(article=draft)
    preview_links.revoke_preview_link(link=link)
    response = client.get(shared_url(token))
    assert response.status_code == 410
    assert "withdrawn" in response.content.decode()
    assert "Draft text." not in response.content.decode()
    assert_not_indexed(response)


def test_expired_link_is_gone(client, draft):
    link, token = preview_links.create_preview_link(article=draft)
    PreviewLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = client.get(shared_url(token))
    assert response.status_code == 410
    assert "expired" in response.content.decode()


def test_signature_older_than_the_max_age_is_gone(client, draft):
    with override_settings(PREVIEW_LINK_MAX_AGE_DAYS=1):
        link, token = preview_links.create_preview_link(article=draft)
        PreviewLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() + timedelta(days=9))
        signer = signing.TimestampSigner(salt=preview_links.PREVIEW_SALT)
        old = signer.sign(str(link.pk))
        # Re-sign as if two days ago.
        old_token = signing.TimestampSigner(salt=preview_links.PREVIEW_SALT)
        old_token.timestamp = lambda: signing.b62_encode(
            int(timezone.now().timestamp()) - 2 * 86400
        )
        stale = old_token.sign(str(link.pk))
        assert client.get(shared_url(old)).status_code == 200
        assert client.get(shared_url(stale)).status_code == 410


@pytest.mark.parametrize(
    "token",
    ["nonsense", "1:abc:def", "1", "%00", "a" * 300],
)
def test_tampered_tokens_are_404(client, draft, token):
    preview_links.create_preview_link(article=draft)
    assert client.get(f"/preview/{token}/").status_code == 404


def test_a_token_for_one_link_cannot_be_edited_into_another(client, draft):
    link, token = preview_links.create_preview_link(article=draft)
    other = make_article("Second draft", status=Article.Status.DRAFT)
    other_link, _ = preview_links.create_preview_link(article=other)
    forged = token.replace(str(link.pk), str(other_link.pk), 1)
    assert client.get(shared_url(forged)).status_code == 404


def test_a_token_signed_for_something_else_is_404(client, draft):
    link, _ = preview_links.create_preview_link(article=draft)
    other_salt = signing.TimestampSigner(salt="something-else").sign(str(link.pk))
    assert client.get(shared_url(other_salt)).status_code == 404


def test_a_deleted_link_is_gone(client, draft):
    link, token = preview_links.create_preview_link(article=draft)
    link.delete()
    assert client.get(shared_url(token)).status_code == 410
